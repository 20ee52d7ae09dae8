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

extension FeasibleClassOffsetsTests {
  /// Three classes that are the groups (6, 3 and 6 samples), ε = 0, the dense model right on all.
  /// Greedy coordinate search from zero stops with one constraint broken (8 right, violation
  /// 1/15); the continuation of growing penalties reaches a feasible point as accurate as an
  /// exhaustive grid over the offsets (10 of 15).
  func testContinuationFindsWhatAGridFindsWhereGreedySearchStops() throws {
    let logits: [[Double]] = [
      [1.82, -0.2082, -1.783], [0.5953, -0.287, -1.6437], [-0.1808, 1.6798, -0.1417], [2.9689, 0.5823, -0.4095],
      [0.3074, 1.6395, -0.9003], [1.5963, -0.4617, -0.864], [-0.4538, 0.5179, 1.6224], [-0.6679, 0.3998, -2.2126],
      [-0.6132, -1.0209, -0.9008], [-2.8517, -1.2562, 2.0915], [0.2021, -1.5249, 0.4804], [1.3705, -0.2728, -0.4048],
      [0.1953, -1.5282, 0.6745], [0.1582, -0.0548, 0.125], [1.848, 1.6448, 1.6471]]
    let targets = [0, 0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 2, 2]
    let dense = try SplitPerformance(sampleCount: 15, accuracy: 1, groupCounts: [6, 3, 6], groupAccuracies: [1, 1, 1])
    let result = try FeasibleClassOffsets.search(logits: logits.flatMap { $0 }, classCount: 3, targets: targets,
                                                 memberships: targets.map { [$0] }, dense: dense, constrained: [true, true, true],
                                                 tolerance: 0)
    XCTAssertTrue(result.feasible, "violation \(result.violation)")

    // The reference: every (0, b1, b2) on a grid of step 0.05; feasible means every recall ≥ A.
    var bestGrid = 0
    for i in -80...80 {
      for j in -80...80 {
        let predicted = FeasibleClassOffsets.predictions(logits: logits.flatMap { $0 }, classCount: 3,
                                                         offsets: [0, Double(i) * 0.05, Double(j) * 0.05])
        let right = zip(predicted, targets).map { $0 == $1 }
        let correct = right.filter { $0 }.count
        let recalls = [0..<6, 6..<9, 9..<15].map { r in Double(r.filter { right[$0] }.count) / Double(r.count) }
        if recalls.allSatisfy({ $0 >= Double(correct) / 15 - 1e-12 }) { bestGrid = max(bestGrid, correct) }
      }
    }
    XCTAssertEqual(bestGrid, 10)
    XCTAssertEqual(result.accuracy, Double(bestGrid) / 15, accuracy: 1e-12)
  }
}
