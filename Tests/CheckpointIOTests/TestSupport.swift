import Foundation
import XCTest
@testable import Torch

/// The URL of a committed fixture (see Fixtures/make_fixtures.py).
func fixtureURL(_ name: String) throws -> URL {
  let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil)?.appendingPathComponent(name)
  return try XCTUnwrap(url, "fixture \(name) is missing from the test bundle")
}

/// Asserts that `body` throws a `TorchError` whose message contains every one of `fragments`.
func assertThrows<T>(
  _ fragments: String..., file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> T
) {
  do {
    _ = try body()
    XCTFail("expected an error containing \(fragments)", file: file, line: line)
  } catch let error as TorchError {
    for fragment in fragments where !error.message.contains(fragment) {
      XCTFail("error \"\(error.message)\" does not contain \"\(fragment)\"", file: file, line: line)
    }
  } catch {
    XCTFail("expected a TorchError, got \(error)", file: file, line: line)
  }
}

/// A fresh temporary directory, removed at the end of the test.
func temporaryDirectory(_ test: XCTestCase) throws -> URL {
  let url = FileManager.default.temporaryDirectory.appendingPathComponent("CheckpointIOTests-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
  return url
}

/// Little-endian bytes of an integer.
func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
  withUnsafeBytes(of: value.littleEndian) { Array($0) }
}

/// Raw bytes of an array of numbers, as a tensor of that dtype stores them.
func rawBytes<T>(_ values: [T]) -> [UInt8] {
  values.withUnsafeBytes { Array($0) }
}

/// Hex text to bytes ("80027d" -> [0x80, 0x02, 0x7d]).
func hexBytes(_ hex: String) -> Data {
  var out = Data()
  var index = hex.startIndex
  while index < hex.endIndex {
    let next = hex.index(index, offsetBy: 2)
    out.append(UInt8(hex[index..<next], radix: 16) ?? 0)
    index = next
  }
  return out
}
