import Foundation

/// One tensor's description in a safetensors header, already validated against the file.
struct SafeTensorsEntry {
  let name: String
  let dtype: DType
  let shape: [Int]
  /// Byte range inside the data buffer (which starts right after the header).
  let dataRange: Range<Int>
}

/// The parsed and validated header of a safetensors file.
struct SafeTensorsHeader {
  /// The reference implementation's limit (`MAX_HEADER_SIZE`); a larger header is hostile.
  static let maxHeaderLength = 100_000_000
  static let metadataKey = "__metadata__"

  /// Entries in header order.
  let entries: [SafeTensorsEntry]
  let metadata: [String: String]
  /// Offset of the data buffer inside the file (8 + header length).
  let dataStart: Int

  /// The safetensors dtype code of `dtype` ("F32", "BF16", ...).
  static func code(of dtype: DType) -> String {
    switch dtype {
    case .float64: return "F64"
    case .float32: return "F32"
    case .float16: return "F16"
    case .bfloat16: return "BF16"
    case .int64: return "I64"
    case .int32: return "I32"
    case .int16: return "I16"
    case .int8: return "I8"
    case .uint8: return "U8"
    case .bool: return "BOOL"
    }
  }

  static func dtype(code: String) -> DType? { DType.allCases.first { Self.code(of: $0) == code } }

  /// Parses the header of `file` (the whole file's bytes) and checks every entry against
  /// the data buffer. `source` names the file in error messages.
  init(file: Data, source: String) throws {
    func fail(_ what: String) -> TorchError { TorchError("safetensors file \(source): \(what)") }

    guard file.count >= 8 else {
      throw fail("file is \(file.count) bytes, too short for the 8-byte header length")
    }
    var reader = ByteReader(file, source: source)
    let declared = try reader.u64("header length")
    // Checked before anything is allocated: the header must fit in the file and the limit.
    let limit = min(file.count - 8, Self.maxHeaderLength)
    guard declared <= UInt64(limit) else {
      throw fail("header length \(declared) is larger than \(limit) (file size \(file.count) - 8, at most \(Self.maxHeaderLength))")
    }
    let headerLength = Int(declared)
    let headerBytes = [UInt8](try reader.read(headerLength, what: "header"))
    dataStart = 8 + headerLength
    let dataLength = file.count - dataStart

    let json: JSONValue
    do {
      json = try StrictJSONParser.parse(headerBytes)
    } catch let e as TorchError {
      throw fail("header is not valid JSON (\(e.message))")
    }
    guard case .object(let members) = json else {
      throw fail("header must be a JSON object, found \(json.summary)")
    }

    var entries: [SafeTensorsEntry] = []
    var metadata: [String: String]?
    var seen = Set<String>()
    for (key, value) in members {
      guard seen.insert(key).inserted else { throw fail("name \"\(key)\" appears twice in the header") }
      if key == Self.metadataKey {
        metadata = try Self.parseMetadata(value, fail: fail)
      } else {
        entries.append(try Self.parseEntry(name: key, value, dataLength: dataLength, fail: fail))
      }
    }
    try Self.checkNoOverlap(entries, fail: fail)
    self.entries = entries
    self.metadata = metadata ?? [:]
  }

  private static func parseMetadata(_ value: JSONValue, fail: (String) -> TorchError) throws -> [String: String] {
    guard case .object(let pairs) = value else {
      throw fail("\"\(metadataKey)\" must be an object of strings, found \(value.summary)")
    }
    var out: [String: String] = [:]
    for (k, v) in pairs {
      guard case .string(let s) = v else {
        throw fail("\"\(metadataKey)\" value for \"\(k)\" must be a string, found \(v.summary)")
      }
      guard out.updateValue(s, forKey: k) == nil else { throw fail("\"\(metadataKey)\" key \"\(k)\" appears twice") }
    }
    return out
  }

  private static func parseEntry(
    name: String, _ value: JSONValue, dataLength: Int, fail: (String) -> TorchError
  ) throws -> SafeTensorsEntry {
    guard case .object(let fields) = value else {
      throw fail("tensor \"\(name)\" must be an object, found \(value.summary)")
    }
    func field(_ key: String) throws -> JSONValue {
      let matches = fields.filter { $0.key == key }
      guard matches.count == 1 else {
        throw fail("tensor \"\(name)\" " + (matches.isEmpty ? "has no \"\(key)\"" : "has \"\(key)\" twice"))
      }
      return matches[0].value
    }
    func naturals(_ key: String) throws -> [Int] {
      let v = try field(key)
      guard case .array(let items) = v else { throw fail("tensor \"\(name)\" \"\(key)\" must be an array, found \(v.summary)") }
      return try items.map { item in
        guard case .integer(let n) = item, n >= 0 else {
          throw fail("tensor \"\(name)\" \"\(key)\" must hold non-negative integers, found \(item.summary)")
        }
        return n
      }
    }

    let dtypeValue = try field("dtype")
    guard case .string(let code) = dtypeValue, let dtype = dtype(code: code) else {
      throw fail("tensor \"\(name)\" has unsupported dtype \(dtypeValue.summary)")
    }
    let shape = try naturals("shape")
    let offsets = try naturals("data_offsets")
    guard offsets.count == 2 else {
      throw fail("tensor \"\(name)\" \"data_offsets\" must be [begin, end], found \(offsets)")
    }
    let (begin, end) = (offsets[0], offsets[1])
    guard begin <= end, end <= dataLength else {
      throw fail("tensor \"\(name)\" \"data_offsets\" [\(begin), \(end)] are outside the \(dataLength)-byte data buffer")
    }
    guard let byteCount = checkedByteCount(shape: shape, dtype: dtype) else {
      throw fail("tensor \"\(name)\" shape \(shape) overflows the addressable size")
    }
    guard end - begin == byteCount else {
      throw fail("tensor \"\(name)\" \"data_offsets\" [\(begin), \(end)] span \(end - begin) bytes but shape \(shape) of \(code) needs \(byteCount)")
    }
    return SafeTensorsEntry(name: name, dtype: dtype, shape: shape, dataRange: begin..<end)
  }

  /// Two tensors may not share bytes; empty tensors take no bytes and never overlap.
  private static func checkNoOverlap(_ entries: [SafeTensorsEntry], fail: (String) -> TorchError) throws {
    let sorted = entries.filter { !$0.dataRange.isEmpty }.sorted { $0.dataRange.lowerBound < $1.dataRange.lowerBound }
    for (a, b) in zip(sorted, sorted.dropFirst()) where b.dataRange.lowerBound < a.dataRange.upperBound {
      throw fail("tensors \"\(a.name)\" \(a.dataRange) and \"\(b.name)\" \(b.dataRange) overlap in the data buffer")
    }
  }
}

/// `product(shape) * dtype.byteSize`, or nil on overflow.
func checkedByteCount(shape: [Int], dtype: DType) -> Int? {
  var total = dtype.byteSize
  for d in shape {
    let (p, overflow) = total.multipliedReportingOverflow(by: d)
    if overflow { return nil }
    total = p
  }
  return total
}
