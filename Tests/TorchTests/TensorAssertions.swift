import Torch
import XCTest

/// Asserts that `actual` has `shape` and elements within `accuracy` of `expected` (row-major).
///
/// The shape is compared first; on any failure both tensors are printed in full so the
/// mismatch can be read off the test log.
func assertTensor(
  _ actual: Tensor, shape: [Int], _ expected: [Double], accuracy: Double = 1e-6,
  _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line
) {
  let prefix = message().isEmpty ? "" : message() + ": "
  guard actual.shape == shape else {
    XCTFail("\(prefix)shape \(actual.shape) != expected \(shape)\nactual:\n\(actual)\nexpected: \(expected)",
            file: file, line: line)
    return
  }
  let values: [Double]
  do { values = try actual.toArray(Double.self) } catch {
    XCTFail("\(prefix)cannot read values: \(error)", file: file, line: line)
    return
  }
  guard values.count == expected.count else {
    XCTFail("\(prefix)\(values.count) values but \(expected.count) expected\nactual: \(values)\nexpected: \(expected)",
            file: file, line: line)
    return
  }
  if let worst = zip(values, expected).enumerated().first(where: { !close($0.element.0, $0.element.1, accuracy) }) {
    XCTFail("""
      \(prefix)element \(worst.offset) is \(worst.element.0), expected \(worst.element.1) (accuracy \(accuracy))
      actual:   \(values)
      expected: \(expected)
      """, file: file, line: line)
  }
}

/// Asserts that two tensors have the same shape and elements within `accuracy`.
func assertTensor(
  _ actual: Tensor, _ expected: Tensor, accuracy: Double = 1e-6,
  _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line
) {
  do {
    assertTensor(actual, shape: expected.shape, try expected.toArray(Double.self), accuracy: accuracy, message(),
                 file: file, line: line)
  } catch {
    XCTFail("cannot read expected values: \(error)", file: file, line: line)
  }
}

/// Asserts exact equality of shape and elements for integer or boolean tensors.
func assertTensor<T: TensorElement & Equatable>(
  _ actual: Tensor, shape: [Int], exactly expected: [T],
  _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line
) {
  let prefix = message().isEmpty ? "" : message() + ": "
  guard actual.shape == shape else {
    XCTFail("\(prefix)shape \(actual.shape) != expected \(shape)\nactual:\n\(actual)\nexpected: \(expected)",
            file: file, line: line)
    return
  }
  guard actual.dtype == T.dtype else {
    XCTFail("\(prefix)dtype \(actual.dtype) != expected \(T.dtype)\nactual:\n\(actual)", file: file, line: line)
    return
  }
  do {
    let values = try actual.toArray(T.self)
    if values != expected {
      XCTFail("\(prefix)values differ\nactual:   \(values)\nexpected: \(expected)", file: file, line: line)
    }
  } catch {
    XCTFail("\(prefix)cannot read values: \(error)", file: file, line: line)
  }
}

/// |a - b| <= accuracy · max(1, |b|): absolute near zero, relative for large values; NaN matches NaN,
/// an infinity matches only the same infinity.
func close(_ a: Double, _ b: Double, _ accuracy: Double) -> Bool {
  if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
  if a == b { return true }
  if a.isInfinite || b.isInfinite { return false }
  return Swift.abs(a - b) <= accuracy * Swift.max(1, Swift.abs(b))
}

/// Asserts that `body` throws a `TorchError` whose message contains `fragment`.
func assertThrowsTorchError<R>(
  _ body: @autoclosure () throws -> R, containing fragment: String,
  file: StaticString = #filePath, line: UInt = #line
) {
  do {
    _ = try body()
    XCTFail("expected a TorchError containing \"\(fragment)\", nothing was thrown", file: file, line: line)
  } catch let error as TorchError {
    XCTAssertTrue(error.message.contains(fragment), "message \"\(error.message)\" lacks \"\(fragment)\"",
                  file: file, line: line)
  } catch {
    XCTFail("expected a TorchError, got \(error)", file: file, line: line)
  }
}

/// Base class: every Torch test runs with two intra-op threads.
class TorchTestCase: XCTestCase {
  override func setUp() {
    super.setUp()
    Torch.threadCount = 2
  }
}
