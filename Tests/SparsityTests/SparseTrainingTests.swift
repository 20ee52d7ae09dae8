import NN
import Optim
import Sparsity
import Torch
import XCTest

/// Pruned weights stay exactly zero through optimizer steps (SPEC 2.9): gradients, momentum,
/// Adam moments and weight decay are masked, live weights keep training.
final class SparseTrainingTests: XCTestCase {
  override func setUp() {
    Torch.threadCount = 2
    Torch.manualSeed(11)
  }

  /// One step of the documented loop.
  func step(_ model: any Module, _ opt: any Optimizer, _ masks: SparsityMasks, _ x: Tensor, _ y: Tensor) throws {
    try opt.zeroGrad()
    try Tensor.crossEntropy(model(x), targets: y).backward()
    try masks.maskGradients()
    try opt.step()
    try masks.applyMasks()
  }

  /// The optimizer's state tensors of `parameter` (e.g. `momentum_buffer`), by slot name.
  func optimizerState(_ opt: any Optimizer, of parameter: Tensor) throws -> [String: Tensor] {
    let i = opt.parameters.firstIndex { $0 === parameter }!
    var result: [String: Tensor] = [:]
    for (name, tensor) in try opt.state() where name.hasPrefix("state.\(i).") {
      result[String(name.dropFirst("state.\(i).".count))] = tensor
    }
    return result
  }

  /// Asserts pruned entries are exactly 0 in every layer's weight and in `slots` of the optimizer state.
  func assertPrunedStayZero(_ masks: SparsityMasks, _ opt: any Optimizer, slots: [String], _ message: String,
                            file: StaticString = #filePath, line: UInt = #line) throws {
    for entry in masks.layers {
      let mask = try masks.mask(forLayer: entry.name)
      XCTAssertTrue(try prunedValues(entry.weight, mask).allSatisfy { $0 == 0 }, "\(entry.name) weight, \(message)", file: file, line: line)
      let state = try optimizerState(opt, of: entry.weight)
      for slot in slots {
        guard let t = state[slot] else { XCTFail("no \(slot) for \(entry.name)", file: file, line: line); continue }
        XCTAssertTrue(try prunedValues(t, mask).allSatisfy { $0 == 0 }, "\(entry.name) \(slot), \(message)", file: file, line: line)
      }
    }
  }

  /// Fraction of the live (mask true) entries of each layer that differ from `before`.
  func changedLiveFraction(_ masks: SparsityMasks, _ before: [Tensor]) throws -> Double {
    var changed = 0, live = 0
    for (entry, old) in zip(masks.layers, before) {
      let mask = try masks.mask(forLayer: entry.name)
      changed += try entry.weight.detached().ne(old).logicalAnd(mask).sum().itemInt()
      live += try mask.sum().itemInt()
    }
    return Double(changed) / Double(live)
  }

  func testSGDWithMomentumAndWeightDecayKeepsPrunedWeightsZero() throws {
    let model = try CifarResNet(depth: 8, numClasses: 10)
    let x = try Tensor.randn([8, 3, 8, 8]), y = try Tensor.randint(high: 10, shape: [8])
    let opt = try SGD(parameters: model.parameters(), learningRate: 0.05, momentum: 0.9, weightDecay: 1e-2, nesterov: true)
    let masks = try SparsityMasks(model: model, optimizer: opt)
    for _ in 0..<2 { try step(model, opt, masks, x, y) }  // dense steps: momentum everywhere

    try masks.prune(to: 0.6, using: LayerwiseMagnitudePruner())
    XCTAssertEqual(try masks.report().fraction, 0.6, accuracy: 1e-3)
    try assertPrunedStayZero(masks, opt, slots: ["momentum_buffer"], "right after pruning")

    let before = try masks.layers.map { try $0.weight.detached().clone() }
    let conv1Before = try model.conv1.weight.detached().clone(), fcBefore = try model.fc.weight.detached().clone()
    for _ in 0..<4 { try step(model, opt, masks, x, y) }
    try assertPrunedStayZero(masks, opt, slots: ["momentum_buffer"], "after 4 steps")
    XCTAssertGreaterThan(try changedLiveFraction(masks, before), 0.95, "live weights still train")
    XCTAssertFalse(try model.conv1.weight.detached().equals(conv1Before), "dense first conv trains")
    XCTAssertFalse(try model.fc.weight.detached().equals(fcBefore), "dense last linear trains")
    XCTAssertEqual(try model.conv1.weight.eq(0).sum().itemInt(), 0)
    XCTAssertEqual(try model.fc.weight.eq(0).sum().itemInt(), 0)

    // GMP-style second pruning in the middle of training.
    try masks.prune(to: 0.9, using: LayerwiseMagnitudePruner())
    for _ in 0..<2 { try step(model, opt, masks, x, y) }
    try assertPrunedStayZero(masks, opt, slots: ["momentum_buffer"], "after re-pruning to 0.9")
    for layer in try masks.report().layers {
      XCTAssertEqual(layer.pruned, Int((0.9 * Double(layer.total)).rounded(.up)), layer.name)
    }
  }

