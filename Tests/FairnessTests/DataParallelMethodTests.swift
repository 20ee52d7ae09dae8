import Constrained
import Datasets
import Fairness
import Foundation
import NN
import Optim
import TestSupport
import Torch
import XCTest

/// CEAG and equalized loss under data parallelism: two ranks holding 7 and 9 samples of each
/// 16-sample global batch (`BatchShard` for the global statistics, `DataParallelOptimizer` for
/// the gradients) take the steps one process takes on the whole batch: weights, multipliers and
/// replay buffers agree to float64 rounding, and the two ranks hold bitwise-equal state.
final class DataParallelMethodTests: XCTestCase {
  let steps = 4

  func makeMethod(_ kind: String, model: any Module, primal: any Optimizer, group: ProcessGroup?) throws -> any FineTuningMethod {
    let info = DatasetInfo(name: "t", classNames: ["a", "b", "c"], attributes: [ProtectedAttribute(name: "g", values: ["p", "q", "r"])])
    let groups = try GroupSpec(info: info, attributeNames: ["g"], mode: .single)
    let dense = try DenseReference(SplitPerformance(sampleCount: 90, accuracy: 0.7, loss: 0.8, groupCounts: [40, 30, 20],
                                                    groupAccuracies: [0.8, 0.65, 0.55], groupLosses: [0.6, 0.9, 1.1]))
    let objective = FineTuningObjective(model: model, weightDecay: 1e-3, processGroup: group)
    switch kind {
    case "ceag":
      return try CEAG(objective: objective, primal: primal, groups: groups, dense: dense, tolerance: 0.01,
                      dual: .gradientAscent(learningRate: 0.5), options: GroupConstraintOptions(bufferSize: 4))
    case "ceag-augmented":
      return try CEAG(objective: objective, primal: primal, groups: groups, dense: dense, tolerance: 0.01,
                      dual: .gradientAscent(learningRate: 0.5),
                      options: GroupConstraintOptions(bufferSize: nil, formulation: .augmentedLagrangian, penaltyCoefficient: 2))
    default:
      return try EqualizedLoss(objective: objective, primal: primal, groups: groups, groupCounts: dense.groupCounts, absolute: true,
                               dual: .gradientAscent(learningRate: 0.5), options: GroupConstraintOptions(bufferSize: 4))
    }
  }

  /// Weights, multipliers and method state (buffers, optimizer) after `steps` steps on `rows` of the batch.
  func train(_ kind: String, initial: [(name: String, tensor: Tensor)], x: Tensor, y: Tensor, a: Tensor, rows: Range<Int>,
             group: ProcessGroup?) throws -> (weights: [[Double]], multipliers: [Double], state: [[Double]]) {
    let model = try MLP(inputSize: 5, hiddenSizes: [6], outputSize: 3)
    try model.to(.float64)
    try model.loadStateDict(initial)
    let sgd = try SGD(parameters: model.parameters(), learningRate: 0.2, momentum: 0.9)
    let method = try makeMethod(kind, model: model, primal: group.map { DataParallelOptimizer(sgd, group: $0) } ?? sgd, group: group)
    func part(_ t: Tensor) throws -> Tensor { try t.slice(dim: 0, start: rows.lowerBound, end: rows.upperBound) }
    for _ in 0..<steps { try method.step(inputs: part(x), targets: part(y), attributes: part(a), mitigate: true) }
    return (try model.parameters().map { try $0.detached().toArray(Double.self) },
            try method.multipliers()?.to(.float64).toArray(Double.self) ?? [],
            try method.state().map { try $0.tensor.to(.float64).reshaped([-1]).toArray(Double.self) })
  }

