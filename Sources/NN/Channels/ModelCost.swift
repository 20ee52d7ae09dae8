import Torch

/// What one input costs a model: multiply-accumulates (MACs; FLOPs ≈ 2 × MACs) of its Conv2d and
/// Linear layers, and its parameters. BatchNorm, activations and pooling are not counted (a few
/// percent of a CNN's arithmetic).
public struct ModelCost: Equatable, Sendable {
  /// MACs per layer (dotted name), for one input.
  public let layerMACs: [String: Int]
  public let parameters: Int

  /// MACs of the whole model for one input.
  public var macs: Int { layerMACs.values.reduce(0, +) }

  /// Measures `model` on one zero input of shape `inputShape` ([C, H, W], or [features]): one
  /// forward pass in evaluation mode without gradients gives each convolution's output size.
  public init(of model: any Module, inputShape: [Int]) throws {
    let wasTraining = model.isTraining
    model.eval()
    defer { model.train(wasTraining) }
    _ = try Torch.withNoGrad { try model(Tensor.zeros([1] + inputShape, device: model.device)) }
    var macs: [String: Int] = [:]
    for (name, module) in model.namedModules() {
      if let conv = module as? Conv2d, let size = conv.lastOutputSize {
        macs[name] = conv.weight.count * size.height * size.width
      } else if let linear = module as? Linear {
        macs[name] = linear.weight.count
      }
    }
    layerMACs = macs
    parameters = model.parameterCount
  }
}
