/// An invalid use of the `Constrained` API: mismatched shapes between violations, indices and
/// multipliers, an invalid configuration, or a malformed checkpoint. `message` names the constraint
/// (or object) and the offending value.
public struct ConstrainedError: Error, CustomStringConvertible, Equatable {
  /// What went wrong, naming the thing and the value.
  public let message: String
  /// An error carrying `message` unchanged.
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}
