import Datasets
import Fairness
import Foundation
import NN
import Optim
import Sparsity
import TestSupport
import Torch
import XCTest

/// BiFP: one step recomputed by hand (λ = 0, first order: an edge-popup score update), the mask's
/// density after every step, and the fairness term closing a group gap.
final class BiFPTests: XCTestCase {
  let alpha = 0.5, beta = 0.3

  /// ∂(mean CE)/∂W and ∂/∂b of the linear model (W, b) on the 7 samples.
  func gradients(_ w: [[Double]], _ b: [Double]) -> (w: [[Double]], b: [Double]) { LinearFixture.gradients(of: Array(0..<7), w: w, b: b) }

  func testOneStepIsAnEdgePopupUpdate() throws {
    let (w0, b0) = (LinearFixture.w, LinearFixture.b)
    let model = try LinearFixture.model()
    let masks = try SparsityMasks(model: model, scope: .everyLayer)
    let primal = try SGD(parameters: model.parameters(), learningRate: alpha, momentum: 0.9)
    let bifp = try BiFP(model: model, layers: masks.layers, primal: primal, groups: LinearFixture.spec(), lambda: 0, scoreLearningRate: beta)
    try bifp.beginEpoch(0, targetSparsity: 0.25)
    // Scores start at |w|: the smallest, |−0.2| at (1, 0), is pruned.
    XCTAssertEqual(try masks.layers[0].layer.weightMask!.toArray(Bool.self), [true, true, false, true])
    let m: [[Double]] = [[1, 1], [0, 1]]
    try bifp.step(inputs: LinearFixture.inputs, targets: LinearFixture.targets, attributes: LinearFixture.attributes, mitigate: true)
    // Weight step on θ ⊙ m: θ' = θ − α (∂L/∂W ⊙ m), b' = b − α ∂L/∂b.
    let g1 = gradients((0..<2).map { c in (0..<2).map { w0[c][$0] * m[c][$0] } }, b0)
    let theta = (0..<2).map { c in (0..<2).map { w0[c][$0] - alpha * g1.w[c][$0] * m[c][$0] } }
    let bias = (0..<2).map { b0[$0] - alpha * g1.b[$0] }
    // Score step at (θ', b'): ∂L/∂s = ∂L/∂W_eff ⊙ θ' ⊙ sign(s), s' = s − β ∂L/∂s.
    let g2 = gradients((0..<2).map { c in (0..<2).map { theta[c][$0] * m[c][$0] } }, bias)
    let scores = (0..<2).flatMap { c in (0..<2).map { abs(w0[c][$0]) - beta * g2.w[c][$0] * theta[c][$0] } }
    let state = try bifp.state()
    let name = masks.layers[0].name
    assertClose(try XCTUnwrap(state.first { $0.name == "latent.\(name)" }).tensor.toArray(Double.self), theta.flatMap { $0 }, atol: 1e-12)
    assertClose(try XCTUnwrap(state.first { $0.name == "scores.\(name)" }).tensor.toArray(Double.self), scores, atol: 1e-12)
    assertClose(try model.bias!.toArray(Double.self), bias, atol: 1e-12)
    // The model holds θ' ⊙ m' for the mask of the new scores, at the target density.
    let newMask = try masks.layers[0].layer.weightMask!.toArray(Bool.self)
    XCTAssertEqual(newMask.filter { $0 }.count, 3)
    let smallest = scores.indices.min { abs(scores[$0]) < abs(scores[$1]) }!
    XCTAssertFalse(newMask[smallest])
    assertClose(try model.weight.toArray(Double.self), zip(theta.flatMap { $0 }, newMask).map { $1 ? $0 : 0 }, atol: 1e-12)
  }

