/// Per-class logit offsets b that make a trained model meet every group's constraint
/// ψ_g ≤ ε on a split, found post hoc: the prediction becomes argmax_c (z_c + b_c) and nothing
/// else changes. Among the offsets it visits it keeps the smallest total violation
/// Σ_g max(0, ψ_g − ε), then the highest accuracy.
///
/// Why: it prices the constraint for a model's features. The accuracy it reaches is a lower bound
/// on what a feasible model with these features can keep; when CEAG ends far below it, the
/// fine-tuning leaves accuracy on the table; when near it, the cost is the constraint's, and only
/// better features (capacity, epochs) lower it. Where the groups are the classes (UTKFace race
/// with race groups) the offsets act on each group's recall directly.
///
/// The search is coordinate ascent: for one class at a time it sweeps every offset at which a
/// sample's prediction changes (exactly, by sorting the thresholds), until a whole pass changes
/// nothing. It may stop at a local optimum; `feasible` says whether it met every constraint.
public struct FeasibleClassOffsets: Sendable, Equatable, Codable {
  /// b_c, one per class (only differences matter).
  public let offsets: [Double]
  /// Accuracy with the offsets on the split searched.
  public let accuracy: Double
  /// Accuracy without them (all offsets 0).
  public let startAccuracy: Double
  /// Σ_g max(0, ψ_g − ε) over the constrained groups with the offsets (0: feasible).
  public let violation: Double
  /// Whether every constrained group meets ψ_g ≤ ε.
  public var feasible: Bool { violation <= Self.slack }
  /// Passes over the classes the search made.
  public let passes: Int

  static let slack = 1e-12

  /// The classes argmax_c (z_c + b_c) for a row-major [N, C] `logits` (ties: the first class).
  public static func predictions(logits: [Double], classCount: Int, offsets: [Double]) -> [Int] {
    let n = classCount > 0 ? logits.count / classCount : 0
    return (0..<n).map { i in
      var best = 0
      var value = -Double.infinity
      for c in 0..<classCount where logits[i * classCount + c] + offsets[c] > value {
        value = logits[i * classCount + c] + offsets[c]
        best = c
      }
      return best
    }
  }

  /// Searches the offsets.
  ///
  /// - Parameters:
  ///   - logits: row-major [N, C] scores of the model (the sparse model, in evaluation mode).
  ///   - targets: N labels in 0..<C.
  ///   - memberships: the group ids of each sample (one, or one per attribute for separate groups).
  ///   - dense: the dense model's performance on the same split (A_d and A_d,g).
  ///   - constrained: whether each group counts (present and large enough, as in the run).
  ///   - tolerance: ε.
  ///   - maxPasses: passes over the classes at most.
  /// - Throws: `FairnessError` when the shapes disagree or a label or group id is out of range.
  public static func search(logits: [Double], classCount: Int, targets: [Int], memberships: [[Int]],
                            dense: SplitPerformance, constrained: [Bool], tolerance: Double,
                            maxPasses: Int = 50) throws -> FeasibleClassOffsets {
    let n = targets.count
    guard classCount >= 2, logits.count == n * classCount, memberships.count == n, n > 0 else {
      throw FairnessError("class offsets: \(logits.count) logits for \(n) samples of \(classCount) classes and \(memberships.count) membership rows")
    }
    guard constrained.count == dense.numGroups, tolerance.isFinite, tolerance >= 0 else {
      throw FairnessError("class offsets: \(constrained.count) constrained flags for \(dense.numGroups) groups, tolerance \(tolerance)")
    }
    if let bad = targets.firstIndex(where: { !(0..<classCount).contains($0) }) {
      throw FairnessError("class offsets: label \(targets[bad]) of sample \(bad) is outside 0..<\(classCount)")
    }
    if let bad = memberships.firstIndex(where: { $0.contains { !(0..<dense.numGroups).contains($0) } }) {
      throw FairnessError("class offsets: sample \(bad) has a group id outside 0..<\(dense.numGroups)")
    }
    var objective = Objective(memberships: memberships, dense: dense, constrained: constrained, tolerance: tolerance)
    var offsets = [Double](repeating: 0, count: classCount)
    var predicted = predictions(logits: logits, classCount: classCount, offsets: offsets)
    var current = objective.value(correct: zip(predicted, targets).map { $0 == $1 })
    let start = current
    var passes = 0
    var moved = true
    while moved && passes < maxPasses {
      moved = false
      passes += 1
      for c in 0..<classCount {
        guard let (offset, value) = bestOffset(for: c, logits: logits, classCount: classCount, targets: targets,
                                               offsets: offsets, objective: &objective),
              value.isBetter(than: current) else { continue }
        offsets[c] = offset
        predicted = predictions(logits: logits, classCount: classCount, offsets: offsets)
        current = objective.value(correct: zip(predicted, targets).map { $0 == $1 })
        moved = true
      }
    }
    return FeasibleClassOffsets(offsets: offsets, accuracy: Double(current.correct) / Double(n),
                                startAccuracy: Double(start.correct) / Double(n), violation: current.violation, passes: passes)
  }

