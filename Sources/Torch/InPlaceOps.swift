import CTorch

/// In-place updates (optimizers, running statistics, masks). Each writes through every alias
/// of the tensor and is not recorded by autograd when run under `Torch.withNoGrad`.
/// On integer tensors, whole-number scalars and `alpha` act as integers (`counts.add_(1)` stays int64).
extension Tensor {
  public func add_(_ other: Tensor, alpha: Double = 1) throws {
    try check(alpha == 1 ? ct_binary_(BinaryOp.add.code, handle, other.handle) : ct_add_scaled_(handle, other.handle, alpha))
  }
  public func sub_(_ other: Tensor) throws { try check(ct_binary_(BinaryOp.sub.code, handle, other.handle)) }
  public func mul_(_ other: Tensor) throws { try check(ct_binary_(BinaryOp.mul.code, handle, other.handle)) }
  public func div_(_ other: Tensor) throws { try check(ct_binary_(BinaryOp.div.code, handle, other.handle)) }
  public func maximum_(_ other: Tensor) throws { try check(ct_binary_(BinaryOp.maximum.code, handle, other.handle)) }
  public func add_(_ s: Double) throws { try check(ct_binary_scalar_(BinaryOp.add.code, handle, s)) }
  public func sub_(_ s: Double) throws { try check(ct_binary_scalar_(BinaryOp.sub.code, handle, s)) }
  public func mul_(_ s: Double) throws { try check(ct_binary_scalar_(BinaryOp.mul.code, handle, s)) }
  public func div_(_ s: Double) throws { try check(ct_binary_scalar_(BinaryOp.div.code, handle, s)) }
  public func clampMin_(_ lo: Double) throws { try check(ct_clamp_min_(handle, lo)) }
  public func clampMax_(_ hi: Double) throws { try check(ct_binary_scalar_(BinaryOp.minimum.code, handle, hi)) }
  /// self = min(max(self, 0), 6) in one pass; recorded by autograd (its gradient reads the result).
  public func relu6_() throws { try check(ct_relu6_(handle)) }
  /// self += value · a · b
  public func addcmul_(_ a: Tensor, _ b: Tensor, value: Double = 1) throws {
    try check(ct_addcmul_(handle, a.handle, b.handle, value))
  }
  /// self += value · a / b
  public func addcdiv_(_ a: Tensor, _ b: Tensor, value: Double = 1) throws {
    try check(ct_addcdiv_(handle, a.handle, b.handle, value))
  }
  /// Copies `source` (broadcast, converted) into self.
  public func copy_(_ source: Tensor) throws { try check(ct_copy_(handle, source.handle)) }
  /// Replaces the data behind self (storage, dtype, device) with `source`'s, as PyTorch's
  /// `t.data = source`: aliases and `requiresGrad` stay, so a module's parameter lists still hold.
  public func setData_(_ source: Tensor) throws { try check(ct_set_data(handle, source.handle)) }
  public func fill_(_ value: Double) throws { try check(ct_fill_(handle, value)) }
  public func zero_() throws { try check(ct_zero_(handle)) }
  /// Fills with normal samples from the seeded default generator.
  public func normal_(mean: Double = 0, std: Double = 1) throws { try check(ct_normal_(handle, mean, std)) }
  /// Fills with uniform samples in [low, high).
  public func uniform_(_ low: Double, _ high: Double) throws { try check(ct_uniform_(handle, low, high)) }
}
