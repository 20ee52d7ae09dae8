import Datasets
import NN
import Sparsity
import Torch

/// FairGRAPE (Lin, Kim, Joo, ECCV 2022; SPEC-BASELINES B): a pruning criterion that keeps, in every
/// layer, weights whose per-group importance mix matches the mix before pruning, so no group loses
/// a larger share of what matters to it.
///
/// Importance of weight w for group k (B.2): I_k(w) = mean over batches of (|w| · |∂L_k/∂w|)², with
/// L_k the mean cross-entropy of the batch's group-k samples and the gradient masked. One forward
/// per batch and one backward per group present (`retain_graph`), not K forwards; the reference
/// code's quirks (no zero_grad between groups, Adam steps while scoring) are not reproduced.
/// Selection (B.3) is `FairGRAPE.select`. Used as `FairGRAPEPruner` inside the usual GMP schedule,
/// with NFT fine-tuning between pruning steps.
public enum FairGRAPE {
  /// I_k for every layer: float32 [K, numel] per layer, from at most `maxBatches` batches of `split`
  /// (train-mode forward; BatchNorm statistics are restored afterwards).
  public static func importances(model: any Module, layers: [PrunableLayer], split: GroupedSplit, groups: GroupSpec,
                                 batchSize: Int, maxBatches: Int, seed: UInt64) throws -> [Tensor] {
    let k = groups.numGroups
    let sums = try layers.map { try Tensor.zeros([k, $0.weight.count], dtype: .float64, device: $0.weight.device) }
    let weights = layers.map(\.weight)
    let buffers = try model.namedBuffers().map { ($0.tensor, try $0.tensor.clone()) }
    let wasTraining = model.isTraining
    model.train()
    defer {
      model.train(wasTraining)
      try? Torch.withNoGrad { for (live, saved) in buffers { try live.copy_(saved) } }
    }
    let device = model.device
    let loader = try DataLoader(split, batchSize: batchSize, shuffle: true, seed: seed, pinMemory: device != .cpu)
    let batches = loader.batches(epoch: 0)
    var used = 0
    while used < maxBatches, let next = try batches.next() {
      used += 1
      let b = try next.to(device: device)
      let logits = try model(b.inputs)
      let members = try GroupMembership.rowsByGroup(groups.groupIDs(attributes: b.attributes), numGroups: k)
      let present = members.indices.filter { !members[$0].isEmpty }
      for (position, group) in present.enumerated() {
        let index = try Tensor(members[group].map(Int64.init)).to(device: device)
        let loss = try Tensor.crossEntropy(logits.indexSelect(dim: 0, index: index), targets: b.targets.indexSelect(dim: 0, index: index))
        let grads = try Tensor.gradients(of: [loss], withRespectTo: weights, retainGraph: position + 1 < present.count)
        try Torch.withNoGrad {
          for (l, layer) in layers.enumerated() {
            guard var g = grads[l] else { continue }
            if let mask = layer.layer.weightMask { g = try g * mask.to(g.dtype) }
            let score = try (layer.weight.detached().abs() * g.abs()).square().to(.float64).reshaped([1, -1])
            try sums[l].slice(dim: 0, start: group, end: group + 1).add_(score)
          }
        }
      }
    }
    guard used > 0 else { throw FairnessError("FairGRAPE: the training split gave no batch to score") }
    return try sums.map { try ($0 / Double(used)).to(.float32) }
  }

