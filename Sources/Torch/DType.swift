import CTorch

/// Element types FairPrune uses; `code` is the shim's `ct_dtype` (libtorch's `c10::ScalarType`).
public enum DType: CaseIterable, Sendable, CustomStringConvertible {
  case uint8, int8, int16, int32, int64, float16, float32, float64, bool, bfloat16

  var code: ct_dtype {
    switch self {
    case .uint8: return CT_UINT8
    case .int8: return CT_INT8
    case .int16: return CT_INT16
    case .int32: return CT_INT32
    case .int64: return CT_INT64
    case .float16: return CT_FLOAT16
    case .float32: return CT_FLOAT32
    case .float64: return CT_FLOAT64
    case .bool: return CT_BOOL
    case .bfloat16: return CT_BFLOAT16
    }
  }

  /// The dtype of a shim code; nil for a libtorch type FairPrune does not use (complex, quantized).
  init?(code: ct_dtype) {
    guard let match = DType.allCases.first(where: { $0.code == code }) else { return nil }
    self = match
  }

  /// Bytes per element.
  public var byteSize: Int {
    switch self {
    case .uint8, .int8, .bool: return 1
    case .int16, .float16, .bfloat16: return 2
    case .int32, .float32: return 4
    case .int64, .float64: return 8
    }
  }

  public var isFloatingPoint: Bool { self == .float16 || self == .float32 || self == .float64 || self == .bfloat16 }

  public var description: String {
    switch self {
    case .uint8: return "uint8"
    case .int8: return "int8"
    case .int16: return "int16"
    case .int32: return "int32"
    case .int64: return "int64"
    case .float16: return "float16"
    case .float32: return "float32"
    case .float64: return "float64"
    case .bool: return "bool"
    case .bfloat16: return "bfloat16"
    }
  }
}

/// Swift element types that map one to one onto a `DType`.
public protocol TensorElement {
  static var dtype: DType { get }
}
extension Float: TensorElement { public static var dtype: DType { .float32 } }
extension Double: TensorElement { public static var dtype: DType { .float64 } }
extension Int64: TensorElement { public static var dtype: DType { .int64 } }
extension Int32: TensorElement { public static var dtype: DType { .int32 } }
extension UInt8: TensorElement { public static var dtype: DType { .uint8 } }
extension Bool: TensorElement { public static var dtype: DType { .bool } }
