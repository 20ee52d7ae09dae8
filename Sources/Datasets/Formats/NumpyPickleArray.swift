import Foundation
import Torch

/// A NumPy array as a pickle describes it: `numpy.core.multiarray._reconstruct(ndarray, (0,), b"b")`
/// followed by BUILD with `(version, shape, dtype, is_fortran, raw_bytes)`, where the dtype is
/// `numpy.dtype(code, 0, 1)` with BUILD state `(3, byte_order, ...)`. Only this shape of data
/// is accepted; nothing is called.
struct NumpyPickleArray {
  var shape: [Int]
  /// Element type code without byte order, e.g. "u1", "i8".
  var code: String
  var data: Data

  /// The globals a NumPy-array pickle may name (Python 2 and 3, NumPy 1 and 2 module names).
  static let allowedGlobals: Set<PickleGlobal> = [
    PickleGlobal("numpy.core.multiarray", "_reconstruct"), PickleGlobal("numpy._core.multiarray", "_reconstruct"),
    PickleGlobal("numpy", "ndarray"), PickleGlobal("numpy", "dtype"), PickleGlobal("_codecs", "encode"),
  ]

  init(_ value: PickleValue, what: String) throws {
    func fail(_ message: String) -> DatasetError { DatasetError("\(what): \(message)") }
    guard case .object(let array) = value, array.callable.name == "_reconstruct",
          case .tuple(let state)? = array.state, state.count == 5 else {
      throw fail("expected a NumPy array, found \(value.kindDescription)")
    }
    guard case .tuple(let dims) = state[1] else { throw fail("array shape is \(state[1].kindDescription)") }
    shape = try dims.map {
      guard case .int(let d) = $0, d >= 0 else { throw fail("array dimension \($0.kindDescription) is not a size") }
      return d
    }
    guard case .object(let dtype) = state[2], dtype.callable == PickleGlobal("numpy", "dtype"),
          let codeValue = dtype.arguments.first, let rawCode = Self.text(codeValue) else {
      throw fail("array dtype is \(state[2].kindDescription)")
    }
    var order = "|"
    if case .tuple(let dtypeState)? = dtype.state, dtypeState.count > 1, let o = Self.text(dtypeState[1]) { order = o }
    guard order != ">" else { throw fail("big-endian arrays are not supported") }
    code = rawCode.hasPrefix("<") || rawCode.hasPrefix("|") || rawCode.hasPrefix("=") ? String(rawCode.dropFirst()) : rawCode
    if case .bool(true) = state[3] { throw fail("Fortran-order arrays are not supported") }
    guard let bytes = Self.bytes(state[4]) else { throw fail("array data is \(state[4].kindDescription)") }
    data = bytes
    let elementSize: Int
    switch code {
    case "u1", "i1", "b1": elementSize = 1
    case "i8", "u8": elementSize = 8
    case "i4", "u4": elementSize = 4
    default: throw fail("dtype \(rawCode) is not supported")
    }
    let expected = shape.reduce(1, *) * elementSize
    guard data.count == expected else { throw fail("\(data.count) data bytes for shape \(shape) of \(code) (expected \(expected))") }
  }

  /// The elements as integers (any supported dtype).
  func integers() -> [Int] {
    data.withUnsafeBytes { raw -> [Int] in
      switch code {
      case "u1", "b1": return raw.map { Int($0) }
      case "i1": return raw.map { Int(Int8(bitPattern: $0)) }
      case "i4": return (0..<(raw.count / 4)).map { Int(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self))) }
      case "u4": return (0..<(raw.count / 4)).map { Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
      default: return (0..<(raw.count / 8)).map { Int(truncatingIfNeeded: Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self))) }
      }
    }
  }

  /// A Python 2 `str` / Python 3 `str` or `bytes` as text.
  static func text(_ value: PickleValue) -> String? {
    switch value {
    case .string(let s): return s
    case .bytes(let b): return String(decoding: b, as: UTF8.self)
    default: return nil
    }
  }

  /// Raw bytes: `bytes`, a Python 2 `str`, or Python 3's protocol-2 spelling of bytes,
  /// `_codecs.encode(text, "latin1")`.
  static func bytes(_ value: PickleValue) -> Data? {
    switch value {
    case .bytes(let b): return b
    case .object(let o) where o.callable == PickleGlobal("_codecs", "encode") && o.arguments.count == 2:
      guard case .string(let s) = o.arguments[0], case .string(let encoding) = o.arguments[1],
            encoding == "latin1" || encoding == "latin-1" else { return nil }
      var out = Data(capacity: s.unicodeScalars.count)
      for u in s.unicodeScalars {
        guard u.value < 256 else { return nil }
        out.append(UInt8(u.value))
      }
      return out
    default: return nil
    }
  }
}

extension PickleValue {
  /// The value of key `name` in a dict whose keys are `str` or `bytes`.
  func entry(_ name: String) -> PickleValue? {
    guard case .dict(let pairs) = self else { return nil }
    return pairs.first { NumpyPickleArray.text($0.key) == name }?.value
  }
}
