import NN
import Optim
import TestSupport
import Torch
import XCTest

/// Data parallelism's core equivalence: two ranks that each take the mean loss of half of a
/// global batch and average their gradients train the same weights as one process on the whole
/// batch, and hold bitwise-equal weights.
final class DataParallelGradientTests: XCTestCase {
  func testTwoRanksOnHalfBatchesTrainLikeOneProcessOnTheWholeBatch() throws {
    guard ProcessGroup.isAvailable else { throw XCTSkip("built without Gloo (libgloo-dev)") }
    Torch.threadCount = 1
    Torch.manualSeed(31)
    let reference = try MLP(inputSize: 6, hiddenSizes: [8], outputSize: 3)
    try reference.to(.float64)
    let initial = try reference.stateDict().map { (name: $0.name, tensor: try $0.tensor.clone()) }
    let x = try Tensor.randn([16, 6], dtype: .float64), y = try Tensor.randint(high: 3, shape: [16])
    let steps = 5
    // One process, the whole batch.
    let sgd = try SGD(parameters: reference.parameters(), learningRate: 0.1, momentum: 0.9)
    for _ in 0..<steps {
      try sgd.zeroGrad()
      try Tensor.crossEntropy(reference(x), targets: y).backward()
      try sgd.step()
    }
    // Two ranks, eight samples each.
    let port = try freeLoopbackPort()
    final class Results: @unchecked Sendable { var weights: [[[Double]]] = [[], []] }
    let results = Results()
    let errors = onRanks(2) { rank in
      let model = try MLP(inputSize: 6, hiddenSizes: [8], outputSize: 3)
      try model.to(.float64)
      try model.loadStateDict(initial)
      let group = try ProcessGroup(host: "127.0.0.1", port: port, rank: rank, worldSize: 2, timeout: 30)
      let opt = try SGD(parameters: model.parameters(), learningRate: 0.1, momentum: 0.9)
      let xs = try x.slice(dim: 0, start: 8 * rank, end: 8 * rank + 8), ys = try y.slice(dim: 0, start: 8 * rank, end: 8 * rank + 8)
      for _ in 0..<steps {
        try opt.zeroGrad()
        try Tensor.crossEntropy(model(xs), targets: ys).backward()
        try group.averageGradients(of: model.parameters())
        try opt.step()
      }
      results.weights[rank] = try model.parameters().map { try $0.detached().toArray(Double.self) }
    }
    XCTAssertEqual(errors.compactMap { $0 }, [])
    XCTAssertEqual(results.weights[0], results.weights[1], "ranks hold bitwise-equal weights")
    let expected = try reference.parameters().map { try $0.detached().toArray(Double.self) }
    for (got, want) in zip(results.weights[0], expected) { assertClose(got, want, atol: 1e-12) }
  }
}
