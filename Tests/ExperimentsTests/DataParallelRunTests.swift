import Datasets
import Experiments
import Foundation
import NN
import TestSupport
import Torch
import XCTest

/// A whole prune run (GMP, fine-tuning, evaluation, reports) on two ranks against one process on
/// the same global batches (issue 16): NFT and CEAG with replay buffers give the same masks,
/// weights within float32 rounding of a different summation order, the same multipliers and
/// the same report; only rank 0 writes the folder.
final class DataParallelRunTests: XCTestCase {
  func testTwoRanksRunTheSameNFTAndCEAGAsOneProcess() throws {
    guard ProcessGroup.isAvailable else { throw XCTSkip("built without Gloo (libgloo-dev)") }
    Torch.threadCount = 1
    let root = try temporaryDirectory(self, prefix: "data-parallel-run")
    let (data, dense) = try SmallDemoFixture.make()
    for method in [MethodKind.nft, .ceag] {
      var c = SmallDemoFixture.runConfig(method)
      c.replicaCheckSteps = 3  // also checked within epochs
      let config = c
      @Sendable func run(_ name: String, group: ProcessGroup?) throws -> RunReport? {
        let r = try PruneRun(config: config, data: data, directory: root.appendingPathComponent(name), progress: ProgressReporter(enabled: false))
        r.processGroup = group
        return try r.run(dense: dense)
      }
      let one = try XCTUnwrap(run("\(method.rawValue)-one", group: nil))
      let port = try freeLoopbackPort()
      final class Results: @unchecked Sendable { var reports: [RunReport?] = [nil, nil] }
      let results = Results()
      let errors = onRanks(2) { rank in
        let group = try ProcessGroup(host: "127.0.0.1", port: port, rank: rank, worldSize: 2, timeout: 60)
        results.reports[rank] = try run("\(method.rawValue)-two", group: group)
      }
      XCTAssertEqual(errors.compactMap { $0 }, [], "\(method)")
      XCTAssertEqual(results.reports[0], results.reports[1], "\(method): both ranks return the same report")
      let two = try XCTUnwrap(results.reports[0])
      XCTAssertEqual(two.epoch, one.epoch)
      XCTAssertEqual(two.achievedSparsity, one.achievedSparsity)
      for (split, m) in one.splits {
        let n = try XCTUnwrap(two.splits[split])
        // Accuracies are counts over the split: equal predictions give equal values.
        XCTAssertEqual(n.accuracy, m.accuracy, accuracy: 1e-12, "\(method) \(split)")
        assertClose(n.groups.map { $0.accuracy ?? -1 }, m.groups.map { $0.accuracy ?? -1 }, atol: 1e-12, "\(method) \(split)")
        XCTAssertEqual(n.maxExcessGap, m.maxExcessGap, accuracy: 1e-12, "\(method) \(split)")
      }
      let a = try SafeTensors.read(from: root.appendingPathComponent("\(method.rawValue)-one/checkpoint.safetensors")).tensors
      let b = try SafeTensors.read(from: root.appendingPathComponent("\(method.rawValue)-two/checkpoint.safetensors")).tensors
      XCTAssertEqual(a.map(\.name), b.map(\.name))
      var multipliersSeen = false
      for (x, y) in zip(a, b) {
        if x.name.hasSuffix("weight_mask") {
          XCTAssertEqual(try x.tensor.to(.float64).toArray(Double.self), try y.tensor.to(.float64).toArray(Double.self),
                         "\(method): mask \(x.name) differs")
        } else {
          // float32 values summed in another order over 3 epochs of SGD with momentum.
          assertClose(try y.tensor.to(.float64).reshaped([-1]).toArray(Double.self),
                      try x.tensor.to(.float64).reshaped([-1]).toArray(Double.self), atol: 1e-4, rtol: 1e-4)
        }
        multipliersSeen = multipliersSeen || x.name.contains("multiplier")
      }
      XCTAssertEqual(multipliersSeen, method == .ceag, "\(method): \(a.map(\.name))")
    }
  }

  /// Small synthetic data and 2 epochs of dense training at batch 32 on one thread.
  func denseSetup(trainCount: Int, testCount: Int) throws -> (GroupedDataset, DenseTrainingConfig) {
    var demo = DemoConfig()
    demo.data.trainCount = trainCount
    demo.data.testCount = testCount
    var config = DenseTrainingConfig()
    config.epochs = 2
    config.batchSize = 32
    config.threads = 1
    return (try demo.data.make().make(), config)
  }

