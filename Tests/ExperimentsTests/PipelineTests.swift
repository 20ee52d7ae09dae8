import Datasets
import Experiments
import Fairness
import Foundation
import NN
import Torch
import XCTest

/// End-to-end runs on the built-in synthetic data (small MLP, short schedule).
final class PipelineTests: XCTestCase {
  var output: URL!

  override func setUpWithError() throws {
    Torch.threadCount = 2
    output = FileManager.default.temporaryDirectory.appendingPathComponent("fairprune-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
  }
  override func tearDownWithError() throws { try? FileManager.default.removeItem(at: output) }

  func quietProgress() -> ProgressReporter { ProgressReporter(enabled: false) }

  /// The demo's data and a dense MLP trained on it (shared by the tests through a static cache).
  static var cached: (GroupedDataset, any Module)?
  func denseSetup() throws -> (GroupedDataset, any Module) {
    if let c = Self.cached { return c }
    let config = DemoConfig()
    let data = try config.data.make().make()
    Torch.manualSeed(0)
    let dense = try ModelKind.mlp.make(inputShape: data.train.sampleShape, numClasses: data.info.numClasses)
    try DenseTrainer.train(dense, on: data.train, config: config.dense, progress: quietProgress())
    Self.cached = (data, dense)
    return (data, dense)
  }

  func config(_ method: MethodKind) -> RunConfig {
    var c = DemoConfig().run
    c.method = method
    return c
  }

  /// SPEC 7.7: CEAG ends feasible on train at a tolerance NFT violates, at similar sparsity.
  func testCEAGFeasibleWhereNFTIsNot() throws {
    let (data, dense) = try denseSetup()
    let nft = try XCTUnwrap(PruneRun(config: config(.nft), data: data, directory: output.appendingPathComponent("nft"),
                                     progress: quietProgress()).run(dense: dense))
    let ceag = try XCTUnwrap(PruneRun(config: config(.ceag), data: data, directory: output.appendingPathComponent("ceag"),
                                      progress: quietProgress()).run(dense: dense))
    let tol = config(.ceag).tolerance
    XCTAssertGreaterThan(nft.splits["train"]!.maxExcessGap, 5 * tol, "NFT should hurt the small groups")
    XCTAssertFalse(nft.feasibleOnTrain)
    XCTAssertLessThanOrEqual(ceag.splits["train"]!.maxExcessGap, tol)
    XCTAssertTrue(ceag.feasibleOnTrain)
    XCTAssertEqual(ceag.achievedSparsity, 0.97, accuracy: 0.005)
    XCTAssertEqual(nft.achievedSparsity, ceag.achievedSparsity, accuracy: 1e-9)
    // report.json carries the documented shape with fractions.
    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: output.appendingPathComponent("ceag/report.json"))) as! [String: Any]
    for key in ["method", "sparsity_target", "achieved_sparsity", "tolerance", "seed", "groups", "splits"] {
      XCTAssertNotNil(json[key], key)
    }
    let train = (json["splits"] as! [String: Any])["train"] as! [String: Any]
    for key in ["accuracy", "dense_accuracy", "psi_pw", "max_excess_gap", "feasible", "groups"] { XCTAssertNotNil(train[key], key) }
    let group = (train["groups"] as! [[String: Any]])[0]
    for key in ["name", "count", "accuracy", "dense_accuracy", "gap", "excess_gap"] { XCTAssertNotNil(group[key], key) }
    // The overall accuracy is the count-weighted mean of the group accuracies (SPEC 1).
    let groups = train["groups"] as! [[String: Any]]
    let counts = groups.map { Double($0["count"] as! Int) }, accuracies = groups.map { $0["accuracy"] as! Double }
    XCTAssertEqual(train["accuracy"] as! Double, zip(counts, accuracies).map(*).reduce(0, +) / counts.reduce(0, +), accuracy: 1e-9)
    XCTAssertEqual(train["accuracy"] as! Double, ceag.splits["train"]!.accuracy, accuracy: 1e-12)
    XCTAssertNil(json["unexpected"])
    let lines = try String(contentsOf: output.appendingPathComponent("ceag/metrics.jsonl"), encoding: .utf8).split(separator: "\n")
    XCTAssertEqual(lines.count, 12 * 2, "one line per epoch and split")
    // The train lines list every group's multiplier; their largest is multiplier_max.
    let last = try XCTUnwrap(try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
      .last { $0["split"] as? String == "train" })
    let lambdas = try XCTUnwrap(last["multipliers"] as? [Double])
    XCTAssertEqual(lambdas.count, ceag.groups.count)
    XCTAssertTrue(lambdas.allSatisfy { $0 >= 0 }, "\(lambdas)")
    XCTAssertGreaterThan(lambdas.max() ?? 0, 0, "some constraint was active")
    XCTAssertEqual(last["multiplier_max"] as? Double, lambdas.max())
    let nftLines = try String(contentsOf: output.appendingPathComponent("nft/metrics.jsonl"), encoding: .utf8)
    XCTAssertFalse(nftLines.contains("\"multipliers\""), "NFT has no multipliers")
  }

  /// Equalized loss with replay buffers shrinks the spread of group losses on train relative to NFT.
  func testEqualizedLossReducesLossGap() throws {
    let (data, dense) = try denseSetup()
    func lossSpread(_ method: MethodKind) throws -> Double {
      let c = config(method)
      let r = try XCTUnwrap(PruneRun(config: c, data: data, directory: output.appendingPathComponent(method.rawValue),
                                     progress: quietProgress()).run(dense: dense))
      let losses = r.splits["train"]!.groups.compactMap(\.loss)
      XCTAssertEqual(losses.count, 5)
      return losses.max()! - losses.min()!
    }
    let nft = try lossSpread(.nft)
    let el = try lossSpread(.elRB)
    XCTAssertLessThan(el, 0.5 * nft, "EL+RB loss spread \(el) vs NFT \(nft)")
  }

  /// A run killed after an epoch and resumed ends with the same report.json as an uninterrupted one.
  func testResumeGivesIdenticalReport() throws {
    let (data, dense) = try denseSetup()
    var c = config(.ceag)
    c.epochs = 7
    c.lastPruningEpoch = 3
    let full = output.appendingPathComponent("full"), resumed = output.appendingPathComponent("resumed")
    _ = try PruneRun(config: c, data: data, directory: full, progress: quietProgress()).run(dense: dense)
    let first = try PruneRun(config: c, data: data, directory: resumed, progress: quietProgress())
    first.stopAfterEpoch = 4
    XCTAssertNil(try first.run(dense: dense))
    XCTAssertFalse(FileManager.default.fileExists(atPath: resumed.appendingPathComponent("report.json").path))
    _ = try PruneRun(config: c, data: data, directory: resumed, progress: quietProgress()).run(dense: dense)
    XCTAssertEqual(try Data(contentsOf: full.appendingPathComponent("report.json")),
                   try Data(contentsOf: resumed.appendingPathComponent("report.json")))
    XCTAssertEqual(try Data(contentsOf: full.appendingPathComponent("metrics.jsonl")),
                   try Data(contentsOf: resumed.appendingPathComponent("metrics.jsonl")))
    // steps.jsonl: one line per step, the same after a resume; multipliers from the last pruning epoch on.
    let steps = try String(contentsOf: resumed.appendingPathComponent("steps.jsonl"), encoding: .utf8)
    XCTAssertEqual(steps, try String(contentsOf: full.appendingPathComponent("steps.jsonl"), encoding: .utf8))
    let lines = steps.split(separator: "\n")
    let perEpoch = (data.train.count + c.batchSize - 1) / c.batchSize
    XCTAssertEqual(lines.count, c.epochs * perEpoch)
    let objects = try lines.map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
    XCTAssertEqual(objects.map { $0["epoch"] as? Int }, (0..<c.epochs).flatMap { e in Array(repeating: e, count: perEpoch) })
    XCTAssertNil(objects[0]["multiplier_max"])
    let mitigated = objects[c.lastPruningEpoch * perEpoch]
    XCTAssertNotNil(mitigated["multiplier_max"])
    XCTAssertNotNil(mitigated["lagrangian"])
    // Multipliers start at 0, so after the first projected dual step λ_max = max(0, η · largest violation).
    let firstViolation = mitigated["max_violation"] as? Double
    XCTAssertEqual(try XCTUnwrap(mitigated["multiplier_max"] as? Double),
                   firstViolation.map { Swift.max(0, c.dualLearningRate * $0) } ?? 0, accuracy: 1e-6)
    // The plots: one curve per split (train, test) over the 7 epochs.
    let curves = try String(contentsOf: resumed.appendingPathComponent("excess_gap.svg"), encoding: .utf8)
    XCTAssertEqual(curves.components(separatedBy: "<polyline").count - 1, 2)
    XCTAssertEqual(try String(contentsOf: full.appendingPathComponent("accuracy.svg"), encoding: .utf8),
                   try String(contentsOf: resumed.appendingPathComponent("accuracy.svg"), encoding: .utf8))
  }

  /// `dual_learning_rate_unit: epoch`: each dual step is η / (steps per epoch), so the first
  /// multiplier is that rate times the first violation (multipliers start at 0).
  func testDualRatePerEpochDividesByStepsPerEpoch() throws {
    let (data, dense) = try denseSetup()
    var c = config(.ceag)
    c.epochs = 2
    c.lastPruningEpoch = 1
    c.batchSize = 256
    c.dualLearningRate = 2.0
    c.dualLearningRateUnit = .epoch
    let dir = output.appendingPathComponent("per-epoch")
    _ = try PruneRun(config: c, data: data, directory: dir, progress: quietProgress()).run(dense: dense)
    let perEpoch = (data.train.count + 255) / 256
    XCTAssertEqual(perEpoch, 24)  // 6000 training samples
    let lines = try String(contentsOf: dir.appendingPathComponent("steps.jsonl"), encoding: .utf8).split(separator: "\n")
    let first = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(lines[perEpoch].utf8)) as? [String: Any])
    let violation = try XCTUnwrap(first["max_violation"] as? Double)
    XCTAssertGreaterThan(violation, 0, "the first mitigated step should see a violated constraint")
    XCTAssertEqual(try XCTUnwrap(first["multiplier_max"] as? Double), 2.0 / 24 * violation, accuracy: 1e-6)
  }

  /// A diverging run stops with an error naming the learning rates instead of writing NaN metrics.
  func testDivergenceIsReported() throws {
    let (data, dense) = try denseSetup()
    var c = config(.elRB)
    c.dualLearningRate = 50
    c.epochs = 6
    c.lastPruningEpoch = 1
    XCTAssertThrowsError(try PruneRun(config: c, data: data, directory: output.appendingPathComponent("div"),
                                      progress: quietProgress()).run(dense: dense)) {
      XCTAssertTrue("\($0)".contains("dual_learning_rate"), "\($0)")
    }
  }

  func testInvalidConfigNamesTheSetting() {
    var c = RunConfig()
    c.sparsity = 1.5
    XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".contains("sparsity = 1.5"), "\($0)") }
    c = RunConfig()
    c.lastPruningEpoch = 40
    XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".contains("last_pruning_epoch = 40"), "\($0)") }
    c = RunConfig()
    c.structured = true
    c.structuredResidualStreams = false
    XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".contains("structured_residual_streams = false: applies to a channels"), "\($0)") }
    c.structuredBudget = .flops
    XCTAssertNoThrow(try c.validate())
  }

  func testConfigFileUnknownKeyAndYAML() throws {
    let yaml = output.appendingPathComponent("run.yaml")
    try "method: nft\nsparsity: 0.8\nbuffer_size: 10\n".write(to: yaml, atomically: true, encoding: .utf8)
    let c = try ConfigFile.load(yaml.path)
    XCTAssertEqual(c.method, .nft)
    XCTAssertEqual(c.sparsity, 0.8)
    XCTAssertEqual(c.bufferSize, 10)
    let bad = output.appendingPathComponent("bad.json")
    try #"{"sparsity": 0.5, "sparsityy": 1}"#.write(to: bad, atomically: true, encoding: .utf8)
    XCTAssertThrowsError(try ConfigFile.load(bad.path)) { XCTAssertTrue("\($0)".contains("sparsityy"), "\($0)") }
  }
}
