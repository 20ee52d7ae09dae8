import Foundation
import Torch

/// PyTorch's weight initializations (torch.nn.init), drawing from libtorch's seeded generator.
public enum Init {
  /// (fan_in, fan_out) as torch.nn.init._calculate_fan_in_and_fan_out.
  public static func fans(_ shape: [Int]) -> (fanIn: Int, fanOut: Int) {
    let receptive = shape.dropFirst(2).reduce(1, *)
    let fanIn = shape.count > 1 ? shape[1] * receptive : shape[0]
    return (fanIn, shape[0] * receptive)
  }

  /// nn.Linear / nn.Conv2d default: kaiming_uniform_(a=√5), i.e. U(-1/√fan_in, 1/√fan_in).
  public static func defaultWeight(_ shape: [Int]) throws -> Tensor {
    let bound = 1 / Foundation.sqrt(Double(fans(shape).fanIn))
    return try uniform(shape, bound: bound)
  }

  /// nn.Linear / nn.Conv2d default bias: U(-1/√fan_in, 1/√fan_in) with the weight's fan_in.
  public static func defaultBias(count: Int, fanIn: Int) throws -> Tensor {
    try uniform([count], bound: fanIn > 0 ? 1 / Foundation.sqrt(Double(fanIn)) : 0)
  }

  /// kaiming_normal_(mode='fan_out', nonlinearity='relu'): N(0, 2/fan_out).
  public static func kaimingNormalFanOut(_ shape: [Int]) throws -> Tensor {
    let std = Foundation.sqrt(2.0 / Double(fans(shape).fanOut))
    let t = try Tensor.zeros(shape)
    try t.normal_(mean: 0, std: std)
    return t
  }

  public static func normal(_ shape: [Int], std: Double) throws -> Tensor {
    let t = try Tensor.zeros(shape)
    try t.normal_(mean: 0, std: std)
    return t
  }

  public static func uniform(_ shape: [Int], bound: Double) throws -> Tensor {
    let t = try Tensor.zeros(shape)
    try t.uniform_(-bound, bound)
    return t
  }
}
