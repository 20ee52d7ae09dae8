import Foundation
import Torch
import XCTest

/// Cross entropy with and without label smoothing, per sample and reduced.
///
/// The PyTorch literals below were produced by (torch 1.13, float64):
///
///     import torch, torch.nn.functional as F
///     logits = torch.tensor([[2.0, 0.0, -1.0], [0.5, 0.5, 0.5], [1.0, 3.0, 0.0], [-2.0, 4.0, 1.5]],
///                           dtype=torch.float64)
///     targets = torch.tensor([0, 2, 1, 0])
///     F.cross_entropy(logits, targets, reduction='none', label_smoothing=0.1).tolist()
///     F.cross_entropy(logits, targets, reduction='none').tolist()
///     F.cross_entropy(logits, targets, reduction='mean', label_smoothing=0.1).item()
///     F.cross_entropy(logits, targets, reduction='sum', label_smoothing=0.1).item()
///     t2 = torch.tensor([0, -100, 1, 0])
///     F.cross_entropy(logits, t2, reduction='none', label_smoothing=0.1).tolist()
///     F.cross_entropy(logits, t2, reduction='mean', label_smoothing=0.1).item()
final class CrossEntropyTests: TorchTestCase {
  private let rows: [[Double]] = [[2, 0, -1], [0.5, 0.5, 0.5], [1, 3, 0], [-2, 4, 1.5]]
  private let targetIndices = [0, 2, 1, 0]

  private func logits() throws -> Tensor { try Tensor(rows.flatMap { $0 }, shape: [4, 3]) }
  private func targets() throws -> Tensor { try Tensor(targetIndices.map(Int64.init)) }

  /// loss_i = (1 - ε) · (-log p_{i, y_i}) + ε · mean_c(-log p_{i, c}), with p = softmax(row).
  private func handLoss(_ row: [Double], target: Int, smoothing ε: Double) -> Double {
    let m = row.max()!
    let logZ = m + Foundation.log(row.map { Foundation.exp($0 - m) }.reduce(0, +))
    let nll = logZ - row[target]
    let uniform = row.map { logZ - $0 }.reduce(0, +) / Double(row.count)
    return (1 - ε) * nll + ε * uniform
  }

  func testPerSampleWithLabelSmoothingMatchesPyTorch() throws {
    let loss = try Tensor.crossEntropy(logits(), targets: targets(), reduction: .none, labelSmoothing: 0.1)
    XCTAssertEqual(loss.dtype, .float64)
    assertClose(loss, shape: [4], [0.3365126862229524, 1.0986122886681098, 0.3365126862229524, 5.764511166477866], atol: 1e-14, rtol: 1e-14)
  }

  func testPerSampleWithLabelSmoothingMatchesTheFormula() throws {
    for ε in [0.0, 0.1, 0.25, 1.0] {
      let loss = try Tensor.crossEntropy(logits(), targets: targets(), reduction: .none, labelSmoothing: ε)
      let expected = zip(rows, targetIndices).map { handLoss($0.0, target: $0.1, smoothing: ε) }
      assertClose(loss, shape: [4], expected, atol: 1e-14, rtol: 1e-14, "label smoothing \(ε)")
    }
    // Row 1 has equal logits, so every class has probability 1/3 and the loss is log 3 for any ε.
    let uniformRow = try Tensor.crossEntropy(logits(), targets: targets(), reduction: .none, labelSmoothing: 0.3)
      .select(dim: 0, index: 1)
    XCTAssertEqual(try uniformRow.item(), Foundation.log(3.0), accuracy: 1e-15)
  }

  func testPerSampleWithoutSmoothingMatchesPyTorch() throws {
    let loss = try Tensor.crossEntropy(logits(), targets: targets(), reduction: .none)
    assertClose(loss, shape: [4], [0.16984601955628567, 1.0986122886681098, 0.16984601955628567, 6.081177833144532], atol: 1e-14, rtol: 1e-14)
  }

  func testMeanAndSumReductions() throws {
    let mean = try Tensor.crossEntropy(logits(), targets: targets(), reduction: .mean, labelSmoothing: 0.1)
    assertClose(mean, shape: [], [1.88403720689797], atol: 1e-14, rtol: 1e-14)
    let sum = try Tensor.crossEntropy(logits(), targets: targets(), reduction: .sum, labelSmoothing: 0.1)
    assertClose(sum, shape: [], [7.53614882759188], atol: 1e-14, rtol: 1e-14)
    // The default is .mean without smoothing.
    let plain = try Tensor.crossEntropy(logits(), targets: targets())
    let expected = [0.16984601955628567, 1.0986122886681098, 0.16984601955628567, 6.081177833144532].reduce(0, +) / 4
    assertClose(plain, shape: [], [expected], atol: 1e-14, rtol: 1e-14)
  }

  func testIgnoredTargetsContributeNothing() throws {
    // -100 is libtorch's ignore_index: its loss is 0 and the mean is over the other three samples.
    let t = try Tensor([Int64(0), -100, 1, 0])
    let perSample = try Tensor.crossEntropy(logits(), targets: t, reduction: .none, labelSmoothing: 0.1)
    assertClose(perSample, shape: [4], [0.3365126862229524, 0, 0.3365126862229524, 5.764511166477866], atol: 1e-14, rtol: 1e-14)
    let mean = try Tensor.crossEntropy(logits(), targets: t, reduction: .mean, labelSmoothing: 0.1)
    assertClose(mean, shape: [], [2.1458455129745904], atol: 1e-14, rtol: 1e-14)
  }

  func testFloat32Logits() throws {
    let loss = try Tensor.crossEntropy(logits().to(.float32), targets: targets(), reduction: .none, labelSmoothing: 0.1)
    XCTAssertEqual(loss.dtype, .float32)
    assertClose(loss, shape: [4], [0.3365126862229524, 1.0986122886681098, 0.3365126862229524, 5.764511166477866], atol: 1e-6, rtol: 1e-6)
  }

  func testInvalidTargetsThrow() throws {
    assertThrows(TorchError.self, "Target 3 is out of bounds.") { try Tensor.crossEntropy(logits(), targets: Tensor([Int64(0), 3, 1, 0])) }
    assertThrows(TorchError.self, "Expected input batch_size (4) to match target batch_size (3).") { try Tensor.crossEntropy(logits(), targets: Tensor([Int64(0), 1, 1])) }
  }
}
