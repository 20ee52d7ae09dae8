import Foundation
import Torch
import XCTest

/// A fixed, non-constant float64 tensor of `shape` used to turn an op's output into a scalar
/// objective `sum(output · probe)`. A plain `sum` would hide errors in ops whose outputs sum to a
/// constant (softmax, batch normalization), so every output element gets its own weight.
func probe(_ shape: [Int]) throws -> Tensor {
  let n = shape.reduce(1, *)
  return try Tensor((0..<n).map { Foundation.sin(1.3 * Double($0) + 0.5) + 0.2 }, shape: shape)
}

/// Central differences of `objective` with respect to every element of every input:
/// (f(x + eps·e_i) - f(x - eps·e_i)) / (2 eps), evaluated without autograd.
func centralDifferences(of objective: ([Tensor]) throws -> Double, at inputs: [Tensor], eps: Double) throws -> [[Double]] {
  var values = try inputs.map { try $0.toArray(Double.self) }
  func evaluate() throws -> Double {
    let tensors = try zip(values, inputs).map { try Tensor($0.0, shape: $0.1.shape) }
    return try Torch.withNoGrad { try objective(tensors) }
  }
  var result: [[Double]] = []
  for k in values.indices {
    var gradient = [Double](repeating: 0, count: values[k].count)
    for i in values[k].indices {
      let original = values[k][i]
      values[k][i] = original + eps
      let plus = try evaluate()
      values[k][i] = original - eps
      let minus = try evaluate()
      values[k][i] = original
      gradient[i] = (plus - minus) / (2 * eps)
    }
    result.append(gradient)
  }
  return result
}

/// Compares autograd's gradients of `sum(op(inputs) · probe)` with respect to each float64 input
/// against central finite differences and returns one line per input that disagrees (empty when
/// all agree). Elements agree when |autograd - numeric| <= tolerance · max(|numeric|, 0.1): relative
/// for gradients above 0.1 and an absolute tolerance / 10 below, where the round-off of the
/// difference quotient (about 1e-16 · |f| / eps) would swamp a purely relative test.
func finiteDifferenceMismatches(
  _ names: [String], _ inputs: [Tensor], eps: Double = 1e-6, tolerance: Double = 1e-6,
  _ op: ([Tensor]) throws -> Tensor
) throws -> [String] {
  precondition(names.count == inputs.count, "one name per input")
  var problems: [String] = []
  for (name, x) in zip(names, inputs) where x.dtype != .float64 {
    problems.append("\(name) is \(x.dtype); finite differences need float64")
  }
  let outputShape = try Torch.withNoGrad { try op(inputs).shape }
  let weights = try probe(outputShape)
  func objective(_ xs: [Tensor]) throws -> Tensor { try (op(xs) * weights).sum() }

  let leaves = try inputs.map { try $0.detached().clone().requiringGrad() }
  let loss = try objective(leaves)
  let analytic = try Tensor.gradients(of: [loss], withRespectTo: leaves)
  let numeric = try centralDifferences(of: { try objective($0).item() }, at: inputs, eps: eps)

  for k in inputs.indices {
    guard let g = analytic[k] else {
      problems.append("\(names[k]): autograd produced no gradient")
      continue
    }
    guard g.shape == inputs[k].shape else {
      problems.append("\(names[k]): gradient shape \(g.shape) != input shape \(inputs[k].shape)")
      continue
    }
    let a = try g.toArray(Double.self)
    let n = numeric[k]
    if !n.contains(where: { Swift.abs($0) > 1e-3 }) {
      problems.append("\(names[k]): numeric gradient is all ~0, which would make a weak check")
    }
    let bad = zip(a, n).enumerated().filter {
      Swift.abs($0.element.0 - $0.element.1) > tolerance * Swift.max(Swift.abs($0.element.1), 0.1)
    }
    if let first = bad.first {
      problems.append("""
        \(names[k]): \(bad.count) of \(n.count) elements differ; element \(first.offset): autograd \(first.element.0), \
        finite difference \(first.element.1)
        autograd: \(a)
        numeric:  \(n)
        """)
    }
  }
  return problems
}

/// Asserts that `finiteDifferenceMismatches` finds nothing, printing every disagreement.
func assertGradientsMatchFiniteDifferences(
  _ names: [String], _ inputs: [Tensor], eps: Double = 1e-6, tolerance: Double = 1e-6,
  file: StaticString = #filePath, line: UInt = #line, _ op: ([Tensor]) throws -> Tensor
) throws {
  for problem in try finiteDifferenceMismatches(names, inputs, eps: eps, tolerance: tolerance, op) {
    XCTFail(problem, file: file, line: line)
  }
}
