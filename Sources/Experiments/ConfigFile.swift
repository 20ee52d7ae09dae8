import Foundation
import Yams

/// Resolves a `RunConfig`: the defaults, replaced by a JSON or YAML file's settings (by
/// extension: .json, .yaml, .yml), replaced by overrides (the command line's options). Unknown
/// settings and invalid values are errors that name the file and the setting.
public enum ConfigFile {
  /// defaults ← `file` ← `overrides`, validated. Override values are JSON values: numbers,
  /// strings (an enum's raw value), booleans, arrays.
  public static func resolve(file path: String? = nil, overrides: [RunConfig.CodingKeys: Any] = [:]) throws -> RunConfig {
    var object = try defaults()
    if let path {
      for (key, value) in try read(path) { object[key] = value }
    }
    for (key, value) in overrides { object[key.rawValue] = value }
    let config = try decode(object, source: path)
    try config.validate()
    return config
  }

  /// The settings of a config file (checked and validated).
  public static func load(_ path: String) throws -> RunConfig { try resolve(file: path) }

  /// Writes the resolved config as pretty JSON (sorted keys, stable diffs).
  public static func json(_ config: RunConfig) throws -> Data { try encoder(pretty: true).encode(config) }

  /// The JSON encoder of every file a run writes: sorted keys for stable diffs.
  static func encoder(pretty: Bool = false) -> JSONEncoder {
    let encoder = JSONEncoder()
    encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys] : [.sortedKeys]
    return encoder
  }

  /// Every setting with its default value, as a JSON object.
  static func defaults() throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: encoder().encode(RunConfig())) as! [String: Any]
  }

  /// The top-level mapping of a config file, with unknown settings refused.
  static func read(_ path: String) throws -> [String: Any] {
    let url = URL(fileURLWithPath: path)
    let data: Data
    do { data = try Data(contentsOf: url) } catch { throw ConfigError("cannot read config file \(path): \(error.localizedDescription)") }
    let parsed: Any?
    switch url.pathExtension.lowercased() {
    case "json":
      do { parsed = try JSONSerialization.jsonObject(with: data) } catch {
        throw ConfigError("\(path): not valid JSON (\(error.localizedDescription))")
      }
    case "yaml", "yml":
      guard let text = String(data: data, encoding: .utf8) else { throw ConfigError("\(path) is not UTF-8 text") }
      do { parsed = try Yams.load(yaml: text) } catch { throw ConfigError("\(path): not valid YAML (\(error))") }
    default: throw ConfigError("config file \(path): use a .json, .yaml or .yml extension")
    }
    guard let object = parsed as? [String: Any] else { throw ConfigError("\(path): expected a mapping of settings") }
    let known = Set(RunConfig.CodingKeys.allCases.map(\.rawValue))
    let unknown = object.keys.filter { !known.contains($0) }.sorted()
    if !unknown.isEmpty {
      throw ConfigError("\(path): unknown setting(s) \(unknown.joined(separator: ", ")); known: \(known.sorted().joined(separator: ", "))")
    }
    return object
  }

  /// Decodes a complete settings object; a wrong type or enum value names the setting.
  static func decode(_ object: [String: Any], source: String?) throws -> RunConfig {
    let prefix = source.map { "\($0): " } ?? ""
    do {
      let data = try JSONSerialization.data(withJSONObject: object)
      return try JSONDecoder().decode(RunConfig.self, from: data)
    } catch let DecodingError.typeMismatch(_, ctx), let DecodingError.dataCorrupted(ctx),
            let DecodingError.valueNotFound(_, ctx) {
      let key = ctx.codingPath.map(\.stringValue).joined(separator: ".")
      let value = ctx.codingPath.first.flatMap { object[$0.stringValue] }.map { " = \($0)" } ?? ""
      throw ConfigError("\(prefix)\(key)\(value): \(ctx.debugDescription)")
    } catch let e as ConfigError {
      throw e
    } catch {
      throw ConfigError("\(prefix)\(error)")
    }
  }
}
