import Torch

/// Disparate-impact metrics of a sparse model against its dense reference on one split
/// (SPEC 1.2-1.4; Hashemizadeh et al., ICLR 2024, section 2). All accuracies are fractions.
///
/// - group accuracy gap `Δ_g = A(θ_d|D_g) − A(θ_s|D_g)` (positive: the group lost accuracy);
/// - overall gap `Δ = A(θ_d|D) − A(θ_s|D)`, both accuracies sample-weighted;
/// - excess accuracy gap `ψ_g = Δ_g − Δ`;
/// - pairwise disparity `Ψ_PW = max_g ψ_g − min_g ψ_g`, and `max_g ψ_g`;
/// - `std_g Δ_g` (unbiased) and quantiles of `ψ_g` (when more than 10 groups are present), as the
///   official code logs them;
/// - feasibility (SPEC 1.4): `max_g ψ_g ≤ ε`.
///
/// Groups without samples in the split are listed with count 0 and nil values and are left out
/// of every aggregate (SPEC 1.3). Encodes as the report shape
/// `{"accuracy", "dense_accuracy", "gap", "psi_pw", "max_excess_gap", "tolerance", "feasible",
/// "gap_std", "excess_gap_quantiles", "loss", "dense_loss", "groups": [{"name", "count",
/// "accuracy", "accuracy_95", "dense_accuracy", "gap", "excess_gap", "loss", "dense_loss", "constrained"}]}` with null for
/// values that do not exist.
public struct DisparityMetrics: Sendable, Equatable, Codable {
  /// One group's row.
  public struct Group: Sendable, Equatable, Codable {
    /// Display name (`GroupSpec.groupNames`).
    public let name: String
    /// Number of samples of the group in the split.
    public let count: Int
    /// A(θ_s|D_g), nil when absent.
    public let accuracy: Double?
    /// A(θ_d|D_g), nil when absent.
    public let denseAccuracy: Double?
    /// Δ_g, nil when absent.
    public let gap: Double?
    /// ψ_g = Δ_g − Δ, nil when absent.
    public let excessGap: Double?
    /// Mean loss of the sparse model on the group, nil when absent or not measured.
    public let loss: Double?
    /// Mean loss of the dense model on the group, nil when absent or not measured.
    public let denseLoss: Double?
    /// Whether the group counts in the aggregates and the verdict (false: too small to constrain).
    public let constrained: Bool

    /// Whether the group has samples in the split.
    public var isPresent: Bool { count > 0 }

    /// The 95% Wilson score interval of the sparse model's accuracy on the group (nil when absent):
    /// how far the measured accuracy of `count` samples can be from the group's true accuracy.
    public var accuracyInterval: ClosedRange<Double>? {
      accuracy.map { Self.wilsonInterval(successRate: $0, count: count) }
    }

    /// Wilson's score interval at z = 1.96 for a success rate measured on `count` trials.
    public static func wilsonInterval(successRate p: Double, count: Int, z: Double = 1.959963984540054) -> ClosedRange<Double> {
      let n = Double(count), z2 = z * z
      let center = (p + z2 / (2 * n)) / (1 + z2 / n)
      let half = z / (1 + z2 / n) * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot()
      return max(0, center - half)...min(1, center + half)
    }

    public func encode(to encoder: Encoder) throws {
      // Written out so that missing values encode as null rather than being left out.
      var c = encoder.container(keyedBy: CodingKeys.self)
      try c.encode(name, forKey: .name)
      try c.encode(count, forKey: .count)
      try c.encode(accuracy, forKey: .accuracy)
      try c.encode(accuracyInterval.map { [$0.lowerBound, $0.upperBound] }, forKey: .accuracyInterval)
      try c.encode(denseAccuracy, forKey: .denseAccuracy)
      try c.encode(gap, forKey: .gap)
      try c.encode(excessGap, forKey: .excessGap)
      try c.encode(loss, forKey: .loss)
      try c.encode(denseLoss, forKey: .denseLoss)
      try c.encode(constrained, forKey: .constrained)
    }

