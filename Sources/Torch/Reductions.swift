import CTorch

extension Tensor {
  /// Sum over `dims` (all dimensions when empty).
  public func sum(dims: [Int] = [], keepDim: Bool = false) throws -> Tensor {
    let d = dims.map(Int64.init)
    return try makeTensor { ct_sum(handle, d, Int64(d.count), keepDim ? 1 : 0, $0) }
  }
  public func sum(dim: Int, keepDim: Bool = false) throws -> Tensor { try sum(dims: [dim], keepDim: keepDim) }
  /// Mean over `dims` (all dimensions when empty).
  public func mean(dims: [Int] = [], keepDim: Bool = false) throws -> Tensor {
    let d = dims.map(Int64.init)
    return try makeTensor { ct_mean(handle, d, Int64(d.count), keepDim ? 1 : 0, $0) }
  }
  public func mean(dim: Int, keepDim: Bool = false) throws -> Tensor { try mean(dims: [dim], keepDim: keepDim) }
  public func max() throws -> Tensor { try makeTensor { ct_max_all(handle, $0) } }
  public func min() throws -> Tensor { try makeTensor { ct_min_all(handle, $0) } }
  /// Largest values along `dim` and their indices.
  public func max(dim: Int, keepDim: Bool = false) throws -> (values: Tensor, indices: Tensor) {
    let (v, i) = try makeTensorPair { ct_max_dim(handle, Int64(dim), keepDim ? 1 : 0, $0, $1) }
    return (v, i)
  }
  public func min(dim: Int, keepDim: Bool = false) throws -> (values: Tensor, indices: Tensor) {
    let (v, i) = try makeTensorPair { ct_min_dim(handle, Int64(dim), keepDim ? 1 : 0, $0, $1) }
    return (v, i)
  }
  /// Index of the largest value along `dim`, or in the flattened tensor when `dim` is nil.
  public func argmax(dim: Int? = nil, keepDim: Bool = false) throws -> Tensor {
    try makeTensor { ct_argmax(handle, Int64(dim ?? 0), dim == nil ? 0 : 1, keepDim ? 1 : 0, $0) }
  }
  public func topk(_ k: Int, dim: Int = -1, largest: Bool = true, sorted: Bool = true) throws -> (values: Tensor, indices: Tensor) {
    let (v, i) = try makeTensorPair { ct_topk(handle, Int64(k), Int64(dim), largest ? 1 : 0, sorted ? 1 : 0, $0, $1) }
    return (v, i)
  }
  /// The k-th smallest value (1-based k, as torch.kthvalue) along `dim`.
  public func kthvalue(_ k: Int, dim: Int = -1, keepDim: Bool = false) throws -> (values: Tensor, indices: Tensor) {
    let (v, i) = try makeTensorPair { ct_kthvalue(handle, Int64(k), Int64(dim), keepDim ? 1 : 0, $0, $1) }
    return (v, i)
  }
  public func sorted(dim: Int = -1, descending: Bool = false) throws -> (values: Tensor, indices: Tensor) {
    let (v, i) = try makeTensorPair { ct_sort(handle, Int64(dim), descending ? 1 : 0, $0, $1) }
    return (v, i)
  }
  /// Counts of each value of a 1-D non-negative int64 tensor (weighted sums when `weights` is given).
  public func bincount(weights: Tensor? = nil, minLength: Int = 0) throws -> Tensor {
    try makeTensor { ct_bincount(handle, weights?.handle, Int64(minLength), $0) }
  }
  public func cumsum(dim: Int) throws -> Tensor { try makeTensor { ct_cumsum(handle, Int64(dim), $0) } }
  /// p-norm over `dims` (all elements when empty).
  public func norm(p: Double = 2, dims: [Int] = [], keepDim: Bool = false) throws -> Tensor {
    let d = dims.map(Int64.init)
    return try makeTensor { ct_norm(handle, p, d, Int64(d.count), keepDim ? 1 : 0, $0) }
  }
}
