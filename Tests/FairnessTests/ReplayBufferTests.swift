import Fairness
import Torch
import XCTest

/// A plain Swift model of SPEC 3: one `deque(maxlen=k)` per group.
struct ReferenceBuffers {
  let capacity: Int
  var queues: [[Double]]
  init(numGroups: Int, capacity: Int) {
    self.capacity = capacity
    queues = Array(repeating: [], count: numGroups)
  }
  /// `ids[i]` lists the groups of sample i (one, or one per attribute).
  mutating func push(_ values: [Double], ids: [[Int]]) {
    for (v, groups) in zip(values, ids) {
      for g in groups {
        queues[g].append(v)
        if queues[g].count > capacity { queues[g].removeFirst() }
      }
    }
  }
  var full: [Bool] { queues.map { $0.count == capacity } }
  var means: [Double] { queues.map { $0.count == capacity ? $0.reduce(0, +) / Double(capacity) : 0 } }
  var overall: Double {
    let fullMeans = zip(full, means).filter(\.0).map(\.1)
    return fullMeans.isEmpty ? 0 : fullMeans.reduce(0, +) / Double(fullMeans.count)
  }
}

/// Replay buffers (SPEC 3, 10): FIFO eviction, "full only" queries, more than k values of a group
/// in one batch, separate-attribute pushes, running sums and state round trips.
final class ReplayBufferTests: XCTestCase {
  override func setUp() { Torch.threadCount = 1 }

  /// Each group's values oldest first, read from the ring buffer.
  func ordered(_ buffer: ReplayBuffer) throws -> [[Double]] {
    let k = buffer.capacity
    let contents = try buffer.contents().toArray(Double.self)
    let counts = try ints(buffer.counts()), pointers = try ints(buffer.writePointers())
    return (0..<buffer.numGroups).map { g in
      let start = counts[g] == k ? pointers[g] : 0
      return (0..<counts[g]).map { contents[g * k + (start + $0) % k] }
    }
  }

  func assertMatches(_ buffer: ReplayBuffer, _ reference: ReferenceBuffers, tolerance: Double = 1e-6,
                     file: StaticString = #filePath, line: UInt = #line) throws {
    let actual = try ordered(buffer)
    for g in 0..<buffer.numGroups {
      let same = actual[g].count == reference.queues[g].count
        && zip(actual[g], reference.queues[g]).allSatisfy { Swift.abs($0 - $1) <= tolerance }
      XCTAssertTrue(same, "group \(g): buffer \(actual[g]), reference \(reference.queues[g])", file: file, line: line)
    }
    let e = try buffer.estimate()
    XCTAssertEqual(try e.full.toArray(Bool.self), reference.full, file: file, line: line)
    XCTAssertEqual(try ints(e.fullGroups), reference.full.indices.filter { reference.full[$0] }, file: file, line: line)
    try assertClose(e.means, reference.means, atol: tolerance, file: file, line: line)
    try assertClose(e.overall, [reference.overall], atol: tolerance, file: file, line: line)
    // Running sums equal the sums recomputed from the contents and from the reference.
    try assertClose(buffer.runningSums(), reference.queues.map { $0.reduce(0, +) }, atol: tolerance, file: file, line: line)
    try assertClose(buffer.runningSums(), try buffer.contents().to(.float64).sum(dim: 1).toArray(Double.self),
                    atol: tolerance, file: file, line: line)
  }

  /// SPEC 10: capacity 5, 8 ones for group 0 and 3 for group 1 -> only group 0 valid, overall 1.0.
  func testSpecExampleOnlyFullGroupsAreValid() throws {
    let buffer = try ReplayBuffer(numGroups: 2, capacity: 5)
    let ids = try Tensor([Int64](repeating: 0, count: 8) + [Int64](repeating: 1, count: 3))
    try buffer.push(Tensor([Bool](repeating: true, count: 11)), groupIDs: ids)
    let e = try buffer.estimate()
    XCTAssertEqual(try e.full.toArray(Bool.self), [true, false])
    XCTAssertEqual(try ints(e.fullGroups), [0])
    try assertClose(e.means, [1, 0])
    try assertClose(e.overall, [1])
    XCTAssertEqual(try ints(buffer.counts()), [5, 3])
    // Same result when the values arrive one batch per sample.
    let oneByOne = try ReplayBuffer(numGroups: 2, capacity: 5)
    for id in try ids.toArray(Int64.self) { try oneByOne.push(Tensor([true]), groupIDs: Tensor([id])) }
    try assertClose(oneByOne.estimate().overall, [1])
    XCTAssertEqual(try ints(oneByOne.counts()), [5, 3])
  }

