import Datasets
import Fairness
import Foundation
import NN
import Torch

/// The hand-computable problem several method tests share: a float64 2→2 linear model with known
/// weights, 7 samples in two groups (3 and 4), and the softmax / cross-entropy gradient by hand.
enum LinearFixture {
  static let x: [[Double]] = [[1, 0], [0, 1], [1, 1], [2, -1], [-1, 2], [0.5, 0.5], [3, 1]]
  static let y = [0, 1, 0, 1, 0, 1, 0]
  static let group = [0, 0, 0, 1, 1, 1, 1]
  static let w: [[Double]] = [[0.5, -0.3], [-0.2, 0.4]]
  static let b: [Double] = [0.1, -0.1]

  /// The model with weights `w` and bias `b`.
  static func model() throws -> Linear {
    let model = try Linear(2, 2)
    try model.to(.float64)
    try Torch.withNoGrad {
      try model.weight.copy_(Tensor(w.flatMap { $0 }, shape: [2, 2]))
      try model.bias!.copy_(Tensor(b))
    }
    return model
  }

  static var inputs: Tensor { get throws { try Tensor(x.flatMap { $0 }, shape: [7, 2]) } }
  static var targets: Tensor { get throws { try Tensor(y.map(Int64.init)) } }
  static var attributes: Tensor { get throws { try Tensor(group.map(Int64.init), shape: [7, 1]) } }

  static func split() throws -> GroupedSplit { try GroupedSplit(inputs: inputs, targets: targets, attributes: attributes) }

  /// One attribute "g" with groups p and q.
  static func spec() throws -> GroupSpec {
    let info = DatasetInfo(name: "t", classNames: ["a", "b"], attributes: [ProtectedAttribute(name: "g", values: ["p", "q"])])
    return try GroupSpec(info: info, attributeNames: ["g"], mode: .single)
  }

  /// Softmax probabilities of sample i under (w, b).
  static func probabilities(_ i: Int, w: [[Double]] = w, b: [Double] = b) -> [Double] {
    let z = (0..<2).map { c in w[c][0] * x[i][0] + w[c][1] * x[i][1] + b[c] }
    let e = z.map { exp($0 - z.max()!) }
    return e.map { $0 / e.reduce(0, +) }
  }

  /// ∂/∂W and ∂/∂b of the mean cross-entropy over `samples`.
  static func gradients(of samples: [Int], w: [[Double]] = w, b: [Double] = b) -> (w: [[Double]], b: [Double]) {
    var gw = [[0.0, 0.0], [0.0, 0.0]], gb = [0.0, 0.0]
    for i in samples {
      let p = probabilities(i, w: w, b: b)
      for c in 0..<2 {
        let d = (p[c] - (y[i] == c ? 1 : 0)) / Double(samples.count)
        gb[c] += d
        for j in 0..<2 { gw[c][j] += d * x[i][j] }
      }
    }
    return (gw, gb)
  }
}
