import Torch

/// The CIFAR ResNet of He et al. 2016 (section 4.2): 3 stages of (depth-2)/6 BasicBlocks with
/// 16/32/64 channels, 1x1-conv downsampling; layout and names of chenyaofo/pytorch-cifar-models
/// (`conv1`, `bn1`, `layer1.0.conv1`, `layer2.0.downsample.0`, `fc`).
public final class CifarResNet: ChannelCompactable {
  public let conv1: Conv2d, bn1: BatchNorm2d
  public let layer1: Sequential, layer2: Sequential, layer3: Sequential
  public let fc: Linear
  public let depth: Int
  public var isTraining = true

  /// - Parameters:
  ///   - depth: 20, 32, 44, 56 or 110 (any 6n+2).
  ///   - widths: layer widths of a compacted model (`ChannelWidths`); nominal by default.
  public init(depth: Int, numClasses: Int = 100, widths: ChannelWidths = .nominal) throws {
    guard depth >= 8, (depth - 2) % 6 == 0 else { throw TorchError("CifarResNet depth must be 6n+2, got \(depth)") }
    let n = (depth - 2) / 6
    self.depth = depth
    let stem = widths["conv1", nominal: 16]
    conv1 = try Conv2d(3, stem, kernelSize: 3, stride: 1, padding: 1, bias: false)
    bn1 = try BatchNorm2d(stem)
    let built = try basicBlockStages(stem: (16, stem), planes: [16, 32, 64], blocks: [n, n, n], strides: [1, 2, 2], widths: widths)
    layer1 = built.stages[0]
    layer2 = built.stages[1]
    layer3 = built.stages[2]
    fc = try Linear(built.outputWidth, numClasses)
    try initializeResNetStyle(self)
  }

  public static func resnet20(numClasses: Int = 100) throws -> CifarResNet { try CifarResNet(depth: 20, numClasses: numClasses) }
  public static func resnet32(numClasses: Int = 100) throws -> CifarResNet { try CifarResNet(depth: 32, numClasses: numClasses) }
  public static func resnet44(numClasses: Int = 100) throws -> CifarResNet { try CifarResNet(depth: 44, numClasses: numClasses) }
  public static func resnet56(numClasses: Int = 100) throws -> CifarResNet { try CifarResNet(depth: 56, numClasses: numClasses) }
  public static func resnet110(numClasses: Int = 100) throws -> CifarResNet { try CifarResNet(depth: 110, numClasses: numClasses) }

  public var children: [(name: String, module: any Module)] {
    [("conv1", conv1), ("bn1", bn1), ("layer1", layer1), ("layer2", layer2), ("layer3", layer3), ("fc", fc)]
  }

  public var channelTopology: ChannelTopology {
    basicBlockTopology(stages: [("layer1", layer1), ("layer2", layer2), ("layer3", layer3)], head: "fc")
  }

  public func rebuilt(widths: ChannelWidths) throws -> any Module {
    try CifarResNet(depth: depth, numClasses: fc.weight.size(0), widths: widths)
  }

  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    var y = try bn1(conv1(x.matchingLayout(of: conv1.weight))).relu()
    y = try layer3(layer2(layer1(y)))
    return try fc(y.adaptiveAvgPool2d((1, 1)).flattened(from: 1))
  }
}
