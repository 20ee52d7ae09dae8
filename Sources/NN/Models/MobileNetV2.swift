import Torch

/// torchvision's MobileNetV2 (Sandler et al. 2018), width 1.0: `features` (stem, 17 inverted
/// residual blocks, 1x1 conv to 1280) and `classifier` = Dropout(0.2), Linear(1280, classes).
public final class MobileNetV2: ChannelCompactable {
  public let features: Sequential
  public let classifier: Sequential
  public let dropout: Double
  public let numClasses: Int
  public var isTraining = true
  /// The first convolution (`features.0.0`), whose layout the input follows.
  private let stemConv: Conv2d

  /// (expansion t, output channels c, repeats n, first stride s) from the paper's Table 2.
  static let settings: [(t: Int, c: Int, n: Int, s: Int)] = [
    (1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1),
  ]

  /// - Parameter widths: layer widths of a compacted model (`ChannelWidths`); nominal by default.
  public init(numClasses: Int = 1000, dropout: Double = 0.2, widths: ChannelWidths = .nominal) throws {
    self.dropout = dropout
    self.numClasses = numClasses
    let stem = widths["features.0.0", nominal: 32]
    stemConv = try Conv2d(3, stem, kernelSize: 3, stride: 2, padding: 1, bias: false)
    var layers: [any Module] = [Sequential([stemConv, try BatchNorm2d(stem), ReLU6(inPlace: true)])]
    var nominalIn = 32
    var input = stem
    for setting in Self.settings {
      for i in 0..<setting.n {
        let stride = i == 0 ? setting.s : 1
        let block = try InvertedResidual(input, nominalOutput: setting.c, stride: stride, expandRatio: setting.t,
                                         residual: stride == 1 && nominalIn == setting.c, widths: widths,
                                         name: "features.\(layers.count)")
        layers.append(block)
        nominalIn = setting.c
        input = block.outputWidth
      }
    }
    let last = widths["features.\(layers.count).0", nominal: 1280]
    layers.append(try convBNReLU6(input, last, kernel: 1, stride: 1))
    features = Sequential(layers)
    classifier = Sequential([Dropout(p: dropout), try Linear(last, numClasses)])
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

  /// The stem writes a space read only by the first block's depthwise conv; each block's hidden
  /// channels are two spaces tied by its depthwise conv; consecutive residual blocks share one
  /// stream space.
  public var channelTopology: ChannelTopology {
    var topology = ChannelTopology()
    var stream = topology.newSpace()
    topology.add(ChannelLayer(name: "features.0.0", input: nil, output: stream, batchNorm: "features.0.1", activation: .relu6))
    for (index, module) in features.layers.enumerated() {
      guard let block = module as? InvertedResidual else { continue }
      let name = "features.\(index).conv"
      var hidden = stream
      var next = 0
      if block.expands {
        hidden = topology.newSpace()
        topology.add(ChannelLayer(name: "\(name).0.0", input: stream, output: hidden, batchNorm: "\(name).0.1", activation: .relu6))
        next = 1
      }
      let depthwise = topology.newSpace()
      topology.add(ChannelLayer(name: "\(name).\(next).0", input: hidden, output: depthwise, batchNorm: "\(name).\(next).1",
                                activation: .relu6, isDepthwise: true))
      let output = block.useResidual ? stream : topology.newSpace()
      topology.add(ChannelLayer(name: "\(name).\(next + 1)", input: depthwise, output: output, batchNorm: "\(name).\(next + 2)"))
      stream = output
    }
    let last = features.layers.count - 1
    let head = topology.newSpace()
    topology.add(ChannelLayer(name: "features.\(last).0", input: stream, output: head, batchNorm: "features.\(last).1", activation: .relu6))
    topology.add(ChannelLayer(name: "classifier.1", input: head, output: nil))
    return topology
  }

  public func rebuilt(widths: ChannelWidths) throws -> any Module {
    try MobileNetV2(numClasses: numClasses, dropout: dropout, widths: widths)
  }

  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    try classifier(features(x.matchingLayout(of: stemConv.weight)).adaptiveAvgPool2d((1, 1)).flattened(from: 1))
  }
}

/// Conv2d (no bias) + BatchNorm2d + ReLU6, torchvision's Conv2dNormActivation.
func convBNReLU6(_ input: Int, _ output: Int, kernel: Int, stride: Int, groups: Int = 1) throws -> Sequential {
  Sequential([
    try Conv2d(input, output, kernelSize: kernel, stride: stride, padding: (kernel - 1) / 2, groups: groups, bias: false),
    try BatchNorm2d(output), ReLU6(inPlace: true),
  ])
}

/// Expand (1x1) -> depthwise 3x3 -> project (1x1, linear), with a residual when shapes allow.
public final class InvertedResidual: Module {
  public let conv: Sequential
  public let useResidual: Bool
  /// Whether the block has the 1x1 expansion (expansion ratio above 1).
  public let expands: Bool
  /// Channels of the block's output.
  public let outputWidth: Int
  public var isTraining = true

  public convenience init(_ input: Int, _ output: Int, stride: Int, expandRatio: Int) throws {
    try self.init(input, nominalOutput: output, stride: stride, expandRatio: expandRatio,
                  residual: stride == 1 && input == output, widths: .nominal, name: "")
  }

  /// A block named `name` reading `input` channels, with widths from `widths` (nominal: `input ×
  /// expandRatio` hidden and `nominalOutput` out). Throws when the widths break the block: a
  /// depthwise conv whose output differs from its input, or a residual sum of unequal widths.
  public init(_ input: Int, nominalOutput: Int, stride: Int, expandRatio: Int, residual: Bool,
              widths: ChannelWidths, name: String) throws {
    expands = expandRatio != 1
    var layers: [any Module] = []
    var hidden = input
    if expands {
      hidden = widths["\(name).conv.0.0", nominal: input * expandRatio]
      layers.append(try convBNReLU6(input, hidden, kernel: 1, stride: 1))
    }
    let depthwise = "\(name).conv.\(layers.count).0"
    guard widths[depthwise, nominal: hidden] == hidden else {
      throw TorchError("InvertedResidual \(name): depthwise conv \(depthwise) has \(widths[depthwise, nominal: hidden]) channels, its input \(hidden)")
    }
    layers.append(try convBNReLU6(hidden, hidden, kernel: 3, stride: stride, groups: hidden))
    let output = widths["\(name).conv.\(layers.count)", nominal: nominalOutput]
    layers.append(try Conv2d(hidden, output, kernelSize: 1, bias: false))
    layers.append(try BatchNorm2d(output))
    conv = Sequential(layers)
    outputWidth = output
    useResidual = residual
    if residual && output != input {
      throw TorchError("InvertedResidual \(name): the residual sum adds \(output) output channels to \(input) input channels")
    }
  }

  public var children: [(name: String, module: any Module)] { [("conv", conv)] }

  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    useResidual ? try x + conv(x) : try conv(x)
  }
}