  func testAdamAndAdamWKeepPrunedWeightsZero() throws {
    for decoupled in [false, true] {
      let model = try MLP(inputSize: 12, hiddenSizes: [16, 16], outputSize: 3)
      let x = try Tensor.randn([10, 12]), y = try Tensor.randint(high: 3, shape: [10])
      let opt = try Adam(parameters: model.parameters(), learningRate: 1e-2, weightDecay: 0.1, decoupledWeightDecay: decoupled)
      let masks = try SparsityMasks(model: model, optimizer: opt)
      XCTAssertEqual(masks.layerNames, ["layers.0", "layers.2"])
      for _ in 0..<2 { try step(model, opt, masks, x, y) }
      try masks.prune(to: 0.75, using: GlobalMagnitudePruner())
      try assertPrunedStayZero(masks, opt, slots: ["exp_avg", "exp_avg_sq"], "decoupled \(decoupled), after pruning")
      let before = try masks.layers.map { try $0.weight.detached().clone() }
      for _ in 0..<5 { try step(model, opt, masks, x, y) }
      try assertPrunedStayZero(masks, opt, slots: ["exp_avg", "exp_avg_sq"], "decoupled \(decoupled), after 5 steps")
      XCTAssertGreaterThan(try changedLiveFraction(masks, before), 0.95, "decoupled \(decoupled): live weights still train")
    }
  }

  func testMaskGradientsZeroesOnlyPrunedEntries() throws {
    let model = try TwoLinear([0.5, -0.1, 0.3, -0.8, 0.05, 0.7, -0.2, 0.4], shapeA: [2, 4], [1, -1], shapeB: [1, 2])
    let masks = try SparsityMasks(model: model, scope: PruningScope(include: ["a"]))
    try masks.prune(to: 0.5, using: LayerwiseMagnitudePruner())
    try model(Tensor([1, 2, 3, 4] as [Float], shape: [1, 4])).sum().backward()
    // d(sum)/dW_a = bᵀ xᵀ: row 0 = x, row 1 = −x.
    try assertClose(model.a.weight.grad!, [1, 2, 3, 4, -1, -2, -3, -4])
    try masks.maskGradients()
    try assertClose(model.a.weight.grad!, [1, 0, 0, 4, 0, -2, 0, -4])
    // d(sum)/dW_b = W_a x with the pruned W_a = [[0.5, 0, 0, -0.8], [0, 0.7, 0, 0.4]].
    try assertClose(model.b.weight.grad!, [0.5 - 3.2, 1.4 + 1.6], atol: 1e-5)
  }

  /// Zero-in-storage with masked gradients follows the masked-forward scheme of the reference
  /// code (forward on w ⊙ m, pruned entries keep their values) entry for entry on live weights.
  func testLiveWeightsFollowTheMaskedForwardTrajectory() throws {
    let wa: [Double] = [0.5, -0.1, 0.3, -0.8, 0.05, 0.7, -0.2, 0.4], wb: [Double] = [0.9, -0.6]
    let x = try Tensor.randn([5, 4]), target = try Tensor.randn([5, 1])
    func mse(_ out: Tensor) throws -> Tensor { let d = try out - target; return try (d * d).mean() }

    let ours = try TwoLinear(wa, shapeA: [2, 4], wb, shapeB: [1, 2])
    let masks = try SparsityMasks(model: ours, scope: bothLayers)
    try masks.prune(to: 0.5, using: LayerwiseMagnitudePruner())
    let opt = try SGD(parameters: ours.parameters(), learningRate: 0.1, momentum: 0.9, weightDecay: 0.05)
    masks.optimizer = opt
    let initialA = try ours.a.weight.detached().clone()

    let reference = try TwoLinear(wa, shapeA: [2, 4], wb, shapeB: [1, 2])
    let ma = try masks.mask(forLayer: "a").clone(), mb = try masks.mask(forLayer: "b").clone()
    let refOpt = try SGD(parameters: reference.parameters(), learningRate: 0.1, momentum: 0.9, weightDecay: 0.05)

    for _ in 0..<4 {
      try opt.zeroGrad()
      try mse(ours(x)).backward()
      try masks.maskGradients()
      try opt.step()
      try masks.applyMasks()

      try refOpt.zeroGrad()
      let hidden = try Tensor.linear(x, weight: reference.a.weight * ma, bias: nil)
      try mse(Tensor.linear(hidden, weight: reference.b.weight * mb, bias: nil)).backward()
      try refOpt.step()
    }
    for (mine, theirs, mask) in [(ours.a.weight, reference.a.weight, ma), (ours.b.weight, reference.b.weight, mb)] {
      let live = try mine.detached().maskedSelect(mask).toArray(Double.self)
      let refLive = try theirs.detached().maskedSelect(mask).toArray(Double.self)
      for (a, b) in zip(live, refLive) { XCTAssertEqual(a, b, accuracy: 1e-6) }
    }
    XCTAssertFalse(try ours.a.weight.detached().equals(initialA), "the weights moved")
  }
}
