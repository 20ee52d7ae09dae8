import Datasets
import Foundation
import XCTest

/// The on-disk cache of decoded images: hits, keys that follow the files and the transform, and
/// partial files that are never used.
final class DecodedImageCacheTests: DatasetsTestCase {
  private func list() throws -> ImageList {
    let root = tempDir.appendingPathComponent("images")
    var records: [ImageRecord] = []
    for i in 0..<4 {
      try write(try ImageCodec.encodePNG(testImage(width: 8, height: 6, seed: i)), to: "\(i).png", in: root)
      records.append(ImageRecord(path: "\(i).png", target: i, attributes: [0]))
    }
    return ImageList(root: root, records: records)
  }

  private func cacheFiles(_ dir: URL) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
  }

  func testSecondLoadReadsTheCache() throws {
    let list = try list()
    let cacheDir = tempDir.appendingPathComponent("cache")
    let options = ImageLoadOptions(threads: 1, cacheDirectory: cacheDir)
    let first = try ImageSplit.load(list, attributeCount: 1, transform: BatchTransform(), options: options).split
    let file = DecodedImageCache(directory: cacheDir).fileURL(for: list, options: options)
    XCTAssertEqual(try cacheFiles(cacheDir), [file.lastPathComponent])
    // Change one stored pixel inside the cache file (same length): a hit must return it.
    var bytes = try Data(contentsOf: file)
    let firstPixel = bytes.count - 8 - 4 * 3 * 6 * 8
    XCTAssertEqual(bytes[firstPixel], 0)  // image 0's red channel is 0 * 40
    bytes[firstPixel] = 77
    try bytes.write(to: file)
    let second = try ImageSplit.load(list, attributeCount: 1, transform: BatchTransform(), options: options).split
    XCTAssertEqual(try second.store.image(at: 0)[0, 0].r, 77)
    XCTAssertEqual(try second.store.image(at: 1), try first.store.image(at: 1))
  }

  func testKeyChangesWithTheFilesAndTheTransform() throws {
    let list = try list()
    let cache = DecodedImageCache(directory: tempDir.appendingPathComponent("cache"))
    let plain = ImageLoadOptions(threads: 1, cacheDirectory: cache.directory)
    var resized = plain
    resized.decode = DecodeTransform(resize: .exact(height: 3, width: 4))
    XCTAssertNotEqual(cache.fileURL(for: list, options: plain), cache.fileURL(for: list, options: resized))
    let before = cache.fileURL(for: list, options: plain)
    try write(try ImageCodec.encodePNG(testImage(width: 8, height: 6, seed: 9)), to: "2.png", in: list.root)
    let attributes: [FileAttributeKey: Any] = [.modificationDate: Date(timeIntervalSinceNow: 100)]
    try FileManager.default.setAttributes(attributes, ofItemAtPath: list.url(at: 2).path)
    XCTAssertNotEqual(cache.fileURL(for: list, options: plain), before)
    // A load after the change decodes the new file, not the old cache.
    _ = try ImageSplit.load(list, attributeCount: 1, transform: BatchTransform(), options: plain)
    try write(try ImageCodec.encodePNG(testImage(width: 8, height: 6, seed: 5)), to: "2.png", in: list.root)
    let split = try ImageSplit.load(list, attributeCount: 1, transform: BatchTransform(), options: plain).split
    XCTAssertEqual(try split.store.image(at: 2), testImage(width: 8, height: 6, seed: 5))
  }

  func testPartialOrForeignCacheFilesAreNeverUsed() throws {
    let list = try list()
    let cacheDir = tempDir.appendingPathComponent("cache")
    let options = ImageLoadOptions(threads: 1, cacheDirectory: cacheDir)
    _ = try ImageSplit.load(list, attributeCount: 1, transform: BatchTransform(), options: options)
    let file = DecodedImageCache(directory: cacheDir).fileURL(for: list, options: options)
    let complete = try Data(contentsOf: file)
    for damaged in [complete.prefix(complete.count - 1), complete.prefix(complete.count / 2), complete.prefix(10), Data(),
                    complete.prefix(complete.count - 8) + Data("FPIMGXXX".utf8)] {
      try damaged.write(to: file)
      let split = try ImageSplit.load(list, attributeCount: 1, transform: BatchTransform(), options: options).split
      XCTAssertEqual(try split.store.image(at: 3), testImage(width: 8, height: 6, seed: 3))
      XCTAssertEqual(try Data(contentsOf: file), complete, "the damaged file is replaced by a complete one")
    }
    // A file under the right name whose header holds another key is ignored too.
    var foreign = complete
    let keyStart = foreign.range(of: Data("images".utf8))!.lowerBound
    foreign[keyStart] = UInt8(ascii: "I")
    try foreign.write(to: file)
    let split = try ImageSplit.load(list, attributeCount: 1, transform: BatchTransform(), options: options).split
    XCTAssertEqual(try split.store.image(at: 0), testImage(width: 8, height: 6, seed: 0))
    XCTAssertFalse(try cacheFiles(cacheDir).contains { $0.contains(".tmp-") }, "no temporary file is left behind")
  }

  func testSkippedImagesAreRememberedByTheCache() throws {
    let list = try list()
    try write(Data("bad".utf8), to: "1.png", in: list.root)
    let options = ImageLoadOptions(badImages: .skip, threads: 1, cacheDirectory: tempDir.appendingPathComponent("cache"))
    let first = try ImageSplit.load(list, attributeCount: 1, transform: BatchTransform(), options: options)
    let second = try ImageSplit.load(list, attributeCount: 1, transform: BatchTransform(), options: options)
    XCTAssertEqual(first.skipped, second.skipped)
    XCTAssertEqual(second.split.labels.targets, [0, 2, 3])
  }
}
