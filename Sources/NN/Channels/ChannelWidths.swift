import Torch

/// Output widths (channels of a Conv2d, rows of a Linear) of a model's layers by dotted name:
/// what a compacted model differs in from the nominal architecture. Layers not listed keep their
/// nominal width.
public struct ChannelWidths: Equatable, Sendable {
  public var outputs: [String: Int]

  public init(_ outputs: [String: Int] = [:]) { self.outputs = outputs }

  /// The nominal architecture: every layer at its default width.
  public static let nominal = ChannelWidths()

  /// The width of layer `name`, or `nominal` when it is not listed.
  public subscript(_ name: String, nominal nominal: Int) -> Int { outputs[name] ?? nominal }

  /// The widths of the layers in a state dict: dimension 0 of every 2-D or 4-D `*.weight`.
  public init(state: [(name: String, tensor: Tensor)]) {
    var outputs: [String: Int] = [:]
    for (name, tensor) in state where name.hasSuffix(".weight") && (tensor.rank == 2 || tensor.rank == 4) {
      outputs[String(name.dropLast(".weight".count))] = tensor.size(0)
    }
    self.init(outputs)
  }
}

extension Module {
  /// The output widths of every Conv2d and Linear layer of the model.
  public var channelWidths: ChannelWidths {
    var outputs: [String: Int] = [:]
    for (name, module) in namedModules() {
      if let layer = module as? any MaskableLayer { outputs[name] = layer.weight.size(0) }
    }
    return ChannelWidths(outputs)
  }
}
