import NN
import Sparsity
import Torch
import XCTest

/// Compaction removes the channels structured pruning killed: the compacted model computes the
/// same logits (evaluation mode) with the hand-computed number of parameters.
final class ChannelCompactionTests: XCTestCase {
  override func setUp() {
    Torch.threadCount = 2
    Torch.manualSeed(11)
  }

  /// Gives every BatchNorm non-trivial running statistics and affine weights, then re-applies the
  /// masks so that dead channels' BatchNorm is masked again.
  private func randomizeBatchNorms(_ model: any Module, masks: SparsityMasks, input: [Int]) throws {
    try Torch.withNoGrad {
      for (_, m) in model.namedModules() {
        guard let bn = m as? BatchNorm2d else { continue }
        try bn.weight.uniform_(0.5, 1.5)
        try bn.bias.uniform_(-0.3, 0.3)
      }
      model.train()
      for _ in 0..<3 { _ = try model(Tensor.randn(input)) }
      model.eval()
    }
    try masks.applyMasks()
  }

  /// Max |a − b| relative to max |a|.
  private func relativeDifference(_ a: Tensor, _ b: Tensor) throws -> Double {
    try (a - b).abs().max().item() / max(a.abs().max().item(), 1e-12)
  }

  private func killChannels(_ channels: Range<Int>, of layer: String, in masks: SparsityMasks) throws {
    let mask = try masks.mask(forLayer: layer).clone()
    try Torch.withNoGrad { try mask.slice(dim: 0, start: channels.lowerBound, end: channels.upperBound).fill_(0) }
    try masks.setMask(mask, forLayer: layer)
  }

  func testMLPUnitsThatAreZeroForEveryInputAreRemovedThroughTheChain() throws {
    let model = try MLP(inputSize: 4, hiddenSizes: [3, 2], outputSize: 2)
    let first = model.layers.layers[0] as! Linear, second = model.layers.layers[2] as! Linear
    try Torch.withNoGrad {
      // Unit 1: zero weights, negative bias: ReLU gives 0 for every input, removable.
      try first.weight.select(dim: 0, index: 1).zero_()
      try first.bias!.select(dim: 0, index: 1).fill_(-0.5)
      // Unit 2: zero weights, positive bias: a constant 0.7, kept (the next layer reads it).
      try first.weight.select(dim: 0, index: 2).zero_()
      try first.bias!.select(dim: 0, index: 2).fill_(0.7)
      // Second layer's unit 0 reads only the dead unit 1 and has a negative bias: dead too.
      try second.weight.select(dim: 0, index: 0).copy_(Tensor([Float(0), 5, 0]))
      try second.bias!.select(dim: 0, index: 0).fill_(-0.1)
    }
    model.eval()
    let result = try ChannelCompaction.compact(model)
    XCTAssertEqual(result.widths, ChannelWidths(["layers.0": 2, "layers.2": 1]))
    // Before: (4·3+3) + (3·2+2) + (2·2+2) = 29; after: (4·2+2) + (2·1+1) + (1·2+2) = 17.
    XCTAssertEqual(result.parameterCountBefore, 29)
    XCTAssertEqual(result.parameterCountAfter, 17)
    XCTAssertEqual(result.model.parameterCount, 17)
    let x = try Tensor.randn([16, 4])
    let (a, b) = try Torch.withNoGrad { (try model(x), try result.model(x)) }
    XCTAssertLessThan(try relativeDifference(a, b), 1e-6)
  }

  func testCifarResNetInnerAndStreamChannelsCompactWithTheHandComputedParameterCount() throws {
    let model = try CifarResNet(depth: 8, numClasses: 10)
    let masks = try SparsityMasks(model: model)
    try killChannels(0..<8, of: "layer1.0.conv1", in: masks)
    try killChannels(0..<16, of: "layer2.0.conv1", in: masks)
    try killChannels(0..<32, of: "layer3.0.conv1", in: masks)
    // A stream channel goes only when every writer of the stage's stream has it dead.
    for layer in ["layer2.0.conv2", "layer2.0.downsample.0"] { try killChannels(16..<32, of: layer, in: masks) }
    for layer in ["layer3.0.conv2", "layer3.0.downsample.0"] { try killChannels(32..<64, of: layer, in: masks) }
    try killChannels(0..<4, of: "layer1.0.conv2", in: masks)  // layer1's stream also carries the dense stem: kept
    try randomizeBatchNorms(model, masks: masks, input: [8, 3, 16, 16])

    let result = try ChannelCompaction.compact(model)
    XCTAssertEqual(result.widths.outputs["layer1.0.conv1"], 8)
    XCTAssertEqual(result.widths.outputs["layer1.0.conv2"], 16)
    XCTAssertEqual(result.widths.outputs["layer2.0.conv1"], 16)
    XCTAssertEqual(result.widths.outputs["layer2.0.conv2"], 16)
    XCTAssertEqual(result.widths.outputs["layer3.0.downsample.0"], 32)
    // stem 3·16·9 + 32; layer1 16·8·9 + 16 + 8·16·9 + 32; layer2 16·16·9 + 32 + 16·16·9 + 32 + 16·16 + 32;
    // layer3 16·32·9 + 64 + 32·32·9 + 64 + 16·32 + 64; fc 32·10 + 10.
    let expected = (432 + 32) + (1152 + 16 + 1152 + 32) + (2304 + 32 + 2304 + 32 + 256 + 32)
      + (4608 + 64 + 9216 + 64 + 512 + 64) + 330
    XCTAssertEqual(result.parameterCountAfter, expected)
    XCTAssertEqual(result.parameterCountBefore, model.parameterCount)
    XCTAssertTrue(result.model is CifarResNet)
    XCTAssertFalse(result.model.isTraining)
    let x = try Tensor.randn([4, 3, 16, 16])
    let (a, b) = try Torch.withNoGrad { (try model(x), try result.model(x)) }
    XCTAssertLessThan(try relativeDifference(a, b), 1e-5)
  }

