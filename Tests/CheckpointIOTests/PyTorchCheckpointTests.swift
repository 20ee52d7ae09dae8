import Foundation
import XCTest
@testable import Torch

final class PyTorchCheckpointTests: XCTestCase {
  /// name -> (dtype, shape, contiguous bytes), in file order, from a fixture's .json
  /// (written by make_fixtures.py next to the .pt).
  private func expected(_ name: String) throws -> [(name: String, dtype: String, shape: [Int], bytes: Data)] {
    let json = try StrictJSONParser.parse([UInt8](Data(contentsOf: try fixtureURL(name))))
    guard case .object(let members) = json else { throw TorchError("\(name) is not an object") }
    return try members.map { member in
      guard case .object(let fields) = member.value,
            let dtype = fields.first(where: { $0.key == "dtype" }), case .string(let dtypeName) = dtype.value,
            let shape = fields.first(where: { $0.key == "shape" }), case .array(let dims) = shape.value,
            let b64 = fields.first(where: { $0.key == "base64" }), case .string(let text) = b64.value,
            let bytes = Data(base64Encoded: text) else {
        throw TorchError("bad expectation for \(member.key)")
      }
      return (member.key, dtypeName, try dims.map { guard case .integer(let n) = $0 else { throw TorchError("shape") }; return n }, bytes)
    }
  }

  private func assertMatches(_ loaded: [(String, Tensor)], _ expectations: String,
                             file: StaticString = #filePath, line: UInt = #line) throws {
    let want = try expected(expectations)
    XCTAssertEqual(loaded.map(\.0), want.map(\.name), "names and order", file: file, line: line)
    for ((name, tensor), w) in zip(loaded, want) {
      XCTAssertEqual(tensor.dtype.description, w.dtype, name, file: file, line: line)
      XCTAssertEqual(tensor.shape, w.shape, name, file: file, line: line)
      XCTAssertEqual(Data(try tensor.contiguousBytes()), w.bytes, "\(name) values", file: file, line: line)
    }
  }

  func testLoadsSequentialStateDict() throws {
    let state = try PyTorchCheckpoint.loadStateDict(from: try fixtureURL("sequential.pt"))
    XCTAssertEqual(state.map(\.0), [
      "0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked",
      "4.weight", "4.bias",
    ])
    try assertMatches(state, "sequential.json")
    let tracked = try XCTUnwrap(state.first { $0.0 == "1.num_batches_tracked" }?.1)
    XCTAssertEqual(tracked.dtype, .int64)
    XCTAssertEqual(tracked.shape, [])
    XCTAssertEqual(try tracked.itemInt(), 1)
    XCTAssertEqual(state[0].1.shape, [4, 3, 3, 3])
  }

  func testLoadsViewsSharingAStorageAndEveryDtype() throws {
    let state = try PyTorchCheckpoint.loadStateDict(from: try fixtureURL("views.pt"))
    try assertMatches(state, "views.json")
    let byName = Dictionary(uniqueKeysWithValues: state)
    XCTAssertEqual(try byName["transposed"]?.toArray(Float.self), [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11])
    XCTAssertEqual(try byName["slice"]?.toArray(Float.self), [4, 6, 8, 10])
    XCTAssertEqual(try byName["row"]?.toArray(Float.self), [8, 9, 10, 11])
    // Each tensor owns its memory: writing one does not change the others saved from the same storage.
    let base = try XCTUnwrap(byName["base"])
    try base.zero_()
    XCTAssertEqual(try byName["row"]?.toArray(Float.self), [8, 9, 10, 11])
    XCTAssertEqual(try byName["transposed"]?.toArray(Float.self).first, 0)
    XCTAssertEqual(try byName["transposed"]?.toArray(Float.self).last, 11)
  }

  func testRefusesAPickledModule() throws {
    assertThrows(TorchError.self, "module.pt", "global torch.nn.modules.container.Sequential is not allowed", "model.state_dict()") {
      try PyTorchCheckpoint.loadStateDict(from: try fixtureURL("module.pt"))
    }
  }

  func testCorruptedCheckpointsThrow() throws {
    let good = try Data(contentsOf: try fixtureURL("views.pt"))
    assertThrows(TorchError.self, "x.pt", "no end-of-central-directory record") {
      try PyTorchCheckpoint.loadStateDict(data: good.prefix(good.count / 2), source: "x.pt")
    }
    // Flip one byte of storage views/data/0 (the float32 base tensor).
    let archive = try ZipArchive(data: good)
    let storage = try XCTUnwrap(archive.entry(named: "views/data/0"))
    var flipped = good
    flipped[storage.dataOffset + 3] ^= 0x40
    assertThrows(TorchError.self, "views/data/0 is corrupted") { try PyTorchCheckpoint.loadStateDict(data: flipped, source: "x.pt") }
    // Legacy (pre-1.6) files start with a pickle, not a zip header.
    assertThrows(TorchError.self, "legacy") { try PyTorchCheckpoint.loadStateDict(data: Data([0x80, 0x02, 0x8A, 0x0A]), source: "old.pt") }
    assertThrows(TorchError.self, "not a zip archive") { try PyTorchCheckpoint.loadStateDict(data: Data(repeating: 0, count: 100)) }
  }

