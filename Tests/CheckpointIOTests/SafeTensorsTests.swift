import Foundation
import XCTest
@testable import Torch

final class SafeTensorsTests: XCTestCase {
  /// Tensors of every dtype and of several ranks, including a 0-d, an empty and a
  /// non-contiguous (transposed) one.
  private func sampleTensors() throws -> [(String, Tensor)] {
    let matrix = try Tensor([Float](arrayLiteral: 1, 2, 3, 4, 5, 6), shape: [2, 3])
    return [
      ("z.first", matrix),
      ("transposed", try matrix.transposed(0, 1)),
      ("f64", try Tensor([1.5, -2.25, 1e300], shape: [3])),
      ("f16", try Tensor([Float](arrayLiteral: 0.5, -1, 65504)).to(.float16)),
      ("bf16", try Tensor([Float](arrayLiteral: 1, -3.5), shape: [1, 2]).to(.bfloat16)),
      ("i64", try Tensor([Int64](arrayLiteral: -(1 << 62), 7, 0, 1), shape: [2, 1, 2])),
      ("i32", try Tensor([Int32](arrayLiteral: -5, .max))),
      ("i16", try Tensor([Int32](arrayLiteral: -300, 300)).to(.int16)),
      ("i8", try Tensor([Int32](arrayLiteral: -128, 127)).to(.int8)),
      ("u8", try Tensor([UInt8](arrayLiteral: 0, 255, 9))),
      ("bool", try Tensor([true, false, true])),
      ("scalar", try Tensor(scalar: Float(3.25))),
      ("empty", try Tensor.zeros([0, 3])),
    ]
  }

  func testRoundTripKeepsOrderDtypesShapesAndValues() throws {
    let tensors = try sampleTensors()
    let url = try temporaryDirectory(self).appendingPathComponent("model.safetensors")
    try SafeTensors.write(tensors, metadata: ["epoch": "3", "note": "quote \" and \\ and \n"], to: url)
    let file = try SafeTensors.read(from: url)

    XCTAssertEqual(file.names, tensors.map(\.0), "the writer keeps the given order")
    XCTAssertEqual(file.metadata, ["epoch": "3", "note": "quote \" and \\ and \n"])
    for ((name, expected), (readName, actual)) in zip(tensors, file.tensors) {
      XCTAssertEqual(readName, name)
      XCTAssertEqual(actual.shape, expected.shape, name)
      XCTAssertEqual(actual.dtype, expected.dtype, name)
      XCTAssertEqual(try actual.contiguousBytes(), try expected.contiguousBytes(), name)
    }
    XCTAssertEqual(try file["transposed"]?.toArray(Float.self), [1, 4, 2, 5, 3, 6])
    XCTAssertEqual(try file["i64"]?.toArray(Int64.self), [-(1 << 62), 7, 0, 1])
  }

  func testWriteIsAtomicAndLeavesNoTemporaryFile() throws {
    let dir = try temporaryDirectory(self)
    let url = dir.appendingPathComponent("w.safetensors")
    try SafeTensors.write([("a", try Tensor([Float](arrayLiteral: 1)))], to: url)
    try SafeTensors.write([("b", try Tensor([Float](arrayLiteral: 2)))], to: url)
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["w.safetensors"])
    XCTAssertEqual(try SafeTensors.read(from: url).names, ["b"])