  func testNoFullGroupGivesEmptySetAndZeroOverall() throws {
    let buffer = try ReplayBuffer(numGroups: 3, capacity: 4)
    try buffer.push(Tensor([true, true, false]), groupIDs: Tensor([Int64(0), 1, 2]))
    let e = try buffer.estimate()
    XCTAssertEqual(e.fullGroups.shape, [0])
    try assertClose(e.overall, [0])
    try assertClose(e.means, [0, 0, 0])
  }

  func testFIFOEvictionAcrossPushesWithMixedValues() throws {
    let buffer = try ReplayBuffer(numGroups: 2, capacity: 3)
    var reference = ReferenceBuffers(numGroups: 2, capacity: 3)
    let pushes: [([Double], [Int])] = [
      ([1, 0, 1], [0, 1, 0]),
      ([0, 1], [0, 0]),        // group 0: 1 1 0 1 -> keeps 1 0 1 (evicts the first 1)
      ([1, 1, 0, 0], [1, 1, 1, 0]),
      ([0.25], [0]),
    ]
    for (values, ids) in pushes {
      try buffer.push(Tensor(values.map(Float.init)), groupIDs: Tensor(ids.map(Int64.init)))
      reference.push(values, ids: ids.map { [$0] })
      try assertMatches(buffer, reference)
    }
    XCTAssertEqual(try ordered(buffer), [[1, 0, 0.25], [1, 1, 0]])
    try assertClose(buffer.estimate().means, [1.25 / 3, 2.0 / 3])
    try assertClose(buffer.estimate().overall, [(1.25 / 3 + 2.0 / 3) / 2])
  }

  func testMoreThanCapacityInOneBatchKeepsTheLastInBatchOrder() throws {
    let buffer = try ReplayBuffer(numGroups: 2, capacity: 3)
    try buffer.push(Tensor([Float(9)]), groupIDs: Tensor([Int64(0)]))  // pointer of group 0 moves to 1
    // Group 0 receives 1..5 interleaved with group 1's 10, 20: only 3, 4, 5 survive.
    try buffer.push(Tensor([Float(1), 10, 2, 3, 20, 4, 5]), groupIDs: Tensor([Int64(0), 1, 0, 0, 1, 0, 0]))
    XCTAssertEqual(try ordered(buffer), [[3, 4, 5], [10, 20]])
    try assertClose(buffer.runningSums(), [12, 30])
    try buffer.push(Tensor([Float(6)]), groupIDs: Tensor([Int64(0)]))
    XCTAssertEqual(try ordered(buffer), [[4, 5, 6], [10, 20]])
    try assertClose(buffer.runningSums(), [15, 30])
    try assertClose(buffer.estimate().means, [5, 0])
    // Far more than k at once.
    try buffer.push(Tensor((0..<50).map(Float.init)), groupIDs: Tensor([Int64](repeating: 1, count: 50)))
    XCTAssertEqual(try ordered(buffer)[1], [47, 48, 49])
    try assertClose(buffer.runningSums(), [15, 144])
  }

  func testSeparateAttributeGroupsPushEachSampleOncePerAttribute() throws {
    // Attributes with 2 and 2 values: groups 0, 1 (first) and 2, 3 (second).
    let buffer = try ReplayBuffer(numGroups: 4, capacity: 2)
    var reference = ReferenceBuffers(numGroups: 4, capacity: 2)
    let ids: [[Int]] = [[0, 2], [1, 3], [0, 3], [0, 2]]
    let values: [Double] = [1, 0, 0, 1]
    try buffer.push(Tensor(values.map { $0 == 1 }), groupIDs: Tensor(ids.flatMap { $0.map(Int64.init) }, shape: [4, 2]))
    reference.push(values, ids: ids)
    try assertMatches(buffer, reference)
    XCTAssertEqual(try ordered(buffer), [[0, 1], [0], [1, 1], [0, 0]])
    XCTAssertEqual(try ints(buffer.estimate().fullGroups), [0, 2, 3])
  }

