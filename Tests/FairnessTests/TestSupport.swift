import Fairness
import Torch
import XCTest

/// Compares shape first, then values within `tolerance`, printing both on failure.
func assertClose(_ tensor: Tensor, _ expected: [Double], shape: [Int]? = nil, tolerance: Double = 1e-6,
                 _ message: String = "", file: StaticString = #filePath, line: UInt = #line) throws {
  if let shape { XCTAssertEqual(tensor.shape, shape, "shape \(message)", file: file, line: line) }
  let actual = try tensor.toArray(Double.self)
  guard actual.count == expected.count else {
    XCTFail("count differs: \(actual) vs \(expected) \(message)", file: file, line: line)
    return
  }
  if zip(actual, expected).contains(where: { Swift.abs($0 - $1) > tolerance }) {
    XCTFail("got \(actual), expected \(expected) (tolerance \(tolerance)) \(message)", file: file, line: line)
  }
}

/// Compares optional doubles (nil must match nil).
func assertClose(_ actual: [Double?], _ expected: [Double?], tolerance: Double = 1e-9, _ message: String = "",
                 file: StaticString = #filePath, line: UInt = #line) {
  let same = actual.count == expected.count && zip(actual, expected).allSatisfy { a, e in
    switch (a, e) {
    case (nil, nil): return true
    case let (a?, e?): return Swift.abs(a - e) <= tolerance
    default: return false
    }
  }
  XCTAssertTrue(same, "got \(actual), expected \(expected) \(message)", file: file, line: line)
}

func ints(_ t: Tensor) throws -> [Int] { try t.toArray(Int64.self).map(Int.init) }

/// Asserts that `body` throws a `FairnessError` whose message contains every fragment.
func assertThrowsFairness(_ fragments: String..., file: StaticString = #filePath, line: UInt = #line,
                          _ body: () throws -> Void) {
  do {
    try body()
    XCTFail("expected an error containing \(fragments)", file: file, line: line)
  } catch let error as FairnessError {
    for f in fragments where !error.message.contains(f) {
      XCTFail("message '\(error.message)' lacks '\(f)'", file: file, line: line)
    }
  } catch {
    XCTFail("expected FairnessError, got \(error)", file: file, line: line)
  }
}

/// A small seeded generator (SplitMix64) so property tests are deterministic.
struct SplitMix64: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