  /// Dense training on two ranks ends with the one-process model (float32, another summation
  /// order), even when rank 1 starts from other weights: rank 0's are broadcast first, as in DDP.
  func testTwoRanksTrainTheDenseModelOfOneProcess() throws {
    guard ProcessGroup.isAvailable else { throw XCTSkip("built without Gloo (libgloo-dev)") }
    let (data, config) = try denseSetup(trainCount: 300, testCount: 50)
    func model(seed: UInt64) throws -> any Module {
      Torch.manualSeed(seed)
      return try ModelKind.mlp.make(inputShape: data.train.sampleShape, numClasses: data.info.numClasses, mlpHidden: [16])
    }
    let one = try model(seed: 1), initial = try model(seed: 1).stateDict(), other = try model(seed: 2).stateDict()
    try DenseTrainer.train(one, on: data.train, config: config, progress: ProgressReporter(enabled: false))
    let port = try freeLoopbackPort()
    final class Results: @unchecked Sendable { var weights: [[[Double]]] = [[], []] }
    let results = Results()
    let cfg = config
    let errors = onRanks(2) { rank in
      let net = try ModelKind.mlp.make(inputShape: data.train.sampleShape, numClasses: data.info.numClasses, mlpHidden: [16])
      try net.loadStateDict(rank == 0 ? initial : other)
      let group = try ProcessGroup(host: "127.0.0.1", port: port, rank: rank, worldSize: 2, timeout: 60)
      try DenseTrainer.train(net, on: data.train, config: cfg, processGroup: group, progress: ProgressReporter(enabled: false))
      results.weights[rank] = try net.parameters().map { try $0.detached().to(.float64).reshaped([-1]).toArray(Double.self) }
    }
    XCTAssertEqual(errors.compactMap { $0 }, [])
    XCTAssertEqual(results.weights[0], results.weights[1], "ranks hold bitwise-equal weights")
    let expected = try one.parameters().map { try $0.detached().to(.float64).reshaped([-1]).toArray(Double.self) }
    XCTAssertEqual(results.weights[0].count, expected.count)
    for (got, want) in zip(results.weights[0], expected) { assertClose(got, want, atol: 1e-5, rtol: 1e-4) }
  }

  /// `sync_batchnorm` through DenseTrainer: a convolutional model with BatchNorm trained on two
  /// ranks ends with the one-process model's weights and running statistics (float32, another
  /// summation order), and its BatchNorms are no longer tied to the group afterwards.
  func testTwoRanksWithSynchronizedBatchNormTrainTheDenseModelOfOneProcess() throws {
    guard ProcessGroup.isAvailable else { throw XCTSkip("built without Gloo (libgloo-dev)") }
    let (data, base) = try denseSetup(trainCount: 200, testCount: 20)
    var config = base
    config.syncBatchNorm = true
    let shape = data.train.sampleShape, classes = data.info.numClasses
    @Sendable func model() throws -> Sequential {
      try Sequential([Conv2d(shape[0], 4, kernelSize: 3, padding: 1), BatchNorm2d(4), ReLU(), Flatten(),
                      Linear(4 * shape[1] * shape[2], classes)])
    }
    Torch.manualSeed(3)
    let one = try model(), initial = try one.stateDict().map { (name: $0.name, tensor: try $0.tensor.clone()) }
    try DenseTrainer.train(one, on: data.train, config: config, progress: ProgressReporter(enabled: false))
    let port = try freeLoopbackPort()
    final class Results: @unchecked Sendable { var values: [[[Double]]] = [[], []]; var stillTied = false }
    let results = Results()
    let cfg = config
    let errors = onRanks(2) { rank in
      let net = try model()
      try net.loadStateDict(initial)
      let group = try ProcessGroup(host: "127.0.0.1", port: port, rank: rank, worldSize: 2, timeout: 60)
      try DenseTrainer.train(net, on: data.train, config: cfg, processGroup: group, progress: ProgressReporter(enabled: false))
      results.values[rank] = try net.stateDict().filter { $0.tensor.dtype == .float32 }
        .map { try $0.tensor.detached().to(.float64).reshaped([-1]).toArray(Double.self) }
      if (net.layers[1] as? BatchNorm2d)?.synchronization != nil { results.stillTied = true }
    }
    XCTAssertEqual(errors.compactMap { $0 }, [])
    XCTAssertFalse(results.stillTied, "training unties the BatchNorms from the group when it ends")
    XCTAssertEqual(results.values[0], results.values[1], "ranks hold bitwise-equal weights and statistics")
    let expected = try one.stateDict().filter { $0.tensor.dtype == .float32 }
      .map { try $0.tensor.detached().to(.float64).reshaped([-1]).toArray(Double.self) }
    XCTAssertEqual(results.values[0].count, expected.count)
    for (got, want) in zip(results.values[0], expected) { assertClose(got, want, atol: 1e-5, rtol: 1e-4) }
  }
}