  /// Random batches (sizes 0-20, some groups flooding past k) against the reference model.
  func testRandomPushesMatchReferenceModel() throws {
    var rng = SplitMix64(seed: 42)
    for (numGroups, capacity, separate) in [(4, 5, false), (3, 1, false), (5, 4, true)] {
      let buffer = try ReplayBuffer(numGroups: numGroups, capacity: capacity)
      var reference = ReferenceBuffers(numGroups: numGroups, capacity: capacity)
      for step in 0..<120 {
        let n = Int.random(in: 0...20, using: &rng)
        let hot = Int.random(in: 0..<numGroups, using: &rng)  // one group gets most samples
        let values = (0..<n).map { _ in Double(Float.random(in: -2...2, using: &rng)) }
        var ids: [[Int]] = []
        for _ in 0..<n {
          let first = Bool.random(using: &rng) ? hot : Int.random(in: 0..<numGroups, using: &rng)
          // Separate mode: two attributes with groups 0..<2 and 2..<numGroups.
          ids.append(separate ? [first % 2, 2 + Int.random(in: 0..<(numGroups - 2), using: &rng)] : [first])
        }
        let idTensor = try Tensor(ids.flatMap { $0.map(Int64.init) }, shape: separate ? [n, 2] : [n])
        try buffer.push(Tensor(values.map(Float.init)), groupIDs: idTensor)
        reference.push(values, ids: ids)
        try assertMatches(buffer, reference, tolerance: 1e-5)
        if testRun?.failureCount ?? 0 > 0 { XCTFail("stopped at step \(step), groups \(numGroups), k \(capacity)"); return }
      }
    }
  }

  func testSampleWeightedOverall() throws {
    let buffer = try ReplayBuffer(numGroups: 3, capacity: 2, overallEstimate: .sampleWeighted(groupFrequencies: [0.5, 0.2, 0.3]))
    try buffer.push(Tensor([true, true, false, false, true]), groupIDs: Tensor([Int64(0), 0, 2, 2, 1]))
    // Full: 0 (mean 1) and 2 (mean 0); Â = (0.5·1 + 0.3·0) / 0.8.
    try assertClose(buffer.estimate().overall, [0.625])
    let unweighted = try ReplayBuffer(numGroups: 3, capacity: 2)
    try unweighted.push(Tensor([true, true, false, false, true]), groupIDs: Tensor([Int64(0), 0, 2, 2, 1]))
    try assertClose(unweighted.estimate().overall, [0.5])
  }

  func testStateRoundTripContinuesIdentically() throws {
    let original = try ReplayBuffer(numGroups: 3, capacity: 4)
    var rng = SplitMix64(seed: 7)
    func batch() throws -> (Tensor, Tensor) {
      let n = Int.random(in: 1...9, using: &rng)
      return (try Tensor((0..<n).map { _ in Float.random(in: 0...1, using: &rng) }),
              try Tensor((0..<n).map { _ in Int64.random(in: 0..<3, using: &rng) }))
    }
    for _ in 0..<5 { let (v, g) = try batch(); try original.push(v, groupIDs: g) }
    let saved = try original.state()
    XCTAssertEqual(saved.map(\.name), ["values", "write_pointers", "counts", "sums"])
    let restored = try ReplayBuffer(numGroups: 3, capacity: 4)
    try restored.loadState(saved)
    for _ in 0..<5 {
      let (v, g) = try batch()
      try original.push(v, groupIDs: g)
      try restored.push(v, groupIDs: g)
    }
    for (a, b) in zip(try original.state(), try restored.state()) {
      XCTAssertTrue(try a.tensor.equals(b.tensor), "\(a.name) differs after resuming")
    }
    // The saved copies did not alias the live buffer.
    XCTAssertFalse(try saved[0].tensor.equals(original.contents()))
    try original.reset()
    XCTAssertEqual(try ints(original.counts()), [0, 0, 0])
    try assertClose(original.runningSums(), [0, 0, 0])
    try assertClose(original.estimate().overall, [0])
  }

  func testPushAndEstimateFreeEveryTemporaryTensor() throws {
    let buffer = try ReplayBuffer(numGroups: 3, capacity: 2)
    let values = try Tensor([true, false, true, true, false])
    let ids = try Tensor([Int64(0), 1, 0, 0, 2])
    try buffer.push(values, groupIDs: ids)
    let before = Torch.liveTensorCount
    for _ in 0..<10 {
      try buffer.push(values, groupIDs: ids)
      _ = try buffer.estimate()
    }
    XCTAssertEqual(Torch.liveTensorCount, before)
  }

