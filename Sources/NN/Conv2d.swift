import Torch

/// 2-D convolution (torch.nn.Conv2d, same initialization), with stride, padding, dilation and groups.
public final class Conv2d: MaskableLayer {
  public let weight: Tensor
  /// Settable only by `BatchNormFolding`, which gives a bias-free convolution the folded shift.
  public internal(set) var bias: Tensor?
  public var weightMask: Tensor?
  public var effectiveWeight: Tensor?
  public let stride: (Int, Int)
  public let padding: (Int, Int)
  public let dilation: (Int, Int)
  public let groups: Int
  public var isTraining = true
  /// Height and width of the output of the last forward pass (what `ModelCost` counts with).
  public private(set) var lastOutputSize: (height: Int, width: Int)?

  public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
              dilation: Int = 1, groups: Int = 1, bias: Bool = true) throws {
    guard groups > 0, inChannels % groups == 0, outChannels % groups == 0 else {
      throw TorchError("Conv2d: channels \(inChannels)->\(outChannels) are not divisible by groups \(groups)")
    }
    let shape = [outChannels, inChannels / groups, kernelSize, kernelSize]
    weight = try Init.defaultWeight(shape).requiringGrad()
    self.bias = bias ? try Init.defaultBias(count: outChannels, fanIn: Init.fans(shape).fanIn).requiringGrad() : nil
    self.stride = (stride, stride)
    self.padding = (padding, padding)
    self.dilation = (dilation, dilation)
    self.groups = groups
  }

  public var ownParameters: [(name: String, tensor: Tensor)] {
    [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
  }
  public var ownBuffers: [(name: String, tensor: Tensor)] { weightMask.map { [("weight_mask", $0)] } ?? [] }

  public var outChannels: Int { weight.size(0) }

  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    let y = try Tensor.conv2d(x, weight: effectiveWeight ?? weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
    if y.rank == 4 { lastOutputSize = (y.size(2), y.size(3)) }
    return y
  }
}
