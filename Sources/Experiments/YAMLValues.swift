import Foundation
import Yams

/// YAML text as the JSON-like values a config holds (dictionaries with string keys, arrays,
/// strings, numbers, booleans, null). Converted from Yams' node tree here, with plain scalars
/// typed by the YAML 1.2 core schema, rather than with `Yams.load`, whose constructors trap on
/// inputs the fuzzer found: a mapping key that is not a plain value (`[]: 1`) and a sexagesimal
/// integer that overflows (`22113030122113033001:0`). Aliases that would expand past
/// `maxValues` (a "billion laughs") and nesting deeper than `maxDepth` are refused.
enum YAMLValues {
  static let maxValues = 100_000
  static let maxDepth = 64
  static let maxBytes = 1 << 20
  static let maxIndent = 256

  /// Refuses text whose nesting would recurse deep inside the YAML parser before `value` could
  /// count it (the fuzzer overflowed the stack with 3,000 `{`): flow brackets, `- - - …` block
  /// sequences on one line, and indentation, each bounded; a config is far smaller.
  static func checkNesting(_ text: String, source: String) throws {
    let bytes = Array(text.utf8)
    guard bytes.count <= maxBytes else { throw ConfigError("\(source): \(bytes.count) bytes; a config file is at most \(maxBytes)") }
    var depth = 0, quote: UInt8? = nil, line = 1, column = 0, dashes = 0, leading = true
    for b in bytes {
      if b == 10 {
        line += 1
        column = 0
        dashes = 0
        leading = true
        continue
      }
      column += 1
      if leading {
        if b == 32 || b == 9 {
          if column > maxIndent { throw ConfigError("\(source): line \(line) is indented deeper than \(maxIndent) columns") }
          continue
        }
        if b == UInt8(ascii: "-") || b == UInt8(ascii: "?") {
          dashes += 1
          if dashes > maxDepth { throw ConfigError("\(source): line \(line) nests deeper than \(maxDepth) levels") }
          continue
        }
        leading = false
      }
      if let q = quote {
        if b == q { quote = nil }
        continue
      }
      switch b {
      case UInt8(ascii: "\""), UInt8(ascii: "'"): quote = b
      case UInt8(ascii: "["), UInt8(ascii: "{"):
        depth += 1
        if depth > maxDepth { throw ConfigError("\(source): nested deeper than \(maxDepth) levels (line \(line))") }
      case UInt8(ascii: "]"), UInt8(ascii: "}"): depth = max(0, depth - 1)
      default: break
      }
    }
  }

  static func parse(_ text: String, source: String) throws -> Any? {
    try checkNesting(text, source: source)
    let root: Node?
    do { root = try Yams.compose(yaml: text) } catch { throw ConfigError("\(source): not valid YAML (\(error))") }
    guard let root else { return nil }
    var budget = maxValues
    return try value(root, depth: 0, budget: &budget, source: source)
  }

  static func value(_ node: Node, depth: Int, budget: inout Int, source: String) throws -> Any {
    budget -= 1
    let line = node.mark.map { " (line \($0.line))" } ?? ""
    guard budget >= 0 else { throw ConfigError("\(source): more than \(maxValues) values; a config is smaller") }
    guard depth < maxDepth else { throw ConfigError("\(source): nested deeper than \(maxDepth) levels\(line)") }
    switch node {
    case .scalar(let scalar):
      return scalar.style == .plain ? plainValue(scalar.string) : scalar.string
    case .sequence(let sequence):
      return try sequence.map { try value($0, depth: depth + 1, budget: &budget, source: source) }
    case .mapping(let mapping):
      var out: [String: Any] = [:]
      for (key, item) in mapping {
        guard case .scalar(let name) = key else {
          throw ConfigError("\(source): a key\(key.mark.map { " at line \($0.line)" } ?? "") is not a plain name")
        }
        out[name.string] = try value(item, depth: depth + 1, budget: &budget, source: source)
      }
      return out
    }
  }

  /// A plain scalar by the YAML 1.2 core schema: null, true/false, integers (decimal, 0x, 0o),
  /// floats (with .inf and .nan), else the text itself. An integer too large for Int is a float.
  static func plainValue(_ text: String) -> Any {
    switch text {
    case "", "~", "null", "Null", "NULL": return NSNull()
    case "true", "True", "TRUE": return true
    case "false", "False", "FALSE": return false
    case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return Double.infinity
    case "-.inf", "-.Inf", "-.INF": return -Double.infinity
    case ".nan", ".NaN", ".NAN": return Double.nan
    default: break
    }
    if text.hasPrefix("0x"), let v = Int(text.dropFirst(2), radix: 16) { return v }
    if text.hasPrefix("0o"), let v = Int(text.dropFirst(2), radix: 8) { return v }
    let isNumber = text.allSatisfy { "0123456789+-.eE".contains($0) } && text.contains(where: \.isNumber)
    guard isNumber else { return text }
    if let v = Int(text) { return v }
    if let v = Double(text) { return v }
    return text
  }
}
