import Foundation

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
/// nothing; greedily from zero, and along a continuation of growing penalties on the violation.
/// It may stop at a local optimum; `feasible` says whether it met every constraint.
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
    let zero = [Double](repeating: 0, count: classCount)
    let start = objective.value(offsets: zero, logits: logits, classCount: classCount, targets: targets)
    // Greedy from zero can stop where no single class's offset lowers the violation (e.g. every
    // sample pushed into one class); the continuation trades accuracy against a growing penalty
    // on the violation, so it approaches feasibility along accurate offsets. The best end point wins.
    var best: (offsets: [Double], value: Objective.Value)?
    var passes = 0
    var offsets = zero
    let weights = (0...Self.penaltyStages).map { Preference.penalized(pow(4, Double($0))) }
    // Stages: greedy from zero; the continuation from zero again, each weight from the last's end.
    let stages = [(Preference.lexicographic, zero)] + weights.enumerated().map { ($1, $0 == 0 ? zero : nil as [Double]?) }
      + [(.lexicographic, nil)]
    for (preference, from) in stages {
      let ascent = coordinateAscent(from: from ?? offsets, preference: preference, logits: logits, classCount: classCount,
                                    targets: targets, objective: &objective, maxPasses: maxPasses)
      offsets = ascent.offsets
      passes += ascent.passes
      if best.map({ ascent.value.isBetter(than: $0.value) }) ?? true { best = (ascent.offsets, ascent.value) }
      // From a feasible point a larger weight accepts only moves that stay feasible and gain
      // accuracy, which this stage already took.
      if ascent.value.violation <= Self.slack, case .penalized = preference { break }
    }
    let found = best!
    return FeasibleClassOffsets(offsets: found.offsets, accuracy: Double(found.value.correct) / Double(n),
                                startAccuracy: Double(start.correct) / Double(n), violation: found.value.violation, passes: passes)
  }

  /// Penalty weights 1, 4, 16, ..., 4^penaltyStages per unit of violation (accuracy is a fraction):
  /// the last makes one sample of a group of a thousand outweigh every sample of the split.
  static let penaltyStages = 8

  /// How two objective values compare in one stage of the search.
  enum Preference {
    /// Smaller violation, then more correct samples.
    case lexicographic
    /// Higher accuracy − weight · violation.
    case penalized(Double)

    func prefers(_ a: Objective.Value, over b: Objective.Value, sampleCount n: Int) -> Bool {
      switch self {
      case .lexicographic: return a.isBetter(than: b)
      case .penalized(let weight):
        let score = { (v: Objective.Value) in Double(v.correct) / Double(n) - weight * v.violation }
        return score(a) > score(b) + FeasibleClassOffsets.slack
      }
    }
  }

  /// Coordinate ascent from `start` under `preference` until a pass over the classes changes nothing.
  private static func coordinateAscent(from start: [Double], preference: Preference, logits: [Double], classCount: Int,
                                       targets: [Int], objective: inout Objective, maxPasses: Int)
    -> (offsets: [Double], value: Objective.Value, passes: Int) {
    var offsets = start
    func evaluate() -> Objective.Value { objective.value(offsets: offsets, logits: logits, classCount: classCount, targets: targets) }
    var current = evaluate()
    var passes = 0
    var moved = true
    while moved && passes < maxPasses {
      moved = false
      passes += 1
      for c in 0..<classCount {
        guard let (offset, value) = bestOffset(for: c, logits: logits, classCount: classCount, targets: targets,
                                               offsets: offsets, preference: preference, objective: &objective),
              preference.prefers(value, over: current, sampleCount: targets.count) else { continue }
        offsets[c] = offset
        current = evaluate()
        moved = true
      }
    }
    return (offsets, current, passes)
  }

  /// The best offset of class `c` with the others fixed, over every interval between the
  /// thresholds at which a sample switches to or from `c`.
  private static func bestOffset(for c: Int, logits: [Double], classCount: Int, targets: [Int], offsets: [Double],
                                 preference: Preference, objective: inout Objective) -> (Double, Objective.Value)? {
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
      if preference.prefers(value, over: best.value, sampleCount: n) { best = (offset, value) }
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

    /// The value of the predictions argmax_c (z_c + b_c).
    mutating func value(offsets: [Double], logits: [Double], classCount: Int, targets: [Int]) -> Value {
      let predicted = FeasibleClassOffsets.predictions(logits: logits, classCount: classCount, offsets: offsets)
      reset(correct: zip(predicted, targets).map { $0 == $1 })
      return current
    }
  }
}