  /// The best offset of class `c` with the others fixed, over every interval between the
  /// thresholds at which a sample switches to or from `c`.
  private static func bestOffset(for c: Int, logits: [Double], classCount: Int, targets: [Int], offsets: [Double],
                                 objective: inout Objective) -> (Double, Objective.Value)? {
    let n = targets.count
    var threshold = [Double](repeating: 0, count: n)  // sample i predicts c iff b_c > threshold[i]
    var other = [Int](repeating: 0, count: n)  // its prediction otherwise
    for i in 0..<n {
      var best = -1
      var value = -Double.infinity
      for j in 0..<classCount where j != c && logits[i * classCount + j] + offsets[j] > value {
        value = logits[i * classCount + j] + offsets[j]
        best = j
      }
      other[i] = best
      threshold[i] = value - logits[i * classCount + c]
    }
    // Start with no sample predicting c, then switch them over in threshold order.
    var correct = (0..<n).map { other[$0] == targets[$0] }
    objective.reset(correct: correct)
    let order = (0..<n).sorted { threshold[$0] < threshold[$1] }
    var best = (offset: threshold[order[0]] - 1, value: objective.current)
    for (k, i) in order.enumerated() {
      let now = targets[i] == c
      if now != correct[i] {
        correct[i] = now
        objective.flip(sample: i, toCorrect: now)
      }
      if k + 1 < n && threshold[order[k + 1]] == threshold[i] { continue }
      let offset = k + 1 < n ? (threshold[i] + threshold[order[k + 1]]) / 2 : threshold[i] + 1
      let value = objective.current
      if value.isBetter(than: best.value) { best = (offset, value) }
    }
    return best.offset.isFinite ? (best.offset, best.value) : nil
  }

  /// Correct counts per group and the total violation they give; flips one sample at a time.
  struct Objective {
    struct Value {
      var violation: Double
      var correct: Int
      /// Smaller violation first, then more correct samples.
      func isBetter(than other: Value) -> Bool {
        if violation < other.violation - FeasibleClassOffsets.slack { return true }
        if violation > other.violation + FeasibleClassOffsets.slack { return false }
        return correct > other.correct
      }
    }

    let memberships: [[Int]]
    let groupCounts: [Int]
    let denseGroup: [Double]
    let denseOverall: Double
    let constrained: [Bool]
    let tolerance: Double
    var groupCorrect: [Int]
    var total = 0

    init(memberships: [[Int]], dense: SplitPerformance, constrained: [Bool], tolerance: Double) {
      self.memberships = memberships
      var counts = [Int](repeating: 0, count: dense.numGroups)
      for row in memberships { for g in row { counts[g] += 1 } }
      groupCounts = counts
      denseGroup = dense.groupAccuracies.map { $0 ?? 0 }
      denseOverall = dense.accuracy
      self.constrained = (0..<dense.numGroups).map { constrained[$0] && counts[$0] > 0 }
      self.tolerance = tolerance
      groupCorrect = counts.map { _ in 0 }
    }

    mutating func reset(correct: [Bool]) {
      groupCorrect = groupCounts.map { _ in 0 }
      total = 0
      for (i, ok) in correct.enumerated() where ok {
        total += 1
        for g in memberships[i] { groupCorrect[g] += 1 }
      }
    }

    mutating func flip(sample i: Int, toCorrect: Bool) {
      let step = toCorrect ? 1 : -1
      total += step
      for g in memberships[i] { groupCorrect[g] += step }
    }

    /// ψ_g = (A_d,g − A_g) − (A_d − A), summed over the constrained groups above ε.
    var current: Value {
      let overallGap = denseOverall - Double(total) / Double(memberships.count)
      var violation = 0.0
      for g in groupCounts.indices where constrained[g] {
        let psi = denseGroup[g] - Double(groupCorrect[g]) / Double(groupCounts[g]) - overallGap
        violation += max(0, psi - tolerance)
      }
      return Value(violation: violation, correct: total)
    }

    mutating func value(correct: [Bool]) -> Value {
      reset(correct: correct)
      return current
    }
  }
}
