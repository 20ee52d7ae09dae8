import Foundation
import XCTest
@testable import Torch

/// Every malformed or hostile safetensors file throws a `TorchError` naming the file and the
/// offending field; none crashes or allocates from an unchecked length.
final class SafeTensorsMalformedTests: XCTestCase {
  private let source = "bad.safetensors"

  /// A file with the given JSON header (unpadded) and data buffer.
  private func file(_ json: String, data: [UInt8] = []) -> Data {
    Data(le(UInt64(json.utf8.count)) + Array(json.utf8) + data)
  }

  private func read(_ data: Data) throws -> SafeTensorsFile { try SafeTensors.read(data: data, source: source) }

  private func entry(_ dtype: String = "\"F32\"", shape: String = "[2]", offsets: String = "[0,8]") -> String {
    "{\"w\":{\"dtype\":\(dtype),\"shape\":\(shape),\"data_offsets\":\(offsets)}}"
  }

  func testTruncatedFiles() {
    assertThrows(TorchError.self, source, "0 bytes") { try read(Data()) }
    assertThrows(TorchError.self, source, "5 bytes") { try read(Data([1, 0, 0, 0, 0])) }
    // A valid file cut inside its header or its data.
    let whole = file(entry(), data: rawBytes([Float(1), Float(2)]))
    assertThrows(TorchError.self, source, "header length") { try read(whole.prefix(20)) }
    assertThrows(TorchError.self, source, "outside the 4-byte data buffer") { try read(whole.prefix(whole.count - 4)) }
  }

  func testHeaderLengthLargerThanFile() {
    var bytes = le(UInt64(1000)) + Array("{}".utf8)
    assertThrows(TorchError.self, source, "header length 1000 is larger than 2") { try read(Data(bytes)) }
    bytes = le(UInt64(1) << 63) + Array("{}".utf8)
    assertThrows(TorchError.self, source, "header length 9223372036854775808") { try read(Data(bytes)) }
    bytes = le(UInt64.max) + Array("{}".utf8)
    assertThrows(TorchError.self, source, "header length 18446744073709551615") { try read(Data(bytes)) }
  }

  func testHeaderThatIsNotAJSONObject() {
    assertThrows(TorchError.self, source, "not valid JSON") { try read(file("not json")) }
    assertThrows(TorchError.self, source, "not valid JSON") { try read(file("{\"w\": {}")) }
    assertThrows(TorchError.self, source, "not valid JSON") { try read(file("{\"a\":1,}")) }
    assertThrows(TorchError.self, source, "not valid JSON") { try read(file("{} x")) }
    assertThrows(TorchError.self, source, "not valid JSON", "UTF-8") { try read(Data(le(UInt64(4)) + [0x7B, 0x22, 0xFF, 0x7D])) }
    assertThrows(TorchError.self, source, "must be a JSON object", "[1, 2]") { try read(file("[1,2]")) }
    assertThrows(TorchError.self, source, "must be a JSON object") { try read(file("\"{}\"")) }
    // Deep nesting is refused, not recursed into.
    assertThrows(TorchError.self, source, "nesting deeper") { try read(file(String(repeating: "[", count: 100_000))) }
  }

