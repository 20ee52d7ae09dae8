import NN
import Sparsity
import Torch
@_exported import TestSupport
import XCTest

/// A bool mask as 0/1 integers, row-major.
func bits(_ mask: Tensor) throws -> [Int] { try mask.toArray(Int64.self).map(Int.init) }

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