  func testInvalidInputAndState() throws {
    assertThrows(FairnessError.self, "capacity is 0") { _ = try ReplayBuffer(numGroups: 2, capacity: 0) }
    assertThrows(FairnessError.self, "numGroups is 0") { _ = try ReplayBuffer(numGroups: 0, capacity: 2) }
    assertThrows(FairnessError.self, "1 group frequencies for 2 groups") {
      _ = try ReplayBuffer(numGroups: 2, capacity: 2, overallEstimate: .sampleWeighted(groupFrequencies: [1]))
    }
    assertThrows(FairnessError.self, "group frequency -1.0") {
      _ = try ReplayBuffer(numGroups: 2, capacity: 2, overallEstimate: .sampleWeighted(groupFrequencies: [1, -1]))
    }
    let buffer = try ReplayBuffer(numGroups: 2, capacity: 2)
    assertThrows(FairnessError.self, "replay buffer", "group id 2 is outside 0..<2") { try buffer.push(Tensor([true]), groupIDs: Tensor([Int64(2)])) }
    assertThrows(FairnessError.self, "shape [2]", "expected [1]") { try buffer.push(Tensor([true, false]), groupIDs: Tensor([Int64(0)])) }
    var state = try buffer.state()
    assertThrows(FairnessError.self, "missing entry 'sums'") { try buffer.loadState(Array(state.prefix(3))) }
    assertThrows(FairnessError.self, "unexpected entry 'extra'") { try buffer.loadState(state + [("extra", try Tensor([Float(1)]))]) }
    state[0] = ("values", try Tensor.zeros([2, 3]))
    assertThrows(FairnessError.self, "'values' is float32 [2, 3], expected float32 [2, 2]") { try buffer.loadState(state) }
    state = try buffer.state()
    state[2] = ("counts", try Tensor([Int64(3), 0]))
    assertThrows(FairnessError.self, "'counts' holds 3, outside 0...2") { try buffer.loadState(state) }
  }
}

/// Per-group capacities min(k, n_g) (issue 11).
final class ReplayBufferGroupSizeTests: XCTestCase {
  func testGroupsSmallerThanKFillTheirOwnRing() throws {
    let buffer = try ReplayBuffer(numGroups: 3, capacity: 4, groupSizes: [2, 9, 0])
    XCTAssertEqual(buffer.groupCapacities, [2, 4, 0])
    // Group 0 gets 1, 0, 1 (only the last two survive), group 1 gets 1, 1, 1.
    try buffer.push(Tensor([Float(1), 1, 0, 1, 1, 1]), groupIDs: Tensor([Int64(0), 1, 0, 1, 0, 1]))
    var e = try buffer.estimate()
    XCTAssertEqual(try e.full.toArray(Bool.self), [true, false, false], "group 2 has no samples and never fills")
    assertClose(e.means, [0.5, 0, 0], atol: 1e-7)
    try buffer.push(Tensor([Float(0)]), groupIDs: Tensor([Int64(1)]))
    e = try buffer.estimate()
    XCTAssertEqual(try e.fullGroups.toArray(Int64.self), [0, 1])
    assertClose(e.means, [0.5, 0.75, 0], atol: 1e-7)
    // Ring order: group 0 evicts its oldest kept value (0) on the next push.
    try buffer.push(Tensor([Float(1)]), groupIDs: Tensor([Int64(0)]))
    assertClose(try buffer.estimate().means, [1, 0.75, 0], atol: 1e-7)
    // State round trip keeps the per-group rings and refuses a pointer beyond a group's ring.
    let copy = try ReplayBuffer(numGroups: 3, capacity: 4, groupSizes: [2, 9, 0])
    try copy.loadState(try buffer.state())
    assertClose(try copy.estimate().means, [1, 0.75, 0], atol: 1e-7)
    var bad = try buffer.state()
    bad[1] = ("write_pointers", try Tensor([Int64(3), 0, 0]))
    assertThrows(FairnessError.self, "'write_pointers' holds 3, outside 0...1 (group 0)") { try copy.loadState(bad) }
  }
}
