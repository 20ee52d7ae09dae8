import Foundation
@testable import Torch

/// Builds small stored zip archives for tests, optionally with ZIP64 records and extra
/// fields everywhere (as archives over 4 GiB would have them).
struct TestZip {
  var files: [(name: String, bytes: [UInt8])]
  var zip64 = false
  var method: UInt16 = 0
  var comment: [UInt8] = []

  func build() -> Data {
    var out: [UInt8] = []
    var central: [UInt8] = []
    let max32: UInt32 = 0xFFFF_FFFF
    for (name, bytes) in files {
      let offset = out.count
      let crc = CRC32.checksum(Data(bytes))
      let nameBytes = Array(name.utf8)
      let size32 = zip64 ? max32 : UInt32(bytes.count)
      let localExtra: [UInt8] = zip64 ? le(UInt16(1)) + le(UInt16(16)) + le(UInt64(bytes.count)) + le(UInt64(bytes.count)) : []
      out += le(UInt32(0x0403_4B50)) + le(UInt16(45)) + le(UInt16(0x0800)) + le(method) + le(UInt32(0))
      out += le(crc) + le(size32) + le(size32) + le(UInt16(nameBytes.count)) + le(UInt16(localExtra.count))
      out += nameBytes + localExtra + bytes

      let centralExtra: [UInt8] = zip64
        ? le(UInt16(1)) + le(UInt16(24)) + le(UInt64(bytes.count)) + le(UInt64(bytes.count)) + le(UInt64(offset)) : []
      central += le(UInt32(0x0201_4B50)) + le(UInt16(45)) + le(UInt16(45)) + le(UInt16(0x0800)) + le(method)
      central += le(UInt32(0)) + le(crc) + le(size32) + le(size32)
      central += le(UInt16(nameBytes.count)) + le(UInt16(centralExtra.count)) + le(UInt16(0))
      central += le(UInt16(0)) + le(UInt16(0)) + le(UInt32(0)) + le(zip64 ? max32 : UInt32(offset))
      central += nameBytes + centralExtra
    }
    let centralOffset = out.count
    out += central
    if zip64 {
      let recordOffset = out.count
      out += le(UInt32(0x0606_4B50)) + le(UInt64(44)) + le(UInt16(45)) + le(UInt16(45)) + le(UInt32(0)) + le(UInt32(0))
      out += le(UInt64(files.count)) + le(UInt64(files.count)) + le(UInt64(central.count)) + le(UInt64(centralOffset))
      out += le(UInt32(0x0706_4B50)) + le(UInt32(0)) + le(UInt64(recordOffset)) + le(UInt32(1))
    }
    let count16 = zip64 ? UInt16(0xFFFF) : UInt16(files.count)
    out += le(UInt32(0x0605_4B50)) + le(UInt16(0)) + le(UInt16(0)) + le(count16) + le(count16)
    out += le(zip64 ? max32 : UInt32(central.count)) + le(zip64 ? max32 : UInt32(centralOffset))
    out += le(UInt16(comment.count)) + comment
    return Data(out)
  }
}

/// Writes protocol-2 pickles opcode by opcode, for hand-made checkpoints.
struct PickleBuilder {
  var bytes: [UInt8] = [0x80, 0x02]

  mutating func op(_ code: UInt8) { bytes.append(code) }
  mutating func mark() { op(0x28) }
  mutating func global(_ module: String, _ name: String) { bytes += [0x63] + Array("\(module)\n\(name)\n".utf8) }
  mutating func string(_ s: String) { bytes += [0x58] + le(UInt32(s.utf8.count)) + Array(s.utf8) }
  mutating func int(_ n: Int32) { bytes += [0x4A] + le(n) }
  mutating func tuple(_ ints: [Int32]) {
    mark()
    for n in ints { int(n) }
    op(0x74)
  }

  /// `_rebuild_tensor_v2(('storage', torch.<type>, key, 'cpu', numel), offset, size, stride, False, {})`.
  mutating func tensor(storage type: String, key: String, numel: Int32, offset: Int32, size: [Int32], stride: [Int32]) {
    global("torch._utils", "_rebuild_tensor_v2")
    mark()
    mark()
    string("storage"); global("torch", type); string(key); string("cpu"); int(numel)
    op(0x74)  // TUPLE
    op(0x51)  // BINPERSID
    int(offset)
    tuple(size)
    tuple(stride)
    op(0x89)  // NEWFALSE
    op(0x7D)  // EMPTY_DICT (backward hooks)
    op(0x74)  // TUPLE
    op(0x52)  // REDUCE
  }
}
