import CTorch

/// How a loss over a batch is reduced.
public enum Reduction: Sendable {
  case none, mean, sum

  var code: ct_reduction {
    switch self {
    case .none: return CT_REDUCTION_NONE
    case .mean: return CT_REDUCTION_MEAN
    case .sum: return CT_REDUCTION_SUM
    }
  }
}

/// Functional neural-network operators (ATen names).
extension Tensor {
  public func matmul(_ other: Tensor) throws -> Tensor { try makeTensor { ct_matmul(handle, other.handle, $0) } }

  /// x · wᵀ + b.
  public static func linear(_ x: Tensor, weight: Tensor, bias: Tensor?) throws -> Tensor {
    try makeTensor { ct_linear(x.handle, weight.handle, bias?.handle, $0) }
  }

  public static func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor?, stride: (Int, Int) = (1, 1),
                            padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1), groups: Int = 1) throws -> Tensor {
    let s = [Int64(stride.0), Int64(stride.1)], p = [Int64(padding.0), Int64(padding.1)]
    let d = [Int64(dilation.0), Int64(dilation.1)]
    return try makeTensor { ct_conv2d(x.handle, weight.handle, bias?.handle, s, p, d, Int64(groups), $0) }
  }

  /// Batch normalization; in training mode updates `runningMean`/`runningVar` in place.
  public static func batchNorm(_ x: Tensor, weight: Tensor?, bias: Tensor?, runningMean: Tensor?, runningVar: Tensor?,
                               training: Bool, momentum: Double = 0.1, eps: Double = 1e-5) throws -> Tensor {
    try makeTensor {
      ct_batch_norm(x.handle, weight?.handle, bias?.handle, runningMean?.handle, runningVar?.handle,
                    training ? 1 : 0, momentum, eps, $0)
    }
  }

  public func maxPool2d(kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0),
                        dilation: (Int, Int) = (1, 1), ceilMode: Bool = false) throws -> Tensor {
    let st = stride ?? kernel
    let k = [Int64(kernel.0), Int64(kernel.1)], s = [Int64(st.0), Int64(st.1)]
    let p = [Int64(padding.0), Int64(padding.1)], d = [Int64(dilation.0), Int64(dilation.1)]
    return try makeTensor { ct_max_pool2d(handle, k, s, p, d, ceilMode ? 1 : 0, $0) }
  }

  public func avgPool2d(kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0),
                        ceilMode: Bool = false, countIncludePad: Bool = true) throws -> Tensor {
    let st = stride ?? kernel
    let k = [Int64(kernel.0), Int64(kernel.1)], s = [Int64(st.0), Int64(st.1)]
    let p = [Int64(padding.0), Int64(padding.1)]
    return try makeTensor { ct_avg_pool2d(handle, k, s, p, ceilMode ? 1 : 0, countIncludePad ? 1 : 0, $0) }
  }

  public func adaptiveAvgPool2d(_ size: (Int, Int)) throws -> Tensor {
    let o = [Int64(size.0), Int64(size.1)]
    return try makeTensor { ct_adaptive_avg_pool2d(handle, o, $0) }
  }

  public func softmax(dim: Int) throws -> Tensor { try makeTensor { ct_softmax(handle, Int64(dim), $0) } }
  public func logSoftmax(dim: Int) throws -> Tensor { try makeTensor { ct_log_softmax(handle, Int64(dim), $0) } }

  /// Zeroes each element with probability `p` and scales the rest by 1/(1-p) when `training`.
  public func dropout(p: Double, training: Bool) throws -> Tensor {
    try makeTensor { ct_dropout(handle, p, training ? 1 : 0, $0) }
  }

  /// Cross-entropy of `logits` [N, C] against int64 `targets` [N]; `.none` gives per-sample losses.
  public static func crossEntropy(_ logits: Tensor, targets: Tensor, reduction: Reduction = .mean,
                                  labelSmoothing: Double = 0) throws -> Tensor {
    try makeTensor { ct_cross_entropy(logits.handle, targets.handle, reduction.code, labelSmoothing, $0) }
  }
}
