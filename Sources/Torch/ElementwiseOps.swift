import CTorch

/// The shim's binary ops (`ct_binary_op`), by name.
enum BinaryOp {
  case add, sub, mul, div, pow, maximum, minimum, eq, ne, lt, le, gt, ge, logicalAnd, logicalOr, remainder, floorDivide
  case reverseSub  // other - self

  var code: ct_binary_op {
    switch self {
    case .add: return CT_BINARY_ADD
    case .sub: return CT_BINARY_SUB
    case .mul: return CT_BINARY_MUL
    case .div: return CT_BINARY_DIV
    case .pow: return CT_BINARY_POW
    case .maximum: return CT_BINARY_MAXIMUM
    case .minimum: return CT_BINARY_MINIMUM
    case .eq: return CT_BINARY_EQ
    case .ne: return CT_BINARY_NE
    case .lt: return CT_BINARY_LT
    case .le: return CT_BINARY_LE
    case .gt: return CT_BINARY_GT
    case .ge: return CT_BINARY_GE
    case .logicalAnd: return CT_BINARY_LOGICAL_AND
    case .logicalOr: return CT_BINARY_LOGICAL_OR
    case .remainder: return CT_BINARY_REMAINDER
    case .floorDivide: return CT_BINARY_FLOOR_DIVIDE
    case .reverseSub: return CT_BINARY_REVERSE_SUB
    }
  }
}

/// The shim's unary ops (`ct_unary_op`), by name.
enum UnaryOp {
  case neg, abs, exp, log, sqrt, relu, relu6, sigmoid, tanh, sign, square, logicalNot, reciprocal, floor, ceil, sin, cos, rsqrt, log1p, round, isnan, isfinite

  var code: ct_unary_op {
    switch self {
    case .neg: return CT_UNARY_NEG
    case .abs: return CT_UNARY_ABS
    case .exp: return CT_UNARY_EXP
    case .log: return CT_UNARY_LOG
    case .sqrt: return CT_UNARY_SQRT
    case .relu: return CT_UNARY_RELU
    case .relu6: return CT_UNARY_RELU6
    case .sigmoid: return CT_UNARY_SIGMOID
    case .tanh: return CT_UNARY_TANH
    case .sign: return CT_UNARY_SIGN
    case .square: return CT_UNARY_SQUARE
    case .logicalNot: return CT_UNARY_LOGICAL_NOT
    case .reciprocal: return CT_UNARY_RECIPROCAL
    case .floor: return CT_UNARY_FLOOR
    case .ceil: return CT_UNARY_CEIL
    case .sin: return CT_UNARY_SIN
    case .cos: return CT_UNARY_COS
    case .rsqrt: return CT_UNARY_RSQRT
    case .log1p: return CT_UNARY_LOG1P
    case .round: return CT_UNARY_ROUND
    case .isnan: return CT_UNARY_ISNAN
    case .isfinite: return CT_UNARY_ISFINITE
    }
  }
}

extension Tensor {
  func binary(_ op: BinaryOp, _ other: Tensor) throws -> Tensor {
    try makeTensor { ct_binary(op.code, handle, other.handle, $0) }
  }
  func binary(_ op: BinaryOp, _ s: Double) throws -> Tensor {
    try makeTensor { ct_binary_scalar(op.code, handle, s, $0) }
  }
  func unary(_ op: UnaryOp) throws -> Tensor { try makeTensor { ct_unary(op.code, handle, $0) } }

  public static func + (a: Tensor, b: Tensor) throws -> Tensor { try a.binary(.add, b) }
  public static func - (a: Tensor, b: Tensor) throws -> Tensor { try a.binary(.sub, b) }
  public static func * (a: Tensor, b: Tensor) throws -> Tensor { try a.binary(.mul, b) }
  public static func / (a: Tensor, b: Tensor) throws -> Tensor { try a.binary(.div, b) }
  public static func + (a: Tensor, s: Double) throws -> Tensor { try a.binary(.add, s) }
  public static func - (a: Tensor, s: Double) throws -> Tensor { try a.binary(.sub, s) }
  public static func * (a: Tensor, s: Double) throws -> Tensor { try a.binary(.mul, s) }
  public static func / (a: Tensor, s: Double) throws -> Tensor { try a.binary(.div, s) }
  public static func + (s: Double, a: Tensor) throws -> Tensor { try a.binary(.add, s) }
  /// s - a, computed as one subtraction (negating a - s would turn 1 - 1 into -0).
  public static func - (s: Double, a: Tensor) throws -> Tensor { try a.binary(.reverseSub, s) }
  public static func * (s: Double, a: Tensor) throws -> Tensor { try a.binary(.mul, s) }
  public static prefix func - (a: Tensor) throws -> Tensor { try a.unary(.neg) }

