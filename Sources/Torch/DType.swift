import CTorch

/// Element types FairPrune uses; raw values are libtorch's `c10::ScalarType` codes.
public enum DType: Int32, CaseIterable, Sendable, CustomStringConvertible {
  case uint8 = 0
  case int8 = 1
  case int16 = 2
  case int32 = 3
  case int64 = 4
  case float16 = 5
  case float32 = 6
  case float64 = 7
  case bool = 11
  case bfloat16 = 15

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

/// Where a tensor lives. `.cuda(i)` works when the linked libtorch was built with CUDA.
public enum Device: Equatable, Sendable, CustomStringConvertible {
  case cpu
  case cuda(Int)

  var raw: ct_device {
    switch self {
    case .cpu: return ct_device(type: 0, index: 0)
    case .cuda(let i): return ct_device(type: 1, index: Int32(i))
    }
  }
  init(raw: ct_device) { self = raw.type == 1 ? .cuda(Int(raw.index)) : .cpu }

  public var description: String {
    switch self {
    case .cpu: return "cpu"
    case .cuda(let i): return "cuda:\(i)"
    }
  }
}
