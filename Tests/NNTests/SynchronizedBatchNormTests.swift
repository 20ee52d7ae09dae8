import NN
import Optim
import TestSupport
import Torch
import XCTest

/// `--sync-batchnorm`: two ranks whose BatchNorms normalize over the global batch train the
/// weights and running statistics of one process on the whole batch (float64, 1e-10: only the
/// order of sums differs); without synchronization they do not, which shows the test can fail.
final class SynchronizedBatchNormTests: XCTestCase {
  static let steps = 3

  func makeModel() throws -> Sequential {
    try Sequential([Conv2d(2, 3, kernelSize: 3, padding: 1), BatchNorm2d(3), ReLU(), Flatten(), Linear(3 * 4 * 4, 3)])
  }

  /// Parameters then buffers, flattened, in state-dict order.
  func values(_ model: any Module) throws -> [[Double]] {
    try model.stateDict().filter { $0.tensor.dtype == .float64 }.map { try $0.tensor.detached().toArray(Double.self) }
  }

  /// Each rank's weights and buffers after `steps` SGD steps on its half of the batch.
  func twoRanks(synchronized: Bool, initial: [(name: String, tensor: Tensor)], x: Tensor, y: Tensor) throws -> [[[Double]]] {
    let port = try freeLoopbackPort()
    final class Results: @unchecked Sendable { var values: [[[Double]]] = [[], []] }
    let results = Results()
    let errors = onRanks(2) { rank in
      let model = try self.makeModel()
      try model.to(.float64)
      try model.loadStateDict(initial)
      let group = try ProcessGroup(host: "127.0.0.1", port: port, rank: rank, worldSize: 2, timeout: 30)
      if synchronized { model.synchronizeBatchNorm(over: group) }
      let opt = try SGD(parameters: model.parameters(), learningRate: 0.1, momentum: 0.9)
      let xs = try x.slice(dim: 0, start: 4 * rank, end: 4 * rank + 4), ys = try y.slice(dim: 0, start: 4 * rank, end: 4 * rank + 4)
      for _ in 0..<Self.steps {
        try opt.zeroGrad()
        try Tensor.crossEntropy(model(xs), targets: ys).backward()
        try group.averageGradients(of: model.parameters())
        try opt.step()
      }
      results.values[rank] = try self.values(model)
    }
    XCTAssertEqual(errors.compactMap { $0 }, [])
    return results.values
  }

  func testTwoSynchronizedRanksTrainLikeOneProcessOnTheWholeBatch() throws {
    guard ProcessGroup.isAvailable else { throw XCTSkip("built without Gloo (libgloo-dev)") }
    Torch.threadCount = 1
    Torch.manualSeed(5)
    let reference = try makeModel()
    try reference.to(.float64)
    let initial = try reference.stateDict().map { (name: $0.name, tensor: try $0.tensor.clone()) }
    // Inputs with a per-sample offset, so the two halves' statistics differ clearly.
    let x = try Tensor.randn([8, 2, 4, 4], dtype: .float64) + Tensor.arange(8).to(.float64).reshaped([8, 1, 1, 1])
    let y = try Tensor.randint(high: 3, shape: [8])
    let sgd = try SGD(parameters: reference.parameters(), learningRate: 0.1, momentum: 0.9)
    for _ in 0..<Self.steps {
      try sgd.zeroGrad()
      try Tensor.crossEntropy(reference(x), targets: y).backward()
      try sgd.step()
    }
    let expected = try values(reference)

    let synchronized = try twoRanks(synchronized: true, initial: initial, x: x, y: y)
    XCTAssertEqual(synchronized[0], synchronized[1], "ranks hold bitwise-equal weights and running statistics")
    XCTAssertEqual(synchronized[0].count, expected.count)
    for (got, want) in zip(synchronized[0], expected) { assertClose(got, want, atol: 1e-10) }

    let separate = try twoRanks(synchronized: false, initial: initial, x: x, y: y)
    let largest = zip(separate[0].joined(), expected.joined()).map { abs($0 - $1) }.max() ?? 0
    XCTAssertGreaterThan(largest, 1e-3, "per-rank BatchNorm statistics give other weights than the global batch's")
  }
}
