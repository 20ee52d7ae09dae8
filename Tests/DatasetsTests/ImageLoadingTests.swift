import Datasets
import Foundation
import Torch
import XCTest

/// Decoding image lists into memory, bad images, and the file-backed split.
final class ImageLoadingTests: DatasetsTestCase {
  /// Six 16x12 PNGs (lossless, so pixels are known) labelled target = i % 3, attribute = i % 2.
  private func pngList(count: Int = 6) throws -> ImageList {
    let root = tempDir.appendingPathComponent("images")
    var records: [ImageRecord] = []
    for i in 0..<count {
      try write(try ImageCodec.encodePNG(testImage(width: 16, height: 12, seed: i)), to: "img\(i).png", in: root)
      records.append(ImageRecord(path: "img\(i).png", target: i % 3, attributes: [i % 2], origin: "labels.csv:\(i + 2)"))
    }
    return ImageList(root: root, records: records)
  }

  func testLoadDecodesEveryImageWithItsLabels() throws {
    let list = try pngList()
    let (split, skipped) = try ImageSplit.load(list, attributeCount: 1, transform: BatchTransform(),
                                               options: ImageLoadOptions(threads: 2))
    XCTAssertEqual(skipped, [])
    XCTAssertEqual(split.count, 6)
    XCTAssertEqual(split.store.height, 12)
    XCTAssertEqual(split.store.width, 16)
    for i in 0..<6 { XCTAssertEqual(try split.store.image(at: i), testImage(width: 16, height: 12, seed: i)) }
    XCTAssertEqual(split.labels.targets, [0, 1, 2, 0, 1, 2])
    let batch = try split.makeBatch([4], seed: 0)
    XCTAssertEqual(try batch.inputs.toArray(Float.self)[0], Float((4 * 40) % 256) / 255)
  }

  func testDecodeTransformResizesAtLoad() throws {
    let options = ImageLoadOptions(decode: DecodeTransform(resize: .exact(height: 6, width: 8)), threads: 1)
    let (split, _) = try ImageSplit.load(try pngList(), attributeCount: 1, transform: BatchTransform(), options: options)
    XCTAssertEqual(split.store.height, 6)
    XCTAssertEqual(split.store.width, 8)
    XCTAssertEqual(try split.store.image(at: 2), try testImage(width: 16, height: 12, seed: 2).resized(width: 8, height: 6))
  }

  func testCorruptAndMissingImagesFailOrAreSkipped() throws {
    var list = try pngList()
    try write(Data("broken".utf8), to: "img3.png", in: list.root)
    list.records.append(ImageRecord(path: "gone.png", target: 0, attributes: [0], origin: "labels.csv:9"))
    assertThrows(DatasetError.self, "img3.png", "not a JPEG or PNG", "listed at labels.csv:5") {
      try ImageSplit.load(list, attributeCount: 1, transform: BatchTransform(), options: ImageLoadOptions(threads: 1))
    }
    let (split, skipped) = try ImageSplit.load(list, attributeCount: 1, transform: BatchTransform(),
                                               options: ImageLoadOptions(badImages: .skip, threads: 2))
    XCTAssertEqual(split.count, 5)
    XCTAssertEqual(skipped.count, 2)
    XCTAssertTrue(skipped[0].file.hasSuffix("img3.png"))
    XCTAssertTrue(skipped[1].file.hasSuffix("gone.png") && skipped[1].reason.contains("no such file"))
    XCTAssertEqual(split.labels.targets, [0, 1, 2, 1, 2])
  }

  func testImagesOfDifferentSizesNeedAResize() throws {
    let list = try pngList()
    try write(try ImageCodec.encodePNG(testImage(width: 10, height: 10, seed: 0)), to: "img4.png", in: list.root)
    assertThrows(DatasetError.self, "img4.png", "is 10x10", "choose a resize") {
      try ImageSplit.load(list, attributeCount: 1, transform: BatchTransform(), options: ImageLoadOptions(threads: 1))
    }
    let options = ImageLoadOptions(decode: DecodeTransform(resize: .exact(height: 8, width: 8)), threads: 1)
    XCTAssertEqual(try ImageSplit.load(list, attributeCount: 1, transform: BatchTransform(), options: options).split.count, 6)
  }

  func testFileBackedSplitMatchesTheInMemorySplit() throws {
    let list = try pngList()
    let transform = BatchTransform(crop: .random(height: 10, width: 10, padding: 1), horizontalFlip: true, normalization: .imageNet)
    let memory = try ImageSplit.load(list, attributeCount: 1, transform: transform, options: ImageLoadOptions(threads: 1)).split
    let files = try ImageFileSplit(list: list, attributeCount: 1, transform: transform, threads: 2)
    let a = try memory.makeBatch([5, 0, 3], seed: 9)
    let b = try files.makeBatch([5, 0, 3], seed: 9)
    XCTAssertTrue(try a.inputs.equals(b.inputs))
    XCTAssertTrue(try a.targets.equals(b.targets))
    XCTAssertTrue(try a.attributes.equals(b.attributes))
    // Through the loader with prefetch, the file-backed split decodes in the background.
    let loader = try DataLoader(files, batchSize: 4, shuffle: true, seed: 1, prefetch: 2)
    let it = loader.batches(epoch: 0)
    var seen = 0
    while let batch = try it.next() { seen += batch.count }
    XCTAssertEqual(seen, 6)
  }

  func testFileBackedSplitNamesABadFile() throws {
    let list = try pngList()
    try write(Data([0xFF, 0xD8, 0xFF, 0xE0, 0, 16]), to: "img1.png", in: list.root)
    let files = try ImageFileSplit(list: list, attributeCount: 1, transform: BatchTransform(), threads: 1)
    assertThrows(DatasetError.self, "img1.png", "corrupt JPEG") { try files.makeBatch([0, 1], seed: 0) }
  }
}
