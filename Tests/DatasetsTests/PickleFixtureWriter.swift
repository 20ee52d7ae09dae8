import Foundation

/// Writes pickles opcode by opcode, the way Python 2's cPickle (protocol 2) wrote the CIFAR
/// python files, so tests can make fixtures in the real format without Python. The layout of
/// `numpyArray` follows the bytes of the released files:
/// `cnumpy.core.multiarray\n_reconstruct\n q cnumpy\nndarray\n q K\0 \x85 U\x01b \x87 R q ( K\x01 <shape> cnumpy\ndtype\n q U\x02u1 K\0 K\x01 \x87 R q ( K\x03 U\x01| N N N J\xff.. J\xff.. K\0 t b \x89 T<len><bytes> t b`.
struct PickleFixtureWriter {
  private(set) var bytes: [UInt8] = [0x80, 2]
  private var memo: UInt8 = 1

  mutating func op(_ code: UInt8) { bytes.append(code) }
  mutating func put() {
    bytes += [0x71, memo]  // BINPUT
    memo &+= 1
  }
  mutating func int(_ v: Int) {
    if v >= 0 && v < 256 {
      bytes += [0x4B, UInt8(v)]  // BININT1
    } else if v >= 0 && v < 65536 {
      bytes += [0x4D, UInt8(v & 0xFF), UInt8(v >> 8)]  // BININT2
    } else {
      bytes.append(0x4A)  // BININT
      for k in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: Int32(v) >> (8 * k))) }
    }
  }
  /// A Python 2 `str`: SHORT_BINSTRING or BINSTRING.
  mutating func str(_ data: [UInt8]) {
    if data.count < 256 {
      bytes += [0x55, UInt8(data.count)]
    } else {
      bytes.append(0x54)
      for k in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: data.count >> (8 * k))) }
    }
    bytes += data
  }
  mutating func str(_ text: String) { str(Array(text.utf8)) }
  /// A Python 3 `str` (BINUNICODE).
  mutating func unicode(_ text: String) {
    let utf8 = Array(text.utf8)
    bytes.append(0x58)
    for k in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: utf8.count >> (8 * k))) }
    bytes += utf8
  }
  mutating func global(_ module: String, _ name: String) {
    bytes.append(0x63)
    bytes += Array("\(module)\n\(name)\n".utf8)
    put()
  }
  mutating func intList(_ values: [Int]) {
    op(0x5D)  // EMPTY_LIST
    put()
    op(0x28)  // MARK
    for v in values { int(v) }
    op(0x65)  // APPENDS
  }
  mutating func strList(_ values: [String]) {
    op(0x5D)
    put()
    op(0x28)
    for v in values { str(v) }
    op(0x65)
  }
  /// A C-order uint8 array. `python3Bytes` spells the data as Python 3's protocol 2 does,
  /// `_codecs.encode(latin1 text, "latin1")`.
  mutating func numpyArray(shape: [Int], data: [UInt8], python3Bytes: Bool = false, module: String = "numpy.core.multiarray") {
    global(module, "_reconstruct")
    global("numpy", "ndarray")
    int(0)
    op(0x85)  // TUPLE1
    str("b")
    op(0x87)  // TUPLE3
    op(0x52)  // REDUCE
    put()
    op(0x28)  // MARK
    int(1)
    op(0x28)
    for d in shape { int(d) }
    op(0x74)  // TUPLE
    global("numpy", "dtype")
    str("u1")
    int(0)
    int(1)
    op(0x87)
    op(0x52)
    put()
    op(0x28)
    int(3)
    str("|")
    op(0x4E); op(0x4E); op(0x4E)  // NONE x3
    int(-1)
    int(-1)
    int(0)
    op(0x74)
    op(0x62)  // BUILD
    op(0x89)  // NEWFALSE
    if python3Bytes {
      global("_codecs", "encode")
      unicode(String(String.UnicodeScalarView(data.map { Unicode.Scalar($0) })))
      unicode("latin1")
      op(0x86)  // TUPLE2
      op(0x52)
    } else {
      str(data)
    }
    op(0x74)
    op(0x62)
  }
  mutating func stop() { op(0x2E) }

  /// A CIFAR-100 python split file: {data, fine_labels, coarse_labels, filenames, batch_label}.
  static func cifarSplit(pixels: [UInt8], fine: [Int], coarse: [Int], python3Bytes: Bool = false) -> Data {
    var w = PickleFixtureWriter()
    w.op(0x7D)  // EMPTY_DICT
    w.put()
    w.op(0x28)
    w.str("data"); w.put()
    w.numpyArray(shape: [fine.count, 3072], data: pixels, python3Bytes: python3Bytes)
    w.str("fine_labels"); w.put()
    w.intList(fine)
    w.str("coarse_labels"); w.put()
    w.intList(coarse)
    w.str("filenames"); w.put()
    w.strList(fine.indices.map { "image_\($0).png" })
    w.str("batch_label"); w.put()
    w.str("training batch 1 of 1")
    w.op(0x75)  // SETITEMS
    w.stop()
    return Data(w.bytes)
  }

  /// A CIFAR-100 `meta` file.
  static func cifarMeta(fine: [String], coarse: [String]) -> Data {
    var w = PickleFixtureWriter()
    w.op(0x7D)
    w.put()
    w.op(0x28)
    w.str("fine_label_names"); w.put()
    w.strList(fine)
    w.str("coarse_label_names"); w.put()
    w.strList(coarse)
    w.op(0x75)
    w.stop()
    return Data(w.bytes)
  }
}
