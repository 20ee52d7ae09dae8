import Datasets
import Foundation
import Torch
import XCTest

/// CIFAR-100 from tiny fixtures in both published formats.
final class CIFAR100Tests: DatasetsTestCase {
  struct Split {
    var pixels: [UInt8]
    var fine: [Int]
    var coarse: [Int]
  }

  /// n images whose byte p of image i is (7i + p) % 251.
  private func split(_ n: Int, fineOffset: Int) -> Split {
    var pixels: [UInt8] = []
    for i in 0..<n { for p in 0..<3072 { pixels.append(UInt8((7 * i + p) % 251)) } }
    return Split(pixels: pixels, fine: (0..<n).map { ($0 * 37 + fineOffset) % 100 }, coarse: (0..<n).map { ($0 * 3) % 20 })
  }

  private let fineNames = (0..<100).map { "fine name \($0)" }
  private let coarseNames = (0..<20).map { "coarse name \($0)" }

  private func binaryRecords(_ s: Split) -> Data {
    var out = Data()
    for i in s.fine.indices {
      out.append(UInt8(s.coarse[i]))
      out.append(UInt8(s.fine[i]))
      out.append(contentsOf: s.pixels[(i * 3072)..<((i + 1) * 3072)])
    }
    return out
  }

  private func writeBinary(_ train: Split, _ test: Split) throws -> URL {
    let dir = tempDir.appendingPathComponent("cifar-100-binary")
    try write(binaryRecords(train), to: "train.bin", in: dir)
    try write(binaryRecords(test), to: "test.bin", in: dir)
    try write(fineNames.joined(separator: "\n") + "\n", to: "fine_label_names.txt", in: dir)
    try write(coarseNames.joined(separator: "\n") + "\n", to: "coarse_label_names.txt", in: dir)
    return dir
  }

  private func writePython(_ train: Split, _ test: Split, python3Bytes: Bool = false) throws -> URL {
    let dir = tempDir.appendingPathComponent("cifar-100-python")
    try write(PickleFixtureWriter.cifarSplit(pixels: train.pixels, fine: train.fine, coarse: train.coarse, python3Bytes: python3Bytes),
              to: "train", in: dir)
    try write(PickleFixtureWriter.cifarSplit(pixels: test.pixels, fine: test.fine, coarse: test.coarse, python3Bytes: python3Bytes),
              to: "test", in: dir)
    try write(PickleFixtureWriter.cifarMeta(fine: fineNames, coarse: coarseNames), to: "meta", in: dir)
    return dir
  }

  private func check(_ data: ImageDataset, train: Split, test: Split, file: StaticString = #filePath, line: UInt = #line) throws {
    XCTAssertEqual(data.train.count, train.fine.count, file: file, line: line)
    XCTAssertEqual(data.test.count, test.fine.count, file: file, line: line)
    XCTAssertEqual(data.train.labels.targets, train.fine.map(Int64.init), file: file, line: line)
    XCTAssertEqual(data.test.labels.targets, test.fine.map(Int64.init), file: file, line: line)
    XCTAssertEqual(data.info.numClasses, 100, file: file, line: line)
    XCTAssertEqual(data.info.classNames[3], "fine name 3", file: file, line: line)
    // Stored pixels are the records' bytes, already planar.
    data.train.store.withImage(2) { XCTAssertEqual(Array($0), Array(train.pixels[(2 * 3072)..<(3 * 3072)]), file: file, line: line) }
    let batch = try data.test.makeBatch([1], seed: 0)
    XCTAssertEqual(batch.inputs.shape, [1, 3, 32, 32], file: file, line: line)
    let v = try batch.inputs.toArray(Float.self)
    XCTAssertEqual(v[1024 + 5], (Float(test.pixels[3072 + 1024 + 5]) / 255 - 0.4865) / 0.2564, file: file, line: line)
  }

  func testBinaryFormat() throws {
    let train = split(7, fineOffset: 0)
    let test = split(3, fineOffset: 11)
    let root = try writeBinary(train, test)
    let data = try CIFAR100(root: tempDir, protected: [.fine, .coarse]).read()
    try check(data, train: train, test: test)
    XCTAssertEqual(data.info.attributes.map(\.name), ["fine", "coarse"])
    XCTAssertEqual(data.info.attributes[1].values, coarseNames)
    XCTAssertEqual(data.train.labels.attributes[0..<4], [0, 0, 37, 3])
    // The directory itself works as the root too.
    XCTAssertEqual(try CIFAR100(root: root, format: .binary).read().train.count, 7)
  }

