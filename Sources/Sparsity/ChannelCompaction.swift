import NN
import Torch

/// A channel-compacted model and what compaction removed.
public struct CompactionResult {
  /// The compacted model: same architecture and names, smaller widths, no masks.
  public let model: any Module
  /// Output widths of the compacted layers (only those that can shrink).
  public let widths: ChannelWidths
  public let parameterCountBefore: Int
  public let parameterCountAfter: Int
}

/// Removes the channels of a structured-pruned model that are zero for every input.
///
/// A layer's output channel is zero when every weight reading a possibly non-zero input channel
/// is zero and its BatchNorm (evaluation mode, running statistics) and activation map zero to
/// zero: a dead channel whose BatchNorm is masked, or whose shift is ≤ 0 before a ReLU. Channels
/// are removed per `ChannelTopology` space, only where they are zero in every layer writing that
/// space: inner channels of residual blocks go whenever they die; a residual stream's channel goes
/// only when it is dead in the stem or downsample and in every block of its stage. The following
/// layers lose the matching input channels. The result computes the same function as the input
/// model in evaluation mode (up to float rounding of the smaller sums); in training mode batch
/// statistics differ only for channels that were constant anyway.
public enum ChannelCompaction {
  public static func compact(_ model: any ChannelCompactable) throws -> CompactionResult {
    let topology = model.channelTopology
    let entries = model.stateDict().filter { !$0.name.hasSuffix("weight_mask") }
    let state = Dictionary(entries.map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
    let kept = try keptChannels(of: topology, state: state)
    var widths: [String: Int] = [:]
    var replaced: [String: Tensor] = [:]
    try Torch.withNoGrad {
      for layer in topology.layers {
        var weight = try tensor("\(layer.name).weight", in: state)
        if let output = layer.output {
          let index = try Tensor(kept[output].map(Int64.init))
          weight = try weight.indexSelect(dim: 0, index: index)
          widths[layer.name] = kept[output].count
          var outputTensors = ["\(layer.name).bias"]
          if let bn = layer.batchNorm { outputTensors += ["weight", "bias", "running_mean", "running_var"].map { "\(bn).\($0)" } }
          for name in outputTensors {
            if let t = state[name] { replaced[name] = try t.indexSelect(dim: 0, index: index) }
          }
        }
        if let input = layer.input, !layer.isDepthwise {
          weight = try weight.indexSelect(dim: 1, index: Tensor(kept[input].map(Int64.init)))
        }
        replaced["\(layer.name).weight"] = weight
      }
    }
    let compacted = entries.map { (name: $0.name, tensor: replaced[$0.name] ?? $0.tensor) }
    let result = try model.rebuilt(widths: ChannelWidths(widths))
    try result.loadStateDict(compacted)
    result.train(model.isTraining)
    return CompactionResult(model: result, widths: ChannelWidths(widths), parameterCountBefore: model.parameterCount,
                            parameterCountAfter: result.parameterCount)
  }

  /// The channels kept in each space (ascending indices): those that may be non-zero, found as a
  /// fixed point (a channel that reads only zero channels through non-zero weights is zero too).
  static func keptChannels(of topology: ChannelTopology, state: [String: Tensor]) throws -> [[Int]] {
    let facts = try topology.layers.map { try LayerFacts(layer: $0, state: state) }
    var widths = [Int?](repeating: nil, count: topology.spaceCount)
    for (layer, fact) in zip(topology.layers, facts) {
      if let output = layer.output { try agree(&widths[output], fact.outputs, layer.name, "outputs") }
      if let input = layer.input { try agree(&widths[input], fact.inputs, layer.name, "inputs") }
    }
    var nonzero = widths.map { [Bool](repeating: true, count: $0 ?? 0) }
    while true {
      var next = widths.map { [Bool](repeating: false, count: $0 ?? 0) }
      for (layer, fact) in zip(topology.layers, facts) {
        guard let output = layer.output else { continue }
        let inputLive = layer.input.map { nonzero[$0] }
        for c in 0..<fact.outputs where !next[output][c] {
          next[output][c] = !(fact.readsOnlyZeros(c, inputLive: inputLive) && fact.restsAtZero[c])
        }
      }
      if next == nonzero { break }
      nonzero = next
    }
    var kept = nonzero.map { live in live.contains(true) ? live : live.indices.map { $0 == 0 } }
    // A depthwise conv ties its input channels to its output channels.
    for layer in topology.layers where layer.isDepthwise {
      guard let input = layer.input, let output = layer.output else { continue }
      let readers = topology.layers.filter { $0.input == input }.count
      if readers == 1 {
        kept[input] = kept[output]
      } else {
        let union = zip(kept[input], kept[output]).map { $0 || $1 }
        kept[input] = union
        kept[output] = union
      }
    }
    return kept.map { live in live.indices.filter { live[$0] } }
  }

  private static func agree(_ width: inout Int?, _ value: Int, _ layer: String, _ side: String) throws {
    if let width, width != value {
      throw SparsityError("channel graph: layer \(layer) has \(value) \(side), its channel space has \(width)")
    }
    width = value
  }
}

/// What compaction needs to know of one layer: how strongly each output channel reads each
/// input channel, and whether the output channel is zero when it reads only zeros.
private struct LayerFacts {
  let outputs: Int
  let inputs: Int
  let isDepthwise: Bool
  /// Sum of |w| per (output, input) channel pair, row-major; per output channel for a depthwise conv.
  let strength: [Double]
  /// Whether output channel c is exactly zero (after BatchNorm and activation) when its input sum is zero.
  let restsAtZero: [Bool]

