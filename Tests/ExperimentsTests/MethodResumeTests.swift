import Datasets
import Experiments
import Foundation
import NN
import TestSupport
import Torch
import XCTest

/// BiFP and FairGRAPE through the run directory: reaching the target sparsity, and a run stopped
/// after an epoch resuming to the same files as an uninterrupted one (their latent weights, scores
/// and optimizer states are checkpointed).
final class MethodResumeTests: XCTestCase {
  func testBiFPAndFairGRAPEResumeToIdenticalFiles() throws {
    Torch.threadCount = 2
    let root = try temporaryDirectory(self, prefix: "method-resume")
    let (data, dense) = try SmallDemoFixture.make()
    for method in [MethodKind.bifp, .fairgrape] {
      var c = RunConfig()
      c.method = method
      c.sparsity = 0.9
      c.epochs = 4
      c.lastPruningEpoch = 2
      c.fairgrapeScoringBatches = 2
      c.stratifiedBatches = method == .bifp  // BiFP's fairness term wants every group in each batch
      func run(_ name: String, stopAfter: Int?) throws -> RunReport? {
        let r = try PruneRun(config: c, data: data, directory: root.appendingPathComponent(name), progress: ProgressReporter(enabled: false))
        r.stopAfterEpoch = stopAfter
        return try r.run(dense: dense)
      }
      let full = try XCTUnwrap(run("\(method.rawValue)-full", stopAfter: nil))
      XCTAssertEqual(full.achievedSparsity, 0.9, accuracy: 0.005, "\(method)")
      XCTAssertNil(try run("\(method.rawValue)-resumed", stopAfter: 1))
      let resumed = try XCTUnwrap(run("\(method.rawValue)-resumed", stopAfter: nil))
      XCTAssertEqual(resumed, full, "\(method)")
      for file in ["report.json", "model.safetensors", "metrics.jsonl"] {
        let a = try Data(contentsOf: root.appendingPathComponent("\(method.rawValue)-full/\(file)"))
        let b = try Data(contentsOf: root.appendingPathComponent("\(method.rawValue)-resumed/\(file)"))
        XCTAssertTrue(a == b, "\(method): \(file) differs after resuming")
      }
    }
  }
}
