import Torch

/// A layer whose weight can carry a sparsity mask (Linear, Conv2d). The mask is a bool buffer
/// named `weight_mask`, saved with the state dict; `Sparsity` keeps masked weights at exactly zero.
public protocol MaskableLayer: Module {
  var weight: Tensor { get }
  var weightMask: Tensor? { get set }
  /// When set, the forward runs on this tensor instead of `weight` (same shape): methods that learn
  /// masks (BiFP) pass `latent ⊙ mask` with gradients to both. Not saved.
  var effectiveWeight: Tensor? { get set }
}

/// y = x·Wᵀ + b (torch.nn.Linear, same initialization).
public final class Linear: MaskableLayer {
  public let weight: Tensor
  public let bias: Tensor?
  public var weightMask: Tensor?
  public var effectiveWeight: Tensor?
  public var isTraining = true

  public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true) throws {
    weight = try Init.defaultWeight([outFeatures, inFeatures]).requiringGrad()
    self.bias = bias ? try Init.defaultBias(count: outFeatures, fanIn: inFeatures).requiringGrad() : nil
  }

  public var ownParameters: [(name: String, tensor: Tensor)] {
    [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
  }
  public var ownBuffers: [(name: String, tensor: Tensor)] { weightMask.map { [("weight_mask", $0)] } ?? [] }

  public func callAsFunction(_ x: Tensor) throws -> Tensor { try Tensor.linear(x, weight: effectiveWeight ?? weight, bias: bias) }
}
