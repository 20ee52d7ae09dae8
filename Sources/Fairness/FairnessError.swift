/// An invalid use of the `Fairness` API: attribute values out of range, mismatched shapes between
/// per-sample quantities and group ids, an invalid configuration or a malformed state entry.
/// `message` names the thing and the offending value.
public struct FairnessError: Error, CustomStringConvertible, Equatable {
  /// What went wrong, naming the thing and the value.
  public let message: String
  /// An error carrying `message` unchanged.
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}
