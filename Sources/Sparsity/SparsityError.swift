/// Invalid input to the `Sparsity` API (a sparsity outside [0, 1], an unknown layer name, a
/// mask of the wrong shape); the message names the offending thing and its value.
public struct SparsityError: Error, CustomStringConvertible, Equatable, Sendable {
  public let message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}

/// Checks that `value` is a sparsity, a fraction in [0, 1]; `what` names it in the error.
func validateSparsity(_ value: Double, _ what: String = "sparsity") throws {
  guard value >= 0, value <= 1 else {
    throw SparsityError("\(what) must lie in [0, 1], got \(value)")
  }
}

/// `ceil(s · n)`, the number of entries (or units) pruned at sparsity `s` (SPEC 4.2, 10).
///
/// The product is the IEEE double product, as `math.ceil(s * n)` computes it in the reference
/// code, so `0.7 · 10 = 7.000000000000001` prunes 8 of 10, exactly as the Python code would.
func prunedCount(sparsity: Double, of n: Int) -> Int {
  Swift.min(n, Swift.max(0, Int((sparsity * Double(n)).rounded(.up))))
}
