import Torch

/// A 95% interval for max_g ψ_g on a held-out split (issue 11, item 7): how sure a user can be that
/// no group pays more than ε on data the method never saw.
///
/// Dense and sparse models are scored on the same samples, so ψ_g = Δ_g − Δ is a mean of paired
/// differences δ_i = d_i − s_i (d, s ∈ {0, 1} the two models' correctness): Δ_g is the mean of δ over
/// group g and Δ over the split. Its standard error is taken as
/// se_g = sqrt(s²_g / n_g + s² / N), s²_g and s² the sample variances of δ in the group and overall
/// (the covariance of Δ_g and Δ, which only narrows the interval, is left out). The interval is
/// [max_g (ψ_g − 1.96 se_g), max_g (ψ_g + 1.96 se_g)] over the constrained groups with at least
/// two samples: each end is a maximum of per-group normal bounds.
public enum ExcessGapInterval {
  public static let z95 = 1.959964

  /// - Parameters:
  ///   - denseCorrect, sparseCorrect: bool (or 0/1) [N], the same samples in the same order.
  ///   - groupIDs: int64 [N] (or [N, A] for `.separate` groups).
  ///   - excluded: groups left out (too small to constrain).
  /// - Returns: nil when no group has two samples.
  public static func compute(denseCorrect: Tensor, sparseCorrect: Tensor, groupIDs: Tensor, numGroups: Int,
                             excluded: Set<Int> = []) throws -> ClosedRange<Double>? {
    guard denseCorrect.shape == sparseCorrect.shape else {
      throw FairnessError("excess-gap interval: dense correctness \(denseCorrect.shape), sparse \(sparseCorrect.shape)")
    }
    return try Torch.withNoGrad {
      let delta = try denseCorrect.to(.float64) - sparseCorrect.to(.float64)
      let n = Double(delta.count)
      guard n >= 2 else { return nil }
      let overall = try delta.mean().item()
      let overallVariance = try ((delta - overall).square().sum().item()) / (n - 1)
      let first = try GroupStatistics(values: delta, groupIDs: groupIDs, numGroups: numGroups)
      let second = try GroupStatistics(values: delta.square(), groupIDs: groupIDs, numGroups: numGroups)
      let counts = try first.counts.toArray(Int64.self), means = try first.means.toArray(Double.self)
      let squares = try second.means.toArray(Double.self)
      var lower = -Double.infinity, upper = -Double.infinity
      for g in 0..<numGroups where counts[g] >= 2 && !excluded.contains(g) {
        let ng = Double(counts[g])
        let variance = Swift.max(0, (squares[g] - means[g] * means[g]) * ng / (ng - 1))
        let se = (variance / ng + overallVariance / n).squareRoot()
        let psi = means[g] - overall
        lower = Swift.max(lower, psi - z95 * se)
        upper = Swift.max(upper, psi + z95 * se)
      }
      return lower.isFinite ? lower...upper : nil
    }
  }
}