    public init(name: String, count: Int, accuracy: Double?, denseAccuracy: Double?, gap: Double?, excessGap: Double?,
                loss: Double?, denseLoss: Double?, constrained: Bool = true) {
      self.name = name
      self.count = count
      self.accuracy = accuracy
      self.denseAccuracy = denseAccuracy
      self.gap = gap
      self.excessGap = excessGap
      self.loss = loss
      self.denseLoss = denseLoss
      self.constrained = constrained
    }

    public init(from decoder: Decoder) throws {
      let c = try decoder.container(keyedBy: CodingKeys.self)
      try self.init(name: c.decode(String.self, forKey: .name), count: c.decode(Int.self, forKey: .count),
                    accuracy: c.decodeIfPresent(Double.self, forKey: .accuracy),
                    denseAccuracy: c.decodeIfPresent(Double.self, forKey: .denseAccuracy),
                    gap: c.decodeIfPresent(Double.self, forKey: .gap), excessGap: c.decodeIfPresent(Double.self, forKey: .excessGap),
                    loss: c.decodeIfPresent(Double.self, forKey: .loss), denseLoss: c.decodeIfPresent(Double.self, forKey: .denseLoss),
                    constrained: c.decodeIfPresent(Bool.self, forKey: .constrained) ?? true)  // reports before the key
    }

    enum CodingKeys: String, CodingKey {
      case name, count, accuracy, denseAccuracy = "dense_accuracy", gap, excessGap = "excess_gap", loss
      case denseLoss = "dense_loss", constrained
      case accuracyInterval = "accuracy_95"
    }
  }

  /// The value of `ψ_g` at one quantile level (linear interpolation, as `torch.quantile`).
  public struct Quantile: Sendable, Equatable, Codable {
    public let level: Double
    public let value: Double
  }

  /// Quantile levels of `ψ_g` reported when more than 10 groups are present.
  public static let quantileLevels = [0.5, 0.75, 0.9, 1.0]

  /// A(θ_s|D), sample-weighted.
  public let accuracy: Double
  /// A(θ_d|D), sample-weighted.
  public let denseAccuracy: Double
  /// Δ = A(θ_d|D) − A(θ_s|D).
  public let gap: Double
  /// Ψ_PW = max ψ_g − min ψ_g over present groups.
  public let psiPW: Double
  /// max ψ_g over present groups.
  public let maxExcessGap: Double
  /// Unbiased standard deviation of Δ_g over present groups; nil with fewer than two.
  public let gapStd: Double?
  /// Quantiles of ψ_g at `quantileLevels` when more than 10 groups are present, else empty.
  public let excessGapQuantiles: [Quantile]
  /// ε used for `feasible`.
  public let tolerance: Double
  /// max ψ_g ≤ ε.
  public let feasible: Bool
  /// A 95% interval for max ψ_g from the per-sample results (`ExcessGapInterval`), when measured.
  public var maxExcessGapInterval: ClosedRange<Double>?
  /// Mean loss of the sparse model over the split, when measured.
  public let loss: Double?
  /// Mean loss of the dense model over the split, when measured.
  public let denseLoss: Double?
  /// Every group in id order, present or not.
  public let groups: [Group]

