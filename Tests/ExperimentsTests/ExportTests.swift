import Datasets
import Experiments
import Foundation
import NN
import TestSupport
import Torch
import XCTest

/// From a run to a model one can ship (issue 12): a BatchNorm model pruned hard with few steps
/// per epoch, exported, and loaded again.
final class ExportTests: XCTestCase {
  static var cached: (GroupedDataset, any Module)?

  /// Synthetic 16x16 faces-like data and a CifarResNet-8 trained on it.
  func setup() throws -> (GroupedDataset, any Module) {
    if let c = Self.cached { return c }
    Torch.threadCount = 2
    var demo = DemoConfig()
    demo.data.trainCount = 800
    demo.data.testCount = 400
    demo.data.noise = 0.5
    let data = try demo.data.make().make()
    var dense = DenseTrainingConfig()
    dense.epochs = 8
    dense.batchSize = 32
    dense.seed = 3
    let model = try DenseTrainer.trainNew(.cifarResNet8, on: data, config: dense, progress: ProgressReporter(enabled: false))
    Self.cached = (data, model)
    return (data, model)
  }

  func prune(recalibration: Int, into dir: URL) throws -> RunReport {
    let (data, dense) = try setup()
    var c = RunConfig()
    c.model = .cifarResNet8
    c.method = .nft
    c.sparsity = 0.9
    c.epochs = 2
    c.lastPruningEpoch = 1
    c.batchSize = 400  // two steps per epoch: too few for running statistics to follow the pruned weights
    c.bnRecalibrationBatches = recalibration
    return try XCTUnwrap(PruneRun(config: c, data: data, directory: dir, progress: ProgressReporter(enabled: false)).run(dense: dense))
  }

  /// A CifarResNet-8 NFT run pruned to structured sparsity 0.5 under `budget` in 2 epochs.
  func structuredRun(budget: StructuredBudget, allocation: ChannelAllocation = .uniform, into dir: URL) throws -> RunReport {
    let (data, dense) = try setup()
    var c = RunConfig()
    c.model = .cifarResNet8
    c.method = .nft
    c.structured = true
    c.structuredBudget = budget
    c.structuredAllocation = allocation
    c.sparsity = 0.5
    c.epochs = 2
    c.lastPruningEpoch = 1
    c.batchSize = 200
    return try XCTUnwrap(PruneRun(config: c, data: data, directory: dir, progress: ProgressReporter(enabled: false)).run(dense: dense))
  }

  func testPrunedModelExportsAndReloadsWithTheRecalibratedAccuracy() throws {
    let root = try temporaryDirectory(self, prefix: "export")
    let (data, dense) = try setup()
    let denseAccuracy = try Evaluator.predict(dense, on: data.test).accuracy
    let stale = try prune(recalibration: 0, into: root.appendingPathComponent("stale"))
    let run = root.appendingPathComponent("recalibrated")
    let report = try prune(recalibration: 32, into: run)
    let test = try XCTUnwrap(report.splits["test"]).accuracy
    // Stale statistics cost most of the accuracy; recomputed ones give it back.
    XCTAssertGreaterThan(test, try XCTUnwrap(stale.splits["test"]).accuracy + 0.2, "dense \(denseAccuracy)")
    XCTAssertFalse(report.nearChance)
    // The stale run is at chance, and says so instead of "feasible".
    XCTAssertTrue(stale.verdict.hasPrefix("no: near chance"), stale.verdict)
    XCTAssertFalse(stale.feasibleOnTrain)

    let exported = root.appendingPathComponent("model.safetensors").path
    let said = try Jobs.export(run: run.path, output: exported)
    XCTAssertTrue(said.contains("cifar-resnet8, 10 classes, input 3x16x16, sparsity 0.9"), said)
    let file = try SafeTensors.read(from: URL(fileURLWithPath: exported))
    XCTAssertFalse(file.tensors.contains { $0.name.hasSuffix("weight_mask") || $0.name.hasPrefix("model.") || $0.name.hasPrefix("tuner.") })
    XCTAssertEqual(file.tensors.map(\.name), try ModelKind.cifarResNet8.make(inputShape: [3, 16, 16], numClasses: 10).stateDict().map(\.name))
    XCTAssertEqual(file.metadata["method"], "nft")
    XCTAssertEqual(file.metadata["groups"], "[\"style0\",\"style1\",\"style2\",\"style3\",\"style4\"]")
    // No --model: the file says what it is; the accuracy is the report's.
    let reloaded = try ModelFile.load(exported, kind: nil, for: data)
    XCTAssertEqual(try Evaluator.predict(reloaded, on: data.test).accuracy, test)
    // Pruned weights are stored as zeros.
    let conv = try XCTUnwrap(file.tensors.first { $0.name == "layer1.0.conv1.weight" }).tensor
    XCTAssertEqual(try conv.eq(0).to(.float32).mean().item(), 0.9, accuracy: 0.01)
    // A wrong --model is named.
    assertThrows(ConfigError.self, "holds a cifar-resnet8 model, but the model setting says mlp") {
      try ModelFile.load(exported, kind: .mlp, for: data)
    }
  }