  init(layer: ChannelLayer, state: [String: Tensor]) throws {
    let weight = try tensor("\(layer.name).weight", in: state)
    guard weight.rank == 2 || weight.rank == 4 else {
      throw SparsityError("channel graph: \(layer.name).weight has rank \(weight.rank), expected a Linear or Conv2d weight")
    }
    let outputs = weight.size(0)
    self.outputs = outputs
    isDepthwise = layer.isDepthwise
    guard !isDepthwise || weight.size(1) == 1 else {
      throw SparsityError("channel graph: \(layer.name) is marked depthwise but its weight is \(weight.shape)")
    }
    inputs = isDepthwise ? outputs : weight.size(1)
    let magnitude = try weight.detached().to(.float64).abs()
    strength = try (weight.rank == 4 ? magnitude.sum(dims: [2, 3]) : magnitude).contiguous().toArray(Double.self)
    var rest = try state["\(layer.name).bias"].map { try $0.to(.float64).toArray(Double.self) } ?? Array(repeating: 0, count: outputs)
    if let bn = layer.batchNorm {
      let gamma = try tensor("\(bn).weight", in: state).to(.float64).toArray(Double.self)
      let beta = try tensor("\(bn).bias", in: state).to(.float64).toArray(Double.self)
      let mean = try tensor("\(bn).running_mean", in: state).to(.float64).toArray(Double.self)
      let variance = try tensor("\(bn).running_var", in: state).to(.float64).toArray(Double.self)
      guard [gamma.count, beta.count, mean.count, variance.count].allSatisfy({ $0 == outputs }) else {
        throw SparsityError("channel graph: BatchNorm \(bn) does not have \(outputs) channels like \(layer.name)")
      }
      // PyTorch's eps (1e-5); the exact value only matters where gamma ≠ 0, and then the sign of
      // the result decides, which eps cannot flip unless the mean is exactly at the boundary.
      rest = rest.indices.map { c in gamma[c] == 0 ? beta[c] : (rest[c] - mean[c]) * gamma[c] / (variance[c] + 1e-5).squareRoot() + beta[c] }
    }
    guard rest.count == outputs else {
      throw SparsityError("channel graph: \(layer.name).bias does not have \(outputs) entries")
    }
    let activation = layer.activation
    restsAtZero = rest.map { activation.isZero(at: $0) }
  }

  /// Whether output channel c reads only zero channels (or through zero weights).
  func readsOnlyZeros(_ c: Int, inputLive: [Bool]?) -> Bool {
    if isDepthwise { return strength[c] == 0 || inputLive?[c] == false }
    let row = c * inputs
    for i in 0..<inputs where strength[row + i] != 0 && inputLive?[i] != false { return false }
    return true
  }
}

private func tensor(_ name: String, in state: [String: Tensor]) throws -> Tensor {
  guard let t = state[name] else { throw SparsityError("channel graph: the model has no tensor \(name)") }
  return t
}
