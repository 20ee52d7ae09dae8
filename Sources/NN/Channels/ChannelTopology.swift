import Torch

/// The activation applied to a layer's output (after its BatchNorm) before anything else reads it.
public enum ChannelActivation: Sendable {
  case none, relu, relu6

  /// Whether the activation maps `value` to exactly zero.
  public func isZero(at value: Double) -> Bool {
    switch self {
    case .none: return value == 0
    case .relu, .relu6: return value <= 0
    }
  }
}

/// One Conv2d or Linear layer in a model's channel graph: which channel space it reads and which
/// it writes into (several layers writing the same space are summed, as in a residual stream).
public struct ChannelLayer: Sendable {
  /// Dotted name of the Conv2d or Linear layer.
  public let name: String
  /// The space its input channels belong to; nil for the model's input (never compacted).
  public let input: Int?
  /// The space its output channels belong to; nil for the classifier (never compacted).
  public let output: Int?
  /// The BatchNorm2d directly applied to its output, if any.
  public let batchNorm: String?
  public let activation: ChannelActivation
  /// A depthwise convolution (groups = channels): output channel c reads input channel c only,
  /// so its input and output spaces keep the same channels.
  public let isDepthwise: Bool

  public init(name: String, input: Int?, output: Int?, batchNorm: String? = nil,
              activation: ChannelActivation = .none, isDepthwise: Bool = false) {
    self.name = name
    self.input = input
    self.output = output
    self.batchNorm = batchNorm
    self.activation = activation
    self.isDepthwise = isDepthwise
  }
}

/// How channels flow through a model: spaces of channels that must be removed together (a
/// residual stream is one space across a stage) and the layers that write and read them.
/// `ChannelCompaction` (in Sparsity) uses it to remove channels that are zero everywhere.
public struct ChannelTopology: Sendable {
  public private(set) var spaceCount = 0
  public private(set) var layers: [ChannelLayer] = []

  public init() {}

  /// A new, empty channel space.
  public mutating func newSpace() -> Int {
    spaceCount += 1
    return spaceCount - 1
  }

  public mutating func add(_ layer: ChannelLayer) { layers.append(layer) }
}

/// A model whose channels can be removed: it describes its channel graph and rebuilds itself
/// with other widths.
public protocol ChannelCompactable: Module {
  var channelTopology: ChannelTopology { get }
  /// The same architecture with the layer widths in `widths` (nominal elsewhere), freshly
  /// initialized. Throws when the widths break the architecture (a residual sum of unequal widths).
  func rebuilt(widths: ChannelWidths) throws -> any Module
}

extension ChannelCompactable {
  /// A separate model with the same widths, weights and buffers (masks left out), dtype, device,
  /// memory layout and mode.
  public func copy() throws -> any Module {
    let copy = try rebuilt(widths: channelWidths)
    let parameters = parameters()
    if let first = parameters.first { try copy.to(first.dtype, device: device) }
    try copy.loadStateDict(stateDict().filter { !$0.name.hasSuffix("weight_mask") })
    if parameters.contains(where: { $0.rank == 4 && $0.isChannelsLast }) { try copy.toChannelsLast() }
    copy.train(isTraining)
    return copy
  }
}
