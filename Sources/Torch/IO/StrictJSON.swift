import Foundation

/// A JSON value that keeps object members in file order, as the safetensors header needs
/// (tensor order, duplicate detection); Foundation's `JSONSerialization` loses both.
enum JSONValue: Equatable {
  case null
  case bool(Bool)
  /// An integer literal that fits in `Int`.
  case integer(Int)
  /// Any other number (fraction, exponent, or an integer too large for `Int`).
  case number(Double)
  case string(String)
  case array([JSONValue])
  /// Members in file order; duplicate keys are kept so the caller can report them.
  case object([(key: String, value: JSONValue)])

  static func == (a: JSONValue, b: JSONValue) -> Bool {
    switch (a, b) {
    case (.null, .null): return true
    case let (.bool(x), .bool(y)): return x == y
    case let (.integer(x), .integer(y)): return x == y
    case let (.number(x), .number(y)): return x == y
    case let (.string(x), .string(y)): return x == y
    case let (.array(x), .array(y)): return x == y
    case let (.object(x), .object(y)):
      return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    default: return false
    }
  }

  /// Short rendering for error messages.
  var summary: String {
    switch self {
    case .null: return "null"
    case .bool(let b): return String(b)
    case .integer(let i): return String(i)
    case .number(let d): return String(d)
    case .string(let s): return "\"\(s.prefix(64))\""
    case .array(let a): return "[" + a.prefix(8).map(\.summary).joined(separator: ", ") + (a.count > 8 ? ", ..." : "") + "]"
    case .object(let o): return "{" + o.prefix(4).map { "\"\($0.key)\": ..." }.joined(separator: ", ") + (o.count > 4 ? ", ..." : "") + "}"
    }
  }
}

/// A strict RFC 8259 parser over UTF-8 bytes: no trailing commas, comments, NaN or
/// leading zeros; nesting is limited so hostile input cannot exhaust the stack.
struct StrictJSONParser {
  private let bytes: [UInt8]
  private var i = 0
  private let maxDepth: Int

  /// Parses one JSON document; `bytes` must be valid UTF-8 (checked here).
  static func parse(_ bytes: [UInt8], maxDepth: Int = 64) throws -> JSONValue {
    guard isValidUTF8(bytes) else { throw TorchError("JSON is not valid UTF-8") }
    var parser = StrictJSONParser(bytes: bytes, maxDepth: maxDepth)
    parser.skipSpace()
    let value = try parser.value(depth: 0)
    parser.skipSpace()
    guard parser.i == bytes.count else { throw parser.fail("unexpected text after the JSON value") }
    return value
  }

  private init(bytes: [UInt8], maxDepth: Int) {
    self.bytes = bytes
    self.maxDepth = maxDepth
  }

  private func fail(_ what: String) -> TorchError { TorchError("invalid JSON at byte \(i): \(what)") }

  private mutating func skipSpace() {
    while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
  }

  private mutating func expect(_ literal: String) throws {
    let lit = Array(literal.utf8)
    guard i + lit.count <= bytes.count, Array(bytes[i..<(i + lit.count)]) == lit else {
      throw fail("expected \(literal)")
    }
    i += lit.count
  }

  private mutating func value(depth: Int) throws -> JSONValue {
    guard depth < maxDepth else { throw fail("nesting deeper than \(maxDepth)") }
    guard i < bytes.count else { throw fail("unexpected end") }
    switch bytes[i] {
    case UInt8(ascii: "{"): return try object(depth: depth)
    case UInt8(ascii: "["): return try array(depth: depth)
    case UInt8(ascii: "\""): return .string(try string())
    case UInt8(ascii: "t"): try expect("true"); return .bool(true)
    case UInt8(ascii: "f"): try expect("false"); return .bool(false)
    case UInt8(ascii: "n"): try expect("null"); return .null
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
    default: throw fail("unexpected character '\(Character(Unicode.Scalar(bytes[i])))'")
    }
  }

