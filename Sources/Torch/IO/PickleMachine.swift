import Foundation

/// One value under construction. Containers refer to other nodes by index into the arena, so
/// that memo references see later mutations (APPEND to a memoized list), cycles cannot leak,
/// and nothing deep is ever released recursively.
struct PickleNode {
  enum Kind {
    case leaf(PickleValue)
    case tuple, list, dict, persistentID
    case object(PickleGlobal)
  }
  var kind: Kind
  /// Tuple / list elements, object arguments, or the persistent id.
  var items: [Int] = []
  /// Dict pairs, or the SETITEM(S) pairs of an object.
  var pairs: [(key: Int, value: Int)] = []
  /// APPEND(S) items of an object.
  var appended: [Int] = []
  /// BUILD state of an object.
  var state: Int?
}

/// The pickle virtual machine (CPython's `_Unpickler.load` restricted to data).
struct PickleMachine {
  var reader: ByteReader
  let options: PickleReader
  private(set) var nodes: [PickleNode] = []
  private var stack: [Int] = []
  /// Stack heights at each open MARK; ops may not pop below the innermost one.
  private var marks: [Int] = []
  private var memo: [UInt32: Int] = [:]
  private var opcodeOffset = 0
  private var opcode: PickleOpcode?

  init(reader: ByteReader, options: PickleReader) {
    self.reader = reader
    self.options = options
  }

  private func fail(_ what: String) -> TorchError {
    let op = opcode.map { "\($0.name) " } ?? ""
    return TorchError("\(reader.source): \(op)at offset \(opcodeOffset): \(what)")
  }

  // MARK: stack helpers

  private mutating func push(_ kind: PickleNode.Kind) {
    nodes.append(PickleNode(kind: kind))
    stack.append(nodes.count - 1)
  }

  private mutating func pop() throws -> Int {
    guard stack.count > (marks.last ?? 0), let top = stack.popLast() else { throw fail("stack underflow") }
    return top
  }

  private func top() throws -> Int {
    guard stack.count > (marks.last ?? 0), let top = stack.last else { throw fail("stack underflow") }
    return top
  }

  private mutating func popMark() throws -> [Int] {
    guard let mark = marks.popLast() else { throw fail("no MARK to pop to") }
    let items = Array(stack[mark...])
    stack.removeSubrange(mark...)
    return items
  }

  private mutating func pushTuple(_ items: [Int]) {
    push(.tuple)
    nodes[nodes.count - 1].items = items
  }

  private func string(_ index: Int, _ what: String) throws -> String {
    guard case .leaf(.string(let s)) = nodes[index].kind else { throw fail("\(what) must be a str") }
    return s
  }

  private func utf8(_ bytes: Data, _ what: String) throws -> String {
    guard isValidUTF8(bytes) else { throw fail("\(what) is not valid UTF-8") }
    return String(decoding: bytes, as: UTF8.self)
  }

  private mutating func length(_ size: Int) throws -> Int {
    let raw = try reader.uint(size, "length")
    // The read that follows checks the length against the bytes left, so this cannot
    // make us allocate more than the pickle holds.
    guard let n = intOrNil(raw) else { throw fail("length \(raw) is absurd") }
    return n
  }

  private func checkGlobal(_ global: PickleGlobal) throws {
    guard options.allowedGlobals.contains(global) else {
      let hint = options.disallowedGlobalHint.map { "; \($0)" } ?? ""
      throw fail("global \(global) is not allowed (this reader only loads plain data)\(hint)")
    }
  }

  // MARK: the machine

  /// Runs to STOP and returns the index of the result node.
  mutating func run() throws -> Int {
    while true {
      opcodeOffset = reader.offset
      opcode = nil
      guard !reader.isAtEnd else { throw fail("pickle ends without STOP") }
      let byte = try reader.u8("opcode")
      guard let op = PickleOpcode(rawValue: byte) else {
        throw fail("unsupported opcode 0x\(String(byte, radix: 16))")
      }
      opcode = op
      if op == .stop {
        guard marks.isEmpty, stack.count == 1, let result = stack.last else {
          throw fail("STOP with \(stack.count) values on the stack and \(marks.count) open MARKs")
        }
        return result
      }
      try step(op)
    }
  }