  public func pow(_ e: Tensor) throws -> Tensor { try binary(.pow, e) }
  public func pow(_ e: Double) throws -> Tensor { try makeTensor { ct_pow_scalar(handle, e, $0) } }
  public func maximum(_ other: Tensor) throws -> Tensor { try binary(.maximum, other) }
  public func minimum(_ other: Tensor) throws -> Tensor { try binary(.minimum, other) }
  public func remainder(_ s: Double) throws -> Tensor { try binary(.remainder, s) }
  public func remainder(_ divisor: Tensor) throws -> Tensor { try binary(.remainder, divisor) }

  // Comparisons return bool tensors.
  public func eq(_ o: Tensor) throws -> Tensor { try binary(.eq, o) }
  public func ne(_ o: Tensor) throws -> Tensor { try binary(.ne, o) }
  public func lt(_ o: Tensor) throws -> Tensor { try binary(.lt, o) }
  public func le(_ o: Tensor) throws -> Tensor { try binary(.le, o) }
  public func gt(_ o: Tensor) throws -> Tensor { try binary(.gt, o) }
  public func ge(_ o: Tensor) throws -> Tensor { try binary(.ge, o) }
  public func eq(_ s: Double) throws -> Tensor { try binary(.eq, s) }
  public func ne(_ s: Double) throws -> Tensor { try binary(.ne, s) }
  public func lt(_ s: Double) throws -> Tensor { try binary(.lt, s) }
  public func le(_ s: Double) throws -> Tensor { try binary(.le, s) }
  public func gt(_ s: Double) throws -> Tensor { try binary(.gt, s) }
  public func ge(_ s: Double) throws -> Tensor { try binary(.ge, s) }
  public func logicalAnd(_ o: Tensor) throws -> Tensor { try binary(.logicalAnd, o) }
  public func logicalOr(_ o: Tensor) throws -> Tensor { try binary(.logicalOr, o) }
  public func logicalNot() throws -> Tensor { try unary(.logicalNot) }

  public func abs() throws -> Tensor { try unary(.abs) }
  public func exp() throws -> Tensor { try unary(.exp) }
  public func log() throws -> Tensor { try unary(.log) }
  public func log1p() throws -> Tensor { try unary(.log1p) }
  public func sqrt() throws -> Tensor { try unary(.sqrt) }
  public func rsqrt() throws -> Tensor { try unary(.rsqrt) }
  public func square() throws -> Tensor { try unary(.square) }
  public func reciprocal() throws -> Tensor { try unary(.reciprocal) }
  public func sign() throws -> Tensor { try unary(.sign) }
  public func floor() throws -> Tensor { try unary(.floor) }
  public func ceil() throws -> Tensor { try unary(.ceil) }
  public func round() throws -> Tensor { try unary(.round) }
  public func sin() throws -> Tensor { try unary(.sin) }
  public func cos() throws -> Tensor { try unary(.cos) }
  public func tanh() throws -> Tensor { try unary(.tanh) }
  public func isnan() throws -> Tensor { try unary(.isnan) }
  public func isfinite() throws -> Tensor { try unary(.isfinite) }
  public func relu() throws -> Tensor { try unary(.relu) }
  /// min(max(x, 0), 6), as torch.nn.ReLU6.
  public func relu6() throws -> Tensor { try unary(.relu6) }
  public func sigmoid() throws -> Tensor { try unary(.sigmoid) }
  public func clamp(min lo: Double? = nil, max hi: Double? = nil) throws -> Tensor {
    try makeTensor { ct_clamp(handle, lo ?? 0, hi ?? 0, lo == nil ? 0 : 1, hi == nil ? 0 : 1, $0) }
  }
}
