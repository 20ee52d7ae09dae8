import Foundation
import Torch
import XCTest

/// Batch normalization: training-mode statistics, running-statistics updates and eval mode.
final class BatchNormTests: TorchTestCase {
  private let eps = 1e-5

  func testTrainingNormalizesWithBatchStatisticsAndUpdatesRunningStats() throws {
    // Channel 0: [1, 2, 3, 6], mean 3, squared deviations 4 + 1 + 0 + 9 = 14,
    //   biased variance 14/4 = 3.5 (normalization), unbiased 14/3 (running_var).
    // Channel 1: [0, 0, 4, 4], mean 2, squared deviations 16, biased 4, unbiased 16/3.
    let x = try Tensor([1, 0, 2, 0, 3, 4, 6, 4] as [Double], shape: [4, 2])
    let gamma = try Tensor([2, 1] as [Double]), beta = try Tensor([0, 0.5] as [Double])
    let runningMean = try Tensor([0.5, -1] as [Double]), runningVar = try Tensor([2, 1] as [Double])
    let meanAlias = runningMean, varAlias = runningVar

    let y = try Tensor.batchNorm(x, weight: gamma, bias: beta, runningMean: runningMean, runningVar: runningVar,
                                 training: true, momentum: 0.1, eps: eps)
    let s0 = (3.5 + eps).squareRoot(), s1 = (4 + eps).squareRoot()
    let expected: [Double] = [
      2 * (1 - 3) / s0, (0 - 2) / s1 + 0.5,
      2 * (2 - 3) / s0, (0 - 2) / s1 + 0.5,
      2 * (3 - 3) / s0, (4 - 2) / s1 + 0.5,
      2 * (6 - 3) / s0, (4 - 2) / s1 + 0.5,
    ]
    assertClose(y, shape: [4, 2], expected, atol: 1e-12, rtol: 1e-12)
    // running = (1 - momentum) · running + momentum · batch statistic, written in place (aliases see it).
    assertClose(meanAlias, shape: [2], [0.9 * 0.5 + 0.1 * 3, 0.9 * -1 + 0.1 * 2], atol: 1e-15, rtol: 1e-15)
    assertClose(varAlias, shape: [2], [0.9 * 2 + 0.1 * 14 / 3, 0.9 * 1 + 0.1 * 16 / 3], atol: 1e-15, rtol: 1e-15)

    // A second step with another momentum continues from the updated statistics.
    let x2 = try Tensor([0, 1, 0, 1, 3, 1, 3, 1] as [Double], shape: [4, 2])  // means 1.5 and 1, unbiased vars 3 and 0
    _ = try Tensor.batchNorm(x2, weight: gamma, bias: beta, runningMean: runningMean, runningVar: runningVar,
                             training: true, momentum: 0.5, eps: eps)
    assertClose(runningMean, shape: [2], [0.5 * 0.75 + 0.5 * 1.5, 0.5 * -0.7 + 0.5 * 1], atol: 1e-15, rtol: 1e-15)
    assertClose(runningVar, shape: [2], [0.5 * (1.8 + 1.4 / 3) + 0.5 * 3, 0.5 * (0.9 + 1.6 / 3) + 0.5 * 0], atol: 1e-15, rtol: 1e-15)
  }

