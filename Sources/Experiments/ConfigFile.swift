import Foundation
import Yams

/// Reads a `RunConfig` from a JSON or YAML file (by extension: .json, .yaml, .yml).
public enum ConfigFile {
  public static func load(_ path: String) throws -> RunConfig {
    let url = URL(fileURLWithPath: path)
    let data: Data
    do { data = try Data(contentsOf: url) } catch { throw ConfigError("cannot read config file \(path): \(error.localizedDescription)") }
    do {
      switch url.pathExtension.lowercased() {
      case "json": return try JSONDecoder().decode(RunConfig.self, from: data)
      case "yaml", "yml":
        guard let text = String(data: data, encoding: .utf8) else { throw ConfigError("\(path) is not UTF-8 text") }
        return try YAMLDecoder().decode(RunConfig.self, from: text)
      default: throw ConfigError("config file \(path): use a .json, .yaml or .yml extension")
      }
    } catch let e as ConfigError {
      throw ConfigError("\(path): \(e.message)")
    } catch let DecodingError.typeMismatch(_, ctx), let DecodingError.dataCorrupted(ctx) {
      throw ConfigError("\(path): \(ctx.codingPath.map(\.stringValue).joined(separator: ".")): \(ctx.debugDescription)")
    } catch let DecodingError.valueNotFound(_, ctx) {
      throw ConfigError("\(path): \(ctx.codingPath.map(\.stringValue).joined(separator: ".")): \(ctx.debugDescription)")
    } catch {
      throw ConfigError("\(path): \(error)")
    }
  }

  /// Writes the resolved config as pretty JSON (sorted keys, stable diffs).
  public static func json(_ config: RunConfig) throws -> Data { try encoder(pretty: true).encode(config) }

  /// The JSON encoder of every file a run writes: sorted keys for stable diffs.
  static func encoder(pretty: Bool = false) -> JSONEncoder {
    let encoder = JSONEncoder()
    encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys] : [.sortedKeys]
    return encoder
  }
}
