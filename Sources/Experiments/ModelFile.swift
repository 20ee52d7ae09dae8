import Foundation
import NN
import Sparsity
import Torch

/// FairPrune's version, written into every model file it saves.
public enum FairPruneVersion {
  public static let current = "0.6.0"
}

/// What a model file says about its model (safetensors metadata, all strings): enough to rebuild
/// the architecture without `--model`, plus where the weights came from.
public struct ModelFileMetadata: Equatable, Sendable {
  public var architecture: ModelKind
  public var numClasses: Int
  /// [C, H, W] of one input.
  public var inputShape: [Int]
  /// Fraction of prunable weights that are zero (0 for a dense model).
  public var sparsity: Double = 0
  /// "dense", or the fine-tuning method of the run.
  public var method = "dense"
  /// Group names of the run (empty for a dense model).
  public var groups: [String] = []
  /// Layer widths of a compacted model (`fairprune export --compact`); nil for nominal widths.
  public var widths: ChannelWidths?
  public var version = FairPruneVersion.current

  public init(architecture: ModelKind, numClasses: Int, inputShape: [Int]) {
    self.architecture = architecture
    self.numClasses = numClasses
    self.inputShape = inputShape
  }

  /// A model of `architecture` built for `data` (its input shape and class count).
  public init(architecture: ModelKind, for data: GroupedDataset) {
    self.init(architecture: architecture, numClasses: data.info.numClasses, inputShape: data.train.sampleShape)
  }

  /// The metadata of the FairPrune model file at `path` (header only); nil for other files.
  public static func read(_ path: String) throws -> ModelFileMetadata? {
    guard path.lowercased().hasSuffix(".safetensors"), FileManager.default.fileExists(atPath: path) else { return nil }
    return try ModelFileMetadata(SafeTensors.metadata(from: URL(fileURLWithPath: path)), source: path)
  }

  var strings: [String: String] {
    var groupsJSON = "[]"
    if let data = try? JSONSerialization.data(withJSONObject: groups) { groupsJSON = String(decoding: data, as: UTF8.self) }
    var strings = ["format": "fairprune-model", "architecture": architecture.rawValue, "num_classes": "\(numClasses)",
                   "input_shape": inputShape.map(String.init).joined(separator: ","), "sparsity": "\(sparsity)",
                   "method": method, "groups": groupsJSON, "fairprune_version": version]
    if let widths, let data = try? JSONSerialization.data(withJSONObject: widths.outputs, options: .sortedKeys) {
      strings["widths"] = String(decoding: data, as: UTF8.self)
    }
    return strings
  }

  /// The metadata of a FairPrune model file; nil for files without it (other tools, older versions).
  init?(_ strings: [String: String], source: String) throws {
    guard strings["format"] == "fairprune-model" else { return nil }
    func field(_ key: String) throws -> String {
      guard let value = strings[key] else { throw ConfigError("\(source): metadata lacks \"\(key)\"") }
      return value
    }
    guard let kind = ModelKind(rawValue: try field("architecture")) else {
      throw ConfigError("\(source): metadata architecture \"\(strings["architecture"] ?? "")\" is not one of "
                        + ModelKind.allCases.map(\.rawValue).joined(separator: ", "))
    }
    guard let classes = Int(try field("num_classes")), classes > 0 else {
      throw ConfigError("\(source): metadata num_classes \"\(strings["num_classes"] ?? "")\" is not a positive integer")
    }
    let shape = try field("input_shape").split(separator: ",").map { Int($0) }
    guard !shape.isEmpty, shape.allSatisfy({ ($0 ?? 0) > 0 }) else {
      throw ConfigError("\(source): metadata input_shape \"\(strings["input_shape"] ?? "")\" is not positive integers")
    }
    self.init(architecture: kind, numClasses: classes, inputShape: shape.compactMap { $0 })
    sparsity = strings["sparsity"].flatMap(Double.init) ?? 0
    method = strings["method"] ?? "dense"
    groups = strings["groups"].flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String] } ?? []
    if let text = strings["widths"] {
      guard let outputs = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Int], outputs.values.allSatisfy({ $0 > 0 }) else {
        throw ConfigError("\(source): metadata widths is not an object of positive layer widths: \(text.prefix(80))")
      }
      widths = ChannelWidths(outputs)
    }
    version = strings["fairprune_version"] ?? "?"
  }
}

