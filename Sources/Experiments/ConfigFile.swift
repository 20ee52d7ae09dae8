import Foundation

/// Resolves a `RunConfig`: the defaults, replaced by a JSON or YAML file's settings (by
/// extension: .json, .yaml, .yml), replaced by overrides (the command line's options). Unknown
/// settings and invalid values are errors that name the file and the setting.
public enum ConfigFile {
  /// defaults ← `file` ← `overrides`, validated. Override values are JSON values: numbers,
  /// strings (an enum's raw value), booleans, arrays.
  /// `denseModel`: a model file whose metadata names the architecture, the default of `model`.
  public static func resolve(file path: String? = nil, overrides: [RunConfig.CodingKeys: Any] = [:],
                             denseModel: String? = nil) throws -> RunConfig {
    var object = try path.map { try runSettings(of: try read(path: $0), source: $0) } ?? [:]
    for (key, value) in overrides { object[key.rawValue] = value }
    var defaults = RunConfig()
    if let denseModel, let architecture = try ModelFile.architecture(of: denseModel) { defaults.model = architecture }
    return try config(defaults, with: object, source: path)
  }

  /// `object` checked against RunConfig's setting names.
  static func runSettings(of object: Any, source: String) throws -> [String: Any] {
    try settings(of: object, known: RunConfig.CodingKeys.allCases.map(\.rawValue), source: source)
  }

  /// `defaults` with `object`'s settings, every number finite, validated.
  static func config(_ defaults: RunConfig, with object: [String: Any], source: String?) throws -> RunConfig {
    let config = try merge(defaults, with: try checkedFinite(object, source: source), source: source)
    try config.validate()
    return config
  }

  /// `object` when no setting is NaN or infinite: JSON has neither, so name the setting before
  /// encoding would fail anonymously.
  static func checkedFinite(_ object: [String: Any], source: String?) throws -> [String: Any] {
    for (key, value) in object.sorted(by: { $0.key < $1.key }) {
      let numbers = (value as? [Any] ?? [value]).compactMap { $0 as? Double }
      if let bad = numbers.first(where: { !$0.isFinite }) {
        throw ConfigError("\(source.map { "\($0): " } ?? "")\(key) = \(bad): must be a finite number")
      }
    }
    return object
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

  /// `defaults` with the settings in `object` replaced (the rest keep their default values); a
  /// wrong type or enum value names the setting.
  static func merge<T: Codable>(_ defaults: T, with object: [String: Any], source: String?) throws -> T {
    var merged = try JSONSerialization.jsonObject(with: encoder().encode(defaults)) as! [String: Any]
    for (key, value) in object { merged[key] = value }
    return try decode(T.self, merged, source: source)
  }

  /// The top-level mapping of a JSON or YAML file (by extension).
  static func read(path: String) throws -> [String: Any] {
    let url = URL(fileURLWithPath: path)
    let data: Data
    do { data = try Data(contentsOf: url) } catch { throw ConfigError("cannot read config file \(path): \(error.localizedDescription)") }
    return try parse(data, format: url.pathExtension.lowercased(), path: path)
  }

  /// A run config from the text of a config file in `format` ("json", "yaml", "yml"), as `resolve`
  /// reads a file; `source` names it in errors.
  static func resolve(text: Data, format: String, source: String) throws -> RunConfig {
    try config(RunConfig(), with: try runSettings(of: try parse(text, format: format, path: source), source: source), source: source)
  }

  /// The top-level mapping of config text in `format`.
  static func parse(_ data: Data, format: String, path: String) throws -> [String: Any] {
    let parsed: Any?
    switch format {
    case "json":
      do { parsed = try JSONSerialization.jsonObject(with: data) } catch {
        throw ConfigError("\(path): not valid JSON (\(error.localizedDescription))")
      }
    case "yaml", "yml":
      guard let text = String(data: data, encoding: .utf8) else { throw ConfigError("\(path) is not UTF-8 text") }
      parsed = try YAMLValues.parse(text, source: path)
    default: throw ConfigError("config file \(path): use a .json, .yaml or .yml extension")
    }
    guard let object = parsed as? [String: Any] else { throw ConfigError("\(path): expected a mapping of settings") }
    return object
  }

  /// `object` when all its keys are `known`; else an error naming the unknown ones.
  static func settings(of object: Any, known: [String], source: String) throws -> [String: Any] {
    guard let mapping = object as? [String: Any] else { throw ConfigError("\(source): expected a mapping of settings") }
    let unknown = mapping.keys.filter { !known.contains($0) }.sorted()
    if !unknown.isEmpty {
      throw ConfigError("\(source): unknown setting(s) \(unknown.joined(separator: ", ")); known: \(known.sorted().joined(separator: ", "))")
    }
    return mapping
  }

  /// Decodes a complete settings object; a wrong type or enum value names the setting.
  static func decode<T: Decodable>(_ type: T.Type, _ object: [String: Any], source: String?) throws -> T {
    let prefix = source.map { "\($0): " } ?? ""
    do {
      let data = try JSONSerialization.data(withJSONObject: object)
      return try JSONDecoder().decode(T.self, from: data)
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
