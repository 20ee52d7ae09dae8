import Torch

/// Exact accuracy (and optionally mean loss) of one model on one split, overall and per group
/// (SPEC 1.3): the overall accuracy is sample-weighted over all samples of the split, each group's
/// accuracy is the exact mean over that group's samples. Groups without samples in the split have
/// count 0 and nil accuracy and loss.
///
/// The dense reference of a split is one `SplitPerformance`, computed once before fine-tuning and
/// reused by every later `DisparityMetrics`. Large splits are evaluated batch by batch with an
/// `Accumulator`.
public struct SplitPerformance: Sendable, Equatable, Codable {
  /// N, the number of samples (each counted once, whatever the group mode).
  public let sampleCount: Int
  /// A(θ|D): fraction of the samples predicted correctly.
  public let accuracy: Double
  /// Mean per-sample loss over the split, when losses were given.
  public let loss: Double?
  /// Number of samples of each group ([numGroups]).
  public let groupCounts: [Int]
  /// A(θ|D_g) for each group, nil when the group has no sample.
  public let groupAccuracies: [Double?]
  /// Mean loss of each group, nil when the group has no sample or no losses were given.
  public let groupLosses: [Double?]

  /// |G|.
  public var numGroups: Int { groupCounts.count }

  /// Performance from per-sample correctness (bool, or 0/1 numbers) [N], group ids (int64 [N],
  /// or [N, A] for `.separate` groups) and optional per-sample losses [N].
  /// - Throws: `FairnessError` on mismatched shapes, ids outside 0..<numGroups, or an empty split.
  public init(correct: Tensor, groupIDs: Tensor, numGroups: Int, losses: Tensor? = nil) throws {
    var accumulator = try Accumulator(numGroups: numGroups)
    try accumulator.add(correct: correct, groupIDs: groupIDs, losses: losses)
    self = try accumulator.result()
  }

  /// Sums correctness (and losses) over the batches of a split, then gives the `SplitPerformance`.
  /// Per batch the work is scatter-adds over [numGroups] tensors; nothing leaves the device until
  /// `result()`.
  public struct Accumulator: @unchecked Sendable {
    /// |G|.
    public let numGroups: Int
    private var samples = 0
    private var sampleLosses: Bool?
    private var correctTotal: Tensor
    private var lossTotal: Tensor
    private var groupCorrect: Tensor
    private var groupLoss: Tensor
    private var groupCounts: Tensor

    /// An empty accumulator over `numGroups` groups.
    public init(numGroups: Int, device: Device = .cpu) throws {
      guard numGroups >= 1 else { throw FairnessError("split performance: numGroups is \(numGroups), expected at least 1") }
      self.numGroups = numGroups
      correctTotal = try Tensor.zeros([], dtype: .float64, device: device)
      lossTotal = try Tensor.zeros([], dtype: .float64, device: device)
      groupCorrect = try Tensor.zeros([numGroups], dtype: .float64, device: device)
      groupLoss = try Tensor.zeros([numGroups], dtype: .float64, device: device)
      groupCounts = try Tensor.zeros([numGroups], dtype: .int64, device: device)
    }

    /// Adds one batch. Losses must be given for every batch or for none.
    /// - Throws: `FairnessError` on mismatched shapes, ids outside 0..<numGroups, or losses given
    ///   for some batches only.
    public mutating func add(correct: Tensor, groupIDs: Tensor, losses: Tensor? = nil) throws {
      if let had = sampleLosses, had != (losses != nil) {
        throw FairnessError("split performance: losses were \(had ? "given" : "not given") for earlier batches but \(had ? "not " : "")for this one")
      }
      if let losses, losses.shape != correct.shape {
        throw FairnessError("split performance: losses have shape \(losses.shape), correctness \(correct.shape)")
      }
      try Torch.withNoGrad {
        let c = try correct.to(.float64)
        let flat = try GroupMembership.flatten(groupIDs: groupIDs, values: c, numGroups: numGroups, what: "split performance")
        // Out-of-place updates: a copied accumulator must not share its totals with the original.
        correctTotal = try correctTotal + c.sum()
        groupCorrect = try groupCorrect.scatterAdd(dim: 0, index: flat.ids, source: flat.values!)
        groupCounts = try groupCounts + flat.ids.bincount(minLength: numGroups)
        if let losses {
          let l = try losses.detached().to(.float64)
          lossTotal = try lossTotal + l.sum()
          let lf = try GroupMembership.flatten(groupIDs: groupIDs, values: l, numGroups: numGroups, what: "split performance")
          groupLoss = try groupLoss.scatterAdd(dim: 0, index: lf.ids, source: lf.values!)
        }
        samples += flat.samples
      }
      sampleLosses = losses != nil
    }

    /// The performance over every batch added.
    /// - Throws: `FairnessError` when no sample was added.
    public func result() throws -> SplitPerformance {
      guard samples > 0 else { throw FairnessError("split performance: the split has no samples") }
      let counts = try groupCounts.toArray(Int64.self).map(Int.init)
      let correct = try groupCorrect.toArray(Double.self)
      let lossSums = try groupLoss.toArray(Double.self)
      let withLosses = sampleLosses == true
      let n = Double(samples)
      return try SplitPerformance(
        sampleCount: samples, accuracy: try correctTotal.item() / n,
        loss: withLosses ? try lossTotal.item() / n : nil, groupCounts: counts,
        groupAccuracies: counts.indices.map { counts[$0] > 0 ? correct[$0] / Double(counts[$0]) : nil },
        groupLosses: counts.indices.map { withLosses && counts[$0] > 0 ? lossSums[$0] / Double(counts[$0]) : nil })
    }
  }

  /// A performance from known values (reports, fixtures); no validation beyond matching lengths.
  /// - Throws: `FairnessError` when the per-group arrays differ in length.
  public init(sampleCount: Int, accuracy: Double, loss: Double? = nil, groupCounts: [Int],
              groupAccuracies: [Double?], groupLosses: [Double?]? = nil) throws {
    let losses = groupLosses ?? Array(repeating: nil, count: groupCounts.count)
    guard groupAccuracies.count == groupCounts.count, losses.count == groupCounts.count else {
      throw FairnessError("split performance: \(groupCounts.count) group counts, \(groupAccuracies.count) accuracies, \(losses.count) losses")
    }
    self.sampleCount = sampleCount
    self.accuracy = accuracy
    self.loss = loss
    self.groupCounts = groupCounts
    self.groupAccuracies = groupAccuracies
    self.groupLosses = losses
  }

  private enum CodingKeys: String, CodingKey {
    case sampleCount = "sample_count", accuracy, loss, groupCounts = "group_counts"
    case groupAccuracies = "group_accuracies", groupLosses = "group_losses"
  }
}
