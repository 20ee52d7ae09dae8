import Torch

/// A multi-layer perceptron: Linear/ReLU pairs then a Linear head, held in `layers`
/// (PyTorch equivalent: `self.layers = nn.Sequential(Linear, ReLU, ..., Linear)`).
public final class MLP: Module {
  public let layers: Sequential
  public var isTraining = true

  public init(inputSize: Int, hiddenSizes: [Int], outputSize: Int) throws {
    var modules: [any Module] = []
    var width = inputSize
    for h in hiddenSizes {
      modules.append(try Linear(width, h))
      modules.append(ReLU())
      width = h
    }
    modules.append(try Linear(width, outputSize))
    layers = Sequential(modules)
  }

  public var children: [(name: String, module: any Module)] { [("layers", layers)] }

  /// The hidden widths of the MLP whose state dict is `state` (`layers.0.weight` [h1, in],
  /// `layers.2.weight` [h2, h1], ..., the last Linear being the head); nil when `state` is not an MLP's.
  public static func hiddenSizes(in state: [(name: String, tensor: Tensor)]) -> [Int]? {
    let weights = Dictionary(state.map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
    var outputs: [Int] = []
    while let w = weights["layers.\(2 * outputs.count).weight"], w.rank == 2 { outputs.append(w.size(0)) }
    return outputs.isEmpty ? nil : Array(outputs.dropLast())
  }
  public func callAsFunction(_ x: Tensor) throws -> Tensor { try layers(x.flattened(from: 1)) }
}
