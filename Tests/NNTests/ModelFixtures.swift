import Foundation
import NN
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
    let input_shape: [Int]
    let targets: [Int64]
    let eval_logits: [Double]
    let train_logits: [Double]
    let loss: Double
    let grads: [String: Grad]
    let running_mean_name: String
    let running_mean: [Double]
  }
  let param_counts: [String: Int]
  let state_dict_keys: [String: [String]]
  let golden: [String: Golden]

  static func load() throws -> NNReference {
    let url = try XCTUnwrap(Bundle.module.url(forResource: "nn_reference", withExtension: "json", subdirectory: "Fixtures"))
    return try JSONDecoder().decode(NNReference.self, from: Data(contentsOf: url))
  }
}

/// Same formula as make_fixtures.py's fill_deterministic, computed with the same libtorch kernels.
func fillDeterministic(_ model: any Module) throws {
  try Torch.withNoGrad {
    for (i, entry) in model.stateDict().enumerated() {
      let t = entry.tensor
      if t.dtype == .int64 { try t.zero_(); continue }
      var v = try (Tensor.arange(0, Double(t.count), dtype: .float64) * 0.37 + 1.3 * Double(i)).sin() * 0.1
      if entry.name.hasSuffix("running_var") || (entry.name.hasSuffix(".weight") && t.rank == 1) { v = try v + 1.0 }
      try t.copy_(v.reshaped(t.shape))
    }
  }
}

func deterministicInput(_ shape: [Int]) throws -> Tensor {
  let n = shape.reduce(1, *)
  return try ((Tensor.arange(0, Double(n), dtype: .float64) * 0.11).sin() * 0.5).reshaped(shape).to(.float32)
}

/// Compares element by element with a mixed absolute/relative tolerance; reports the first misses.
func assertClose(_ actual: [Double], _ expected: [Double], atol: Double = 1e-5, rtol: Double = 1e-4,
                 _ what: String, file: StaticString = #filePath, line: UInt = #line) {
  XCTAssertEqual(actual.count, expected.count, "\(what): count", file: file, line: line)
  var misses: [String] = []
  for (i, (a, e)) in zip(actual, expected).enumerated() where Swift.abs(a - e) > atol + rtol * Swift.abs(e) {
    misses.append("[\(i)] got \(a) expected \(e)")
  }
  XCTAssertTrue(misses.isEmpty, "\(what): \(misses.count) mismatches, first: \(misses.prefix(5))", file: file, line: line)
}