  func testOffsetsOutOfRange() {
    let data = rawBytes([Float(1), Float(2)])
    assertThrows(TorchError.self, source, "\"w\"", "[0, 16]", "outside the 8-byte data buffer") {
      try read(file(entry(shape: "[4]", offsets: "[0,16]"), data: data))
    }
    assertThrows(TorchError.self, source, "[8, 0]") { try read(file(entry(offsets: "[8,0]"), data: data)) }
    assertThrows(TorchError.self, source, "non-negative integers", "-8") { try read(file(entry(offsets: "[-8,0]"), data: data)) }
    assertThrows(TorchError.self, source, "non-negative integers") {
      try read(file(entry(offsets: "[0,18446744073709551624]"), data: data))
    }
    assertThrows(TorchError.self, source, "must be [begin, end]") { try read(file(entry(offsets: "[0,4,8]"), data: data)) }
    assertThrows(TorchError.self, source, "has no \"data_offsets\"") {
      try read(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2]}}", data: data))
    }
  }

  func testOverlappingTensors() {
    let json = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#
    assertThrows(TorchError.self, source, "\"a\"", "\"b\"", "overlap") { try read(file(json, data: [UInt8](repeating: 0, count: 12))) }
    let same = #"{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"I32","shape":[1],"data_offsets":[0,4]}}"#
    assertThrows(TorchError.self, source, "overlap") { try read(file(same, data: [0, 0, 0, 0])) }
  }

  func testUnknownOrWrongDtype() {
    let data = rawBytes([Float(1), Float(2)])
    assertThrows(TorchError.self, source, "\"w\"", "unsupported dtype", "\"F8_E4M3\"") { try read(file(entry("\"F8_E4M3\""), data: data)) }
    assertThrows(TorchError.self, source, "unsupported dtype", "\"f32\"") { try read(file(entry("\"f32\""), data: data)) }
    assertThrows(TorchError.self, source, "unsupported dtype", "6") { try read(file(entry("6"), data: data)) }
    assertThrows(TorchError.self, source, "has no \"dtype\"") { try read(file("{\"w\":{\"shape\":[2],\"data_offsets\":[0,8]}}", data: data)) }
  }

  func testShapeThatDoesNotMatchTheOffsets() {
    let data = rawBytes([Float(1), Float(2)])
    assertThrows(TorchError.self, source, "span 8 bytes but shape [3] of F32 needs 12") { try read(file(entry(shape: "[3]"), data: data)) }
    assertThrows(TorchError.self, source, "needs 16") { try read(file(entry("\"F64\""), data: data)) }
    assertThrows(TorchError.self, source, "\"shape\" must hold non-negative integers", "-2") { try read(file(entry(shape: "[-2]"), data: data)) }
    assertThrows(TorchError.self, source, "\"shape\" must hold non-negative integers", "2.0") { try read(file(entry(shape: "[2.0]"), data: data)) }
    assertThrows(TorchError.self, source, "\"shape\" must be an array") { try read(file(entry(shape: "2"), data: data)) }
    // Products that overflow 64 bits are caught before anything is allocated.
    assertThrows(TorchError.self, source, "overflows") {
      try read(file(entry(shape: "[4611686018427387904,4611686018427387904]", offsets: "[0,0]"), data: data))
    }
    assertThrows(TorchError.self, source, "overflows") {
      try read(file(entry(shape: "[3074457345618258603]", offsets: "[0,8]"), data: data))
    }
  }

  func testDuplicateNamesAndFields() {
    let data = rawBytes([Float(1), Float(2)])
    let twice = #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
    assertThrows(TorchError.self, source, "name \"w\" appears twice") { try read(file(twice, data: data)) }
    let field = #"{"w":{"dtype":"F32","dtype":"F64","shape":[2],"data_offsets":[0,8]}}"#
    assertThrows(TorchError.self, source, "has \"dtype\" twice") { try read(file(field, data: data)) }
    let meta = #"{"__metadata__":{},"__metadata__":{}}"#
    assertThrows(TorchError.self, source, "\"__metadata__\" appears twice") { try read(file(meta)) }
  }

  func testBoolBytesMustBeZeroOrOne() {
    let json = #"{"m":{"dtype":"BOOL","shape":[3],"data_offsets":[0,3]}}"#
    assertThrows(TorchError.self, source, "BOOL tensor \"m\" holds byte 2") { try read(file(json, data: [1, 0, 2])) }
  }

  func testBadMetadataAndEntries() {
    assertThrows(TorchError.self, source, "\"__metadata__\" value for \"epoch\" must be a string", "3") {
      try read(file(#"{"__metadata__":{"epoch":3}}"#))
    }
    assertThrows(TorchError.self, source, "\"__metadata__\" must be an object") { try read(file(#"{"__metadata__":[]}"#)) }
    assertThrows(TorchError.self, source, "tensor \"w\" must be an object", "null") { try read(file(#"{"w":null}"#)) }
  }

  func testErrorNamesTheFileOnDisk() throws {
    let url = try temporaryDirectory(self).appendingPathComponent("broken.safetensors")
    try Data(le(UInt64(99)) + [0x7B, 0x7D]).write(to: url)
    assertThrows(TorchError.self, url.path, "header length 99") { try SafeTensors.read(from: url) }
    assertThrows(TorchError.self, "missing.safetensors", "cannot read") {
      try SafeTensors.read(from: url.deletingLastPathComponent().appendingPathComponent("missing.safetensors"))
    }
  }
}
