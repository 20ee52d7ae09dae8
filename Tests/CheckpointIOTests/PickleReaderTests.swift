import Foundation
import XCTest
@testable import Torch

final class PickleReaderTests: XCTestCase {
  private let plain = PickleReader(allowedGlobals: [])

  /// `pickle.dumps({'a': [1, 2.5, None, True, False], 'b': (b'xy', 'zé', -3, 2**40, -2**63), 'c': ()}, protocol=4)`
  /// (FRAME, MEMOIZE, SHORT_BINUNICODE, SHORT_BINBYTES, LONG1 ...).
  private let protocol4 = hexBytes(
    "80049549000000000000007d94288c0161945d94284b014740040000000000004e8889658c0162942843027879948c037ac3a9"
      + "944afdffffff8a060000000000018a08000000000000008074948c01639429752e")

  /// `pickle.dumps({'a': [1, 2.5, None, True, False], 'c': ('zé', -3, 2**40, -2**63, 300, 70000)}, protocol=2)`.
  private let protocol2 = hexBytes(
    "80027d71002858010000006171015d7102284b014740040000000000004e88896558010000006371032858030000007ac3a97104"
      + "4afdffffff8a060000000000018a0800000000000000804d2c014a70110100747105752e")

  private func dict(_ value: PickleValue) throws -> [(key: PickleValue, value: PickleValue)] {
    guard case .dict(let items) = value else { throw TorchError("not a dict: \(value.kindDescription)") }
    return items
  }

  private func expectList(_ value: PickleValue) {
    guard case .list(let items) = value, items.count == 5,
          case .int(1) = items[0], case .float(2.5) = items[1], case .none = items[2],
          case .bool(true) = items[3], case .bool(false) = items[4] else {
      return XCTFail("unexpected list \(value)")
    }
  }

  func testReadsProtocol4Values() throws {
    let items = try dict(try plain.read(protocol4))
    XCTAssertEqual(items.count, 3)
    guard case .string("a") = items[0].key, case .string("b") = items[1].key, case .string("c") = items[2].key else {
      return XCTFail("keys out of order: \(items.map(\.key))")
    }
    expectList(items[0].value)
    guard case .tuple(let b) = items[1].value, b.count == 5, case .bytes(let xy) = b[0], case .string("z\u{e9}") = b[1],
          case .int(-3) = b[2], case .int(1 << 40) = b[3], case .int(Int.min) = b[4] else {
      return XCTFail("unexpected tuple \(items[1].value)")
    }
    XCTAssertEqual(xy, Data("xy".utf8))
    guard case .tuple(let empty) = items[2].value, empty.isEmpty else { return XCTFail("expected ()") }
  }

  func testReadsProtocol2Values() throws {
    let items = try dict(try plain.read(protocol2))
    expectList(items[0].value)
    guard case .tuple(let c) = items[1].value, c.count == 6, case .int(300) = c[4], case .int(70000) = c[5] else {
      return XCTFail("unexpected tuple \(items[1].value)")
    }
  }

  func testMemoReferencesSeeLaterMutations() throws {
    // l = [] (memo 0); d = {'l': l}; then APPEND 7 to l through the memo. As in Python, the
    // list inside d is the same object and shows the 7.
    var p = PickleBuilder()
    p.op(0x5D); p.bytes += [0x71, 0]                          // EMPTY_LIST, BINPUT 0
    p.op(0x7D); p.string("l"); p.bytes += [0x68, 0]; p.op(0x73)  // EMPTY_DICT, 'l', BINGET 0, SETITEM
    p.op(0x86)                                                // TUPLE2 -> (l, d)
    p.bytes += [0x68, 0, 0x4B, 7, 0x61]                       // BINGET 0, BININT1 7, APPEND
    p.op(0x86)                                                // TUPLE2 -> ((l, d), l)
    p.op(0x2E)
    guard case .tuple(let outer) = try plain.read(Data(p.bytes)), case .tuple(let inner) = outer[0],
          case .list(let first) = inner[0], case .dict(let d) = inner[1], case .list(let viaDict) = d[0].value,
          case .list(let direct) = outer[1] else {
      return XCTFail("unexpected structure")
    }
    for list in [first, viaDict, direct] {
      guard list.count == 1, case .int(7) = list[0] else { return XCTFail("expected [7], got \(list)") }
    }
  }

  func testDisallowedGlobalThrows() {
    // class E: __reduce__ = lambda self: (os.system, ('echo hi',)); pickle.dumps(E(), 2), with
    // the global spelled "os system".
    var p = PickleBuilder()
    p.global("os", "system"); p.bytes += [0x71, 0]
    p.string("echo hi"); p.op(0x85); p.op(0x52); p.op(0x2E)
    assertThrows(TorchError.self, "GLOBAL at offset 2", "global os.system is not allowed") { try plain.read(Data(p.bytes), source: "evil.pkl") }
    // Even when another global is allowed; STACK_GLOBAL is checked the same way.
    let reader = PickleReader(allowedGlobals: [PickleGlobal("collections", "OrderedDict")], disallowedGlobalHint: "try again")
    assertThrows(TorchError.self, "os.system is not allowed", "try again") { try reader.read(Data(p.bytes)) }
    var s = PickleBuilder()
    s.string("os"); s.string("system"); s.op(0x93); s.op(0x2E)
    assertThrows(TorchError.self, "STACK_GLOBAL", "os.system is not allowed") { try reader.read(Data(s.bytes)) }
  }