  func testTwoRanksTakeTheStepsOfOneProcess() throws {
    guard ProcessGroup.isAvailable else { throw XCTSkip("built without Gloo (libgloo-dev)") }
    Torch.threadCount = 1
    Torch.manualSeed(5)
    let reference = try MLP(inputSize: 5, hiddenSizes: [6], outputSize: 3)
    try reference.to(.float64)
    let initial = try reference.stateDict().map { (name: $0.name, tensor: try $0.tensor.clone()) }
    let x = try Tensor.randn([16, 5], dtype: .float64), y = try Tensor.randint(high: 3, shape: [16])
    let a = try Tensor((0..<16).map { Int64([0, 0, 1, 0, 2, 1, 0, 1, 2, 0, 1, 0, 0, 2, 1, 0][$0]) }, shape: [16, 1])
    for kind in ["ceag", "ceag-augmented", "el-rb"] {
      let one = try train(kind, initial: initial, x: x, y: y, a: a, rows: 0..<16, group: nil)
      XCTAssertTrue(one.multipliers.contains { $0 != 0 }, "\(kind): the constraints never moved a multiplier; the test would be vacuous")
      let port = try freeLoopbackPort()
      final class Results: @unchecked Sendable { var ranks: [(weights: [[Double]], multipliers: [Double], state: [[Double]])?] = [nil, nil] }
      let results = Results()
      let errors = onRanks(2) { rank in
        let group = try ProcessGroup(host: "127.0.0.1", port: port, rank: rank, worldSize: 2, timeout: 30)
        results.ranks[rank] = try self.train(kind, initial: initial, x: x, y: y, a: a, rows: rank == 0 ? 0..<7 : 7..<16, group: group)
      }
      XCTAssertEqual(errors.compactMap { $0 }, [], kind)
      let r0 = try XCTUnwrap(results.ranks[0]), r1 = try XCTUnwrap(results.ranks[1])
      XCTAssertEqual(r0.weights, r1.weights, "\(kind): ranks hold bitwise-equal weights")
      XCTAssertEqual(r0.multipliers, r1.multipliers, "\(kind): ranks hold bitwise-equal multipliers")
      XCTAssertEqual(r0.state, r1.state, "\(kind): ranks hold bitwise-equal buffers and optimizer state")
      // Sums run in another order across ranks: float64 rounding, amplified a little by 4 steps.
      for (got, want) in zip(r0.weights, one.weights) { assertClose(got, want, atol: 1e-10) }
      assertClose(r0.multipliers, one.multipliers, atol: 1e-10)
      XCTAssertEqual(r0.state.count, one.state.count)
      for (got, want) in zip(r0.state, one.state) { assertClose(got, want, atol: 1e-10) }
    }
  }

  /// The global batch's statistics and per-sample values, on every rank, from shards of 3 and 2.
  func testShardsSeeTheGlobalBatch() throws {
    guard ProcessGroup.isAvailable else { throw XCTSkip("built without Gloo (libgloo-dev)") }
    let port = try freeLoopbackPort()
    let values: [Double] = [1, 2, 4, 8, 16], ids: [Int64] = [0, 1, 0, 1, 1], correct = [true, false, true, true, false]
    final class Results: @unchecked Sendable { var text: [String] = ["", ""] }
    let results = Results()
    let errors = onRanks(2) { rank in
      let group = try ProcessGroup(host: "127.0.0.1", port: port, rank: rank, worldSize: 2, timeout: 30)
      let rows = rank == 0 ? 0..<3 : 3..<5
      let shard = try BatchShard(localCount: rows.count, group: group)
      let v = try Tensor(Array(values[rows])), g = try Tensor(Array(ids[rows]))
      let stats = try shard.groupStatistics(values: v, groupIDs: g, numGroups: 2)
      results.text[rank] = "\(shard.offset) \(shard.globalCount) \(try shard.mean(v).item()) "
        + "\(try stats.sums.toArray(Double.self)) \(try stats.counts.toArray(Int64.self)) \(try stats.means.toArray(Double.self)) "
        + "\(try shard.gather(g).toArray(Int64.self)) \(try shard.gather(Tensor(Array(correct[rows]).map { $0 ? UInt8(1) : 0 }).to(.bool)).to(.int64).toArray(Int64.self))"
    }
    XCTAssertEqual(errors.compactMap { $0 }, [])
    // Group 0: 1 + 4; group 1: 2 + 8 + 16; mean 31/5.
    XCTAssertEqual(results.text[0], "0 5 6.2 [5.0, 26.0] [2, 3] [2.5, 8.666666666666666] [0, 1, 0, 1, 1] [1, 0, 1, 1, 0]")
    XCTAssertEqual(results.text[1], "3 5 6.2 [5.0, 26.0] [2, 3] [2.5, 8.666666666666666] [0, 1, 0, 1, 1] [1, 0, 1, 1, 0]")
  }

  /// Ranks that differ in a value all stop, naming what and which rank.
  func testRanksThatDifferAllStop() throws {
    guard ProcessGroup.isAvailable else { throw XCTSkip("built without Gloo (libgloo-dev)") }
    let port = try freeLoopbackPort()
    let errors = onRanks(2) { rank in
      let group = try ProcessGroup(host: "127.0.0.1", port: port, rank: rank, worldSize: 2, timeout: 30)
      try group.requireIdentical("same", what: "a setting")
      try group.requireIdentical(rank == 0 ? "seed 1" : "seed 2", what: "the seed")
    }
    XCTAssertEqual(errors[0], "rank 1 differs from rank 0 on the seed")
    XCTAssertEqual(errors[1], "rank 1 differs from rank 0 on the seed: rank 0 has seed 1, rank 1 has seed 2")
  }
}
