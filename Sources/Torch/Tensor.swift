import CTorch

/// An n-dimensional array backed by a libtorch tensor, with autograd.
///
/// Reference semantics like a torch tensor: `let b = a` aliases, `clone()` copies,
/// `detached()` drops history. In-place ops end in `_` and write through every alias.
public final class Tensor: @unchecked Sendable {
  let handle: ct_tensor

  /// Takes ownership of a +1 handle from the shim.
  init(owning handle: ct_tensor) { self.handle = handle }
  deinit { ct_tensor_free(handle) }

  // MARK: metadata

  public var shape: [Int] {
    let n = Int(ct_tensor_ndim(handle))
    var dims = [Int64](repeating: 0, count: n)
    dims.withUnsafeMutableBufferPointer { ct_tensor_shape(handle, $0.baseAddress) }
    return dims.map(Int.init)
  }
  public var rank: Int { Int(ct_tensor_ndim(handle)) }
  public var count: Int { Int(ct_tensor_numel(handle)) }
  public var dtype: DType { DType(code: ct_tensor_dtype(handle)) ?? .float32 }
  public var device: Device { Device(raw: ct_tensor_device(handle)) }

  /// Size of one dimension; negative indices count from the end.
  public func size(_ dim: Int) -> Int {
    let s = shape
    return s[dim < 0 ? dim + s.count : dim]
  }

  // MARK: to and from Swift arrays

  /// A tensor holding a copy of `values` in the given shape (a 1-D tensor when `shape` is nil).
  public convenience init<T: TensorElement>(_ values: [T], shape: [Int]? = nil) throws {
    let shape = shape ?? [values.count]
    let expected = shape.reduce(1, *)
    guard expected == values.count, shape.allSatisfy({ $0 >= 0 }) else {
      throw TorchError("cannot shape \(values.count) values as \(shape)")
    }
    let dims = shape.map(Int64.init)
    var out: ct_tensor?
    try values.withUnsafeBytes { raw in
      try check(ct_from_data(raw.baseAddress, dims, Int64(dims.count), T.dtype.code, &out))
    }
    self.init(owning: out!)
  }

  /// A 0-dimensional tensor.
  public convenience init<T: TensorElement>(scalar: T) throws {
    try self.init([scalar], shape: [])
  }

  /// A tensor built from raw little-endian bytes of `dtype` (used by checkpoint readers).
  public convenience init(bytes: UnsafeRawBufferPointer, dtype: DType, shape: [Int]) throws {
    let expected = shape.reduce(1, *) * dtype.byteSize
    guard bytes.count == expected, shape.allSatisfy({ $0 >= 0 }) else {
      throw TorchError("\(bytes.count) bytes do not hold a \(dtype) tensor of shape \(shape) (\(expected) bytes)")
    }
    let dims = shape.map(Int64.init)
    var out: ct_tensor?
    try check(ct_from_data(bytes.baseAddress, dims, Int64(dims.count), dtype.code, &out))
    self.init(owning: out!)
  }

  /// The elements in row-major order, converted to `T` when the dtype differs.
  public func toArray<T: TensorElement>(_ type: T.Type = T.self) throws -> [T] {
    let source = dtype == T.dtype && device == .cpu ? self : try to(T.dtype, device: .cpu)
    let n = source.count
    return try [T](unsafeUninitializedCapacity: n) { buffer, initialized in
      try check(ct_tensor_copy_to(source.handle, buffer.baseAddress, n * MemoryLayout<T>.stride))
      initialized = n
    }
  }

  /// The raw bytes in row-major order (CPU copy).
  public func contiguousBytes() throws -> [UInt8] {
    let n = count * dtype.byteSize
    return try [UInt8](unsafeUninitializedCapacity: n) { buffer, initialized in
      try check(ct_tensor_copy_to(handle, buffer.baseAddress, n))
      initialized = n
    }
  }

  /// The value of a one-element tensor.
  public func item() throws -> Double {
    var v = 0.0
    try check(ct_item_double(handle, &v))
    return v
  }

  /// The value of a one-element integer tensor.
  public func itemInt() throws -> Int {
    var v: Int64 = 0
    try check(ct_item_int64(handle, &v))
    return Int(v)
  }

  // MARK: conversion

  public func to(_ dtype: DType, device: Device? = nil) throws -> Tensor {
    try makeTensor { ct_to(handle, dtype.code, (device ?? self.device).raw, $0) }
  }
  public func to(device: Device) throws -> Tensor {
    try makeTensor { ct_to(handle, dtype.code, device.raw, $0) }
  }
  /// A copy on `device` that may still be in flight when this returns (CUDA streams order it
  /// before any later op); from pinned host memory the copy overlaps the host's work.
  public func to(device: Device, nonBlocking: Bool) throws -> Tensor {
    guard nonBlocking else { return try to(device: device) }
    return try makeTensor { ct_to_non_blocking(handle, device.raw, $0) }
  }
  /// A copy in page-locked host memory, from which copies to a CUDA device run asynchronously.
  /// Throws on a libtorch without CUDA (page-locking needs the CUDA driver).
  public func pinnedMemory() throws -> Tensor { try makeTensor { ct_pin_memory(handle, $0) } }
  /// Whether the tensor is in page-locked host memory (never on a libtorch without CUDA).
  public var isPinned: Bool { ct_is_pinned(handle) != 0 }
  public func clone() throws -> Tensor { try makeTensor { ct_clone(handle, $0) } }
  public func contiguous() throws -> Tensor { try makeTensor { ct_contiguous(handle, $0) } }
  /// The same values in channels-last memory format (NHWC strides, shape unchanged) for a 4-D
  /// tensor; convolutions then run in oneDNN's native layout and keep it in their outputs.
  public func channelsLastContiguous() throws -> Tensor { try makeTensor { ct_contiguous_channels_last(handle, $0) } }
  /// Whether the tensor is laid out channels-last (and not also plainly contiguous).
  public var isChannelsLast: Bool { ct_is_channels_last(handle) != 0 }
  /// Same data, no autograd history.
  public func detached() throws -> Tensor { try makeTensor { ct_detach(handle, $0) } }

  /// True when both tensors have the same shape, dtype and elements.
  public func equals(_ other: Tensor) throws -> Bool {
    var r: Int32 = 0
    try check(ct_equal(handle, other.handle, &r))
    return r != 0
  }

  /// True when both tensors view the same storage start (aliases).
  public func sharesData(with other: Tensor) throws -> Bool {
    var r: Int32 = 0
    try check(ct_data_ptr_is_same(handle, other.handle, &r))
    return r != 0
  }
}

extension Tensor: CustomStringConvertible {
  /// libtorch's own rendering of the values followed by shape and dtype.
  public var description: String {
    var s: UnsafeMutablePointer<CChar>?
    guard ct_tensor_to_string(handle, &s) == 0, let s else { return "Tensor(\(shape), \(dtype))" }
    defer { ct_string_free(s) }
    return String(cString: s)
  }
}
