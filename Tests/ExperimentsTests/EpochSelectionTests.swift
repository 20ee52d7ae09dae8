@testable import Experiments
import Fairness
import TestSupport
import XCTest

/// The epoch-selection rules on recorded validation metrics.
final class EpochSelectionTests: XCTestCase {
  /// Validation metrics with the given accuracy and max ψ_g: two groups of 10 at dense accuracy
  /// 0.9, the sparse accuracies accuracy ∓ maxPsi, so ψ = (+maxPsi, −maxPsi).
  func metrics(accuracy: Double, maxPsi: Double) throws -> DisparityMetrics {
    let dense = try SplitPerformance(sampleCount: 20, accuracy: 0.9, groupCounts: [10, 10], groupAccuracies: [0.9, 0.9])
    let a0 = accuracy - maxPsi, a1 = accuracy + maxPsi
    let sparse = try SplitPerformance(sampleCount: 20, accuracy: accuracy, groupCounts: [10, 10], groupAccuracies: [a0, a1])
    return try DisparityMetrics(dense: dense, sparse: sparse, groupNames: ["a", "b"], tolerance: 0.02)
  }

  func testRules() throws {
    // Epochs 0-1 are still pruning; 2..5: (accuracy, max ψ) below.
    let recorded: [Int: (Double, Double)] = [0: (0.95, 0.0), 1: (0.5, 0.5), 2: (0.8, 0.05), 3: (0.85, 0.01), 4: (0.84, 0.03), 5: (0.83, 0.04)]
    let table = try recorded.mapValues { try metrics(accuracy: $0.0, maxPsi: $0.1) }
    XCTAssertEqual(table[3]?.maxExcessGap ?? 0, 0.01, accuracy: 1e-12)
    let read: (String, Int) -> DisparityMetrics? = { split, epoch in split == "val" ? table[epoch] : nil }
    func choose(_ rule: EpochSelection) throws -> Int {
      try rule.choose(epochs: 6, firstEligible: 2, hasValidation: true, metrics: read).epoch
    }
    XCTAssertEqual(try choose(.last), 5)
    XCTAssertEqual(try choose(.bestAccuracy), 3, "epoch 0's accuracy is before the final sparsity")
    XCTAssertEqual(try choose(.feasibleOnValidation), 3, "the last epoch within ε = 2%")
    // With no feasible epoch, the smallest validation max ψ_g.
    let infeasible: (String, Int) -> DisparityMetrics? = { split, epoch in
      epoch == 3 ? try? self.metrics(accuracy: 0.85, maxPsi: 0.06) : read(split, epoch)
    }
    XCTAssertEqual(try EpochSelection.feasibleOnValidation.choose(epochs: 6, firstEligible: 2, hasValidation: true,
                                                                  metrics: infeasible).epoch, 4)
    assertThrows(ConfigError.self, "needs a validation split") {
      try EpochSelection.feasibleOnValidation.choose(epochs: 6, firstEligible: 2, hasValidation: false, metrics: read)
    }
  }
}