  /// Two groups, the small one with its own class templates: BiFP's fairness term shrinks the
  /// train accuracy gap between them at the same sparsity, and the mask keeps its density.
  func testFairnessTermShrinksTheGroupGap() throws {
    Torch.threadCount = 2
    var synthetic = SyntheticGroupedImages()
    synthetic.groupProportions = [0.85, 0.15]
    synthetic.sharedStyleGroups = 1
    synthetic.trainCount = 1200
    synthetic.testCount = 100
    synthetic.noise = 2
    let data = try synthetic.make()
    let groups = try GroupSpec(info: data.info, attributeNames: data.info.attributes.map(\.name), mode: .intersectional)
    Torch.manualSeed(0)
    let dense = try MLP(inputSize: 3 * 16 * 16, hiddenSizes: [64], outputSize: data.info.numClasses)
    let denseSGD = try SGD(parameters: dense.parameters(), learningRate: 0.05, momentum: 0.9)
    for epoch in 0..<6 {
      let batches = try DataLoader(data.train, batchSize: 64, shuffle: true, seed: 5).batches(epoch: epoch)
      while let b = try batches.next() {
        try denseSGD.zeroGrad()
        try Tensor.crossEntropy(dense(b.inputs), targets: b.targets).backward()
        try denseSGD.step()
      }
    }
    func gapAfterPruning(lambda: Double) throws -> Double {
      let model = try MLP(inputSize: 3 * 16 * 16, hiddenSizes: [64], outputSize: data.info.numClasses)
      try model.loadStateDict(dense.stateDict())
      let masks = try SparsityMasks(model: model, scope: .everyLayer)
      let primal = try SGD(parameters: model.parameters(), learningRate: 0.02, momentum: 0.9)
      let bifp = try BiFP(model: model, layers: masks.layers, primal: primal, groups: groups, lambda: lambda, scoreLearningRate: 0.05)
      for epoch in 0..<4 {
        try bifp.beginEpoch(epoch, targetSparsity: [0.8, 0.9, 0.95, 0.95][epoch])
        let batches = try DataLoader(data.train, batchSize: 128, shuffle: true, seed: 9).batches(epoch: epoch)
        while let b = try batches.next() {
          try bifp.step(inputs: b.inputs, targets: b.targets, attributes: b.attributes, mitigate: true)
          for layer in masks.layers {
            let kept = try layer.layer.weightMask!.to(.float64).mean().item()
            XCTAssertEqual(kept, 1 - [0.8, 0.9, 0.95, 0.95][epoch], accuracy: 1.0 / Double(layer.weight.count) + 1e-12)
          }
        }
      }
      model.eval()
      let all = try XCTUnwrap(try DataLoader(data.train.withoutAugmentation, batchSize: data.train.count).batches(epoch: 0).next())
      let correct = try Torch.withNoGrad { try model(all.inputs).argmax(dim: 1).eq(all.targets) }
      let perf = try SplitPerformance(correct: correct, groupIDs: groups.groupIDs(attributes: all.attributes), numGroups: 2)
      let a = perf.groupAccuracies.compactMap { $0 }
      return abs(a[0] - a[1])
    }
    let plain = try gapAfterPruning(lambda: 0)
    let fair = try gapAfterPruning(lambda: 5)
    XCTAssertLessThan(fair, plain, "λ = 5 should close the gap left by λ = 0 (\(plain))")
  }

