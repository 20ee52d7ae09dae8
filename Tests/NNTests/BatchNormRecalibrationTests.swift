import NN
import TestSupport
import Torch
import XCTest

final class BatchNormRecalibrationTests: XCTestCase {
  /// Two batches of 2 channels: the running mean becomes the mean of the batch means and the
  /// running variance the mean of the unbiased batch variances (PyTorch's momentum=None).
  func testRunningStatisticsAreTheCumulativeAverageOfTheBatches() throws {
    let bn = try BatchNorm2d(2)
    try bn.to(.float64)
    // Stale statistics from before, which must not leak into the result.
    try Torch.withNoGrad {
      try bn.runningMean.fill_(5)
      try bn.runningVar.fill_(9)
    }
    bn.eval()
    // Batch b, sample n, channel c, one pixel each of a 1x2 image: values chosen by hand.
    let batches: [[Double]] = [[1, 3, 10, 14, 5, 7, 20, 22], [0, 4, -2, 2, 8, 8, 6, 6]]
    var next = 0
    let used = try BatchNormRecalibration.run(bn) {
      guard next < batches.count else { return nil }
      defer { next += 1 }
      return try Tensor(batches[next], shape: [2, 2, 1, 2])
    }
    XCTAssertEqual(used, 2)
    XCTAssertFalse(bn.isTraining, "the mode is restored")
    XCTAssertEqual(bn.momentum, 0.1)
    // Per batch and channel: the 4 values (2 samples x 2 pixels), mean and unbiased variance.
    func stats(_ v: [Double]) -> (Double, Double) {
      let m = v.reduce(0, +) / 4
      return (m, v.map { ($0 - m) * ($0 - m) }.reduce(0, +) / 3)
    }
    var mean = [0.0, 0.0], variance = [0.0, 0.0]
    for b in batches {
      for c in 0..<2 {
        let (m, v) = stats([b[c * 2], b[c * 2 + 1], b[4 + c * 2], b[4 + c * 2 + 1]])
        mean[c] += m / 2
        variance[c] += v / 2
      }
    }
    assertClose(try bn.runningMean.toArray(Double.self), mean, atol: 1e-12)
    assertClose(try bn.runningVar.toArray(Double.self), variance, atol: 1e-12)
    XCTAssertEqual(try bn.numBatchesTracked.itemInt(), 2)
  }

  func testWithoutBatchesNothingChanges() throws {
    let bn = try BatchNorm2d(2)
    try Torch.withNoGrad { try bn.runningMean.fill_(5) }
    XCTAssertEqual(try BatchNormRecalibration.run(bn) { nil }, 0)
    XCTAssertEqual(try bn.runningMean.toArray() as [Float], [5, 5])
  }
}
