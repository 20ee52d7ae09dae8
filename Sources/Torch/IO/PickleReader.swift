import Foundation

/// A strict reader of Python pickles that only ever builds data.
///
/// It runs the pickle machine for the opcodes in `PickleOpcode` and nothing else. GLOBAL and
/// STACK_GLOBAL may name only globals in the caller's allow-list, and REDUCE on one of them
/// records a `PickleObject` instead of calling anything, so a pickle cannot execute code.
/// Unknown opcodes, disallowed globals, stack underflow, memo misses, truncated data and
/// absurd lengths throw a `TorchError` naming the opcode and its offset.
///
/// ```swift
/// let reader = PickleReader(allowedGlobals: [PickleGlobal("collections", "OrderedDict")])
/// let value = try reader.read(data, source: "x/data.pkl")
/// ```
public struct PickleReader: Sendable {
  /// Globals that GLOBAL / STACK_GLOBAL may name (and so REDUCE may "call").
  public var allowedGlobals: Set<PickleGlobal>
  /// Deepest nesting of containers in the result.
  public var maxDepth: Int
  /// Most values in the result, counting shared values once per reference (bounds the
  /// expansion of memo references).
  public var maxValues: Int
  /// Appended to the message of a disallowed-global error (e.g. advice on what to save instead).
  public var disallowedGlobalHint: String?

  public init(allowedGlobals: Set<PickleGlobal>, maxDepth: Int = 100, maxValues: Int = 4_000_000,
              disallowedGlobalHint: String? = nil) {
    self.allowedGlobals = allowedGlobals
    self.maxDepth = maxDepth
    self.maxValues = maxValues
    self.disallowedGlobalHint = disallowedGlobalHint
  }

  /// Decodes the pickle in `data` up to its STOP opcode; `source` names it in errors.
  public func read(_ data: Data, source: String = "<pickle>") throws -> PickleValue {
    var machine = PickleMachine(reader: ByteReader(data, source: "pickle \(source)"), options: self)
    let root = try machine.run()
    var converter = PickleGraphConverter(nodes: machine.nodes, maxDepth: maxDepth, maxValues: maxValues,
                                         source: "pickle \(source)")
    return try converter.value(of: root, depth: 0)
  }
}
