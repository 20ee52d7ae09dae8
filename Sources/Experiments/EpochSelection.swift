import Fairness

/// Which epoch's model a run reports (SPEC 5.1; issue 11, item 7). Only epochs at the final
/// sparsity (from the last pruning epoch on) are eligible.
public enum EpochSelection: String, Codable, CaseIterable, Sendable {
  /// The final epoch.
  case last
  /// The best accuracy on the selection split (validation if the data has one, else test, as the
  /// paper does for NFT+ES); the earliest wins ties.
  case bestAccuracy = "best-accuracy"
  /// The last epoch whose validation max ψ_g is within ε, else the one with the smallest validation
  /// max ψ_g (the earliest on ties); needs a validation split.
  case feasibleOnValidation = "feasible-on-validation"

  /// The chosen epoch and the split it was chosen on (nil for `last`).
  /// `metrics(split, epoch)` reads the recorded metrics.
  func choose(epochs: Int, firstEligible: Int, hasValidation: Bool,
              metrics: (String, Int) -> DisparityMetrics?) throws -> (epoch: Int, selectedOn: String?) {
    let eligible = Array(firstEligible..<epochs)
    switch self {
    case .last: return (epochs - 1, nil)
    case .bestAccuracy:
      let split = hasValidation ? "val" : "test"
      var chosen = epochs - 1, best = -Double.infinity
      for epoch in eligible {
        if let a = metrics(split, epoch)?.accuracy, a > best {
          best = a
          chosen = epoch
        }
      }
      return (chosen, split)
    case .feasibleOnValidation:
      guard hasValidation else {
        throw ConfigError("epoch_selection = feasible-on-validation needs a validation split (--validation-fraction)")
      }
      if let feasible = eligible.last(where: { metrics("val", $0)?.feasible == true }) { return (feasible, "val") }
      var chosen = epochs - 1, best = Double.infinity
      for epoch in eligible {
        if let m = metrics("val", epoch)?.maxExcessGap, m < best {
          best = m
          chosen = epoch
        }
      }
      return (chosen, "val")
    }
  }
}
