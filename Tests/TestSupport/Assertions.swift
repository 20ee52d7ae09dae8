import Torch
import XCTest

/// `|actual − expected| <= max(atol, rtol · |expected|)`: absolute near zero, relative for large
/// values. NaN matches only NaN, an infinity only the same infinity.
public func isClose(_ actual: Double, _ expected: Double, atol: Double, rtol: Double) -> Bool {
  if actual.isNaN || expected.isNaN { return actual.isNaN && expected.isNaN }
  if actual == expected { return true }
  if actual.isInfinite || expected.isInfinite { return false }
  return Swift.abs(actual - expected) <= Swift.max(atol, rtol * Swift.abs(expected))
}

/// Asserts that `actual` has `expected.count` elements, each `isClose` to its expected value; on
/// failure prints the first mismatches and both arrays. (Arrays hold doubles: default atol 1e-9;
/// tensors are mostly float32: default atol 1e-6.)
public func assertClose(_ actual: [Double], _ expected: [Double], atol: Double = 1e-9, rtol: Double = 0,
                        _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line) {
  let prefix = message().isEmpty ? "" : message() + ": "
  guard actual.count == expected.count else {
    XCTFail("\(prefix)\(actual.count) values, expected \(expected.count)\nactual:   \(actual)\nexpected: \(expected)",
            file: file, line: line)
    return
  }
  let misses = zip(actual, expected).enumerated().filter { !isClose($0.element.0, $0.element.1, atol: atol, rtol: rtol) }
  guard misses.isEmpty else {
    let first = misses.prefix(5).map { "[\($0.offset)] \($0.element.0) vs \($0.element.1)" }.joined(separator: ", ")
    XCTFail("""
      \(prefix)\(misses.count) of \(actual.count) values differ (atol \(atol), rtol \(rtol)); first: \(first)
      actual:   \(actual)
      expected: \(expected)
      """, file: file, line: line)
    return
  }
}

/// Asserts that `tensor` has `shape` (when given), then that its elements (row-major) are close to
/// `expected` as `assertClose` on arrays; prints both on failure.
public func assertClose(_ tensor: Tensor, shape: [Int]? = nil, _ expected: [Double], atol: Double = 1e-6,
                        rtol: Double = 0, _ message: @autoclosure () -> String = "",
                        file: StaticString = #filePath, line: UInt = #line) {
  let prefix = message().isEmpty ? "" : message() + ": "
  if let shape, tensor.shape != shape {
    XCTFail("\(prefix)shape \(tensor.shape), expected \(shape)\nactual:\n\(tensor)\nexpected: \(expected)",
            file: file, line: line)
    return
  }
  do {
    assertClose(try tensor.toArray(Double.self), expected, atol: atol, rtol: rtol, message(), file: file, line: line)
  } catch {
    XCTFail("\(prefix)cannot read values: \(error)", file: file, line: line)
  }
}

/// Asserts that two tensors have the same shape and close elements.
public func assertClose(_ tensor: Tensor, _ expected: Tensor, atol: Double = 1e-6, rtol: Double = 0,
                        _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line) {
  do {
    assertClose(tensor, shape: expected.shape, try expected.toArray(Double.self), atol: atol, rtol: rtol, message(),
                file: file, line: line)
  } catch {
    XCTFail("cannot read expected values: \(error)", file: file, line: line)
  }
}

/// Compares optional doubles: nil must match nil, numbers as `isClose`.
public func assertClose(_ actual: [Double?], _ expected: [Double?], atol: Double = 1e-9, rtol: Double = 0,
                        _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line) {
  let same = actual.count == expected.count && zip(actual, expected).allSatisfy { a, e in
    switch (a, e) {
    case (nil, nil): return true
    case let (a?, e?): return isClose(a, e, atol: atol, rtol: rtol)
    default: return false
    }
  }
  XCTAssertTrue(same, "got \(actual), expected \(expected) \(message())", file: file, line: line)
}

/// Asserts exact equality of shape, dtype and elements (integer or boolean tensors).
public func assertTensor<T: TensorElement & Equatable>(
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

/// Asserts that `body` throws an error of type `E` whose description contains every fragment.
public func assertThrows<E: Error, R>(
  _ errorType: E.Type, _ fragments: String..., file: StaticString = #filePath, line: UInt = #line,
  _ body: () throws -> R
) {
  do {
    _ = try body()
    XCTFail("expected \(E.self) containing \(fragments), nothing was thrown", file: file, line: line)
  } catch let error as E {
    let text = String(describing: error)
    for fragment in fragments where !text.contains(fragment) {
      XCTFail("\(E.self) \"\(text)\" does not contain \"\(fragment)\"", file: file, line: line)
    }
  } catch {
    XCTFail("expected \(E.self), got \(type(of: error)): \(error)", file: file, line: line)
  }
}
