import Foundation
import Sparsity
import XCTest

/// The cubic GMP schedule against hand-computed values (SPEC 4.1, 10).
final class GradualMagnitudeScheduleTests: XCTestCase {
  func testReferenceScheduleValues() throws {
    let gmp = try GradualMagnitudeSchedule(finalSparsity: 0.9, lastEpoch: 15)
    // s(1) = 0.9 · (1 − (14/15)³) = 0.9 · (1 − 2744/3375) = 0.9 · 631/3375
    XCTAssertEqual(gmp.sparsity(atEpoch: 1), 0.168267, accuracy: 1e-6)
    XCTAssertEqual(gmp.sparsity(atEpoch: 1), 0.9 * 631 / 3375, accuracy: 1e-15)
    // s(10) = 0.9 · (1 − (1/3)³) = 0.9 · 26/27
    XCTAssertEqual(gmp.sparsity(atEpoch: 10), 0.9 * 26 / 27, accuracy: 1e-15)
    XCTAssertEqual(gmp.sparsity(atEpoch: 0), 0)
    XCTAssertEqual(gmp.sparsity(atEpoch: 15), 0.9)
    XCTAssertEqual(gmp.sparsity(atEpoch: 40), 0.9)
    let values = (0...15).map(gmp.sparsity(atEpoch:))
    XCTAssertEqual(values, values.sorted(), "non-decreasing")
    XCTAssertEqual(gmp.pruningEpochs, Array(0...15))
    XCTAssertFalse(gmp.shouldPrune(epoch: 16))
  }

  func testInitialSparsityFirstEpochAndFrequency() throws {
    let gmp = try GradualMagnitudeSchedule(initialSparsity: 0.2, finalSparsity: 0.8, firstEpoch: 2, lastEpoch: 10, frequency: 3)
    XCTAssertEqual(gmp.sparsity(atEpoch: 0), 0.2)
    XCTAssertEqual(gmp.sparsity(atEpoch: 2), 0.2)
    // e = 5: 0.8 + (0.2 − 0.8)·(1 − 3/8)³ = 0.8 − 0.6 · 125/512
    XCTAssertEqual(gmp.sparsity(atEpoch: 5), 0.8 - 0.6 * 125 / 512, accuracy: 1e-15)
    XCTAssertEqual(gmp.sparsity(atEpoch: 10), 0.8)
    XCTAssertEqual(gmp.pruningEpochs, [2, 5, 8, 10], "every 3rd epoch from 2, and T")
    XCTAssertFalse(gmp.shouldPrune(epoch: 1))
    XCTAssertFalse(gmp.shouldPrune(epoch: 3))
    XCTAssertFalse(gmp.shouldPrune(epoch: 11))
  }

  func testOneShot() throws {
    let gmp = try GradualMagnitudeSchedule(finalSparsity: 0.5, firstEpoch: 4, lastEpoch: 4)
    XCTAssertEqual(gmp.sparsity(atEpoch: 3), 0)
    XCTAssertEqual(gmp.sparsity(atEpoch: 4), 0.5)
    XCTAssertEqual(gmp.pruningEpochs, [4])
  }

  func testCodableRoundTripAndValidationOnDecode() throws {
    let gmp = try GradualMagnitudeSchedule(finalSparsity: 0.9, firstEpoch: 1, lastEpoch: 15, frequency: 2)
    let back = try JSONDecoder().decode(GradualMagnitudeSchedule.self, from: JSONEncoder().encode(gmp))
    XCTAssertEqual(back, gmp)
    let bad = Data(#"{"finalSparsity": 1.5, "lastEpoch": 3}"#.utf8)
    assertThrows(SparsityError.self, "finalSparsity", "1.5") { _ = try JSONDecoder().decode(GradualMagnitudeSchedule.self, from: bad) }
  }

  func testInvalidArgumentsThrowNamingTheValue() {
    assertThrows(SparsityError.self, "finalSparsity", "1.5") { _ = try GradualMagnitudeSchedule(finalSparsity: 1.5, lastEpoch: 3) }
    assertThrows(SparsityError.self, "initialSparsity", "-0.1") {
      _ = try GradualMagnitudeSchedule(initialSparsity: -0.1, finalSparsity: 0.5, lastEpoch: 3)
    }
    assertThrows(SparsityError.self, "nan") { _ = try GradualMagnitudeSchedule(finalSparsity: .nan, lastEpoch: 3) }
    assertThrows(SparsityError.self, "0.7", "0.5") { _ = try GradualMagnitudeSchedule(initialSparsity: 0.7, finalSparsity: 0.5, lastEpoch: 3) }
    assertThrows(SparsityError.self, "lastEpoch 2", "firstEpoch 5") { _ = try GradualMagnitudeSchedule(finalSparsity: 0.5, firstEpoch: 5, lastEpoch: 2) }
    assertThrows(SparsityError.self, "frequency", "0") { _ = try GradualMagnitudeSchedule(finalSparsity: 0.5, lastEpoch: 2, frequency: 0) }
    assertThrows(SparsityError.self, "firstEpoch", "-1") { _ = try GradualMagnitudeSchedule(finalSparsity: 0.5, firstEpoch: -1, lastEpoch: 2) }
  }
}
