/// Per-channel normalization `(x / 255 - mean) / std`, torchvision's `ToTensor` + `Normalize`.
public struct Normalization: Sendable, Equatable, Hashable, Codable {
  /// Per-channel mean of the [0, 1] values.
  public var mean: [Float]
  /// Per-channel standard deviation.
  public var std: [Float]

  public init(mean: [Float], std: [Float]) {
    self.mean = mean
    self.std = std
  }

  /// ImageNet statistics, SPEC.md 7.2's choice for UTKFace and FairFace.
  public static let imageNet = Normalization(mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225])
  /// CIFAR-100 statistics of SPEC.md 7.2.
  public static let cifar100 = Normalization(mean: [0.507, 0.4865, 0.4409], std: [0.2673, 0.2564, 0.2761])
  /// Only scaling to [0, 1].
  public static let unit = Normalization(mean: [0, 0, 0], std: [1, 1, 1])

  /// Throws unless there are `channels` means and positive standard deviations.
  public func validate(channels: Int) throws {
    guard mean.count == channels, std.count == channels, std.allSatisfy({ $0 > 0 && $0.isFinite }),
          mean.allSatisfy(\.isFinite) else {
      throw DatasetError("normalization needs \(channels) means and \(channels) positive standard deviations, got mean \(mean) std \(std)")
    }
  }

  /// The value of each byte per channel (channels x 256), computed in float32 in torchvision's
  /// order (divide by 255, subtract the mean, divide by the std) so batches match it bitwise.
  public func lookupTable() -> [Float] {
    var table = [Float](repeating: 0, count: mean.count * 256)
    for c in 0..<mean.count {
      for v in 0..<256 { table[c * 256 + v] = (Float(v) / 255 - mean[c]) / std[c] }
    }
    return table
  }
}
