import Torch

/// The two-3x3-conv residual block of ResNet-18/34 and of the CIFAR ResNets
/// (He et al. 2016); `downsample` is a 1x1 conv + BN when the shape changes.
public final class BasicBlock: Module {
  public let conv1: Conv2d, bn1: BatchNorm2d, conv2: Conv2d, bn2: BatchNorm2d
  public let downsample: Sequential?
  public var isTraining = true

  /// The nominal block: `planes` channels inside and out, a downsample when the shape changes.
  public convenience init(inPlanes: Int, planes: Int, stride: Int) throws {
    try self.init(inPlanes: inPlanes, planes: planes, stride: stride,
                  downsample: stride != 1 || inPlanes != planes, widths: .nominal, name: "")
  }

  /// A block named `name` whose conv widths come from `widths` (nominal: `planes`); `inPlanes`
  /// is the actual width of its input. Throws when the residual sum would add unequal widths.
  public init(inPlanes: Int, planes: Int, stride: Int, downsample hasDownsample: Bool,
              widths: ChannelWidths, name: String) throws {
    let mid = widths["\(name).conv1", nominal: planes]
    let out = widths["\(name).conv2", nominal: planes]
    conv1 = try Conv2d(inPlanes, mid, kernelSize: 3, stride: stride, padding: 1, bias: false)
    bn1 = try BatchNorm2d(mid)
    conv2 = try Conv2d(mid, out, kernelSize: 3, stride: 1, padding: 1, bias: false)
    bn2 = try BatchNorm2d(out)
    let shortcut = hasDownsample ? widths["\(name).downsample.0", nominal: planes] : inPlanes
    guard shortcut == out else {
      throw TorchError("BasicBlock \(name): conv2 has \(out) output channels but its shortcut carries \(shortcut)")
    }
    downsample = hasDownsample
      ? Sequential([try Conv2d(inPlanes, out, kernelSize: 1, stride: stride, bias: false), try BatchNorm2d(out)])
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

/// The stages of BasicBlocks shared by CifarResNet and ResNet: stage i has nominally `planes[i]`
/// channels, `blocks[i]` blocks and first stride `strides[i]`, named `layer1`, `layer2`, ...; the
/// stem's nominal and actual widths decide the first stage's shortcut and input.
func basicBlockStages(stem: (nominal: Int, actual: Int), planes: [Int], blocks: [Int], strides: [Int],
                      widths: ChannelWidths) throws -> (stages: [Sequential], outputWidth: Int) {
  var stages: [Sequential] = []
  var nominalIn = stem.nominal
  var actualIn = stem.actual
  for (s, (p, (count, stride))) in zip(planes, zip(blocks, strides)).enumerated() {
    var list: [any Module] = []
    for i in 0..<count {
      let first = i == 0 ? stride : 1
      let block = try BasicBlock(inPlanes: actualIn, planes: p, stride: first, downsample: first != 1 || nominalIn != p,
                                 widths: widths, name: "layer\(s + 1).\(i)")
      list.append(block)
      nominalIn = p
      actualIn = block.conv2.outChannels
    }
    stages.append(Sequential(list))
  }
  return (stages, actualIn)
}

/// The channel graph of a BasicBlock ResNet: the stem writes the first stage's residual stream;
/// each stage's stream is one space (written by its downsample and every block's conv2, read by
/// every block's conv1 and the next stage); each block's inner channels are their own space.
func basicBlockTopology(stages: [(name: String, blocks: Sequential)], head: String) -> ChannelTopology {
  var topology = ChannelTopology()
  var stream = topology.newSpace()
  topology.add(ChannelLayer(name: "conv1", input: nil, output: stream, batchNorm: "bn1", activation: .relu))
  for (stageName, stage) in stages {
    for (index, module) in stage.layers.enumerated() {
      guard let block = module as? BasicBlock else { continue }
      let name = "\(stageName).\(index)"
      let input = stream
      if block.downsample != nil {
        stream = topology.newSpace()
        topology.add(ChannelLayer(name: "\(name).downsample.0", input: input, output: stream, batchNorm: "\(name).downsample.1"))
      }
      let inner = topology.newSpace()
      topology.add(ChannelLayer(name: "\(name).conv1", input: input, output: inner, batchNorm: "\(name).bn1", activation: .relu))
      topology.add(ChannelLayer(name: "\(name).conv2", input: inner, output: stream, batchNorm: "\(name).bn2"))
    }
  }
  topology.add(ChannelLayer(name: head, input: stream, output: nil))
  return topology
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
