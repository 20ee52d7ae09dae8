import Torch
import XCTest

/// Live tensor handles after `body` (whose locals are gone once it returns) minus those before.
public func leakedTensorHandles(_ body: () throws -> Void) rethrows -> Int {
  let before = Torch.liveTensorCount
  try body()
  return Torch.liveTensorCount - before
}

/// Asserts that `body` frees every tensor handle it creates.
public func assertNoTensorLeaks(_ message: @autoclosure () -> String = "", file: StaticString = #filePath,
                                line: UInt = #line, _ body: () throws -> Void) rethrows {
  let leaked = try leakedTensorHandles(body)
  XCTAssertEqual(leaked, 0, "\(leaked) tensor handles leaked \(message())", file: file, line: line)
}
