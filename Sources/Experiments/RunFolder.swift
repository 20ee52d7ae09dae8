import Foundation
import Torch

/// A run directory and the one rule for reusing it: an existing run is resumed (or, when finished,
/// only read) when its recorded settings, data and dense model equal the new invocation's;
/// otherwise nothing in it changes and the error lists what differs. `--overwrite` removes the
/// run's own files first. Checked before anything is written.
struct RunFolder {
  let directory: URL

  /// Every file a run writes; `--overwrite` removes these and nothing else.
  static let runFiles = ["config.json", "data.json", "inputs.json", "dense_metrics.json", "metrics.jsonl", "steps.jsonl",
                         "checkpoint.safetensors", "report.json", "report.md", "excess_gap.svg", "accuracy.svg",
                         "model.safetensors"]
  /// Settings that may change between sessions of one run: they change speed, not the result's meaning.
  static let resumableSettings: Set<String> = [RunConfig.CodingKeys.threads.rawValue, RunConfig.CodingKeys.replicaCheckSteps.rawValue,
                                                    RunConfig.CodingKeys.device.rawValue]

  /// What the folder holds for this invocation.
  enum State: Equatable {
    /// No run yet (or a run that never got past its settings).
    case fresh
    /// A checkpoint to resume from.
    case resumable
    /// A finished run with these settings: its report is read, not rewritten.
    case finished
  }

  /// What the run started from (inputs.json): the dense model's file and content digest, and a
  /// digest of the data's content (labels, attributes, every input byte).
  struct Inputs: Codable, Equatable {
    var denseFile: String
    var denseDigest: String
    var dataDigest: String

    enum CodingKeys: String, CodingKey {
      case denseFile = "dense_file"
      case denseDigest = "dense_digest"
      case dataDigest = "data_digest"
    }
  }

  func file(_ name: String) -> URL { directory.appendingPathComponent(name) }
  func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: file(name).path) }

  /// Checks the folder against the new invocation without writing anything.
  func check(config: RunConfig, data: DataSpec?, inputs: Inputs, overwrite: Bool) throws -> State {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), !isDirectory.boolValue {
      throw ConfigError("run directory \(directory.path) is a file; give --output a folder")
    }
    guard exists("config.json") || exists("checkpoint.safetensors") else { return .fresh }
    if overwrite { return .fresh }
    var differences = try configDifferences(config)
    if let data, let saved: DataSpec = try readJSON("data.json") {
      differences += Self.dataDifferences(saved: saved, new: data)
    }
    if let saved: Inputs = try readJSON("inputs.json") {
      if saved.denseDigest != inputs.denseDigest {
        differences.append("dense model: \(saved.denseFile) (\(saved.denseDigest)) was used, now \(inputs.denseFile) (\(inputs.denseDigest))")
      }
      if saved.dataDigest != inputs.dataDigest {
        differences.append("data content: digest \(saved.dataDigest) was used, now \(inputs.dataDigest) (the files changed)")
      }
    }
    guard differences.isEmpty else {
      throw ConfigError("\(directory.path) holds a run with other settings; nothing was changed. Differences (saved → now):\n  "
        + differences.joined(separator: "\n  ")
        + "\nUse another --output, or --overwrite to replace that run.")
    }
    if exists("report.json") { return .finished }
    return exists("checkpoint.safetensors") ? .resumable : .fresh
  }

  /// The settings whose saved value differs from `config`'s (threads aside), as "name: saved → new".
  func configDifferences(_ config: RunConfig) throws -> [String] {
    guard let savedObject: [String: Any] = try readObject("config.json") else { return [] }
    // A setting added after the run started takes its default.
    let saved = try ConfigFile.merge(RunConfig(), with: savedObject, source: file("config.json").path)
    return try Self.differences(saved, config, ignoring: Self.resumableSettings)
  }

  /// Per-key differences between two encodable values' JSON objects.
  static func differences<T: Encodable>(_ saved: T, _ new: T, ignoring: Set<String> = []) throws -> [String] {
    let a = try jsonObject(saved), b = try jsonObject(new)
    return Set(a.keys).union(b.keys).subtracting(ignoring).sorted().compactMap { key in
      let x = render(a[key]), y = render(b[key])
      return x == y ? nil : "\(key): \(x) → \(y)"
    }
  }

  static func dataDifferences(saved: DataSpec, new: DataSpec) -> [String] {
    var a = saved, b = new
    // Where decoded images are cached and how many threads decode them do not change the data.
    a.cacheDirectory = nil
    b.cacheDirectory = nil
    a.decodeThreads = 0
    b.decodeThreads = 0
    return ((try? differences(a, b)) ?? ["data: cannot compare"]).map { "data." + $0 }
  }

  static func jsonObject<T: Encodable>(_ value: T) throws -> [String: Any] {
    (try JSONSerialization.jsonObject(with: ConfigFile.encoder().encode(value)) as? [String: Any]) ?? [:]
  }

  static func render(_ value: Any?) -> String {
    guard let value, !(value is NSNull) else { return "(unset)" }
    if JSONSerialization.isValidJSONObject([value]),
       let data = try? JSONSerialization.data(withJSONObject: [value], options: [.sortedKeys]) {
      return String(decoding: data, as: UTF8.self).dropFirst().dropLast().description
    }
    return "\(value)"
  }

  /// A JSON file of the folder decoded, nil when absent; unreadable is an error naming it.
  func readJSON<T: Decodable>(_ name: String) throws -> T? {
    guard exists(name) else { return nil }
    do { return try JSONDecoder().decode(T.self, from: Data(contentsOf: file(name))) } catch {
      throw ConfigError("\(file(name).path) is unreadable (\(error.localizedDescription)); the run folder is damaged: "
                        + "use --overwrite or another --output")
    }
  }

  func readObject(_ name: String) throws -> [String: Any]? {
    guard exists(name) else { return nil }
    guard let data = try? Data(contentsOf: file(name)),
          let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
      throw ConfigError("\(file(name).path) is not a JSON object; the run folder is damaged: use --overwrite or another --output")
    }
    return object
  }

  /// Makes the folder ready to write: creates it, removes temporary files left by a killed
  /// writer, and with `overwrite` the previous run's files.
  func prepare(overwrite: Bool) throws {
    do {
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
      for name in try FileManager.default.contentsOfDirectory(atPath: directory.path)
      where Self.runFiles.contains(where: { name.hasPrefix(".\($0).tmp-") }) {
        try FileManager.default.removeItem(at: file(name))
      }
      if overwrite {
        for name in Self.runFiles where exists(name) { try FileManager.default.removeItem(at: file(name)) }
      }
    } catch {
      throw ConfigError("cannot prepare run directory \(directory.path): \(error.localizedDescription)")
    }
  }
}
