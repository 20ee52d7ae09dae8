import Experiments
import Foundation
import TestSupport
import Torch
import XCTest

/// `Jobs.diagnose` end to end: a dense MLP and its 90%-pruned version on small synthetic data.
final class DiagnosisTests: XCTestCase {
  func testDiagnoseWritesRowsGapsCorrelationsAndPlots() throws {
    Torch.threadCount = 2
    let root = try temporaryDirectory(self, prefix: "diagnose")
    var spec = DataSpec(source: .synthetic)
    spec.seed = 3
    var training = DenseTrainingConfig()
    training.epochs = 2
    _ = try Jobs.trainDense(data: spec, model: .mlp, config: training, output: root.appendingPathComponent("d.safetensors").path,
                            progress: ProgressReporter(enabled: false))
    var c = RunConfig()
    c.method = .nft
    c.epochs = 1
    c.lastPruningEpoch = 0
    try Jobs.prune(data: spec, denseFile: root.appendingPathComponent("d.safetensors").path, config: c,
                   output: root.appendingPathComponent("run").path, progress: ProgressReporter(enabled: false))
    var options = GroupDiagnostics.Options()
    options.maxSamplesPerGroup = 40
    options.perSampleGradients = 4
    options.powerIterations = 5
    options.hutchinsonProbes = 4
    let out = root.appendingPathComponent("diag")
    let markdown = try Jobs.diagnose(data: spec, denseFile: root.appendingPathComponent("d.safetensors").path,
                                     sparseFile: root.appendingPathComponent("run/model.safetensors").path, model: nil, split: "train",
                                     options: options, output: out.path, progress: ProgressReporter(enabled: false))
    let diagnosis = try JSONDecoder().decode(Diagnosis.self, from: Data(contentsOf: out.appendingPathComponent("diagnostics.json")))
    XCTAssertEqual(diagnosis.groups.map(\.name), ["style0", "style1", "style2", "style3", "style4"])
    for g in diagnosis.groups {
      let sparse = try XCTUnwrap(g.sparse)
      XCTAssertEqual(g.dense.samples, 40)
      XCTAssertEqual(try XCTUnwrap(g.gap), g.dense.accuracy - sparse.accuracy, accuracy: 1e-12)
      XCTAssertEqual(try XCTUnwrap(g.excessLoss), sparse.loss - g.dense.loss, accuracy: 1e-12)
      XCTAssertGreaterThan(g.dense.gradNorm, 0)
    }
    XCTAssertEqual(Set(diagnosis.correlations.keys), ["grad_norm", "mean_sample_grad_norm", "hessian_top", "hessian_trace",
                                                       "boundary_proxy", "margin", "loss"])
    let gaps = diagnosis.groups.compactMap(\.gap)
    let expected = RankCorrelation.spearman(diagnosis.groups.map(\.dense.gradNorm), gaps)
    XCTAssertEqual(diagnosis.correlations["grad_norm"] ?? nil, expected)
    XCTAssertTrue(markdown.contains("| style4 | 40 |"), markdown)
    let svg = try String(contentsOf: out.appendingPathComponent("diagnostics_grad_norm.svg"), encoding: .utf8)
    XCTAssertEqual(svg.components(separatedBy: "<circle").count - 1, 5)

    // The constraint's price: the model's own metrics are the run's final ones (an MLP: no
    // BatchNorm to recalibrate), and the offsets, where the search met every constraint, give a
    // max ψ_g within ε as DisparityMetrics measures it independently.
    let price = try JSONDecoder().decode(ConstraintPrice.self, from: Data(contentsOf: out.appendingPathComponent("constraint_price.json")))
    let report = try JSONDecoder().decode(RunReport.self, from: Data(contentsOf: root.appendingPathComponent("run/report.json")))
    XCTAssertEqual(price.evaluations.map(\.split), ["train", "test"])
    for e in price.evaluations {
      let run = try XCTUnwrap(report.splits[e.split])
      XCTAssertEqual(e.model.accuracy, run.accuracy, accuracy: 1e-12)
      XCTAssertEqual(e.model.maxExcessGap, run.maxExcessGap, accuracy: 1e-12)
    }
    XCTAssertEqual(price.offsets.count, 10)
    XCTAssertTrue(price.feasible)
    XCTAssertLessThanOrEqual(price.evaluations[0].withOffsets.maxExcessGap, 0.01 + 1e-12)
    XCTAssertTrue(markdown.contains("## The constraint's price"), markdown)
  }
}
