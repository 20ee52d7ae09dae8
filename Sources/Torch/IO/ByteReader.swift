import Foundation

/// A bounds-checked little-endian cursor over a byte buffer, shared by the checkpoint parsers.
///
/// Every read checks the remaining length first and throws a `TorchError` that names the
/// source and the offset, so a truncated or hostile file can never read out of bounds or
/// make us allocate more than the file holds.
struct ByteReader {
  let bytes: Data
  /// Name used in error messages (a path, or a description such as "zip entry x/data.pkl").
  let source: String
  /// Position relative to the start of `bytes` (not `bytes.startIndex`, which a slice may move).
  private(set) var offset: Int = 0

  init(_ bytes: Data, source: String) {
    self.bytes = bytes
    self.source = source
  }

  var count: Int { bytes.count }
  var remaining: Int { bytes.count - offset }
  var isAtEnd: Bool { offset >= bytes.count }

  func error(_ what: String, at position: Int? = nil) -> TorchError {
    TorchError("\(source): \(what) at offset \(position ?? offset)")
  }

  /// Moves to an absolute position inside the buffer.
  mutating func seek(to position: Int) throws {
    guard position >= 0, position <= bytes.count else {
      throw error("position \(position) is outside the \(bytes.count)-byte buffer")
    }
    offset = position
  }

  /// The next `n` bytes as a slice (no copy), advancing past them.
  mutating func read(_ n: Int, what: String = "data") throws -> Data {
    guard n >= 0, n <= remaining else {
      throw error("truncated \(what): needs \(n) bytes, \(remaining) left")
    }
    let start = bytes.startIndex + offset
    offset += n
    return bytes[start..<(start + n)]
  }

  mutating func u8(_ what: String = "byte") throws -> UInt8 {
    guard remaining >= 1 else { throw error("truncated \(what): needs 1 byte, 0 left") }
    let b = bytes[bytes.startIndex + offset]
    offset += 1
    return b
  }

  /// An unsigned little-endian integer of `size` bytes (at most 8).
  mutating func uint(_ size: Int, _ what: String) throws -> UInt64 {
    let raw = try read(size, what: what)
    var value: UInt64 = 0
    for (shift, byte) in raw.enumerated() { value |= UInt64(byte) << (8 * UInt64(shift)) }
    return value
  }

  mutating func u16(_ what: String) throws -> UInt16 { UInt16(truncatingIfNeeded: try uint(2, what)) }
  mutating func u32(_ what: String) throws -> UInt32 { UInt32(truncatingIfNeeded: try uint(4, what)) }
  mutating func u64(_ what: String) throws -> UInt64 { try uint(8, what) }

  /// Bytes up to (not including) the next `terminator`, which is consumed; at most `limit` bytes.
  mutating func line(terminator: UInt8 = 0x0A, limit: Int, what: String) throws -> Data {
    let start = bytes.startIndex + offset
    let end = bytes.startIndex + min(bytes.count, offset + limit + 1)
    guard let at = bytes[start..<end].firstIndex(of: terminator) else {
      throw error("\(what) has no terminating newline within \(limit) bytes")
    }
    let line = bytes[start..<at]
    offset += line.count + 1
    return line
  }
}

/// The absolute range `offset..<offset+length` of `data`, or nil when it does not fit
/// (negative, overflowing or past the end).
func checkedRange(_ offset: Int, _ length: Int, in data: Data) -> Range<Int>? {
  guard offset >= 0, length >= 0 else { return nil }
  let (end, overflow) = offset.addingReportingOverflow(length)
  guard !overflow, end <= data.count else { return nil }
  return (data.startIndex + offset)..<(data.startIndex + end)
}

/// `UInt64` from a file field as an `Int`, or nil when it is beyond `Int.max`.
func intOrNil(_ value: UInt64) -> Int? { value <= UInt64(Int.max) ? Int(value) : nil }
