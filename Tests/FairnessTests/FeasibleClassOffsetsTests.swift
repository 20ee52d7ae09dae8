import Fairness
import XCTest

final class FeasibleClassOffsetsTests: XCTestCase {
  /// Two classes that are also the groups; the dense model is right on all 12 samples. Logits
  /// are (0, m): with offsets b the model predicts class 1 iff m > b_0 − b_1 = τ. Margins of
  /// class 0 (8 samples): −3, −2.5, −2, −1.5, −1, −0.8, 1, 2; of class 1 (4): −4, −1.2, −0.9, −0.7.
  /// Sweeping τ by hand (r_g the recall, A = overall accuracy, ψ_g = A − r_g):
  /// - τ > 2: A = 8/12, ψ_1 = 8/12 (the best accuracy, far from feasible);
  /// - τ ∈ (−1.5, −1.2): r = 4/8, 3/4, A = 7/12, ψ_0 = 1/12; τ ∈ (−1, −0.9): r = 5/8, 2/4, ψ_1 = 1/12;
  /// - τ ∈ (−1.2, −1): r = 4/8, 2/4, A = 6/12, ψ = 0: the only interval with ψ_g ≤ 0.05.
  private let margins0: [Double] = [-3, -2.5, -2, -1.5, -1, -0.8, 1, 2]
  private let margins1: [Double] = [-4, -1.2, -0.9, -0.7]

  private func search(tolerance: Double) throws -> FeasibleClassOffsets {
    let margins = margins0 + margins1
    let targets = margins0.map { _ in 0 } + margins1.map { _ in 1 }
    let dense = try SplitPerformance(sampleCount: 12, accuracy: 1, groupCounts: [8, 4], groupAccuracies: [1, 1])
    return try FeasibleClassOffsets.search(logits: margins.flatMap { [0, $0] }, classCount: 2, targets: targets,
                                           memberships: targets.map { [$0] }, dense: dense, constrained: [true, true],
                                           tolerance: tolerance)
  }

  func testTightToleranceFindsTheOnlyFeasibleInterval() throws {
    let result = try search(tolerance: 0.05)
    XCTAssertTrue(result.feasible)
    XCTAssertEqual(result.accuracy, 6.0 / 12, accuracy: 1e-12)
    let tau = result.offsets[0] - result.offsets[1]
    XCTAssertTrue(tau > -1.2 && tau < -1, "τ = \(tau)")
    // Without offsets τ = 0: recalls 6/8 and 0, A = 6/12.
    XCTAssertEqual(result.startAccuracy, 6.0 / 12, accuracy: 1e-12)
  }

  func testLooserToleranceKeepsMoreAccuracy() throws {
    let result = try search(tolerance: 0.1)
    XCTAssertTrue(result.feasible)
    XCTAssertEqual(result.accuracy, 7.0 / 12, accuracy: 1e-12)
    let tau = result.offsets[0] - result.offsets[1]
    XCTAssertTrue((tau > -1.5 && tau < -1.2) || (tau > -1 && tau < -0.9), "τ = \(tau)")
  }

  func testNoBindingConstraintGivesTheMostAccurateOffsets() throws {
    let result = try search(tolerance: 1)
    XCTAssertEqual(result.accuracy, 8.0 / 12, accuracy: 1e-12)
    XCTAssertTrue(result.offsets[0] - result.offsets[1] > 2)
  }

  func testPredictionsUseTheOffsets() {
    let logits: [Double] = [1, 0, 0.5, /* */ 0, 2, 1.9]
    XCTAssertEqual(FeasibleClassOffsets.predictions(logits: logits, classCount: 3, offsets: [0, 0, 0]), [0, 1])
    XCTAssertEqual(FeasibleClassOffsets.predictions(logits: logits, classCount: 3, offsets: [0, 0, 0.6]), [2, 2])
  }

  func testBadShapesAndLabelsAreNamed() throws {
    let dense = try SplitPerformance(sampleCount: 2, accuracy: 1, groupCounts: [1, 1], groupAccuracies: [1, 1])
    XCTAssertThrowsError(try FeasibleClassOffsets.search(logits: [0, 1, 2], classCount: 2, targets: [0, 1], memberships: [[0], [1]],
                                                         dense: dense, constrained: [true, true], tolerance: 0.01))
    XCTAssertThrowsError(try FeasibleClassOffsets.search(logits: [0, 1, 2, 3], classCount: 2, targets: [0, 2], memberships: [[0], [1]],
                                                         dense: dense, constrained: [true, true], tolerance: 0.01)) {
      XCTAssertTrue("\($0)".contains("label 2 of sample 1"), "\($0)")
    }
    XCTAssertThrowsError(try FeasibleClassOffsets.search(logits: [0, 1, 2, 3], classCount: 2, targets: [0, 1], memberships: [[0], [5]],
                                                         dense: dense, constrained: [true, true], tolerance: 0.01)) {
      XCTAssertTrue("\($0)".contains("sample 1 has a group id"), "\($0)")
    }
  }
}
