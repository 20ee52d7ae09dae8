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
  public func callAsFunction(_ x: Tensor) throws -> Tensor { try layers(x.flattened(from: 1)) }
}
