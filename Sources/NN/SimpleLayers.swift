import Torch

/// max(x, 0).
public final class ReLU: Module {
  public var isTraining = true
  public init() {}
  public func callAsFunction(_ x: Tensor) throws -> Tensor { try x.relu() }
}

/// min(max(x, 0), 6) (MobileNetV2's activation).
public final class ReLU6: Module {
  public var isTraining = true
  /// Overwrite the input instead of writing a new tensor (torchvision's `inplace=True`): one
  /// memory pass less in a memory-bound layer. Only where nothing else reads the input, e.g.
  /// right after a BatchNorm, whose backward reads its input, not its output.
  public let inPlace: Bool
  public init(inPlace: Bool = false) { self.inPlace = inPlace }
  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    guard inPlace else { return try x.relu6() }
    try x.relu6_()
    return x
  }
}

/// Passes its input through unchanged.
public final class Identity: Module {
  public var isTraining = true
  public init() {}
  public func callAsFunction(_ x: Tensor) throws -> Tensor { x }
}

/// Zeroes activations with probability p in training mode (inverted dropout).
public final class Dropout: Module {
  public let p: Double
  public var isTraining = true
  public init(p: Double = 0.5) { self.p = p }
  public func callAsFunction(_ x: Tensor) throws -> Tensor { p == 0 ? x : try x.dropout(p: p, training: isTraining) }
}

public final class MaxPool2d: Module {
  public let kernel: Int, stride: Int, padding: Int
  public var isTraining = true
  public init(kernelSize: Int, stride: Int? = nil, padding: Int = 0) {
    kernel = kernelSize
    self.stride = stride ?? kernelSize
    self.padding = padding
  }
  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    try x.maxPool2d(kernel: (kernel, kernel), stride: (stride, stride), padding: (padding, padding))
  }
}

public final class AvgPool2d: Module {
  public let kernel: Int, stride: Int, padding: Int
  public var isTraining = true
  public init(kernelSize: Int, stride: Int? = nil, padding: Int = 0) {
    kernel = kernelSize
    self.stride = stride ?? kernelSize
    self.padding = padding
  }
  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    try x.avgPool2d(kernel: (kernel, kernel), stride: (stride, stride), padding: (padding, padding))
  }
}

public final class AdaptiveAvgPool2d: Module {
  public let outputSize: (Int, Int)
  public var isTraining = true
  public init(_ outputSize: (Int, Int)) { self.outputSize = outputSize }
  public func callAsFunction(_ x: Tensor) throws -> Tensor { try x.adaptiveAvgPool2d(outputSize) }
}

/// Flattens dimensions start...end (default: all but the batch dimension).
public final class Flatten: Module {
  public let start: Int, end: Int
  public var isTraining = true
  public init(start: Int = 1, end: Int = -1) {
    self.start = start
    self.end = end
  }
  public func callAsFunction(_ x: Tensor) throws -> Tensor { try x.flattened(from: start, to: end) }
}

/// Applies its layers in order; children are named "0", "1", ... as in torch.nn.Sequential.
public final class Sequential: Module {
  public let layers: [any Module]
  public var isTraining = true
  public init(_ layers: [any Module]) { self.layers = layers }
  public var children: [(name: String, module: any Module)] { layers.enumerated().map { (String($0.offset), $0.element) } }
  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    var y = x
    for layer in layers { y = try layer(y) }
    return y
  }
}
