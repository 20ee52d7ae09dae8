import Foundation
@_exported import TestSupport
import XCTest
@testable import Torch

/// The URL of a committed fixture (see Fixtures/make_fixtures.py).
func fixtureURL(_ name: String) throws -> URL {
  let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil)?.appendingPathComponent(name)
  return try XCTUnwrap(url, "fixture \(name) is missing from the test bundle")
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
