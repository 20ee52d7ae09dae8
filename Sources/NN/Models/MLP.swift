import Torch

/// A multi-layer perceptron: Linear/ReLU pairs then a Linear head, held in `layers`
/// (PyTorch equivalent: `self.layers = nn.Sequential(Linear, ReLU, ..., Linear)`).
public final class MLP: ChannelCompactable {
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

  private var linears: [Linear] { layers.layers.compactMap { $0 as? Linear } }

  /// Each hidden layer's units are one space, read by the next Linear.
  public var channelTopology: ChannelTopology {
    var topology = ChannelTopology()
    var input: Int? = nil
    let count = linears.count
    for i in 0..<count {
      let output = i == count - 1 ? nil : topology.newSpace()
      topology.add(ChannelLayer(name: "layers.\(2 * i)", input: input, output: output, activation: output == nil ? .none : .relu))
      input = output
    }
    return topology
  }

  public func rebuilt(widths: ChannelWidths) throws -> any Module {
    let hidden = linears.dropLast().enumerated().map { widths["layers.\(2 * $0.offset)", nominal: $0.element.weight.size(0)] }
    return try MLP(inputSize: linears[0].weight.size(1), hiddenSizes: hidden, outputSize: linears[linears.count - 1].weight.size(0))
  }

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
