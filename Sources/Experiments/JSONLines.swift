import Foundation
import Torch

/// A run's log files of one JSON object per line (metrics.jsonl, steps.jsonl): kept in memory,
/// rewritten whole and atomically at each checkpoint, read back once on resume.
enum JSONLines {
  static func write<T: Encodable>(_ items: [T], to url: URL) throws {
    let encoder = ConfigFile.encoder()
    let lines = try items.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
    try AtomicFileWriter.write(Data((lines.joined(separator: "\n") + "\n").utf8), to: url)
  }

  /// The items that `keep` accepts among a file's `bytes` (nil: the file is absent, no items),
  /// read from `source`; an unreadable line is an error naming the file and line.
  static func read<T: Decodable>(_ type: T.Type, from bytes: [UInt8]?, source url: URL, keep: (T) -> Bool) throws -> [T] {
    guard let bytes, let text = String(validating: bytes, as: UTF8.self) else { return [] }
    var items: [T] = []
    for (n, line) in text.split(separator: "\n").enumerated() {
      do {
        let item = try JSONDecoder().decode(T.self, from: Data(line.utf8))
        if keep(item) { items.append(item) }
      } catch {
        throw ConfigError("\(url.path):\(n + 1): unreadable line: \(error)")
      }
    }
    return items
  }
}
