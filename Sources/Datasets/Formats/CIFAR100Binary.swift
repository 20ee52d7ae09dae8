import Foundation

/// The binary version of CIFAR-100: records of 1 coarse-label byte, 1 fine-label byte and
/// 3,072 pixel bytes (1,024 red, 1,024 green, 1,024 blue, rows top to bottom).
enum CIFAR100Binary {
  static let recordBytes = 2 + CIFAR100.imageBytes

  static func read(_ url: URL) throws -> CIFAR100.RawSplit {
    let data = try ImageCodec.readFile(url)
    guard data.count % recordBytes == 0 else {
      let whole = data.count / recordBytes
      throw DatasetError("\(data.count) bytes are not whole records of \(recordBytes) bytes: record \(whole) "
                         + "(at byte \(whole * recordBytes)) is truncated", file: url.path)
    }
    let n = data.count / recordBytes
    var pixels = Data(count: n * CIFAR100.imageBytes)
    var fine = [Int](repeating: 0, count: n)
    var coarse = [Int](repeating: 0, count: n)
    try data.withUnsafeBytes { (src: UnsafeRawBufferPointer) in
      try pixels.withUnsafeMutableBytes { (dst: UnsafeMutableRawBufferPointer) in
        for r in 0..<n {
          let base = r * recordBytes
          coarse[r] = Int(src[base])
          fine[r] = Int(src[base + 1])
          guard coarse[r] < 20 else {
            throw DatasetError("record \(r) (at byte \(base)): coarse label \(coarse[r]) is outside 0..<20", file: url.path)
          }
          guard fine[r] < 100 else {
            throw DatasetError("record \(r) (at byte \(base + 1)): fine label \(fine[r]) is outside 0..<100", file: url.path)
          }
          let out = UnsafeMutableRawBufferPointer(rebasing: dst[(r * CIFAR100.imageBytes)..<((r + 1) * CIFAR100.imageBytes)])
          out.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[(base + 2)..<(base + recordBytes)]))
        }
      }
    }
    return CIFAR100.RawSplit(pixels: pixels, fine: fine, coarse: coarse)
  }

  /// `fine_label_names.txt` / `coarse_label_names.txt` (one name a line), or generic names.
  static func labelNames(_ dir: URL) throws -> (fine: [String], coarse: [String]) {
    func names(_ file: String, _ count: Int, _ prefix: String) throws -> [String] {
      let url = dir.appendingPathComponent(file)
      guard FileManager.default.fileExists(atPath: url.path) else { return CIFAR100.genericNames(prefix, count) }
      let text = String(decoding: try ImageCodec.readFile(url), as: UTF8.self)
      let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map {
        $0.trimmingCharacters(in: .whitespaces)
      }.filter { !$0.isEmpty }
      guard lines.count == count else { throw DatasetError("has \(lines.count) names, expected \(count)", file: url.path) }
      return lines
    }
    return (try names("fine_label_names.txt", 100, "fine"), try names("coarse_label_names.txt", 20, "coarse"))
  }
}
