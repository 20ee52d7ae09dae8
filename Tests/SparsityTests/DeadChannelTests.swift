import NN
import Optim
import Sparsity
import Torch
import XCTest

/// Structured pruning: a dead channel's BatchNorm scale and shift are masked, so the channel
/// outputs exactly 0 in training and evaluation mode (SPEC 4.4, 4.5).
final class DeadChannelTests: XCTestCase {
  override func setUp() {
    Torch.threadCount = 2
    Torch.manualSeed(5)
  }

  func testDeadChannelsOutputExactlyZeroThroughBatchNorm() throws {
    let model = try CifarResNet(depth: 8, numClasses: 10)
    let opt = try SGD(parameters: model.parameters(), learningRate: 0.05, momentum: 0.9, weightDecay: 1e-2)
    let masks = try SparsityMasks(model: model, optimizer: opt)
    let x = try Tensor.randn([8, 3, 8, 8]), y = try Tensor.randint(high: 10, shape: [8])
    func step() throws {
      try opt.zeroGrad()
      try Tensor.crossEntropy(model(x), targets: y).backward()
      try masks.maskGradients()
      try opt.step()
      try masks.applyMasks()
    }
    try step()  // BatchNorm scale/shift and their momentum move away from 1/0
    let block = model.layer1.layers[0] as! BasicBlock
    try masks.prune(to: 0.5, using: StructuredChannelPruner())
    let meanAtDeath = try block.bn1.runningMean.toArray(Float.self), varAtDeath = try block.bn1.runningVar.toArray(Float.self)
    for _ in 0..<3 { try step() }

    let alive = try masks.aliveUnits(ofLayer: "layer1.0.conv1")
    XCTAssertEqual(try alive.logicalNot().sum().itemInt(), 8, "ceil(0.5 · 16) channels dead")
    let dead = try alive.logicalNot()
    XCTAssertTrue(try block.bn1.weight.detached().maskedSelect(dead).toArray(Float.self).allSatisfy { $0 == 0 })
    XCTAssertTrue(try block.bn1.bias.detached().maskedSelect(dead).toArray(Float.self).allSatisfy { $0 == 0 })
    XCTAssertTrue(try block.bn1.bias.detached().maskedSelect(alive).toArray(Float.self).contains { $0 != 0 }, "live channels train")

    // Running statistics: frozen for dead channels (SPEC 4.4), still tracked for live ones.
    let deadFlags = try dead.toArray(Bool.self)
    let mean = try block.bn1.runningMean.toArray(Float.self), variance = try block.bn1.runningVar.toArray(Float.self)
    for c in 0..<16 where deadFlags[c] {
      XCTAssertEqual(mean[c], meanAtDeath[c], "channel \(c)")
      XCTAssertEqual(variance[c], varAtDeath[c], "channel \(c)")
    }
    XCTAssertTrue((0..<16).contains { !deadFlags[$0] && mean[$0] != meanAtDeath[$0] }, "live statistics move")
    XCTAssertTrue(meanAtDeath.enumerated().contains { deadFlags[$0.offset] && $0.element != 0 }, "frozen values are not trivial")
    let input = try Tensor.randn([4, 16, 8, 8])
    for training in [true, false] {
      block.bn1.isTraining = training
      let out = try Torch.withNoGrad { try block.bn1(block.conv1(input)) }
      // [N, C, H, W] -> per-channel max |value|
      let perChannel = try out.abs().transposed(0, 1).reshaped([16, -1]).max(dim: 1).values
      XCTAssertTrue(try perChannel.maskedSelect(dead).toArray(Float.self).allSatisfy { $0 == 0 }, "training \(training)")
      XCTAssertTrue(try perChannel.maskedSelect(alive).toArray(Float.self).allSatisfy { $0 > 0 }, "training \(training)")
    }
    // The BatchNorm momentum of dead channels was zeroed too.
    let i = opt.parameters.firstIndex { $0 === block.bn1.bias }!
    let buffer = try opt.state().first { $0.name == "state.\(i).momentum_buffer" }!.tensor
    XCTAssertTrue(try buffer.maskedSelect(dead).toArray(Float.self).allSatisfy { $0 == 0 })
  }

  func testDeadUnitBiasesAreMaskedOnlyWhenAsked() throws {
    for maskBias in [false, true] {
      let model = try MLP(inputSize: 4, hiddenSizes: [6], outputSize: 2)
      let masks = try SparsityMasks(model: model, maskBiasOfDeadUnits: maskBias)
      try masks.prune(to: 0.5, using: StructuredChannelPruner())
      let hidden = model.layers.layers[0] as! Linear
      let dead = try masks.aliveUnits(ofLayer: "layers.0").logicalNot()
      XCTAssertEqual(try dead.sum().itemInt(), 3)
      let deadBias = try hidden.bias!.detached().maskedSelect(dead).toArray(Float.self)
      XCTAssertEqual(deadBias.allSatisfy { $0 == 0 }, maskBias, "maskBiasOfDeadUnits \(maskBias)")
      let out = try Torch.withNoGrad { try hidden(Tensor.randn([3, 4])) }
      let deadOut = try out.transposed(0, 1).reshaped([6, -1]).abs().max(dim: 1).values.maskedSelect(dead).toArray(Float.self)
      XCTAssertEqual(deadOut.allSatisfy { $0 == 0 }, maskBias)
    }
  }
}