    // A failing write (duplicate names) leaves the previous file and no temporary file.
    let one = try Tensor([Float](arrayLiteral: 1))
    assertThrows(TorchError.self, "\"x\" is given twice") { try SafeTensors.write([("x", one), ("x", one)], to: url) }
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["w.safetensors"])
    XCTAssertEqual(try SafeTensors.read(from: url).names, ["b"])
  }

  func testWriterRejectsReservedName() throws {
    let one = try Tensor([Float](arrayLiteral: 1))
    assertThrows(TorchError.self, "__metadata__", "reserved") { try SafeTensors.serialize([("__metadata__", one)]) }
  }

  /// A file laid out by the reference implementation's rules (huggingface/safetensors
  /// `serialize`): `__metadata__` first, tensors sorted by dtype alignment then name, the JSON
  /// padded with spaces to a multiple of 8 bytes. Bytes written by hand, not by our writer.
  func testReadsFileLaidOutByTheReferenceImplementation() throws {
    let json = #"{"__metadata__":{"format":"pt"},"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},"#
      + #""b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}"#
    XCTAssertEqual(json.utf8.count, 139)
    let header = Array(json.utf8) + [UInt8](repeating: 0x20, count: 5)
    let bytes = le(UInt64(144)) + header + le(Int64(7)) + rawBytes([Float(1), Float(2)])

    let file = try SafeTensors.read(data: Data(bytes), source: "reference.safetensors")
    XCTAssertEqual(file.names, ["a", "b"])
    XCTAssertEqual(file.metadata, ["format": "pt"])
    XCTAssertEqual(try file["a"]?.toArray(Int64.self), [7])
    XCTAssertEqual(try file["b"]?.toArray(Float.self), [1, 2])
    XCTAssertEqual(file["b"]?.shape, [2])

    // Given the same order, our writer produces the same bytes.
    let written = try SafeTensors.serialize(
      [("a", try Tensor([Int64(7)])), ("b", try Tensor([Float](arrayLiteral: 1, 2)))], metadata: ["format": "pt"])
    XCTAssertEqual([UInt8](written), bytes)
  }

  func testHeaderIsPaddedToEightBytesWithSpaces() throws {
    for name in ["a", "ab", "abc", "abcd", "abcde", "abcdef", "abcdefg", "abcdefgh"] {
      let data = [UInt8](try SafeTensors.serialize([(name, try Tensor([UInt8(1)]))]))
      let length = Int(data[0]) | Int(data[1]) << 8
      XCTAssertEqual(length % 8, 0)
      let header = Array(data[8..<(8 + length)])
      let close = try XCTUnwrap(header.lastIndex(of: UInt8(ascii: "}")))
      XCTAssertLessThan(header.count - 1 - close, 8)
      XCTAssertTrue(header[(close + 1)...].allSatisfy { $0 == 0x20 }, "padding is spaces")
      XCTAssertEqual(try SafeTensors.read(data: Data(data)).names, [name])
    }
  }

  func testUnicodeAndEscapedNamesRoundTrip() throws {
    let names = ["caf\u{e9}.weight", "tab\there", "ctrl\u{01}", "emoji \u{1F600}", "quote\"slash\\"]
    let tensors = try names.map { ($0, try Tensor([Float](arrayLiteral: 1))) }
    let file = try SafeTensors.read(data: try SafeTensors.serialize(tensors))
    XCTAssertEqual(file.names, names)
  }

  func testReadsJSONEscapesAndSurrogatePairs() throws {
    let json = #"{"\u00e9\ud83d\ude00":{"dtype":"U8","shape":[],"data_offsets":[0,1]}}"#
    let bytes = le(UInt64(json.utf8.count)) + Array(json.utf8) + [42]
    let file = try SafeTensors.read(data: Data(bytes))
    XCTAssertEqual(file.names, ["\u{e9}\u{1F600}"])
    XCTAssertEqual(try file.tensors[0].tensor.toArray(UInt8.self), [42])
  }

  func testEmptyFileAndZeroSizeTensors() throws {
    let file = try SafeTensors.read(data: try SafeTensors.serialize([]))
    XCTAssertTrue(file.tensors.isEmpty)
    // Two empty tensors at the same offset do not overlap.
    let json = #"{"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},"b":{"dtype":"F32","shape":[2,0],"data_offsets":[0,0]}}"#
    let two = try SafeTensors.read(data: Data(le(UInt64(json.utf8.count)) + Array(json.utf8)))
    XCTAssertEqual(two.tensors.map { $0.tensor.shape }, [[0], [2, 0]])
  }
}