  func testPythonFormatMatchesBinary() throws {
    let train = split(6, fineOffset: 5)
    let test = split(4, fineOffset: 50)
    _ = try writePython(train, test)
    let data = try CIFAR100(root: tempDir, format: .python).read()
    try check(data, train: train, test: test)
    XCTAssertEqual(data.info.attributes[0].values, fineNames)
    XCTAssertEqual(data.train.labels.attributes, train.fine.map(Int64.init))
  }

  /// Python 3's protocol 2 spells bytes as `_codecs.encode(text, "latin1")`.
  func testPythonFormatWrittenByPython3() throws {
    let train = split(3, fineOffset: 1)
    let test = split(2, fineOffset: 2)
    _ = try writePython(train, test, python3Bytes: true)
    try check(try CIFAR100(root: tempDir, format: .python).read(), train: train, test: test)
  }

  func testValidationIsStratifiedOutOfTrain() throws {
    var train = split(20, fineOffset: 0)
    train.fine = (0..<20).map { $0 < 12 ? 4 : 9 }  // 12 of class 4, 8 of class 9
    _ = try writeBinary(train, split(2, fineOffset: 0))
    let data = try CIFAR100(root: tempDir, split: SplitOptions(validationFraction: 0.25, validationSeed: 0)).read()
    let validation = try XCTUnwrap(data.validation)
    XCTAssertEqual(validation.count, 5)  // ceil(3) + ceil(2)
    XCTAssertEqual(data.train.count, 15)
    XCTAssertEqual(validation.labels.targets.filter { $0 == 4 }.count, 3)
    XCTAssertEqual(Set(validation.storeIndices).intersection(data.train.storeIndices), [])
    XCTAssertEqual(validation.transform, .cifar100)
  }

  func testBinaryErrorsNameTheFileAndRecord() throws {
    let dir = try writeBinary(split(3, fineOffset: 0), split(2, fineOffset: 0))
    var records = binaryRecords(split(3, fineOffset: 0))
    try write(records.prefix(records.count - 10), to: "train.bin", in: dir)
    assertThrows(DatasetError.self, "train.bin", "record 2 (at byte 6148) is truncated") { try CIFAR100(root: dir).read() }
    records[3074 + 1] = 130
    try write(records, to: "train.bin", in: dir)
    assertThrows(DatasetError.self, "train.bin", "record 1", "fine label 130 is outside 0..<100") { try CIFAR100(root: dir).read() }
    try write(Data(), to: "train.bin", in: dir)
    assertThrows(DatasetError.self, "train.bin", "split is empty") { try CIFAR100(root: dir).read() }
    try write("just one name\n", to: "fine_label_names.txt", in: dir)
    try write(binaryRecords(split(3, fineOffset: 0)), to: "train.bin", in: dir)
    assertThrows(DatasetError.self, "fine_label_names.txt", "has 1 names, expected 100") { try CIFAR100(root: dir).read() }
    assertThrows(DatasetError.self, "no the python version") { try CIFAR100(root: dir, format: .python).read() }
  }

  func testPickleErrorsAndForeignGlobals() throws {
    let dir = try writePython(split(2, fineOffset: 0), split(2, fineOffset: 0))
    // A pickle that would call os.system under Python's unpickler is refused before anything runs.
    var evil = PickleFixtureWriter()
    evil.global("os", "system")
    evil.str("echo pwned")
    evil.op(0x85)
    evil.op(0x52)
    evil.stop()
    try write(Data(evil.bytes), to: "train", in: dir)
    assertThrows(DatasetError.self, "cifar-100-python/train", "global os.system is not allowed") { try CIFAR100(root: dir).read() }
    // Out-of-range labels and a data array of the wrong width.
    var bad = split(2, fineOffset: 0)
    bad.coarse[1] = 20
    try write(PickleFixtureWriter.cifarSplit(pixels: bad.pixels, fine: bad.fine, coarse: bad.coarse), to: "train", in: dir)
    assertThrows(DatasetError.self, "train", "coarse_labels[1] = 20 is outside 0..<20") { try CIFAR100(root: dir).read() }
    var narrow = PickleFixtureWriter()
    narrow.op(0x7D)
    narrow.op(0x28)
    narrow.str("data")
    narrow.numpyArray(shape: [1, 3], data: [1, 2, 3])
    narrow.op(0x75)
    narrow.stop()
    try write(Data(narrow.bytes), to: "train", in: dir)
    assertThrows(DatasetError.self, "train", "'data' is u1 of shape [1, 3]") { try CIFAR100(root: dir).read() }
    try write(Data(PickleFixtureWriter.cifarSplit(pixels: [], fine: [], coarse: []).prefix(30)), to: "train", in: dir)
    assertThrows(DatasetError.self, "train") { try CIFAR100(root: dir).read() }
  }
}