  /// The greedy selection of B.3 for one layer: keeps `keep` of the `alive` entries so that the
  /// kept importance mix p tracks the layer's mix t before pruning. The group whose share is most
  /// below its target (re-chosen every `paraBatch + 1` steps, ties to the lowest k) contributes its
  /// next most important alive weight. Memory: K index permutations (Int32) and the K×P
  /// importances, O(K·P); `permutationEntries` reports what it allocated.
  public static func select(importances: [[Float]], alive: [Bool], keep: Int, paraBatch: Int = 1)
    -> (kept: [Bool], permutationEntries: Int) {
    let k = importances.count, n = alive.count
    var kept = [Bool](repeating: false, count: n)
    let candidates = (0..<n).filter { alive[$0] }.map(Int32.init)
    guard keep > 0, k > 0, !candidates.isEmpty else { return (kept, 0) }
    // Each group's alive weights by its importance, descending; ties by index, so every CPU agrees.
    let orders: [[Int32]] = (0..<k).map { g in
      let row = importances[g]
      return candidates.sorted { row[Int($0)] != row[Int($1)] ? row[Int($0)] > row[Int($1)] : $0 < $1 }
    }
    let totals = (0..<k).map { g in candidates.reduce(0.0) { $0 + Double(importances[g][Int($1)]) } }
    let totalSum = totals.reduce(0, +)
    let target = totals.map { totalSum > 0 ? $0 / totalSum : 1 / Double(k) }
    var cumulative = [Double](repeating: 0, count: k)
    var share = [Double](repeating: 1 / Double(k), count: k)
    var pointers = [Int](repeating: 0, count: k)
    var chosen = 0, selected = 0, steps = 0
    let goal = min(keep, candidates.count)
    while selected < goal {
      if steps % (paraBatch + 1) == 0 {
        chosen = (0..<k).min { (share[$0] - target[$0], $0) < (share[$1] - target[$1], $1) } ?? 0
      }
      steps += 1
      // A group whose list is used up hands over to the next one with weights left.
      if pointers[chosen] >= orders[chosen].count {
        chosen = (0..<k).first { pointers[$0] < orders[$0].count } ?? chosen
      }
      let w = Int(orders[chosen][pointers[chosen]])
      pointers[chosen] += 1
      guard !kept[w] else { continue }
      kept[w] = true
      selected += 1
      for g in 0..<k { cumulative[g] += Double(importances[g][w]) }
      let sum = cumulative.reduce(0, +)
      if sum > 0 { share = cumulative.map { $0 / sum } }
    }
    return (kept, orders.reduce(0) { $0 + $1.count })
  }
}

/// FairGRAPE as a `Pruner`: per-group importances on the current masked model, then the greedy
/// selection in every layer at the same sparsity (layerwise, as the reference).
public struct FairGRAPEPruner: Pruner {
  public let model: any Module
  public let split: GroupedSplit
  public let groups: GroupSpec
  public var batchSize: Int
  /// Batches scored per pruning step (the reference scores the whole training split).
  public var maxBatches: Int
  public var seed: UInt64

  public init(model: any Module, split: GroupedSplit, groups: GroupSpec, batchSize: Int = 64, maxBatches: Int = 100, seed: UInt64 = 0) {
    self.model = model
    self.split = split
    self.groups = groups
    self.batchSize = batchSize
    self.maxBatches = maxBatches
    self.seed = seed
  }

  public func masks(for layers: [PrunableLayer], sparsity: Double) throws -> [Tensor] {
    guard (0...1).contains(sparsity) else { throw FairnessError("FairGRAPE: sparsity must lie in [0, 1], got \(sparsity)") }
    let scores = try FairGRAPE.importances(model: model, layers: layers, split: split, groups: groups, batchSize: batchSize,
                                           maxBatches: maxBatches, seed: seed)
    return try zip(layers, scores).map { layer, score in
      let n = layer.weight.count
      let alive = try (layer.layer.weightMask?.reshaped([-1]).toArray(Bool.self)) ?? [Bool](repeating: true, count: n)
      let rows = try (0..<groups.numGroups).map { try score.select(dim: 0, index: $0).toArray(Float.self) }
      let keep = n - Int((sparsity * Double(n)).rounded(.up))
      let kept = FairGRAPE.select(importances: rows, alive: alive, keep: keep).kept
      return try Tensor(kept, shape: layer.weight.shape).to(device: layer.weight.device)
    }
  }
}
