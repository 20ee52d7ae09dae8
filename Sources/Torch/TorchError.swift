import CTorch

/// An error raised by libtorch (shape mismatch, bad dtype, ...) or by FairPrune's own checks;
/// `message` carries libtorch's text unchanged.
public struct TorchError: Error, CustomStringConvertible, Equatable {
  public let message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }

  /// The message the shim saved for the last failed call on this thread.
  static func fromShim() -> TorchError { TorchError(String(cString: ct_last_error())) }
}

/// Turns a shim status into a thrown `TorchError`.
@inline(__always) func check(_ status: Int32) throws {
  if status != 0 { throw TorchError.fromShim() }
}

/// Runs a shim call that writes one new handle and wraps it.
@inline(__always) func makeTensor(_ body: (UnsafeMutablePointer<ct_tensor?>) -> Int32) throws -> Tensor {
  var out: ct_tensor?
  try check(body(&out))
  return Tensor(owning: out!)
}

/// Runs a shim call that writes two new handles (values and indices).
@inline(__always) func makeTensorPair(
  _ body: (UnsafeMutablePointer<ct_tensor?>, UnsafeMutablePointer<ct_tensor?>) -> Int32
) throws -> (Tensor, Tensor) {
  var a: ct_tensor?
  var b: ct_tensor?
  try check(body(&a, &b))
  return (Tensor(owning: a!), Tensor(owning: b!))
}