  func testRunningVarUsesUnbiasedCountOverBatchAndSpatialDims() throws {
    // One channel, N·H·W = 6 values [1, 2, 3, 4, 5, 9]: mean 4, squared deviations 40,
    // biased variance 40/6 for normalization, unbiased 40/5 = 8 for the running variance.
    let x = try Tensor([1, 2, 3, 4, 5, 9] as [Double], shape: [2, 1, 1, 3])
    let runningMean = try Tensor.zeros([1], dtype: .float64), runningVar = try Tensor.ones([1], dtype: .float64)
    let y = try Tensor.batchNorm(x, weight: nil, bias: nil, runningMean: runningMean, runningVar: runningVar,
                                 training: true, momentum: 0.25, eps: eps)
    let s = (40.0 / 6 + eps).squareRoot()
    assertClose(y, shape: [2, 1, 1, 3], [1, 2, 3, 4, 5, 9].map { ($0 - 4) / s }, atol: 1e-12, rtol: 1e-12)
    assertClose(runningMean, shape: [1], [0.25 * 4], atol: 1e-15, rtol: 1e-15)
    assertClose(runningVar, shape: [1], [0.75 * 1 + 0.25 * 8], atol: 1e-15, rtol: 1e-15)
  }

  func testEvalModeUsesRunningStatsAndLeavesThemAlone() throws {
    let x = try Tensor([1, 0, 2, 0, 3, 4, 6, 4] as [Double], shape: [4, 2])
    let gamma = try Tensor([2, 1] as [Double]), beta = try Tensor([0, 0.5] as [Double])
    let runningMean = try Tensor([0.5, -1] as [Double]), runningVar = try Tensor([2, 0.25] as [Double])
    let y = try Tensor.batchNorm(x, weight: gamma, bias: beta, runningMean: runningMean, runningVar: runningVar,
                                 training: false, momentum: 0.1, eps: eps)
    let s0 = (2 + eps).squareRoot(), s1 = (0.25 + eps).squareRoot()
    let batch: [[Double]] = [[1, 0], [2, 0], [3, 4], [6, 4]]
    var expected: [Double] = []
    for row in batch {
      expected.append(2 * (row[0] - 0.5) / s0)
      expected.append((row[1] + 1) / s1 + 0.5)
    }
    assertClose(y, shape: [4, 2], expected, atol: 1e-12, rtol: 1e-12)
    assertClose(runningMean, shape: [2], [0.5, -1], atol: 1e-6, rtol: 1e-6)
    assertClose(runningVar, shape: [2], [2, 0.25], atol: 1e-6, rtol: 1e-6)
  }

  func testTrainingWithoutRunningStats() throws {
    let x = try Tensor([1, 3, 5, 7] as [Double], shape: [4, 1])  // mean 4, biased variance 5
    let y = try Tensor.batchNorm(x, weight: nil, bias: nil, runningMean: nil, runningVar: nil, training: true)
    let s = (5 + eps).squareRoot()
    assertClose(y, shape: [4, 1], [-3 / s, -1 / s, 1 / s, 3 / s], atol: 1e-12, rtol: 1e-12)
  }

  func testRunningStatsAreNotRecordedByAutograd() throws {
    let x = try Tensor([1, 2, 3, 4] as [Double], shape: [2, 2]).requiringGrad()
    let runningMean = try Tensor.zeros([2], dtype: .float64), runningVar = try Tensor.ones([2], dtype: .float64)
    let y = try Tensor.batchNorm(x, weight: nil, bias: nil, runningMean: runningMean, runningVar: runningVar,
                                 training: true)
    XCTAssertTrue(y.requiresGrad)
    XCTAssertFalse(runningMean.requiresGrad)
    XCTAssertFalse(runningVar.requiresGrad)
    // columns [1, 3] and [2, 4]: means 2 and 3, unbiased variances 2 and 2
    assertClose(runningMean, shape: [2], [0.2, 0.3], atol: 1e-15, rtol: 1e-15)
    assertClose(runningVar, shape: [2], [0.9 + 0.2, 0.9 + 0.2], atol: 1e-15, rtol: 1e-15)
  }

  func testChannelMismatchThrows() throws {
    let x = try Tensor.zeros([4, 3], dtype: .float64)
    assertThrows(TorchError.self, "weight should contain 3 elements not 2") { try Tensor.batchNorm(x, weight: Tensor.ones([2], dtype: .float64), bias: nil, runningMean: nil, runningVar: nil,
                           training: true) }
  }
}
