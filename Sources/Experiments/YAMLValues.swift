import Foundation
import Yams

/// YAML text as the JSON-like values a config holds (dictionaries with string keys, arrays,
/// strings, numbers, booleans, null). Converted from Yams' node tree here rather than with
/// `Yams.load`, which traps on a mapping key that is not a plain value (found by fuzzing:
/// `[]: 1`); aliases that would expand past `maxValues` (a "billion laughs") are refused.
enum YAMLValues {
  static let maxValues = 100_000
  static let maxDepth = 64

  static func parse(_ text: String, source: String) throws -> Any? {
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
      // The tag the resolver gave a plain scalar (null, bool, int, float), else a string.
      switch node.tag.description {
      case Tag.Name.null.rawValue: return NSNull()
      case Tag.Name.bool.rawValue: return node.bool ?? scalar.string
      case Tag.Name.int.rawValue: return node.int.map { $0 as Any } ?? node.float.map { $0 as Any } ?? scalar.string
      case Tag.Name.float.rawValue: return node.float ?? scalar.string
      default: return scalar.string
      }
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
}
