import Sparsity
import TestSupport
import XCTest

final class GeometricScheduleTests: XCTestCase {
  /// Lottery's keep 0.8 to 90% by epoch 12: 1 − 0.8^(e+1) until it passes the target.
  func testSparsityPerEpoch() throws {
    let s = try GeometricSchedule(keep: 0.8, finalSparsity: 0.9, lastEpoch: 12)
    assertClose((0...3).map { s.sparsity(atEpoch: $0) }, [0.2, 0.36, 0.488, 0.5904], atol: 1e-12)
    XCTAssertEqual(s.sparsity(atEpoch: 10), 0.9)  // 1 − 0.8^11 = 0.914 > 0.9
    XCTAssertEqual(s.sparsity(atEpoch: 12), 0.9)
    XCTAssertTrue(s.shouldPrune(epoch: 12))
    XCTAssertFalse(s.shouldPrune(epoch: 13))
    // A target beyond what the steps reach is met at the last epoch.
    let short = try GeometricSchedule(keep: 0.9, finalSparsity: 0.99, lastEpoch: 2)
    assertClose([short.sparsity(atEpoch: 0), short.sparsity(atEpoch: 1), short.sparsity(atEpoch: 2)], [0.1, 0.19, 0.99], atol: 1e-12)
    assertThrows(SparsityError.self, "keep must lie in (0, 1)") { try GeometricSchedule(keep: 1, finalSparsity: 0.5, lastEpoch: 1) }
  }

  /// FairGRAPE's schedule: a step every 4 epochs (1 pruning + 3 retraining), keep 0.9.
  func testFrequency() throws {
    let s = try GeometricSchedule(keep: 0.9, finalSparsity: 0.5, lastEpoch: 10, frequency: 4)
    XCTAssertEqual((0...11).filter(s.shouldPrune(epoch:)), [0, 4, 8, 10])
    assertClose((0...10).map { s.sparsity(atEpoch: $0) }, [0.1, 0.1, 0.1, 0.1, 0.19, 0.19, 0.19, 0.19, 0.271, 0.271, 0.5], atol: 1e-12)
  }
}