  /// The committed export (made by `fairprune export`) loads in PyTorch with strict=True and gives
  /// the logits PyTorch computed (make_export_fixture.py); today's export has the same layout.
  func testPyTorchLoadsTheExportStrictlyAndAgreesOnLogits() throws {
    let fixtures = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
    let path = fixtures.appendingPathComponent("exported_cifar_resnet8.safetensors").path
    struct Reference: Decodable {
      let strict_load: String
      let input_shape: [Int]
      let logits: [Double]
    }
    let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: fixtures.appendingPathComponent("export_pytorch.json")))
    XCTAssertEqual(reference.strict_load, "<All keys matched successfully>")
    // Names, order, shapes and dtypes of a fresh export equal the file PyTorch accepted.
    let fresh = try ModelKind.cifarResNet8.make(inputShape: [3, 16, 16], numClasses: 10)
    let out = try temporaryDirectory(self, prefix: "export-layout").appendingPathComponent("m.safetensors").path
    try ModelFile.save(fresh, metadata: ModelFileMetadata(architecture: .cifarResNet8, numClasses: 10, inputShape: [3, 16, 16]), to: out)
    let layout = { (p: String) in try SafeTensors.read(from: URL(fileURLWithPath: p)).tensors.map { "\($0.name) \($0.tensor.shape) \($0.tensor.dtype)" } }
    XCTAssertEqual(try layout(out), try layout(path))
    // FairPrune reads the same model PyTorch read: equal logits (float32, a short network).
    _ = try assertLogitsMatchPyTorch(path, inputShape: reference.input_shape, logits: reference.logits)
  }

  /// Loads the model file at `path` (architecture and widths from the file) and checks its
  /// eval-mode logits on the fixtures' SplitMix64 input against PyTorch's; returns the model.
  func assertLogitsMatchPyTorch(_ path: String, inputShape: [Int], logits expected: [Double]) throws -> any Module {
    var data = DemoConfig().data
    data.trainCount = 50
    data.testCount = 10
    let model = try ModelFile.load(path, kind: nil, for: try data.make().make())
    model.eval()
    let n = inputShape.reduce(1, *)
    let x = try Tensor(SplitMix64.uniforms(stream: 1 << 20, count: n).map { Float(2 * $0 - 1) }, shape: inputShape)
    let logits = try model(x).to(.float64).toArray(Double.self)
    assertClose(logits, expected, atol: 1e-4 * (expected.map(abs).max() ?? 1))
    return model
  }

  /// `export --compact` of a structured run: the dead channels are gone, the logits are the
  /// masked model's, and the widths are in the metadata; wrong metadata widths are named.
  func testCompactedExportGivesTheMaskedModelsLogitsWithFewerParameters() throws {
    let (data, _) = try setup()
    let root = try temporaryDirectory(self, prefix: "export-compact")
    let run = root.appendingPathComponent("run")
    _ = try structuredRun(budget: .layer, into: run)
    let plain = root.appendingPathComponent("plain.safetensors").path
    let compact = root.appendingPathComponent("compact.safetensors").path
    _ = try Jobs.export(run: run.path, output: plain)
    let said = try Jobs.export(run: run.path, output: compact, compact: true)
    XCTAssertTrue(said.contains("compacted: 78042 -> "), said)

    let masked = try ModelFile.load(plain, kind: nil, for: data)
    let small = try ModelFile.load(compact, kind: nil, for: data)
    // Each block's inner channels: ceil(0.5 · n) pruned, the rest kept.
    let widths = ChannelWidths(state: small.stateDict())
    XCTAssertEqual(["layer1.0.conv1", "layer2.0.conv1", "layer3.0.conv1"].map { widths.outputs[$0] }, [8, 16, 32])
    XCTAssertLessThan(small.parameterCount, masked.parameterCount * 6 / 10)
    let metadata = try XCTUnwrap(ModelFileMetadata.read(compact))
    XCTAssertEqual(metadata.widths?.outputs["layer2.0.conv1"], 16)
    masked.eval()
    small.eval()
    let x = try data.test.makeBatch(Array(0..<64), seed: 0).inputs
    let (a, b) = try Torch.withNoGrad { (try masked(x), try small(x)) }
    XCTAssertLessThan(try (a - b).abs().max().item(), 1e-5 * max(try a.abs().max().item(), 1))
    XCTAssertEqual(try Evaluator.predict(small, on: data.test).accuracy, try Evaluator.predict(masked, on: data.test).accuracy)

    // Metadata widths that contradict the weights are refused, naming the layer.
    var wrong = metadata
    wrong.widths = ChannelWidths(metadata.widths!.outputs.merging(["layer1.0.conv1": 9]) { _, new in new })
    let bad = root.appendingPathComponent("bad.safetensors").path
    try ModelFile.save(small, metadata: wrong, to: bad)
    assertThrows(ConfigError.self, "metadata says layer layer1.0.conv1 has 9 channels, its weight has 8") {
      try ModelFile.load(bad, kind: nil, for: data)
    }
  }

  /// "Half of the FLOPs": a run with a FLOP budget exports a compacted model with at most half
  /// the dense model's MACs (and not much less), and its report's accuracy.
  func testFLOPBudgetRunExportsAModelWithHalfTheMACs() throws {
    let (data, dense) = try setup()
    let root = try temporaryDirectory(self, prefix: "export-flops")
    let run = root.appendingPathComponent("run")
    let report = try structuredRun(budget: .flops, allocation: .global, into: run)
    let compact = root.appendingPathComponent("compact.safetensors").path
    _ = try Jobs.export(run: run.path, output: compact, compact: true)
    let model = try ModelFile.load(compact, kind: nil, for: data)
    let macs = Double(try ModelCost(of: model, inputShape: data.train.sampleShape).macs)
    let denseMACs = Double(try ModelCost(of: dense, inputShape: data.train.sampleShape).macs)
    XCTAssertLessThanOrEqual(macs, 0.5 * denseMACs)
    XCTAssertGreaterThan(macs, 0.4 * denseMACs)
    XCTAssertEqual(try Evaluator.predict(model, on: data.test).accuracy, try XCTUnwrap(report.splits["test"]).accuracy, accuracy: 1e-9)
  }

  /// The committed compacted export (made by `fairprune export --compact`) loads in PyTorch
  /// through python/fairprune_models.py at the widths its metadata gives, with the logits
  /// FairPrune computes (make_compact_fixture.py).
  func testPyTorchBuildsTheCompactedArchitectureFromItsWidths() throws {
    let fixtures = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
    struct Reference: Decodable {
      let parameters: Int
      let widths: [String: Int]
      let input_shape: [Int]
      let logits: [Double]
    }
    let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: fixtures.appendingPathComponent("compact_pytorch.json")))
    let path = fixtures.appendingPathComponent("compacted_cifar_resnet8.safetensors").path
    let model = try assertLogitsMatchPyTorch(path, inputShape: reference.input_shape, logits: reference.logits)
    XCTAssertEqual(model.parameterCount, reference.parameters)
    XCTAssertEqual(try ModelFileMetadata.read(path)?.widths, ChannelWidths(reference.widths))
  }

  /// `{'state_dict': {'module.…': …}, 'epoch': 3}` as training scripts save it: unwrapped, with notes.
  func testTrainingCheckpointWrappersAndDataParallelPrefixesAreUnwrapped() throws {
    let fixtures = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
    let contents = try ModelFile.read(fixtures.appendingPathComponent("wrapped_dataparallel_mlp.pt").path)
    XCTAssertEqual(contents.state.map(\.name), ["layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"])
    XCTAssertEqual(contents.state.map(\.tensor.shape), [[4, 12], [4], [3, 4], [3]])
    XCTAssertEqual(contents.notes.count, 2)
    XCTAssertTrue(contents.notes[0].contains("under 'state_dict'"), contents.notes[0])
    XCTAssertTrue(contents.notes[1].contains("'module.'"), contents.notes[1])
  }

  /// The class count comes from the file: data lacking the top classes loads; data with more
  /// classes than the model, or another input shape, is an error that says so.
  func testClassCountAndInputShapeComeFromTheFile() throws {
    let fixtures = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
    let path = fixtures.appendingPathComponent("exported_cifar_resnet8.safetensors").path
    func data(classes: Int, size: Int = 16) throws -> GroupedDataset {
      var d = SyntheticGroupedImages()
      d.trainCount = 60
      d.testCount = 20
      d.numClasses = classes
      d.imageSize = size
      return try d.make()
    }
    let fewer = try ModelFile.load(path, kind: nil, for: try data(classes: 6))
    XCTAssertEqual(try fewer(Tensor.zeros([1, 3, 16, 16])).shape, [1, 10])
    assertThrows(ConfigError.self, "has 10 classes, but the data's labels go up to 11") {
      try ModelFile.load(path, kind: nil, for: try data(classes: 12))
    }
    assertThrows(ConfigError.self, "saved for inputs of shape [3, 16, 16], the data's are [3, 8, 8]") {
      try ModelFile.load(path, kind: nil, for: try data(classes: 10, size: 8))
    }
  }
}
