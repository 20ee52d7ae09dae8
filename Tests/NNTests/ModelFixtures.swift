import Foundation
import NN
import TestSupport
import Torch
import XCTest

/// The PyTorch reference made by Fixtures/make_fixtures.py.
struct NNReference: Decodable {
  struct Grad: Decodable {
    let head: [Double]
    let sum: Double
    let abs_sum: Double
  }
  struct Golden: Decodable {
    let dtype: String
    let input_shape: [Int]
    let targets: [Int64]
    let eval_logits: [Double]
    let train_logits: [Double]
    let loss: Double
    let grads: [String: Grad]
    let running_mean_name: String
    let running_mean: [Double]
    let running_var: [Double]
  }
  let param_counts: [String: Int]
  let state_dict_keys: [String: [String]]
  let golden: [String: Golden]

  static func load() throws -> NNReference {
    let url = try XCTUnwrap(Bundle.module.url(forResource: "nn_reference", withExtension: "json", subdirectory: "Fixtures"))
    return try JSONDecoder().decode(NNReference.self, from: Data(contentsOf: url))
  }
}

/// make_fixtures.py's `deterministic_values` for state-dict entry `index`: He-uniform weights for
/// rank >= 2, 1 ± 0.1 for BatchNorm scales and running variances, ±0.1 for biases and means.
/// Integer hashing only (SplitMix64), so both sides and every CPU start from the same bits.
func deterministicValues(name: String, index: Int, shape: [Int]) -> [Double] {
  let n = shape.reduce(1, *)
  let u = SplitMix64.uniforms(stream: UInt64(index), count: n)
  if shape.count >= 2 {
    let bound = (6.0 / Double(n / shape[0])).squareRoot()
    return u.map { (2 * $0 - 1) * bound }
  }
  if name.hasSuffix("running_var") || name.hasSuffix(".weight") { return u.map { 1 + 0.2 * ($0 - 0.5) } }
  return u.map { 0.2 * ($0 - 0.5) }
}

/// Converts `model` to float64 and fills it as make_fixtures.py's `fill_deterministic`.
func fillDeterministic(_ model: any Module) throws {
  try model.to(.float64)
  try Torch.withNoGrad {
    for (i, entry) in model.stateDict().enumerated() {
      let t = entry.tensor
      if t.dtype == .int64 { try t.zero_(); continue }
      try t.copy_(Tensor(deterministicValues(name: entry.name, index: i, shape: t.shape), shape: t.shape))
    }
  }
}

/// make_fixtures.py's `deterministic_input`: uniform in [-1, 1), float64.
func deterministicInput(_ shape: [Int]) throws -> Tensor {
  let u = SplitMix64.uniforms(stream: 1 << 20, count: shape.reduce(1, *))
  return try Tensor(u.map { 2 * $0 - 1 }, shape: shape)
}
