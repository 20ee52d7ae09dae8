/// Which epoch's model a run reports (SPEC 5.1).
public enum EpochSelection: Sendable {
  /// The final epoch.
  case last
  /// The epoch at the final sparsity with the best accuracy on the selection split (validation if
  /// the data has one, else test, as the paper does for NFT+ES); the earliest wins ties.
  case bestSelectionAccuracy

  /// The chosen epoch and, for `bestSelectionAccuracy`, the split it was chosen on.
  /// `accuracy(split, epoch)` reads the recorded metrics; epochs before `firstEligible` (still pruning) are skipped.
  func choose(epochs: Int, firstEligible: Int, hasValidation: Bool,
              accuracy: (String, Int) -> Double?) -> (epoch: Int, selectedOn: String?) {
    switch self {
    case .last: return (epochs - 1, nil)
    case .bestSelectionAccuracy:
      let split = hasValidation ? "val" : "test"
      var chosen = epochs - 1, best = -Double.infinity
      for epoch in firstEligible..<epochs {
        if let a = accuracy(split, epoch), a > best {
          best = a
          chosen = epoch
        }
      }
      return (chosen, split)
    }
  }
}
