import Torch

/// The two-3x3-conv residual block of ResNet-18/34 and of the CIFAR ResNets
/// (He et al. 2016); `downsample` is a 1x1 conv + BN when the shape changes.
public final class BasicBlock: Module {
  public let conv1: Conv2d, bn1: BatchNorm2d, conv2: Conv2d, bn2: BatchNorm2d
  public let downsample: Sequential?
  public var isTraining = true

  public init(inPlanes: Int, planes: Int, stride: Int) throws {
    conv1 = try Conv2d(inPlanes, planes, kernelSize: 3, stride: stride, padding: 1, bias: false)
    bn1 = try BatchNorm2d(planes)
    conv2 = try Conv2d(planes, planes, kernelSize: 3, stride: 1, padding: 1, bias: false)
    bn2 = try BatchNorm2d(planes)
    downsample = stride != 1 || inPlanes != planes
      ? Sequential([try Conv2d(inPlanes, planes, kernelSize: 1, stride: stride, bias: false), try BatchNorm2d(planes)])
      : nil
  }

  public var children: [(name: String, module: any Module)] {
    var c: [(name: String, module: any Module)] = [("conv1", conv1), ("bn1", bn1), ("conv2", conv2), ("bn2", bn2)]
    if let downsample { c.append(("downsample", downsample)) }
    return c
  }

  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    let out = try bn2(conv2(bn1(conv1(x)).relu()))
    let identity = try downsample.map { try $0(x) } ?? x
    return try (out + identity).relu()
  }
}

/// Kaiming-normal (fan_out, relu) convolutions and unit/zero BatchNorm, as torchvision's ResNet
/// and chenyaofo's CIFAR ResNet initialize them; Linear layers keep PyTorch's default.
func initializeResNetStyle(_ model: any Module) throws {
  try Torch.withNoGrad {
    for (_, m) in model.namedModules() {
      if let conv = m as? Conv2d {
        try conv.weight.copy_(Init.kaimingNormalFanOut(conv.weight.shape))
      } else if let bn = m as? BatchNorm2d {
        try bn.weight.fill_(1)
        try bn.bias.zero_()
      }
    }
  }
}