  /// With the final fine-tune the mask is fixed from the given epoch: scores stay, weights train.
  func testFrozenMaskTrainsOnlyTheWeights() throws {
    let model = try LinearFixture.model()
    let masks = try SparsityMasks(model: model, scope: .everyLayer)
    let primal = try SGD(parameters: model.parameters(), learningRate: alpha, momentum: 0.9)
    let bifp = try BiFP(model: model, layers: masks.layers, primal: primal, groups: LinearFixture.spec(), lambda: 1,
                        scoreLearningRate: beta, freezeMaskFromEpoch: 1)
    func snapshot() throws -> [String: [Double]] {
      Dictionary(uniqueKeysWithValues: try bifp.state().filter { $0.name.hasPrefix("latent.") || $0.name.hasPrefix("scores.") }
        .map { ($0.name.hasPrefix("latent.") ? "latent" : "scores", try $0.tensor.toArray(Double.self)) })
    }
    func step() throws {
      try bifp.step(inputs: LinearFixture.inputs, targets: LinearFixture.targets, attributes: LinearFixture.attributes, mitigate: true)
    }
    try bifp.beginEpoch(0, targetSparsity: 0.25)
    var before = try snapshot()
    try step()
    var after = try snapshot()
    XCTAssertNotEqual(after["scores"], before["scores"], "epoch 0: the scores learn")
    try bifp.beginEpoch(1, targetSparsity: 0.25)
    before = after
    let mask: [Bool] = try masks.layers[0].layer.weightMask!.toArray(Bool.self)
    try step()
    after = try snapshot()
    XCTAssertEqual(after["scores"], before["scores"], "epoch 1: the mask is fixed")
    XCTAssertNotEqual(after["latent"], before["latent"], "epoch 1: the weights still train")
    XCTAssertEqual(try masks.layers[0].layer.weightMask!.toArray(Bool.self) as [Bool], mask)
  }

  /// Structured BiFP on a small CNN: whole filters are kept or pruned, at the target count after
  /// every step, and the BatchNorm after a dead filter is masked so the channel outputs 0.
  func testStructuredMasksAreWholeFiltersAtTheTargetCount() throws {
    Torch.manualSeed(2)
    let model = try CifarResNet(depth: 8, numClasses: 3)
    let masks = try SparsityMasks(model: model)
    let primal = try SGD(parameters: model.parameters(), learningRate: 0.05, momentum: 0.9)
    let info = DatasetInfo(name: "t", classNames: ["a", "b", "c"], attributes: [ProtectedAttribute(name: "g", values: ["p", "q"])])
    let groups = try GroupSpec(info: info, attributeNames: ["g"], mode: .single)
    let bifp = try BiFP(model: model, layers: masks.layers, primal: primal, groups: groups, lambda: 1, scoreLearningRate: 0.05,
                        structured: true, sparsityMasks: masks)
    try bifp.beginEpoch(0, targetSparsity: 0.5)
    let u = SplitMix64.uniforms(stream: 8, count: 8 * 3 * 8 * 8)
    let x = try Tensor(u.map { Float(2 * $0 - 1) }, shape: [8, 3, 8, 8])
    for _ in 0..<3 {
      try bifp.step(inputs: x, targets: Tensor((0..<8).map { Int64($0 % 3) }), attributes: Tensor((0..<8).map { Int64($0 % 2) }, shape: [8, 1]),
                    mitigate: true)
      for layer in masks.layers {
        let units = layer.weight.size(0)
        let perUnit = try XCTUnwrap(layer.layer.weightMask).to(.float32).reshaped([units, -1]).mean(dims: [1]).toArray(Float.self)
        XCTAssertTrue(perUnit.allSatisfy { $0 == 0 || $0 == 1 }, "\(layer.name): a filter is partly masked")
        XCTAssertEqual(perUnit.filter { $0 == 1 }.count, units - Int((0.5 * Double(units)).rounded(.up)), layer.name)
      }
    }
    // The BatchNorm after the first masked conv: dead channels have zero scale and shift.
    let first = masks.layers[0]
    let dead = try XCTUnwrap(first.layer.weightMask).to(.float32).reshaped([first.weight.size(0), -1]).mean(dims: [1]).toArray(Float.self)
    let bn = try XCTUnwrap(model.namedModules().first { $0.name == first.name.replacingOccurrences(of: "conv", with: "bn") }?.module as? BatchNorm2d)
    let scale: [Float] = try bn.weight.toArray(Float.self)
    for (c, alive) in dead.enumerated() where alive == 0 { XCTAssertEqual(scale[c], 0, "channel \(c)") }
  }
}
