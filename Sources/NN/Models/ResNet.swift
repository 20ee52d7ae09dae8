import Torch

/// torchvision's ResNet-18/34 (He et al. 2016) with BasicBlocks: 7x7 stem, max-pool,
/// four stages of 64/128/256/512 channels, global average pool, `fc`.
public final class ResNet: Module {
  public let conv1: Conv2d, bn1: BatchNorm2d
  public let layer1: Sequential, layer2: Sequential, layer3: Sequential, layer4: Sequential
  public let fc: Linear
  public var isTraining = true

  public init(blocks: [Int], numClasses: Int = 1000) throws {
    guard blocks.count == 4, blocks.allSatisfy({ $0 > 0 }) else { throw TorchError("ResNet needs 4 positive stage sizes, got \(blocks)") }
    conv1 = try Conv2d(3, 64, kernelSize: 7, stride: 2, padding: 3, bias: false)
    bn1 = try BatchNorm2d(64)
    var inPlanes = 64
    func stage(_ planes: Int, _ count: Int, _ stride: Int) throws -> Sequential {
      var list: [any Module] = []
      for i in 0..<count {
        list.append(try BasicBlock(inPlanes: inPlanes, planes: planes, stride: i == 0 ? stride : 1))
        inPlanes = planes
      }
      return Sequential(list)
    }
    layer1 = try stage(64, blocks[0], 1)
    layer2 = try stage(128, blocks[1], 2)
    layer3 = try stage(256, blocks[2], 2)
    layer4 = try stage(512, blocks[3], 2)
    fc = try Linear(512, numClasses)
    try initializeResNetStyle(self)
  }

  public static func resnet18(numClasses: Int = 1000) throws -> ResNet { try ResNet(blocks: [2, 2, 2, 2], numClasses: numClasses) }
  public static func resnet34(numClasses: Int = 1000) throws -> ResNet { try ResNet(blocks: [3, 4, 6, 3], numClasses: numClasses) }

  public var children: [(name: String, module: any Module)] {
    [("conv1", conv1), ("bn1", bn1), ("layer1", layer1), ("layer2", layer2), ("layer3", layer3), ("layer4", layer4), ("fc", fc)]
  }

  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    var y = try bn1(conv1(x)).relu().maxPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1))
    y = try layer4(layer3(layer2(layer1(y))))
    return try fc(y.adaptiveAvgPool2d((1, 1)).flattened(from: 1))
  }
}
