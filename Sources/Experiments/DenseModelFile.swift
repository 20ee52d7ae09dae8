import Foundation
import NN
import Torch

/// Loads a dense checkpoint into a model: safetensors, or a PyTorch `torch.save(state_dict)` file.
public enum DenseModelFile {
  /// A `kind` model for `data` with the weights in `path` (an MLP takes the file's widths).
  public static func load(_ path: String, kind: ModelKind, for data: GroupedDataset) throws -> any Module {
    let state = try read(path)
    let model = try kind.make(for: data, matching: state)
    do { try model.loadStateDict(state) } catch let e as StateDictError { throw ConfigError("\(path): \(e)") }
    return model
  }

  /// The state dict in `path` (safetensors or a PyTorch `.pt` state dict), masks left out.
  static func read(_ path: String) throws -> [(name: String, tensor: Tensor)] {
    let url = URL(fileURLWithPath: path)
    guard FileManager.default.fileExists(atPath: url.path) else { throw ConfigError("dense model file \(path) does not exist") }
    let state: [(name: String, tensor: Tensor)]
    switch url.pathExtension.lowercased() {
    case "safetensors": state = try SafeTensors.read(from: url).tensors
    case "pt", "pth", "bin": state = try PyTorchCheckpoint.loadStateDict(from: url).map { ($0.0, $0.1) }
    default: throw ConfigError("dense model file \(path): use .safetensors or a PyTorch .pt/.pth state dict")
    }
    return state.filter { !$0.name.hasSuffix("weight_mask") }
  }

  public static func save(_ model: any Module, to path: String) throws {
    try SafeTensors.write(model.stateDict().map { ($0.name, $0.tensor) }, to: URL(fileURLWithPath: path))
  }
}