  func testReduceOfAnAllowedGlobalOnlyRecordsIt() throws {
    // OrderedDict() then SETITEMS and BUILD, as torch.save writes a state dict.
    let reader = PickleReader(allowedGlobals: [PickleGlobal("collections", "OrderedDict")])
    var p = PickleBuilder()
    p.global("collections", "OrderedDict"); p.op(0x29); p.op(0x52)
    p.mark(); p.string("k"); p.int(5); p.op(0x75)
    p.op(0x7D); p.op(0x62); p.op(0x2E)
    guard case .object(let object) = try reader.read(Data(p.bytes)) else { return XCTFail("expected an object") }
    XCTAssertEqual(object.callable, PickleGlobal("collections", "OrderedDict"))
    XCTAssertTrue(object.arguments.isEmpty)
    guard object.dictItems.count == 1, case .string("k") = object.dictItems[0].key, case .int(5) = object.dictItems[0].value,
          case .dict = object.state else {
      return XCTFail("unexpected object \(object)")
    }
  }

  func testMalformedPicklesThrowWithOpcodeAndOffset() {
    func bytes(_ body: (inout PickleBuilder) -> Void) -> Data {
      var p = PickleBuilder()
      body(&p)
      return Data(p.bytes)
    }
    assertThrows(TorchError.self, "unsupported opcode 0x69", "at offset 2") { try plain.read(bytes { $0.op(0x69) }) }  // INST
    assertThrows(TorchError.self, "unsupported opcode 0x81") { try plain.read(bytes { $0.op(0x81) }) }                   // NEWOBJ
    assertThrows(TorchError.self, "APPEND at offset 2", "stack underflow") { try plain.read(bytes { $0.op(0x61) }) }
    assertThrows(TorchError.self, "BINGET at offset 2", "memo has no entry 9") { try plain.read(bytes { $0.bytes += [0x68, 9] }) }
    assertThrows(TorchError.self, "ends without STOP") { try plain.read(bytes { $0.op(0x4E) }) }
    assertThrows(TorchError.self, "truncated") { try plain.read(Data([0x80, 0x02, 0x4A, 1, 2])) }
    assertThrows(TorchError.self, "truncated") { try plain.read(Data([0x80, 0x02, 0x58, 0xFF, 0xFF, 0xFF, 0x7F, 0x61])) }
    assertThrows(TorchError.self, "BINUNICODE8", "absurd") { try plain.read(Data([0x80, 0x02, 0x8D] + le(UInt64.max))) }
    assertThrows(TorchError.self, "FRAME", "exceeds") { try plain.read(Data([0x80, 0x04, 0x95] + le(UInt64(1) << 40))) }
    assertThrows(TorchError.self, "negative length") { try plain.read(Data([0x80, 0x02, 0x54] + le(Int32(-5)))) }
    assertThrows(TorchError.self, "not valid UTF-8") { try plain.read(Data([0x80, 0x02, 0x8C, 1, 0xFF, 0x2E])) }
    assertThrows(TorchError.self, "does not fit in 64 bits") { try plain.read(Data([0x80, 0x02, 0x8A, 9] + [UInt8](repeating: 1, count: 9))) }
    assertThrows(TorchError.self, "STOP", "2 values") { try plain.read(bytes { $0.op(0x4E); $0.op(0x4E); $0.op(0x2E) }) }
    assertThrows(TorchError.self, "STOP", "1 open MARKs") { try plain.read(bytes { $0.op(0x4E); $0.mark(); $0.op(0x2E) }) }
    // A MARK hides what is below it: TUPLE1 right after MARK underflows.
    assertThrows(TorchError.self, "TUPLE1", "stack underflow") { try plain.read(bytes { $0.op(0x4E); $0.mark(); $0.op(0x85) }) }
    assertThrows(TorchError.self, "SETITEMS", "odd number") { try plain.read(bytes { $0.op(0x7D); $0.mark(); $0.op(0x4E); $0.op(0x75) }) }
    assertThrows(TorchError.self, "SETITEM on a value that is not a dict") {
      try plain.read(bytes { $0.op(0x5D); $0.op(0x4E); $0.op(0x4E); $0.op(0x73) })
    }
    assertThrows(TorchError.self, "REDUCE of a value that is not a global") {
      try plain.read(bytes { $0.op(0x4E); $0.op(0x29); $0.op(0x52) })
    }
    assertThrows(TorchError.self, "GLOBAL", "no terminating newline") { try plain.read(Data([0x80, 0x02, 0x63] + Array("os".utf8))) }
    assertThrows(TorchError.self, "unsupported protocol 6") { try plain.read(Data([0x80, 0x06, 0x4E, 0x2E])) }
  }

  func testCyclesDeepNestingAndExpansionAreRefused() {
    // l = []; l.append(l)
    assertThrows(TorchError.self, "contains itself") { try plain.read(Data([0x80, 0x02, 0x5D, 0x71, 0, 0x68, 0, 0x61, 0x2E])) }
    // 200,000 nested one-tuples: refused by depth, and nothing recurses while building them.
    let deep = [0x80, 0x02, 0x29] + [UInt8](repeating: 0x85, count: 200_000) + [0x2E]
    assertThrows(TorchError.self, "nested deeper than 100") { try plain.read(Data(deep)) }
    // t0 = (); t(i+1) = (ti, ti) through the memo: 2^40 values from 200 bytes.
    var p: [UInt8] = [0x80, 0x02, 0x28, 0x29, 0x71, 0]
    for i in 0..<40 { p += [0x68, UInt8(i), 0x68, UInt8(i), 0x86, 0x71, UInt8(i + 1)] }
    p += [0x74, 0x2E]  // TUPLE of everything since the MARK, STOP
    // (A small limit keeps the debug-build test fast; the default is 4,000,000.)
    let limited = PickleReader(allowedGlobals: [], maxValues: 100_000)
    assertThrows(TorchError.self, "more than 100000 values") { try limited.read(Data(p)) }
  }
}
