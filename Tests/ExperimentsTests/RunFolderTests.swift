import Datasets
import Experiments
import Foundation
import NN
import TestSupport
import Torch
import XCTest

/// The run-folder rule (issue 12 item 4, issue 13 item 1): a folder is resumed only by the same
/// settings, data and dense model; anything else is refused before a byte changes.
final class RunFolderTests: XCTestCase {
  var output: URL!
  override func setUpWithError() throws {
    Torch.threadCount = 2
    output = try temporaryDirectory(self, prefix: "run-folder")
  }

  static var cached: (GroupedDataset, any Module)?
  /// Small synthetic data and an MLP trained on it for one epoch.
  func setup() throws -> (GroupedDataset, any Module) {
    if let c = Self.cached { return c }
    var demo = DemoConfig()
    demo.data.trainCount = 1500
    demo.data.testCount = 500
    let data = try demo.data.make().make()
    Torch.manualSeed(0)
    let dense = try ModelKind.mlp.make(inputShape: data.train.sampleShape, numClasses: data.info.numClasses)
    demo.dense.epochs = 1
    try DenseTrainer.train(dense, on: data.train, config: demo.dense, progress: ProgressReporter(enabled: false))
    Self.cached = (data, dense)
    return (data, dense)
  }

  func config() -> RunConfig {
    var c = RunConfig()
    c.method = .ceag
    c.epochs = 2
    c.lastPruningEpoch = 0
    c.sparsity = 0.9
    return c
  }

  func run(_ c: RunConfig, dir: URL, data spec: DataSpec = DataSpec(source: .synthetic), dense: (any Module)? = nil,
           overwrite: Bool = false, stopAfter: Int? = nil) throws -> RunReport? {
    let (data, trained) = try setup()
    let run = try PruneRun(config: c, data: data, directory: dir, progress: ProgressReporter(enabled: false))
    run.dataSpec = spec
    run.overwrite = overwrite
    run.stopAfterEpoch = stopAfter
    return try run.run(dense: dense ?? trained)
  }

  /// Every file of the folder, by name, with its bytes.
  func snapshot(_ dir: URL) throws -> [String: Data] {
    var files: [String: Data] = [:]
    for name in try FileManager.default.contentsOfDirectory(atPath: dir.path) {
      files[name] = try Data(contentsOf: dir.appendingPathComponent(name))
    }
    return files
  }

  func testChangedSettingDataOrDenseModelIsRefusedAndNothingChanges() throws {
    let dir = output.appendingPathComponent("run")
    XCTAssertNil(try run(config(), dir: dir, stopAfter: 0))
    let before = try snapshot(dir)
    XCTAssertEqual(Set(before.keys), ["config.json", "data.json", "inputs.json", "dense_metrics.json", "metrics.jsonl",
                                      "steps.jsonl", "checkpoint.safetensors", "model.safetensors"])
    var sparser = config()
    sparser.sparsity = 0.5
    sparser.method = .nft
    assertThrows(ConfigError.self, "holds a run with other settings", "method: \"ceag\" → \"nft\"", "sparsity: 0.9 → 0.5") {
      try run(sparser, dir: dir)
    }
    XCTAssertEqual(try snapshot(dir), before)
    var otherData = DataSpec(source: .synthetic)
    otherData.seed = 99
    assertThrows(ConfigError.self, "data.seed: 1234 → 99") { try run(config(), dir: dir, data: otherData) }
    XCTAssertEqual(try snapshot(dir), before)
    let (_, trained) = try setup()
    let otherDense = try ModelKind.mlp.make(inputShape: try setup().0.train.sampleShape, numClasses: try setup().0.info.numClasses)
    try otherDense.loadStateDict(trained.stateDict())
    try Torch.withNoGrad { try otherDense.parameters()[0].mul_(0.5) }
    assertThrows(ConfigError.self, "dense model:") { try run(config(), dir: dir, dense: otherDense) }
    XCTAssertEqual(try snapshot(dir), before)
    // Same settings, other content (a file of the data changed): caught by the data digest.
    let (data, _) = try setup()
    var changed = data
    var labels = try data.train.targets.toArray(Int64.self)
    labels[0] = (labels[0] + 1) % Int64(data.info.numClasses)
    guard case .tensor(let inputs) = data.train.storage else { return XCTFail("synthetic data holds tensors") }
    changed.train = try GroupedSplit(inputs: inputs, targets: Tensor(labels), attributes: data.train.attributes)
    assertThrows(ConfigError.self, "data content: digest") {
      let r = try PruneRun(config: config(), data: changed, directory: dir, progress: ProgressReporter(enabled: false))
      r.dataSpec = DataSpec(source: .synthetic)
      return try r.run(dense: trained)
    }
    XCTAssertEqual(try snapshot(dir), before)
    // Threads may change between sessions of one run.
    var threads = config()
    threads.threads = 1
    XCTAssertNotNil(try run(threads, dir: dir))
  }

  func testFinishedRunIsReadNotRewrittenAndOverwriteStartsAfresh() throws {
    let dir = output.appendingPathComponent("run")
    let report = try XCTUnwrap(run(config(), dir: dir))
    // A temporary file left by a killed writer.
    try Data("partial".utf8).write(to: dir.appendingPathComponent(".metrics.jsonl.tmp-DEAD"))
    try FileManager.default.removeItem(at: dir.appendingPathComponent("metrics.jsonl"))
    let before = try snapshot(dir)
    XCTAssertEqual(try run(config(), dir: dir), report)
    XCTAssertEqual(try snapshot(dir), before, "a finished run is not rewritten")
    var other = config()
    other.tolerance = 0.05
    let fresh = try XCTUnwrap(run(other, dir: dir, overwrite: true))
    XCTAssertEqual(fresh.tolerance, 0.05)
    let after = try snapshot(dir)
    XCTAssertNil(after[".metrics.jsonl.tmp-DEAD"], "stale temporary files are removed")
    XCTAssertNotNil(after["metrics.jsonl"])
  }

  func testDamagedLogsAreNamed() throws {
    let dir = output.appendingPathComponent("run")
    XCTAssertNil(try run(config(), dir: dir, stopAfter: 0))
    try Data().write(to: dir.appendingPathComponent("metrics.jsonl"))
    assertThrows(ConfigError.self, "metrics.jsonl lacks epoch 1", "damaged") { try run(config(), dir: dir) }
    try Data("{\"epoch\":".utf8).write(to: dir.appendingPathComponent("config.json"))
    assertThrows(ConfigError.self, "config.json is not a JSON object") { try run(config(), dir: dir) }
  }

  func testOutputThatIsAFileIsRefused() throws {
    let file = output.appendingPathComponent("file")
    try Data("x".utf8).write(to: file)
    assertThrows(ConfigError.self, "\(file.path) is a file") { try run(config(), dir: file) }
    XCTAssertEqual(try Data(contentsOf: file), Data("x".utf8))
  }
}