  // MARK: hand-made checkpoints

  /// A zip checkpoint under `folder/` with the given pickle and storages.
  private func checkpoint(_ pickle: PickleBuilder, storages: [String: [UInt8]], folder: String = "anything") -> Data {
    var files: [(name: String, bytes: [UInt8])] = [("\(folder)/data.pkl", pickle.bytes + [0x2E])]
    for (key, bytes) in storages.sorted(by: { $0.key < $1.key }) { files.append(("\(folder)/data/\(key)", bytes)) }
    files.append(("\(folder)/version", Array("3\n".utf8)))
    return TestZip(files: files).build()
  }

  /// `{name: tensor}` as a plain dict.
  private func stateDict(_ name: String, _ tensor: (inout PickleBuilder) -> Void) -> PickleBuilder {
    var p = PickleBuilder()
    p.op(0x7D)
    p.string(name)
    tensor(&p)
    p.op(0x73)
    return p
  }

  private let fourFloats = rawBytes([Float(1), Float(2), Float(3), Float(4)])

  func testRebuildsStridedTensorFromAnyTopFolder() throws {
    let p = stateDict("w") { $0.tensor(storage: "FloatStorage", key: "0", numel: 4, offset: 0, size: [2, 2], stride: [1, 2]) }
    let state = try PyTorchCheckpoint.loadStateDict(data: checkpoint(p, storages: ["0": fourFloats], folder: "archive"))
    XCTAssertEqual(state.map(\.0), ["w"])
    XCTAssertEqual(try state[0].1.toArray(Float.self), [1, 3, 2, 4])
  }

  func testViewOutsideItsStorageThrows() throws {
    let cases: [(offset: Int32, size: [Int32], stride: [Int32], message: String)] = [
      (1, [2, 2], [2, 1], "reach element 4 of a storage of 4"),
      (0, [5], [1], "reach element 4 of a storage of 4"),
      (0, [2, 2], [3, 1], "reach element 4"),
      (5, [0], [1], "offset 5 is beyond the storage of 4"),
      (-1, [1], [1], "storage offset"),
      (0, [2], [-1], "not a non-negative int"),
      (0, [2, 2], [1], "differ in rank"),
    ]
    for c in cases {
      let p = stateDict("w") { $0.tensor(storage: "FloatStorage", key: "0", numel: 4, offset: c.offset, size: c.size, stride: c.stride) }
      assertThrows(TorchError.self, "tensor \"w\"", c.message) {
        try PyTorchCheckpoint.loadStateDict(data: checkpoint(p, storages: ["0": fourFloats]), source: "bad.pt")
      }
    }
  }

  func testStorageProblemsThrow() throws {
    let p = stateDict("w") { $0.tensor(storage: "FloatStorage", key: "0", numel: 4, offset: 0, size: [4], stride: [1]) }
    assertThrows(TorchError.self, "storage anything/data/0 is missing") { try PyTorchCheckpoint.loadStateDict(data: checkpoint(p, storages: [:])) }
    assertThrows(TorchError.self, "holds 3 bytes, expected 4 x 4") {
      try PyTorchCheckpoint.loadStateDict(data: checkpoint(p, storages: ["0": [1, 2, 3]]))
    }
    let q = stateDict("w") { $0.tensor(storage: "ComplexFloatStorage", key: "0", numel: 4, offset: 0, size: [4], stride: [1]) }
    assertThrows(TorchError.self, "torch.ComplexFloatStorage is not allowed") {
      try PyTorchCheckpoint.loadStateDict(data: checkpoint(q, storages: ["0": fourFloats]))
    }
    let b = stateDict("m") { $0.tensor(storage: "BoolStorage", key: "0", numel: 2, offset: 0, size: [2], stride: [1]) }
    assertThrows(TorchError.self, "holds byte 7, not 0 or 1") { try PyTorchCheckpoint.loadStateDict(data: checkpoint(b, storages: ["0": [1, 7]])) }
    let r = stateDict("w") { $0.tensor(storage: "FloatStorage", key: "../0", numel: 4, offset: 0, size: [4], stride: [1]) }
    assertThrows(TorchError.self, "storage key") { try PyTorchCheckpoint.loadStateDict(data: checkpoint(r, storages: ["0": fourFloats])) }
  }

  func testValuesThatAreNotTensorsThrowWithAdvice() throws {
    let p = stateDict("epoch") { $0.int(3) }
    assertThrows(TorchError.self, "value of \"epoch\" is a int, not a tensor", "model.state_dict()") {
      try PyTorchCheckpoint.loadStateDict(data: checkpoint(p, storages: [:]))
    }
    var list = PickleBuilder()
    list.op(0x5D)
    assertThrows(TorchError.self, "top-level value is a list of 0", "model.state_dict()") {
      try PyTorchCheckpoint.loadStateDict(data: checkpoint(list, storages: [:]))
    }
    let archive = TestZip(files: [("a/data.pkl", [0x80, 0x02, 0x7D, 0x2E]), ("b/version", [0x33])]).build()
    assertThrows(TorchError.self, "one top folder") { try PyTorchCheckpoint.loadStateDict(data: archive) }
  }
}