  private mutating func object(depth: Int) throws -> JSONValue {
    i += 1
    var members: [(key: String, value: JSONValue)] = []
    skipSpace()
    if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
    while true {
      skipSpace()
      guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail("expected a member name") }
      let key = try string()
      skipSpace()
      try expect(":")
      skipSpace()
      members.append((key, try value(depth: depth + 1)))
      skipSpace()
      guard i < bytes.count else { throw fail("unterminated object") }
      if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
      if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
      throw fail("expected ',' or '}' in object")
    }
  }

  private mutating func array(depth: Int) throws -> JSONValue {
    i += 1
    var items: [JSONValue] = []
    skipSpace()
    if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
    while true {
      skipSpace()
      items.append(try value(depth: depth + 1))
      skipSpace()
      guard i < bytes.count else { throw fail("unterminated array") }
      if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
      if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
      throw fail("expected ',' or ']' in array")
    }
  }

  private mutating func string() throws -> String {
    i += 1
    var out: [UInt8] = []
    while true {
      guard i < bytes.count else { throw fail("unterminated string") }
      let c = bytes[i]
      i += 1
      switch c {
      case UInt8(ascii: "\""):
        // The input was validated as UTF-8 and escapes produce valid scalars.
        return String(decoding: out, as: UTF8.self)
      case UInt8(ascii: "\\"):
        guard i < bytes.count else { throw fail("unterminated escape") }
        let e = bytes[i]
        i += 1
        switch e {
        case UInt8(ascii: "\""): out.append(0x22)
        case UInt8(ascii: "\\"): out.append(0x5C)
        case UInt8(ascii: "/"): out.append(0x2F)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"): out.append(contentsOf: Array(String(try unicodeEscape()).utf8))
        default: throw fail("invalid escape \\\(Character(Unicode.Scalar(e)))")
        }
      case 0..<0x20: throw fail("control character in string")
      default: out.append(c)
      }
    }
  }

  /// The scalar of a `\uXXXX` escape (after the `u`), joining UTF-16 surrogate pairs.
  private mutating func unicodeEscape() throws -> Character {
    let high = try hex4()
    if (0xD800..<0xDC00).contains(high) {
      try expect("\\u")
      let low = try hex4()
      guard (0xDC00..<0xE000).contains(low) else { throw fail("unpaired surrogate") }
      let scalar = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
      guard let u = Unicode.Scalar(scalar) else { throw fail("invalid surrogate pair") }
      return Character(u)
    }
    guard let u = Unicode.Scalar(high) else { throw fail("unpaired surrogate") }
    return Character(u)
  }

  private mutating func hex4() throws -> UInt32 {
    guard i + 4 <= bytes.count else { throw fail("truncated \\u escape") }
    var v: UInt32 = 0
    for _ in 0..<4 {
      guard let d = Character(Unicode.Scalar(bytes[i])).hexDigitValue else { throw fail("invalid \\u escape") }
      v = v << 4 | UInt32(d)
      i += 1
    }
    return v
  }

  private mutating func number() throws -> JSONValue {
    let start = i
    func digits() -> Int {
      let s = i
      while i < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[i]) { i += 1 }
      return i - s
    }
    if bytes[i] == UInt8(ascii: "-") { i += 1 }
    let intStart = i
    let intDigits = digits()
    guard intDigits > 0 else { throw fail("number without digits") }
    guard intDigits == 1 || bytes[intStart] != UInt8(ascii: "0") else { throw fail("number with a leading zero") }
    var isInteger = true
    if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
      i += 1
      isInteger = false
      guard digits() > 0 else { throw fail("number without fraction digits") }
    }
    if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
      i += 1
      isInteger = false
      if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
      guard digits() > 0 else { throw fail("number without exponent digits") }
    }
    let text = String(decoding: bytes[start..<i], as: UTF8.self)
    if isInteger, let n = Int(text) { return .integer(n) }
    guard let d = Double(text) else { throw fail("number \(text) out of range") }
    return .number(d)
  }
}

/// True when `bytes` is well-formed UTF-8 (the standard library decoder, which rejects
/// overlong forms and surrogates; portable to every platform the package supports).
func isValidUTF8<C: Collection>(_ bytes: C) -> Bool where C.Element == UInt8 {
  var decoder = UTF8()
  var iterator = bytes.makeIterator()
  while true {
    switch decoder.decode(&iterator) {
    case .scalarValue: continue
    case .emptyInput: return true
    case .error: return false
    }
  }
}