  private mutating func step(_ op: PickleOpcode) throws {
    switch op {
    case .stop:
      break  // handled by run()
    case .proto:
      let version = try reader.u8("protocol")
      guard version <= 5 else { throw fail("unsupported protocol \(version)") }
    case .frame:
      // Frames only batch reads; check the length and read straight on.
      let n = try reader.u64("frame length")
      guard n <= UInt64(reader.remaining) else { throw fail("frame of \(n) bytes exceeds the \(reader.remaining) left") }
    case .mark:
      marks.append(stack.count)
    case .global:
      let module = try utf8(try reader.line(limit: 1024, what: "GLOBAL module"), "GLOBAL module")
      let name = try utf8(try reader.line(limit: 1024, what: "GLOBAL name"), "GLOBAL name")
      let global = PickleGlobal(module, name)
      try checkGlobal(global)
      push(.leaf(.global(global)))
    case .stackGlobal:
      let name = try string(try pop(), "STACK_GLOBAL name")
      let module = try string(try pop(), "STACK_GLOBAL module")
      let global = PickleGlobal(module, name)
      try checkGlobal(global)
      push(.leaf(.global(global)))
    case .binput:
      memo[UInt32(try reader.u8("memo index"))] = try top()
    case .longBinput:
      memo[try reader.u32("memo index")] = try top()
    case .memoize:
      memo[UInt32(truncatingIfNeeded: memo.count)] = try top()
    case .binget, .longBinget:
      let key = op == .binget ? UInt32(try reader.u8("memo index")) : try reader.u32("memo index")
      guard let index = memo[key] else { throw fail("memo has no entry \(key)") }
      stack.append(index)
    case .emptyDict: push(.dict)
    case .emptyList: push(.list)
    case .emptyTuple: pushTuple([])
    case .tuple: pushTuple(try popMark())
    case .tuple1, .tuple2, .tuple3:
      let n = op == .tuple1 ? 1 : op == .tuple2 ? 2 : 3
      var items: [Int] = []
      for _ in 0..<n { items.insert(try pop(), at: 0) }
      pushTuple(items)
    case .binint:
      push(.leaf(.int(Int(Int32(bitPattern: try reader.u32("BININT"))))))
    case .binint1:
      push(.leaf(.int(Int(try reader.u8("BININT1")))))
    case .binint2:
      push(.leaf(.int(Int(try reader.u16("BININT2")))))
    case .long1:
      let n = Int(try reader.u8("LONG1 length"))
      guard n <= 8 else { throw fail("integer of \(n) bytes does not fit in 64 bits") }
      let raw = try reader.uint(n, "LONG1")
      // Two's complement of n bytes, sign-extended to 64 bits.
      let shift = UInt64(64 - 8 * n)
      push(.leaf(.int(n == 0 ? 0 : Int(Int64(bitPattern: raw << shift) >> Int64(shift)))))
    case .binfloat:
      // The only big-endian field in the format.
      let raw = try reader.read(8, what: "BINFLOAT")
      push(.leaf(.float(Double(bitPattern: raw.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }))))
    case .none: push(.leaf(.none))
    case .newtrue: push(.leaf(.bool(true)))
    case .newfalse: push(.leaf(.bool(false)))
    case .binunicode, .shortBinunicode, .binunicode8:
      let n = try length(op == .shortBinunicode ? 1 : op == .binunicode ? 4 : 8)
      push(.leaf(.string(try utf8(try reader.read(n, what: "string"), "string"))))
    case .binstring:
      let n = Int(Int32(bitPattern: try reader.u32("BINSTRING length")))
      guard n >= 0 else { throw fail("negative length \(n)") }
      push(.leaf(.bytes(Data(try reader.read(n, what: "string")))))
    case .shortBinstring, .binbytes, .shortBinbytes:
      let n = try length(op == .binbytes ? 4 : 1)
      push(.leaf(.bytes(Data(try reader.read(n, what: "bytes")))))
    case .append:
      let value = try pop()
      try append([value], to: try top())
    case .appends:
      let values = try popMark()
      try append(values, to: try top())
    case .setitem:
      let value = try pop()
      let key = try pop()
      try setItems([(key, value)], on: try top())
    case .setitems:
      let items = try popMark()
      guard items.count % 2 == 0 else { throw fail("odd number of values (\(items.count)) for key/value pairs") }
      let pairs = stride(from: 0, to: items.count, by: 2).map { (key: items[$0], value: items[$0 + 1]) }
      try setItems(pairs, on: try top())
    case .binpersid:
      let pid = try pop()
      push(.persistentID)
      nodes[nodes.count - 1].items = [pid]
    case .reduce:
      let args = try pop()
      let callable = try pop()
      guard case .leaf(.global(let global)) = nodes[callable].kind else { throw fail("REDUCE of a value that is not a global") }
      guard case .tuple = nodes[args].kind else { throw fail("REDUCE arguments are not a tuple") }
      try checkGlobal(global)
      push(.object(global))
      nodes[nodes.count - 1].items = nodes[args].items
    case .build:
      let state = try pop()
      let target = try top()
      guard case .object = nodes[target].kind else { throw fail("BUILD on a value that is not a REDUCE result") }
      guard nodes[target].state == nil else { throw fail("BUILD applied twice to one object") }
      nodes[target].state = state
    }
  }

  private mutating func append(_ values: [Int], to target: Int) throws {
    switch nodes[target].kind {
    case .list: nodes[target].items.append(contentsOf: values)
    case .object: nodes[target].appended.append(contentsOf: values)
    default: throw fail("APPEND to a value that is not a list")
    }
  }

  private mutating func setItems(_ pairs: [(key: Int, value: Int)], on target: Int) throws {
    switch nodes[target].kind {
    case .dict, .object: nodes[target].pairs.append(contentsOf: pairs)
    default: throw fail("SETITEM on a value that is not a dict")
    }
  }
}