  enum CodingKeys: String, CodingKey {
    case accuracy, denseAccuracy = "dense_accuracy", gap, psiPW = "psi_pw", maxExcessGap = "max_excess_gap"
    case gapStd = "gap_std", excessGapQuantiles = "excess_gap_quantiles", tolerance, feasible, loss
    case denseLoss = "dense_loss", groups
    case maxExcessGapInterval = "max_excess_gap_95"
  }

  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    accuracy = try c.decode(Double.self, forKey: .accuracy)
    denseAccuracy = try c.decode(Double.self, forKey: .denseAccuracy)
    gap = try c.decode(Double.self, forKey: .gap)
    psiPW = try c.decode(Double.self, forKey: .psiPW)
    maxExcessGap = try c.decode(Double.self, forKey: .maxExcessGap)
    gapStd = try c.decodeIfPresent(Double.self, forKey: .gapStd)
    excessGapQuantiles = try c.decode([Quantile].self, forKey: .excessGapQuantiles)
    tolerance = try c.decode(Double.self, forKey: .tolerance)
    feasible = try c.decode(Bool.self, forKey: .feasible)
    loss = try c.decodeIfPresent(Double.self, forKey: .loss)
    denseLoss = try c.decodeIfPresent(Double.self, forKey: .denseLoss)
    groups = try c.decode([Group].self, forKey: .groups)
    maxExcessGapInterval = try c.decodeIfPresent([Double].self, forKey: .maxExcessGapInterval).flatMap { $0.count == 2 ? $0[0]...$0[1] : nil }
  }

  /// Metrics of `sparse` against `dense`, both measured on the same split.
  ///
  /// Groups in `unconstrained` (too small to constrain) are listed but left out of Ψ_PW, max ψ_g,
  /// the spread and the verdict, unless no constrained group has a sample in the split.
  /// - Throws: `FairnessError` when the two performances differ in sample count or group counts
  ///   (naming the group), `groupNames` has the wrong length, or `tolerance` is negative or not finite.
  public init(dense: SplitPerformance, sparse: SplitPerformance, groupNames: [String], tolerance: Double,
              unconstrained: Set<Int> = []) throws {
    guard tolerance.isFinite, tolerance >= 0 else { throw FairnessError("disparity metrics: tolerance \(tolerance) is not a finite value ≥ 0") }
    guard groupNames.count == dense.numGroups, sparse.numGroups == dense.numGroups else {
      throw FairnessError("disparity metrics: \(groupNames.count) group names, dense has \(dense.numGroups) groups, sparse \(sparse.numGroups)")
    }
    guard dense.sampleCount == sparse.sampleCount else {
      throw FairnessError("disparity metrics: dense measured on \(dense.sampleCount) samples, sparse on \(sparse.sampleCount)")
    }
    if let g = groupNames.indices.first(where: { dense.groupCounts[$0] != sparse.groupCounts[$0] }) {
      throw FairnessError("disparity metrics: group '\(groupNames[g])' has \(dense.groupCounts[g]) samples for dense, \(sparse.groupCounts[g]) for sparse")
    }
    let overallGap = dense.accuracy - sparse.accuracy
    var rows: [Group] = []
    for g in groupNames.indices {
      let present = dense.groupCounts[g] > 0
      let a = present ? sparse.groupAccuracies[g] : nil, ad = present ? dense.groupAccuracies[g] : nil
      let gap = a.flatMap { a in ad.map { $0 - a } }
      rows.append(Group(name: groupNames[g], count: dense.groupCounts[g], accuracy: a, denseAccuracy: ad, gap: gap,
                        excessGap: gap.map { $0 - overallGap }, loss: present ? sparse.groupLosses[g] : nil,
                        denseLoss: present ? dense.groupLosses[g] : nil, constrained: !unconstrained.contains(g)))
    }
    let counted = rows.contains { $0.constrained && $0.isPresent } ? rows.filter(\.constrained) : rows
    let gaps = counted.compactMap(\.gap), excess = counted.compactMap(\.excessGap)
    guard let maxPsi = excess.max(), let minPsi = excess.min() else {
      throw FairnessError("disparity metrics: no group has a sample in the split")
    }
    accuracy = sparse.accuracy
    denseAccuracy = dense.accuracy
    gap = overallGap
    psiPW = maxPsi - minPsi
    maxExcessGap = maxPsi
    gapStd = Self.unbiasedStd(gaps)
    excessGapQuantiles = excess.count > 10 ? Self.quantiles(excess, levels: Self.quantileLevels) : []
    self.tolerance = tolerance
    feasible = maxPsi <= tolerance
    loss = sparse.loss
    denseLoss = dense.loss
    groups = rows
  }

  /// Metrics of `sparse` against `dense` with the group names of `spec`.
  public init(dense: SplitPerformance, sparse: SplitPerformance, spec: GroupSpec, tolerance: Double,
              unconstrained: Set<Int> = []) throws {
    try self.init(dense: dense, sparse: sparse, groupNames: spec.groupNames, tolerance: tolerance, unconstrained: unconstrained)
  }

  /// Metrics from per-sample correctness of both models on one split.
  /// - Parameters:
  ///   - denseCorrect, sparseCorrect: bool (or 0/1) [N].
  ///   - groupIDs: `spec.groupIDs(attributes:)` of the split.
  ///   - denseLosses, sparseLosses: optional per-sample losses [N].
  /// - Throws: the errors of `SplitPerformance.init` and `init(dense:sparse:groupNames:tolerance:)`.
  public init(denseCorrect: Tensor, sparseCorrect: Tensor, groupIDs: Tensor, spec: GroupSpec, tolerance: Double,
              denseLosses: Tensor? = nil, sparseLosses: Tensor? = nil) throws {
    guard denseCorrect.shape == sparseCorrect.shape else {
      throw FairnessError("disparity metrics: dense correctness \(denseCorrect.shape), sparse \(sparseCorrect.shape)")
    }
    let dense = try SplitPerformance(correct: denseCorrect, groupIDs: groupIDs, numGroups: spec.numGroups, losses: denseLosses)
    let sparse = try SplitPerformance(correct: sparseCorrect, groupIDs: groupIDs, numGroups: spec.numGroups, losses: sparseLosses)
    try self.init(dense: dense, sparse: sparse, groupNames: spec.groupNames, tolerance: tolerance)
  }

  /// Whether max ψ_g ≤ `tolerance` (SPEC 1.4), for a tolerance other than the stored one.
  public func isFeasible(tolerance: Double) -> Bool { maxExcessGap <= tolerance }

  /// The rows of the groups present in the split.
  public var presentGroups: [Group] { groups.filter(\.isPresent) }

  public func encode(to encoder: Encoder) throws {
    // Written out so that missing values encode as null rather than being left out.
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(accuracy, forKey: .accuracy)
    try c.encode(denseAccuracy, forKey: .denseAccuracy)
    try c.encode(gap, forKey: .gap)
    try c.encode(psiPW, forKey: .psiPW)
    try c.encode(maxExcessGap, forKey: .maxExcessGap)
    try c.encode(tolerance, forKey: .tolerance)
    try c.encode(feasible, forKey: .feasible)
    try c.encode(gapStd, forKey: .gapStd)
    try c.encode(excessGapQuantiles, forKey: .excessGapQuantiles)
    try c.encode(loss, forKey: .loss)
    try c.encode(denseLoss, forKey: .denseLoss)
    try c.encode(groups, forKey: .groups)
    try c.encode(maxExcessGapInterval.map { [$0.lowerBound, $0.upperBound] }, forKey: .maxExcessGapInterval)
  }

  static func unbiasedStd(_ x: [Double]) -> Double? {
    guard x.count >= 2 else { return nil }
    let mean = x.reduce(0, +) / Double(x.count)
    return (x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(x.count - 1)).squareRoot()
  }

  /// Linear-interpolation quantiles of non-empty `x` (numpy/torch default).
  static func quantiles(_ x: [Double], levels: [Double]) -> [Quantile] {
    let s = x.sorted()
    return levels.map { q in
      let pos = q * Double(s.count - 1)
      let lo = Int(pos.rounded(.down)), hi = Swift.min(lo + 1, s.count - 1)
      return Quantile(level: q, value: s[lo] + (pos - Double(lo)) * (s[hi] - s[lo]))
    }
  }
}
