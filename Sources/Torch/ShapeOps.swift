import CTorch

extension Tensor {
  /// Same elements in a new shape (a view when possible); one entry may be -1.
  public func reshaped(_ shape: [Int]) throws -> Tensor {
    let d = shape.map(Int64.init)
    return try makeTensor { ct_reshape(handle, d, Int64(d.count), $0) }
  }
  /// A view with a new shape; throws when the strides do not allow one.
  public func view(_ shape: [Int]) throws -> Tensor {
    let d = shape.map(Int64.init)
    return try makeTensor { ct_view(handle, d, Int64(d.count), $0) }
  }
  public func permuted(_ dims: [Int]) throws -> Tensor {
    let d = dims.map(Int64.init)
    return try makeTensor { ct_permute(handle, d, Int64(d.count), $0) }
  }
  public func transposed(_ d0: Int, _ d1: Int) throws -> Tensor {
    try makeTensor { ct_transpose(handle, Int64(d0), Int64(d1), $0) }
  }
  public func expanded(_ shape: [Int]) throws -> Tensor {
    let d = shape.map(Int64.init)
    return try makeTensor { ct_expand(handle, d, Int64(d.count), $0) }
  }
  public func squeezed(_ dim: Int) throws -> Tensor { try makeTensor { ct_squeeze(handle, Int64(dim), $0) } }
  public func unsqueezed(_ dim: Int) throws -> Tensor { try makeTensor { ct_unsqueeze(handle, Int64(dim), $0) } }
  public func flattened(from start: Int = 0, to end: Int = -1) throws -> Tensor {
    try makeTensor { ct_flatten(handle, Int64(start), Int64(end), $0) }
  }
  /// Elements `start..<end` (step `step`) along `dim`; a view.
  public func slice(dim: Int, start: Int, end: Int, step: Int = 1) throws -> Tensor {
    try makeTensor { ct_slice(handle, Int64(dim), Int64(start), Int64(end), Int64(step), $0) }
  }
  /// The sub-tensor at `index` along `dim`, with that dimension removed; a view.
  public func select(dim: Int, index: Int) throws -> Tensor {
    try makeTensor { ct_select(handle, Int64(dim), Int64(index), $0) }
  }
  public func asStrided(size: [Int], stride: [Int], offset: Int = 0) throws -> Tensor {
    guard size.count == stride.count else { throw TorchError("asStrided: size \(size) and stride \(stride) differ in rank") }
    let s = size.map(Int64.init), st = stride.map(Int64.init)
    return try makeTensor { ct_as_strided(handle, s, st, Int64(s.count), Int64(offset), $0) }
  }
  public func indexSelect(dim: Int, index: Tensor) throws -> Tensor {
    try makeTensor { ct_index_select(handle, Int64(dim), index.handle, $0) }
  }
  /// The elements where `mask` is true, as a 1-D tensor.
  public func maskedSelect(_ mask: Tensor) throws -> Tensor { try makeTensor { ct_masked_select(handle, mask.handle, $0) } }
  public func gather(dim: Int, index: Tensor) throws -> Tensor {
    try makeTensor { ct_gather(handle, Int64(dim), index.handle, $0) }
  }
  /// A copy of self with `src` added at `index` along `dim` (differentiable).
  public func scatterAdd(dim: Int, index: Tensor, source: Tensor) throws -> Tensor {
    try makeTensor { ct_scatter_add(handle, Int64(dim), index.handle, source.handle, $0) }
  }
  /// Writes `values` at the positions `index` of dimension 0 (adding when `accumulate`); writes through aliases.
  public func indexPut_(index: Tensor, values: Tensor, accumulate: Bool = false) throws {
    try check(ct_index_put_(handle, index.handle, values.handle, accumulate ? 1 : 0))
  }
  public func maskedFill(_ mask: Tensor, value: Double) throws -> Tensor {
    try makeTensor { ct_masked_fill(handle, mask.handle, value, $0) }
  }
  /// Elementwise `condition ? a : b` with broadcasting.
  public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) throws -> Tensor {
    try makeTensor { ct_where(condition.handle, a.handle, b.handle, $0) }
  }
  /// Indices of non-zero elements, shape [n, rank].
  public func nonzero() throws -> Tensor { try makeTensor { ct_nonzero(handle, $0) } }

  public static func cat(_ tensors: [Tensor], dim: Int = 0) throws -> Tensor {
    let hs: [ct_tensor?] = tensors.map { $0.handle }
    return try withExtendedLifetime(tensors) { try makeTensor { ct_cat(hs, Int64(hs.count), Int64(dim), $0) } }
  }
  public static func stack(_ tensors: [Tensor], dim: Int = 0) throws -> Tensor {
    let hs: [ct_tensor?] = tensors.map { $0.handle }
    return try withExtendedLifetime(tensors) { try makeTensor { ct_stack(hs, Int64(hs.count), Int64(dim), $0) } }
  }
}