  func testResNet18WithStructuredPruningOfItsBlocksInnerLayers() throws {
    let model = try ResNet.resnet18(numClasses: 10)
    let inner = (1...4).flatMap { s in (0..<2).map { "layer\(s).\($0).conv1" } }
    let masks = try SparsityMasks(model: model, scope: PruningScope(include: inner))
    try masks.prune(to: 0.5, using: StructuredChannelPruner())
    try randomizeBatchNorms(model, masks: masks, input: [4, 3, 32, 32])
    let result = try ChannelCompaction.compact(model)
    // Every block keeps half of its inner channels; the residual streams keep all of theirs.
    var expected = 3 * 64 * 49 + 2 * 64
    var input = 64
    for (planes, stride) in [(64, 1), (128, 2), (256, 2), (512, 2)] {
      for block in 0..<2 {
        let mid = planes / 2
        expected += input * mid * 9 + 2 * mid + mid * planes * 9 + 2 * planes
        if block == 0 && (stride != 1 || input != planes) { expected += input * planes + 2 * planes }
        input = planes
      }
    }
    expected += 512 * 10 + 10
    XCTAssertEqual(result.parameterCountAfter, expected)
    XCTAssertEqual(result.widths.outputs["layer4.1.conv1"], 256)
    XCTAssertEqual(result.widths.outputs["layer4.1.conv2"], 512)
    let x = try Tensor.randn([2, 3, 32, 32])
    let (a, b) = try Torch.withNoGrad { (try model(x), try result.model(x)) }
    XCTAssertLessThan(try relativeDifference(a, b), 1e-5)
  }

  func testMobileNetV2HiddenChannelsFollowTheDepthwiseConvolution() throws {
    let model = try MobileNetV2(numClasses: 5)
    // Prune only the depthwise convolutions: each block's hidden channels halve, expansion and
    // depthwise together; the expansion convs keep their weights for the surviving channels.
    let depthwise = model.namedModules().compactMap { e -> String? in
      guard let conv = e.module as? Conv2d, conv.groups > 1 else { return nil }
      return e.name
    }
    XCTAssertEqual(depthwise.count, 17)
    let masks = try SparsityMasks(model: model, scope: PruningScope(include: depthwise))
    try masks.prune(to: 0.5, using: StructuredChannelPruner())
    try randomizeBatchNorms(model, masks: masks, input: [4, 3, 32, 32])
    let result = try ChannelCompaction.compact(model)

    // Hand count: stem 3·16·9 + 2·16 (it feeds only the first depthwise conv, which keeps 16); per block (hidden h = input·t, kept k = h − ceil(h/2)):
    // expansion input·k + 2k (when t > 1), depthwise 9k + 2k, projection k·out + 2·out;
    // last conv 320·1280 + 2·1280; classifier 1280·5 + 5.
    var expected = 3 * 16 * 9 + 2 * 16
    var input = 32
    for (t, c, n, _) in [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)] {
      for _ in 0..<n {
        let hidden = input * t, kept = hidden - (hidden + 1) / 2
        if t > 1 { expected += input * kept + 2 * kept }
        expected += 9 * kept + 2 * kept + kept * c + 2 * c
        input = c
      }
    }
    expected += 320 * 1280 + 2 * 1280 + 1280 * 5 + 5
    XCTAssertEqual(result.parameterCountAfter, expected)
    XCTAssertEqual(result.widths.outputs["features.1.conv.0.0"], 16, "the first block's depthwise conv reads the stem: tied")
    XCTAssertEqual(result.widths.outputs["features.0.0"], 16)
    let x = try Tensor.randn([2, 3, 32, 32])
    let (a, b) = try Torch.withNoGrad { (try model(x), try result.model(x)) }
    XCTAssertLessThan(try relativeDifference(a, b), 1e-5)
  }

  func testWidthsThatBreakAResidualSumAreRefused() throws {
    XCTAssertThrowsError(try CifarResNet(depth: 8, numClasses: 10, widths: ChannelWidths(["layer1.0.conv2": 12]))) { error in
      XCTAssertTrue("\(error)".contains("layer1.0"), "\(error)")
    }
    XCTAssertThrowsError(try MobileNetV2(numClasses: 3, widths: ChannelWidths(["features.2.conv.1.0": 10])))
    let widths = ChannelWidths(["layer1.0.conv1": 5, "layer2.0.conv2": 7, "layer2.0.downsample.0": 7])
    let model = try CifarResNet(depth: 8, numClasses: 10, widths: widths)
    XCTAssertEqual(ChannelWidths(state: model.stateDict()).outputs["layer2.0.conv2"], 7)
    XCTAssertEqual(model.channelWidths.outputs["layer1.0.conv1"], 5)
    XCTAssertEqual(model.layer3.layers[0].children.first { $0.name == "conv1" }.map { ($0.module as! Conv2d).weight.size(1) }, 7)
  }
}
