import Torch

/// torchvision's MobileNetV2 (Sandler et al. 2018), width 1.0: `features` (stem, 17 inverted
/// residual blocks, 1x1 conv to 1280) and `classifier` = Dropout(0.2), Linear(1280, classes).
public final class MobileNetV2: Module {
  public let features: Sequential
  public let classifier: Sequential
  public var isTraining = true

  /// (expansion t, output channels c, repeats n, first stride s) from the paper's Table 2.
  static let settings: [(t: Int, c: Int, n: Int, s: Int)] = [
    (1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1),
  ]

  public init(numClasses: Int = 1000, dropout: Double = 0.2) throws {
    var layers: [any Module] = [try convBNReLU6(3, 32, kernel: 3, stride: 2)]
    var input = 32
    for setting in Self.settings {
      for i in 0..<setting.n {
        layers.append(try InvertedResidual(input, setting.c, stride: i == 0 ? setting.s : 1, expandRatio: setting.t))
        input = setting.c
      }
    }
    layers.append(try convBNReLU6(input, 1280, kernel: 1, stride: 1))
    features = Sequential(layers)
    classifier = Sequential([Dropout(p: dropout), try Linear(1280, numClasses)])
    // torchvision: conv kaiming_normal(fan_out), zero conv bias, BN 1/0, Linear N(0, 0.01) and zero bias.
    try Torch.withNoGrad {
      for (_, m) in namedModules() {
        if let conv = m as? Conv2d {
          try conv.weight.copy_(Init.kaimingNormalFanOut(conv.weight.shape))
          try conv.bias?.zero_()
        } else if let bn = m as? BatchNorm2d {
          try bn.weight.fill_(1)
          try bn.bias.zero_()
        } else if let linear = m as? Linear {
          try linear.weight.normal_(mean: 0, std: 0.01)
          try linear.bias?.zero_()
        }
      }
    }
  }

  public var children: [(name: String, module: any Module)] { [("features", features), ("classifier", classifier)] }

  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    try classifier(features(x).adaptiveAvgPool2d((1, 1)).flattened(from: 1))
  }
}

/// Conv2d (no bias) + BatchNorm2d + ReLU6, torchvision's Conv2dNormActivation.
func convBNReLU6(_ input: Int, _ output: Int, kernel: Int, stride: Int, groups: Int = 1) throws -> Sequential {
  Sequential([
    try Conv2d(input, output, kernelSize: kernel, stride: stride, padding: (kernel - 1) / 2, groups: groups, bias: false),
    try BatchNorm2d(output), ReLU6(),
  ])
}

/// Expand (1x1) -> depthwise 3x3 -> project (1x1, linear), with a residual when shapes allow.
public final class InvertedResidual: Module {
  public let conv: Sequential
  public let useResidual: Bool
  public var isTraining = true

  public init(_ input: Int, _ output: Int, stride: Int, expandRatio: Int) throws {
    let hidden = input * expandRatio
    var layers: [any Module] = []
    if expandRatio != 1 { layers.append(try convBNReLU6(input, hidden, kernel: 1, stride: 1)) }
    layers.append(try convBNReLU6(hidden, hidden, kernel: 3, stride: stride, groups: hidden))
    layers.append(try Conv2d(hidden, output, kernelSize: 1, bias: false))
    layers.append(try BatchNorm2d(output))
    conv = Sequential(layers)
    useResidual = stride == 1 && input == output
  }

  public var children: [(name: String, module: any Module)] { [("conv", conv)] }

  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    useResidual ? try x + conv(x) : try conv(x)
  }
}
