import CTorch

extension Tensor {
  public static func zeros(_ shape: [Int], dtype: DType = .float32, device: Device = .cpu) throws -> Tensor {
    try full(shape, value: 0, dtype: dtype, device: device)
  }
  public static func ones(_ shape: [Int], dtype: DType = .float32, device: Device = .cpu) throws -> Tensor {
    try full(shape, value: 1, dtype: dtype, device: device)
  }
  public static func full(_ shape: [Int], value: Double, dtype: DType = .float32, device: Device = .cpu) throws -> Tensor {
    let dims = shape.map(Int64.init)
    return try makeTensor { ct_full(dims, Int64(dims.count), value, dtype.code, device.raw, $0) }
  }
  /// Standard normal samples from libtorch's seeded default generator.
  public static func randn(_ shape: [Int], dtype: DType = .float32, device: Device = .cpu) throws -> Tensor {
    let dims = shape.map(Int64.init)
    return try makeTensor { ct_randn(dims, Int64(dims.count), dtype.code, device.raw, $0) }
  }
  /// Uniform samples in [0, 1).
  public static func rand(_ shape: [Int], dtype: DType = .float32, device: Device = .cpu) throws -> Tensor {
    let dims = shape.map(Int64.init)
    return try makeTensor { ct_rand(dims, Int64(dims.count), dtype.code, device.raw, $0) }
  }
  /// Uniform integers in [low, high) as int64.
  public static func randint(low: Int = 0, high: Int, shape: [Int], device: Device = .cpu) throws -> Tensor {
    let dims = shape.map(Int64.init)
    return try makeTensor { ct_randint(Int64(low), Int64(high), dims, Int64(dims.count), device.raw, $0) }
  }
  /// A random permutation of 0..<n as int64.
  public static func randperm(_ n: Int, device: Device = .cpu) throws -> Tensor {
    try makeTensor { ct_randperm(Int64(n), device.raw, $0) }
  }
  public static func arange(_ start: Double = 0, _ end: Double, step: Double = 1, dtype: DType = .int64,
                            device: Device = .cpu) throws -> Tensor {
    try makeTensor { ct_arange(start, end, step, dtype.code, device.raw, $0) }
  }
  public static func arange(_ end: Int, dtype: DType = .int64, device: Device = .cpu) throws -> Tensor {
    try arange(0, Double(end), dtype: dtype, device: device)
  }
  public static func zeros(like t: Tensor) throws -> Tensor { try zeros(t.shape, dtype: t.dtype, device: t.device) }
  public static func ones(like t: Tensor) throws -> Tensor { try ones(t.shape, dtype: t.dtype, device: t.device) }
}
