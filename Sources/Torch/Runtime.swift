import CTorch

/// Process-wide libtorch settings: seeds, threads, grad mode, devices.
public enum Torch {
  /// Seeds libtorch's default generator (randn, rand, dropout, randperm).
  public static func manualSeed(_ seed: UInt64) { ct_manual_seed(seed) }

  /// Intra-op thread count (OpenMP pool).
  public static var threadCount: Int {
    get { Int(ct_get_num_threads()) }
    set { ct_set_num_threads(Int32(max(1, newValue))) }
  }

  /// Number of CUDA devices the linked libtorch sees (0 for CPU-only builds).
  public static var cudaDeviceCount: Int { Int(ct_cuda_device_count()) }

  /// Number of tensor handles alive in this process; tests use it to find leaks.
  public static var liveTensorCount: Int { Int(ct_live_tensor_count()) }

  /// Whether operations record autograd history on this thread.
  public static var isGradEnabled: Bool { ct_is_grad_enabled() != 0 }

  /// Runs `body` without recording autograd history, restoring the previous mode afterwards.
  public static func withNoGrad<R>(_ body: () throws -> R) rethrows -> R {
    let previous = ct_set_grad_enabled(0)
    defer { _ = ct_set_grad_enabled(previous) }
    return try body()
  }

  /// Runs `body` with autograd history recording switched on.
  public static func withGrad<R>(_ body: () throws -> R) rethrows -> R {
    let previous = ct_set_grad_enabled(1)
    defer { _ = ct_set_grad_enabled(previous) }
    return try body()
  }
}
