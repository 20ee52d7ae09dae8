import Datasets
import Fairness
import Foundation
import NN
import Sparsity
import TestSupport
import Torch
import XCTest

/// FairGRAPE's importances against a hand computation, its greedy selection on a hand-made layer,
/// and the pruner's nested masks at the target sparsity.
final class FairGRAPETests: XCTestCase {
  func testImportancesMatchTheHandComputation() throws {
    let model = try LinearFixture.model()
    let (split, spec, w) = (try LinearFixture.split(), try LinearFixture.spec(), LinearFixture.w)
    let scores = try FairGRAPE.importances(model: model, layers: [PrunableLayer(name: "fc", layer: model)], split: split, groups: spec,
                                           batchSize: 7, maxBatches: 1, seed: 0)
    // I_k(w_cj) = (|w_cj| · |mean_{i∈k} (p_ic − [y_i = c]) x_ij|)², one batch.
    var expected: [Double] = []
    for g in 0..<2 {
      let grad = LinearFixture.gradients(of: (0..<7).filter { LinearFixture.group[$0] == g }).w
      for c in 0..<2 { for j in 0..<2 { expected.append(pow(abs(w[c][j]) * abs(grad[c][j]), 2)) } }
    }
    XCTAssertEqual(scores[0].shape, [2, 4])
    assertClose(try scores[0].to(.float64).reshaped([-1]).toArray(Double.self), expected, atol: 0, rtol: 1e-5)
  }

  /// Group 0 matters for weights 0-2, group 1 for 3-5; the layer's mix is 15:6.
  func testGreedySelectionKeepsEachGroupsShare() {
    let importances: [[Float]] = [[6, 5, 4, 0, 0, 0], [0, 0, 0, 3, 2, 1]]
    let all = [Bool](repeating: true, count: 6)
    // Start p = (½, ½), t = (15/21, 6/21): group 0 is under-served, picks w0 and (same choice for
    // para_batch + 1 = 2 steps) w1; then p = (1, 0) and group 1 picks w3.
    XCTAssertEqual(FairGRAPE.select(importances: importances, alive: all, keep: 2).kept, [true, true, false, false, false, false])
    XCTAssertEqual(FairGRAPE.select(importances: importances, alive: all, keep: 3).kept, [true, true, false, true, false, false])
    // Re-choosing every step: w0, then group 1's w3.
    XCTAssertEqual(FairGRAPE.select(importances: importances, alive: all, keep: 2, paraBatch: 0).kept,
                   [true, false, false, true, false, false])
    // Pruned weights stay pruned; the permutations hold K entries per alive weight (O(K·P)).
    let alive = [false, true, true, true, true, true]
    let result = FairGRAPE.select(importances: importances, alive: alive, keep: 3)
    XCTAssertFalse(result.kept[0])
    XCTAssertEqual(result.kept.filter { $0 }.count, 3)
    XCTAssertEqual(result.permutationEntries, 2 * 5)
  }

  func testPrunerReachesTheSparsityWithNestedMasks() throws {
    Torch.manualSeed(1)
    let model = try MLP(inputSize: 6, hiddenSizes: [16, 16], outputSize: 3)
    let u = SplitMix64.uniforms(stream: 4, count: 60 * 6)
    let split = try GroupedSplit(inputs: Tensor(u.map { Float(2 * $0 - 1) }, shape: [60, 6]),
                                 targets: Tensor((0..<60).map { Int64($0 % 3) }), attributes: Tensor((0..<60).map { Int64($0 % 2) }, shape: [60, 1]))
    let info = DatasetInfo(name: "t", classNames: ["a", "b", "c"], attributes: [ProtectedAttribute(name: "g", values: ["p", "q"])])
    let spec = try GroupSpec(info: info, attributeNames: ["g"], mode: .single)
    let masks = try SparsityMasks(model: model, scope: .everyLayer)
    let pruner = FairGRAPEPruner(model: model, split: split, groups: spec, batchSize: 20, maxBatches: 3)
    try masks.prune(to: 0.5, using: pruner)
    let half = try masks.layers.map { try XCTUnwrap($0.layer.weightMask).toArray(Bool.self) as [Bool] }
    XCTAssertEqual(try masks.report().fraction, 0.5, accuracy: 0.01)
    try masks.prune(to: 0.8, using: pruner)
    XCTAssertEqual(try masks.report().fraction, 0.8, accuracy: 0.01)
    for (layer, before) in zip(masks.layers, half) {
      let after: [Bool] = try XCTUnwrap(layer.layer.weightMask).toArray(Bool.self)
      XCTAssertFalse(zip(after, before).contains { $0 && !$1 }, "a pruned weight came back")
    }
  }
}
