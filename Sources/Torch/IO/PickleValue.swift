import Foundation

/// A `module.name` reference read from a pickle's GLOBAL or STACK_GLOBAL opcode.
public struct PickleGlobal: Hashable, Sendable, CustomStringConvertible {
  public let module: String
  public let name: String
  public init(_ module: String, _ name: String) {
    self.module = module
    self.name = name
  }
  public var description: String { "\(module).\(name)" }
}

/// The record of a REDUCE of an allowed global: what Python would call and with what,
/// plus what BUILD, APPEND(S) and SETITEM(S) did to the result. Nothing is called; the
/// caller decides what the object means.
public struct PickleObject: Sendable {
  /// The allowed global that REDUCE would call.
  public let callable: PickleGlobal
  /// The argument tuple.
  public let arguments: [PickleValue]
  /// The BUILD state (`__setstate__` argument), if any.
  public let state: PickleValue?
  /// Items added by APPEND / APPENDS.
  public let listItems: [PickleValue]
  /// Items added by SETITEM / SETITEMS, in order (how `OrderedDict` contents arrive).
  public let dictItems: [(key: PickleValue, value: PickleValue)]
}

/// A value decoded by `PickleReader`: plain data only.
public indirect enum PickleValue: Sendable {
  case none
  case bool(Bool)
  case int(Int)
  case float(Double)
  /// A Python 3 `str`.
  case string(String)
  /// A Python `bytes`, or a Python 2 `str` (BINSTRING), which has no declared encoding.
  case bytes(Data)
  case tuple([PickleValue])
  case list([PickleValue])
  /// A `dict`, with pairs in insertion order.
  case dict([(key: PickleValue, value: PickleValue)])
  /// A reference to an allowed global that was not called.
  case global(PickleGlobal)
  /// The value passed to `persistent_load` (BINPERSID), e.g. PyTorch's storage tuples.
  case persistentID(PickleValue)
  /// The result of REDUCE on an allowed global.
  case object(PickleObject)

  /// A short name of the case for error messages ("tuple of 3", "object collections.OrderedDict").
  public var kindDescription: String {
    switch self {
    case .none: return "None"
    case .bool: return "bool"
    case .int: return "int"
    case .float: return "float"
    case .string(let s): return "str \"\(s.prefix(40))\""
    case .bytes(let b): return "bytes of \(b.count)"
    case .tuple(let t): return "tuple of \(t.count)"
    case .list(let l): return "list of \(l.count)"
    case .dict(let d): return "dict of \(d.count)"
    case .global(let g): return "global \(g)"
    case .persistentID: return "persistent id"
    case .object(let o): return "object \(o.callable)"
    }
  }
}