/// Model files: FairPrune's safetensors (PyTorch key names, pruned weights as zeros, no masks,
/// with `ModelFileMetadata`), other safetensors, and PyTorch `torch.save` state dicts, including
/// `{'state_dict': ...}` wrappers and DataParallel's `module.` prefixes.
public enum ModelFile {
  /// A file's weights with what it says about itself.
  public struct Contents {
    public var state: [(name: String, tensor: Tensor)]
    public var metadata: ModelFileMetadata?
    /// What was done to read it (unwrapped, prefix removed), to tell the user.
    public var notes: [String] = []
  }

  /// The model in `path` for `data`. The architecture comes from `kind`, else from the file's
  /// metadata, else MLP; the class count from the file (metadata or classifier rows) when it has
  /// more classes than the data shows, so data lacking the top class still loads.
  public static func load(_ path: String, kind: ModelKind?, for data: GroupedDataset,
                          notes: ((String) -> Void)? = nil) throws -> any Module {
    let contents = try read(path)
    contents.notes.forEach { notes?($0) }
    let metadata = contents.metadata
    if let kind, let saved = metadata?.architecture, kind != saved {
      throw ConfigError("\(path) holds a \(saved.rawValue) model, but the model setting says \(kind.rawValue); drop --model or fix it")
    }
    let architecture = kind ?? metadata?.architecture ?? .mlp
    if let shape = metadata?.inputShape, shape != data.train.sampleShape {
      throw ConfigError("\(path) was saved for inputs of shape \(shape), the data's are \(data.train.sampleShape) (check --image-size)")
    }
    let hidden = MLP.hiddenSizes(in: contents.state) ?? ModelKind.defaultMLPHidden
    let dataClasses = data.info.numClasses
    let classes = try metadata?.numClasses ?? architecture.classCount(matching: contents.state, for: data, mlpHidden: hidden)
    guard classes >= dataClasses else {
      throw ConfigError("\(path) has \(classes) classes, but the data's labels go up to \(dataClasses - 1): the model was "
                        + "trained for another target or label coding, or on data lacking the top classes (train with --num-classes \(dataClasses))")
    }
    return try build(architecture, inputShape: data.train.sampleShape, numClasses: classes, from: contents, source: path)
  }

  /// A model of `architecture` holding the weights of `contents`, at the widths its tensors have
  /// (a compacted model's are smaller; its metadata must agree with them).
  static func build(_ architecture: ModelKind, inputShape: [Int], numClasses: Int, from contents: Contents,
                    source path: String) throws -> any Module {
    let hidden = MLP.hiddenSizes(in: contents.state) ?? ModelKind.defaultMLPHidden
    let widths = ChannelWidths(state: contents.state)
    if let saved = contents.metadata?.widths,
       let wrong = saved.outputs.sorted(by: { $0.key < $1.key }).first(where: { widths.outputs[$0.key] != $0.value }) {
      throw ConfigError("\(path): metadata says layer \(wrong.key) has \(wrong.value) channels, its weight has \(widths.outputs[wrong.key].map(String.init) ?? "none")")
    }
    do {
      let model = try architecture.make(inputShape: inputShape, numClasses: numClasses, mlpHidden: hidden, widths: widths)
      try model.loadStateDict(contents.state)
      return model
    } catch let e as StateDictError {
      throw ConfigError("\(path) does not fit a \(architecture.rawValue) model: \(e)")
    } catch let e as TorchError {
      throw ConfigError("\(path) does not fit a \(architecture.rawValue) model: \(e)")
    }
  }

  /// The architecture a FairPrune model file names in its metadata (nil for other files).
  public static func architecture(of path: String) throws -> ModelKind? {
    try ModelFileMetadata.read(path)?.architecture
  }

