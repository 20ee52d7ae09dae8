import Torch

/// FairPrune's built-in demo data: small colour images whose class is drawn by a template,
/// with a few large and some small groups ("styles").
///
/// Why pruning hurts the small groups more: the majority groups share one set of class templates,
/// while each minority group draws its classes with a template set of its own. A network must
/// spend separate features on each minority style, and those features receive gradient from few
/// samples, so they end up with small weights — exactly what magnitude pruning removes first
/// (Hooker et al. 2019; Tran et al. 2022). Everything follows from `seed` through libtorch's
/// seeded generator, so two calls with the same configuration give bitwise-equal data.
public struct SyntheticGroupedImages: Sendable {
  public var numClasses = 10
  public var imageSize = 16
  /// Relative group sizes; groups at index >= `sharedStyleGroups` get their own templates.
  public var groupProportions: [Double] = [0.42, 0.32, 0.16, 0.06, 0.04]
  public var sharedStyleGroups = 3
  public var trainCount = 6000
  public var testCount = 2000
  public var noise = 1.0
  public var seed: UInt64 = 1234

  public init() {}

  public var groupNames: [String] { (0..<groupProportions.count).map { "style\($0)" } }

  public func make() throws -> GroupedDataset {
    guard numClasses > 1, imageSize >= 4, !groupProportions.isEmpty, groupProportions.allSatisfy({ $0 > 0 }),
          (1...groupProportions.count).contains(sharedStyleGroups), trainCount > 0, testCount > 0 else {
      throw TorchError("synthetic data: invalid configuration \(self)")
    }
    Torch.manualSeed(seed)
    let styles = 1 + groupProportions.count - sharedStyleGroups
    // Smooth random templates [styles, K, 3, S, S]: white noise blurred by a 5x5 box filter, unit std.
    let raw = try Tensor.randn([styles * numClasses, 3, imageSize, imageSize])
    var templates = try raw.avgPool2d(kernel: (5, 5), stride: (1, 1), padding: (2, 2), countIncludePad: false)
    templates = try templates / templates.pow(2).mean(dims: [1, 2, 3], keepDim: true).sqrt()
    // A per-group colour tint makes groups distinguishable even when they share templates.
    let tints = try Tensor.randn([groupProportions.count, 3, 1, 1]) * 0.5
    let styleOfGroup = try Tensor((0..<groupProportions.count).map { Int64(Swift.max(0, $0 - sharedStyleGroups + 1)) })
    let total = groupProportions.reduce(0, +)
    let probs = try Tensor(groupProportions.map { $0 / total })

    func split(_ n: Int) throws -> GroupedSplit {
      let u = try Tensor.rand([n], dtype: .float64)
      // group = number of cumulative proportions below u (inverse-CDF sampling).
      let cdf = try probs.cumsum(dim: 0)
      let groups = try u.unsqueezed(1).gt(cdf.unsqueezed(0)).to(.int64).sum(dim: 1).clamp(max: Double(groupProportions.count - 1)).to(.int64)
      let classes = try Tensor.randint(high: numClasses, shape: [n])
      let templateIndex = try styleOfGroup.indexSelect(dim: 0, index: groups) * Double(numClasses) + classes
      var images = try templates.indexSelect(dim: 0, index: templateIndex.to(.int64))
      images = try images + tints.indexSelect(dim: 0, index: groups)
      images = try images + Tensor.randn(images.shape) * noise
      return try GroupedSplit(inputs: images, targets: classes, attributes: groups.unsqueezed(1))
    }
    let train = try split(trainCount)
    let test = try split(testCount)
    let info = DatasetInfo(name: "synthetic", classNames: (0..<numClasses).map { "class\($0)" },
                           attributes: [ProtectedAttribute(name: "style", values: groupNames)])
    return GroupedDataset(info: info, train: train, test: test)
  }
}
