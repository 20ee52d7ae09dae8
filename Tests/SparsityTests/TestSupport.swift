import NN
import Sparsity
import Torch
import XCTest

/// Compares shape first, then values within `tolerance`, printing both on failure.
func assertValues(_ tensor: Tensor, _ expected: [Double], shape: [Int]? = nil, tolerance: Double = 1e-6,
                  file: StaticString = #filePath, line: UInt = #line) throws {
  if let shape { XCTAssertEqual(tensor.shape, shape, "shape", file: file, line: line) }
  let actual = try tensor.toArray(Double.self)
  XCTAssertEqual(actual.count, expected.count, "count differs: \(actual) vs \(expected)", file: file, line: line)
  for (a, e) in zip(actual, expected) where Swift.abs(a - e) > tolerance {
    XCTFail("got \(actual), expected \(expected) (tolerance \(tolerance))", file: file, line: line)
    return
  }
}

/// A bool mask as 0/1 integers, row-major.
func bits(_ mask: Tensor) throws -> [Int] { try mask.toArray(Int64.self).map(Int.init) }

/// Asserts that `body` throws a `SparsityError` whose message contains every fragment.
func assertThrowsSparsity(_ fragments: String..., file: StaticString = #filePath, line: UInt = #line,
                          _ body: () throws -> Void) {
  do {
    try body()
    XCTFail("expected a SparsityError containing \(fragments)", file: file, line: line)
  } catch let error as SparsityError {
    for fragment in fragments {
      XCTAssertTrue(error.message.contains(fragment), "message '\(error.message)' lacks '\(fragment)'", file: file, line: line)
    }
  } catch {
    XCTFail("expected SparsityError, got \(error)", file: file, line: line)
  }
}

/// Two bias-free Linear layers `a` (in 4 -> out 2 by default) and `b` whose weights are set by hand.
final class TwoLinear: Module {
  let a: Linear, b: Linear
  var isTraining = true

  init(_ wa: [Double], shapeA: [Int], _ wb: [Double], shapeB: [Int]) throws {
    a = try Linear(shapeA[1], shapeA[0], bias: false)
    b = try Linear(shapeB[1], shapeB[0], bias: false)
    try Torch.withNoGrad {
      try a.weight.copy_(Tensor(wa.map(Float.init), shape: shapeA))
      try b.weight.copy_(Tensor(wb.map(Float.init), shape: shapeB))
    }
  }

  var children: [(name: String, module: any Module)] { [("a", a), ("b", b)] }
  func callAsFunction(_ x: Tensor) throws -> Tensor { try b(a(x)) }
}

/// Both layers of a `TwoLinear` are prunable with this scope.
let bothLayers = PruningScope(include: ["a", "b"])

/// Entries of `weight` where `mask` is false.
func prunedValues(_ weight: Tensor, _ mask: Tensor) throws -> [Float] {
  try weight.detached().maskedSelect(mask.logicalNot()).toArray(Float.self)
}
