import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An on-disk cache of decoded images (uint8, planar), so a dataset is decoded once.
///
/// The key is the list's root, every file's relative path, size and modification time, the
/// decode transform and the bad-image policy: changing any source file or the transform gives
/// a new key and a fresh decode. A cache file holds the whole key text in its header and is
/// used only when that text is identical, the file has exactly the expected length and ends
/// with the end marker. It is written to a temporary file, flushed and renamed into place, so
/// an interrupted write never leaves a file that could be taken for complete.
///
/// File layout: `FPIMG001`, header length (UInt64 LE), JSON header, count·C·H·W image bytes,
/// `FPIMGEND`.
public struct DecodedImageCache: Sendable {
  /// Where cache files live (created on first write).
  public let directory: URL

  public init(directory: URL) {
    self.directory = directory
  }

  static let magic = Array("FPIMG001".utf8)
  static let endMarker = Array("FPIMGEND".utf8)

  struct Header: Codable {
    var key: String
    var count: Int
    var channels: Int
    var height: Int
    var width: Int
    var kept: [Int]
    var skipped: [Skipped]
  }

  struct Skipped: Codable {
    var file: String
    var line: Int?
    var reason: String
  }

  /// The key text of `list` decoded with `options`: stats every file.
  static func key(_ list: ImageList, options: ImageLoadOptions) -> String {
    var lines = ["fairprune decoded images v1", "decode: \(options.decode.cacheKey)", "bad images: \(options.badImages.rawValue)",
                 "root: \(list.root.standardizedFileURL.path)", "count: \(list.count)"]
    lines.reserveCapacity(list.count + 5)
    for i in 0..<list.count {
      var info = stat()
      let url = list.url(at: i)
      if stat(url.path, &info) == 0 {
        let ns = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        lines.append("\(list.records[i].path)\t\(info.st_size)\t\(ns)")
      } else {
        lines.append("\(list.records[i].path)\tmissing")
      }
    }
    return lines.joined(separator: "\n")
  }

  /// FNV-1a, 64 bits: names the cache file (the full key is compared on read).
  static func hash(_ text: String) -> String {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    for b in text.utf8 {
      h ^= UInt64(b)
      h = h &* 0x0000_0100_0000_01B3
    }
    let hex = String(h, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
  }

  /// The file that caches `list` decoded with `options` (whether or not it exists yet).
  public func fileURL(for list: ImageList, options: ImageLoadOptions) -> URL {
    url(forKey: Self.key(list, options: options))
  }

  /// The cache file for `key`.
  func url(forKey key: String) -> URL {
    directory.appendingPathComponent("decoded-\(Self.hash(key)).fpimg")
  }

  /// The cached decode of `key`, or nil when there is no complete cache file for exactly it.
  func read(key: String) -> ImageListDecoder.Result? {
    let url = url(forKey: key)
    let fd = open(url.path, O_RDONLY)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { return nil }
    let fileSize = Int(info.st_size)
    guard fileSize >= 24, let prefix = readExactly(fd, 16), Array(prefix[0..<8]) == Self.magic else { return nil }
    let headerLength = prefix[8..<16].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
    guard headerLength > 0, headerLength < fileSize, let headerBytes = readExactly(fd, headerLength),
          let header = try? JSONDecoder().decode(Header.self, from: Data(headerBytes)), header.key == key,
          header.count > 0, header.channels > 0, header.height > 0, header.width > 0 else { return nil }
    let dataBytes = header.count * header.channels * header.height * header.width
    guard fileSize == 16 + headerLength + dataBytes + 8,
          let store = try? ImageStore(count: header.count, channels: header.channels, height: header.height, width: header.width)
    else { return nil }
    let complete = store.withAllMutableBytes { buffer -> Bool in
      var done = 0
      while done < buffer.count {
        let n = Glibc.read(fd, buffer.baseAddress! + done, min(buffer.count - done, 1 << 30))
        if n <= 0 { return false }
        done += n
      }
      return true
    }
    guard complete, readExactly(fd, 8) == Self.endMarker, header.kept.allSatisfy({ $0 >= 0 && $0 < header.count }) else {
      return nil
    }
    return ImageListDecoder.Result(store: store, kept: header.kept, skipped: header.skipped.map {
      SkippedItem(file: $0.file, line: $0.line, reason: $0.reason)
    })
  }

  /// Writes `result` under `key` atomically (temporary file, fsync, rename).
  func write(_ result: ImageListDecoder.Result, key: String) throws {
    do {
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    } catch {
      throw DatasetError("cannot create the cache directory: \(error.localizedDescription)", file: directory.path)
    }
    let store = result.store
    let header = Header(key: key, count: store.count, channels: store.channels, height: store.height, width: store.width,
                        kept: result.kept, skipped: result.skipped.map { Skipped(file: $0.file, line: $0.line, reason: $0.reason) })
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let headerBytes = Array(try encoder.encode(header))
    let destination = url(forKey: key)
    let temp = directory.appendingPathComponent(".\(destination.lastPathComponent).tmp-\(UUID().uuidString)")
    let fd = open(temp.path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
    guard fd >= 0 else { throw DatasetError("cannot create a temporary cache file: \(String(cString: strerror(errno)))", file: temp.path) }
    var renamed = false
    defer {
      if !renamed { unlink(temp.path) }
    }
    var ok = true
    var length = [UInt8](repeating: 0, count: 8)
    for k in 0..<8 { length[k] = UInt8(truncatingIfNeeded: headerBytes.count >> (8 * k)) }
    for part in [Self.magic, length, headerBytes] where ok { ok = part.withUnsafeBytes { writeAll(fd, $0) } }
    if ok { ok = store.withAllBytes { writeAll(fd, $0) } }
    if ok { ok = Self.endMarker.withUnsafeBytes { writeAll(fd, $0) } }
    if ok { ok = fsync(fd) == 0 }
    let closed = close(fd) == 0
    guard ok, closed else { throw DatasetError("cannot write the cache file: \(String(cString: strerror(errno)))", file: temp.path) }
    guard rename(temp.path, destination.path) == 0 else {
      throw DatasetError("cannot rename the cache file into place: \(String(cString: strerror(errno)))", file: destination.path)
    }
    renamed = true
  }

  private func readExactly(_ fd: Int32, _ count: Int) -> [UInt8]? {
    var out = [UInt8](repeating: 0, count: count)
    var done = 0
    let ok = out.withUnsafeMutableBytes { buffer -> Bool in
      while done < count {
        let n = Glibc.read(fd, buffer.baseAddress! + done, count - done)
        if n <= 0 { return false }
        done += n
      }
      return true
    }
    return ok ? out : nil
  }

  private func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
    var done = 0
    while done < bytes.count {
      let n = Glibc.write(fd, bytes.baseAddress! + done, min(bytes.count - done, 1 << 30))
      if n <= 0 { return false }
      done += n
    }
    return true
  }
}