  /// The weights in `path` (masks left out, wrappers and `module.` prefixes removed) and its metadata.
  public static func read(_ path: String) throws -> Contents {
    let url = URL(fileURLWithPath: path)
    guard FileManager.default.fileExists(atPath: url.path) else { throw ConfigError("model file \(path) does not exist") }
    var contents: Contents
    switch url.pathExtension.lowercased() {
    case "safetensors":
      let file = try SafeTensors.read(from: url)
      contents = Contents(state: file.tensors, metadata: try ModelFileMetadata(file.metadata, source: path))
    case "pt", "pth", "bin":
      let loaded = try PyTorchCheckpoint.loadModelState(from: url)
      contents = Contents(state: loaded.state, metadata: nil)
      if let key = loaded.wrapperKey { contents.notes.append("\(path): using the state dict under '\(key)'") }
    default: throw ConfigError("model file \(path): use .safetensors or a PyTorch .pt/.pth state dict")
    }
    contents.state = contents.state.filter { !$0.name.hasSuffix("weight_mask") }
    if !contents.state.isEmpty, contents.state.allSatisfy({ $0.name.hasPrefix("module.") }) {
      contents.state = NamedTensors.entries(contents.state, under: "module.")
      contents.notes.append("\(path): removed the DataParallel prefix 'module.' from every key")
    }
    if let bad = contents.state.first(where: { !$0.tensor.dtype.isFloatingPoint && !$0.name.hasSuffix("num_batches_tracked") }) {
      throw ConfigError("\(path): tensor \(bad.name) is \(bad.tensor.dtype), a model's weights must be floating point")
    }
    for (name, tensor) in contents.state where tensor.dtype.isFloatingPoint {
      let finite = try tensor.isfinite().to(.int64).sum().itemInt()
      if finite < tensor.count {
        throw ConfigError("\(path): tensor \(name) holds \(tensor.count - finite) NaN or infinite value(s) of \(tensor.count); "
                          + "the model diverged or the file is damaged")
      }
    }
    return contents
  }

  /// Saves `model` for others to load: PyTorch key names, no masks, `metadata` in the header.
  public static func save(_ model: any Module, metadata: ModelFileMetadata, to path: String) throws {
    let state = model.stateDict().filter { !$0.name.hasSuffix("weight_mask") }
    do {
      try SafeTensors.write(state.map { ($0.name, $0.tensor) }, metadata: metadata.strings, to: URL(fileURLWithPath: path))
    } catch let e as TorchError {
      throw ConfigError("cannot write model file \(path): \(e)")
    }
  }

  /// What `export` wrote.
  public struct Exported {
    public var metadata: ModelFileMetadata
    /// Parameters before and after compaction (nil when not compacted).
    public var parameters: (before: Int, after: Int)?
  }

  /// Copies the finished run's model (model.safetensors of `runDirectory`) to `output`, checked on
  /// the way; with `compact`, without the channels structured pruning killed (`ChannelCompaction`).
  public static func export(runDirectory: String, to output: String, compact: Bool = false) throws -> Exported {
    let source = URL(fileURLWithPath: runDirectory).appendingPathComponent("model.safetensors").path
    guard FileManager.default.fileExists(atPath: source) else {
      throw ConfigError("\(runDirectory) has no model.safetensors: it is not a run folder, or its run has not finished an epoch at the final sparsity")
    }
    let file = try SafeTensors.read(from: URL(fileURLWithPath: source))
    guard var metadata = try ModelFileMetadata(file.metadata, source: source) else {
      throw ConfigError("\(source) has no FairPrune model metadata")
    }
    guard compact else {
      do {
        try SafeTensors.write(file.tensors.map { ($0.name, $0.tensor) }, metadata: file.metadata, to: URL(fileURLWithPath: output))
      } catch let e as TorchError {
        throw ConfigError("cannot write \(output): \(e)")
      }
      return Exported(metadata: metadata)
    }
    let contents = Contents(state: file.tensors, metadata: metadata)
    let model = try build(metadata.architecture, inputShape: metadata.inputShape, numClasses: metadata.numClasses,
                          from: contents, source: source)
    guard let compactable = model as? any ChannelCompactable else {
      throw ConfigError("\(metadata.architecture.rawValue) models cannot be compacted")
    }
    model.eval()
    let result = try ChannelCompaction.compact(compactable)
    metadata.widths = result.widths
    try save(result.model, metadata: metadata, to: output)
    return Exported(metadata: metadata, parameters: (result.parameterCountBefore, result.parameterCountAfter))
  }
}
