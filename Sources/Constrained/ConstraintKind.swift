/// Whether a group of constraints reads `g(x) <= 0` or `h(x) = 0`.
public enum ConstraintKind: Sendable, Equatable, CustomStringConvertible {
  /// `g(x) <= 0`; its multipliers are projected onto `λ >= 0` after every dual step.
  case inequality
  /// `h(x) = 0`; its multipliers are free (any sign).
  case equality

  public var description: String { self == .inequality ? "inequality" : "equality" }
}
