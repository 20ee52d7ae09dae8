import Torch

/// torchvision's ResNet-18/34 (He et al. 2016) with BasicBlocks: 7x7 stem, max-pool,
/// four stages of 64/128/256/512 channels, global average pool, `fc`.
public final class ResNet: ChannelCompactable {
  public let conv1: Conv2d, bn1: BatchNorm2d
  public let layer1: Sequential, layer2: Sequential, layer3: Sequential, layer4: Sequential
  public let fc: Linear
  public let blocks: [Int]
  public var isTraining = true

  /// - Parameter widths: layer widths of a compacted model (`ChannelWidths`); nominal by default.
  public init(blocks: [Int], numClasses: Int = 1000, widths: ChannelWidths = .nominal) throws {
    guard blocks.count == 4, blocks.allSatisfy({ $0 > 0 }) else { throw TorchError("ResNet needs 4 positive stage sizes, got \(blocks)") }
    self.blocks = blocks
    let stem = widths["conv1", nominal: 64]
    conv1 = try Conv2d(3, stem, kernelSize: 7, stride: 2, padding: 3, bias: false)
    bn1 = try BatchNorm2d(stem)
    let built = try basicBlockStages(stem: (64, stem), planes: [64, 128, 256, 512], blocks: blocks, strides: [1, 2, 2, 2], widths: widths)
    layer1 = built.stages[0]
    layer2 = built.stages[1]
    layer3 = built.stages[2]
    layer4 = built.stages[3]
    fc = try Linear(built.outputWidth, numClasses)
    try initializeResNetStyle(self)
  }

  public static func resnet18(numClasses: Int = 1000) throws -> ResNet { try ResNet(blocks: [2, 2, 2, 2], numClasses: numClasses) }
  public static func resnet34(numClasses: Int = 1000) throws -> ResNet { try ResNet(blocks: [3, 4, 6, 3], numClasses: numClasses) }

  public var children: [(name: String, module: any Module)] {
    [("conv1", conv1), ("bn1", bn1), ("layer1", layer1), ("layer2", layer2), ("layer3", layer3), ("layer4", layer4), ("fc", fc)]
  }

  public var channelTopology: ChannelTopology {
    basicBlockTopology(stages: [("layer1", layer1), ("layer2", layer2), ("layer3", layer3), ("layer4", layer4)], head: "fc")
  }

  public func rebuilt(widths: ChannelWidths) throws -> any Module {
    try ResNet(blocks: blocks, numClasses: fc.weight.size(0), widths: widths)
  }

  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    var y = try bn1(conv1(x.matchingLayout(of: conv1.weight))).relu().maxPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1))
    y = try layer4(layer3(layer2(layer1(y))))
    return try fc(y.adaptiveAvgPool2d((1, 1)).flattened(from: 1))
  }
}
