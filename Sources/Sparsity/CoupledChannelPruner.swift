import NN
import Torch

/// What a structured sparsity counts: channels, or the model's multiply-accumulates or parameters.
public enum ChannelBudget: String, Codable, Sendable, CaseIterable {
  /// Sparsity s prunes ceil(s · n) channels of every channel space (uniform) or of all together (global).
  case channels
  /// Sparsity s removes a fraction s of the whole model's MACs (FLOPs ≈ 2 × MACs) per input.
  case flops
  /// Sparsity s removes a fraction s of the whole model's parameters.
  case parameters
}

/// How a structured budget is shared among channel spaces.
public enum ChannelAllocation: String, Codable, Sendable, CaseIterable {
  /// The same fraction of channels in every prunable space, the smallest one that meets the budget.
  case uniform
  /// One ranking over all spaces: a channel's norm divided by the RMS norm of its space's live
  /// channels (so layers of different fan-in compete on equal terms), lowest pruned first.
  case global
}

/// Structured pruning that produces compactable models: a unit is a channel of a `ChannelTopology`
/// space (a residual stream's channel in every layer writing the stream; a MobileNetV2 hidden
/// channel in its expansion and depthwise convs together), scored by the norm of all the weights
/// that write it, and pruned in every writer at once, so that `ChannelCompaction` removes it.
///
/// A space is prunable when every layer writing it is prunable (`PruningScope`); with the default
/// scope the spaces the stem writes (CifarResNet's first stage stream, MobileNetV2's first block)
/// stay dense with it. With `residualStreams: false` the spaces several layers sum into (residual
/// streams) stay dense too, so only channels inside blocks are pruned (a ResNet block's first
/// conv, a MobileNetV2 block's expansion): the residual additions keep their width and the
/// pruned channels are the ones whose removal shrinks every pass over them. Every space keeps at
/// least one channel. Masks are nested: dead channels rank first. A budget the prunable spaces
/// cannot meet throws `SparsityError`.
public struct CoupledChannelPruner: Pruner {
  public let budget: ChannelBudget
  public let allocation: ChannelAllocation
  public let norm: UnitNorm
  /// Whether residual streams are pruned (in all their writers) or kept dense.
  public let residualStreams: Bool
  private let units: [UnitGroup]
  private let cost: CostModel

  /// - Parameter inputShape: one input's shape ([C, H, W]), for the MACs of each convolution.
  public init(model: any ChannelCompactable, inputShape: [Int], scope: PruningScope = .default,
              budget: ChannelBudget = .channels, allocation: ChannelAllocation = .uniform, norm: UnitNorm = .l2,
              residualStreams: Bool = true) throws {
    self.budget = budget
    self.allocation = allocation
    self.norm = norm
    self.residualStreams = residualStreams
    let topology = model.channelTopology
    let prunable = Set(try prunableLayers(of: model, scope: scope).map(\.name))
    let modelCost = try ModelCost(of: model, inputShape: inputShape)
    let weights = Dictionary(model.namedModules().compactMap { e in (e.module as? any MaskableLayer).map { (e.name, $0.weight) } },
                             uniquingKeysWith: { a, _ in a })
    // Spaces tied by a depthwise conv form one unit group.
    var parent = Array(0..<topology.spaceCount)
    func root(_ s: Int) -> Int { parent[s] == s ? s : root(parent[s]) }
    for layer in topology.layers where layer.isDepthwise {
      if let i = layer.input, let o = layer.output { parent[root(i)] = root(o) }
    }
    let groupOfSpace = (0..<topology.spaceCount).map(root)
    var writersOfSpace = [Int](repeating: 0, count: topology.spaceCount)
    for layer in topology.layers where weights[layer.name] != nil { if let o = layer.output { writersOfSpace[o] += 1 } }
    var groups: [Int: UnitGroup] = [:]
    for layer in topology.layers {
      guard let output = layer.output, let weight = weights[layer.name] else { continue }
      let g = groupOfSpace[output]
      groups[g, default: UnitGroup(id: g, width: weight.size(0))].writers.append(layer.name)
      if !prunable.contains(layer.name) || (!residualStreams && writersOfSpace[output] > 1) { groups[g]!.prunable = false }
    }
    units = groups.keys.sorted().map { groups[$0]! }
    let biased = Set(model.namedModules().filter { e in (e.module as? Linear)?.bias != nil || (e.module as? Conv2d)?.bias != nil }.map(\.name))
    cost = try CostModel(topology: topology, groupOfSpace: groupOfSpace, weights: weights, biased: biased, macs: modelCost.layerMACs)
  }

  public func masks(for layers: [PrunableLayer], sparsity: Double) throws -> [Tensor] {
    try validateSparsity(sparsity)
    let byName = Dictionary(layers.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    return try Torch.withNoGrad {
      let live = units.filter(\.prunable)
      let scores = try live.map { try scoresOfChannels(of: $0, layers: byName) }
      let pruned = try select(groups: live, scores: scores, sparsity: sparsity)
      var rowsToPrune: [String: [Int]] = [:]
      for (group, channels) in zip(live, pruned) where !channels.isEmpty {
        for writer in group.writers { rowsToPrune[writer] = channels }
      }
      return try layers.map { layer in
        let mask = try currentMask(of: layer)
        guard let rows = rowsToPrune[layer.name] else { return mask }
        let keep = try Tensor.ones([layer.unitCount], dtype: .bool, device: mask.device)
        try keep.indexPut_(index: Tensor(rows.map(Int64.init)).to(device: mask.device), values: Tensor.zeros([], dtype: .bool, device: mask.device))
        return try mask.logicalAnd(keep.reshaped([layer.unitCount] + Array(repeating: 1, count: layer.weight.rank - 1)))
      }
    }
  }

  /// Per channel of the group: the norm of every weight writing it, or −1 when it is dead in every writer.
  private func scoresOfChannels(of group: UnitGroup, layers: [String: PrunableLayer]) throws -> [Double] {
    var total = [Double](repeating: 0, count: group.width)
    var alive = [Bool](repeating: false, count: group.width)
    for name in group.writers {
      guard let layer = layers[name] else { throw SparsityError("CoupledChannelPruner: layer \(name) is not among the pruned layers") }
      let mask = try currentMask(of: layer)
      let rows = try (layer.weight.detached() * mask).reshaped([layer.unitCount, -1]).to(.float64)
      let part = try (norm == .l2 ? rows.square().sum(dims: [1]) : rows.abs().sum(dims: [1])).toArray(Double.self)
      let live = try mask.reshaped([layer.unitCount, -1]).sum(dims: [1]).gt(0).toArray(Bool.self)
      for c in 0..<group.width {
        total[c] += part[c]
        alive[c] = alive[c] || live[c]
      }
    }
    return (0..<group.width).map { alive[$0] ? (norm == .l2 ? total[$0].squareRoot() : total[$0]) : -1 }
  }

  /// The channels to prune in each group (dead ones included), meeting the budget at `sparsity`.
  private func select(groups: [UnitGroup], scores: [[Double]], sparsity: Double) throws -> [[Int]] {
    let orders = scores.map { s in s.indices.sorted { (s[$0], $0) < (s[$1], $1) } }
    let totalChannels = groups.map(\.width).reduce(0, +)
    func counts(_ prunedPerGroup: [Int]) -> [Int: Int] {
      Dictionary(zip(groups.map(\.id), zip(groups, prunedPerGroup).map { $0.width - $1 }), uniquingKeysWith: { a, _ in a })
    }
    let measure: ([Int]) -> Double
    let target: Double
    switch budget {
    case .channels:
      measure = { Double($0.reduce(0, +)) }
      target = Double(prunedCount(sparsity: sparsity, of: totalChannels))
    case .flops, .parameters:
      let full = cost.total(budget, liveWidths: [:])
      measure = { full - cost.total(budget, liveWidths: counts($0)) }
      target = sparsity * full
      let most = measure(groups.map { $0.width - 1 })
      if target > most + 1e-9 * full {
        throw SparsityError(String(format: "a %@ budget of %.3f cannot be met: pruning every prunable channel removes %.3f", budget.rawValue, sparsity, most / full))
      }
    }
    // Dead channels are pruned whatever the budget (masks are nested).
    let dead = scores.map { $0.filter { $0 < 0 }.count }
    var pruned: [Int]
    switch (allocation, budget) {
    case (.uniform, .channels):
      pruned = groups.map { min($0.width - 1, prunedCount(sparsity: sparsity, of: $0.width)) }
    case (.uniform, _):
      func at(_ r: Double) -> [Int] { groups.map { min($0.width - 1, prunedCount(sparsity: r, of: $0.width)) } }
      var (lo, hi) = (0.0, 1.0)
      for _ in 0..<50 {
        let mid = (lo + hi) / 2
        if measure(at(mid)) >= target { hi = mid } else { lo = mid }
      }
      pruned = at(hi)
    case (.global, _):
      pruned = dead
      // Normalized scores of live channels, ranked over all groups.
      var ranking: [(score: Double, group: Int)] = []
      for (g, s) in scores.enumerated() {
        let liveScores = s.filter { $0 >= 0 }
        let rms = (liveScores.map { $0 * $0 }.reduce(0, +) / Double(max(liveScores.count, 1))).squareRoot()
        for v in liveScores { ranking.append((rms > 0 ? v / rms : 0, g)) }
      }
      ranking.sort { ($0.score, $0.group) < ($1.score, $1.group) }
      for entry in ranking where measure(pruned) < target {
        if pruned[entry.group] < groups[entry.group].width - 1 { pruned[entry.group] += 1 }
      }
    }
    return zip(orders, zip(pruned, dead)).map { order, k in Array(order.prefix(max(k.0, k.1))) }
  }
}

/// Channel spaces pruned together, and the layers writing them.
private struct UnitGroup {
  let id: Int
  let width: Int
  var writers: [String] = []
  var prunable = true
}

/// MACs and parameters of a model as functions of its groups' live widths.
private struct CostModel {
  struct Term {
    let input: Int?, output: Int?
    let fixedInput: Int, fixedOutput: Int
    let isDepthwise: Bool
    /// MACs per (input, output) channel pair (per channel for a depthwise conv), and weights per pair.
    let macsPerPair: Double, weightsPerPair: Double
    /// Parameters per output channel besides the weights (bias, BatchNorm scale and shift).
    let perOutput: Double
  }
  let terms: [Term]

  init(topology: ChannelTopology, groupOfSpace: [Int], weights: [String: Tensor], biased: Set<String>, macs: [String: Int]) throws {
    terms = try topology.layers.map { layer in
      guard let w = weights[layer.name] else { throw SparsityError("channel graph: the model has no layer \(layer.name)") }
      let outputs = w.size(0), inputs = layer.isDepthwise ? 1 : w.size(1)
      let pairs = Double(outputs * inputs)
      let layerMACs = Double(macs[layer.name] ?? 0)
      let extra = Double((layer.batchNorm != nil ? 2 : 0) + (biased.contains(layer.name) ? 1 : 0))
      return Term(input: layer.input.map { groupOfSpace[$0] }, output: layer.output.map { groupOfSpace[$0] },
                  fixedInput: w.size(1), fixedOutput: outputs, isDepthwise: layer.isDepthwise,
                  macsPerPair: layerMACs / pairs, weightsPerPair: Double(w.count) / pairs, perOutput: extra)
    }
  }

  /// Total MACs or parameters when group g has `liveWidths[g]` channels (full width when absent).
  func total(_ budget: ChannelBudget, liveWidths: [Int: Int]) -> Double {
    terms.reduce(0) { sum, t in
      let out = Double(t.output.flatMap { liveWidths[$0] } ?? t.fixedOutput)
      let pairs = t.isDepthwise ? out : Double(t.input.flatMap { liveWidths[$0] } ?? t.fixedInput) * out
      return sum + (budget == .flops ? t.macsPerPair * pairs : t.weightsPerPair * pairs + t.perOutput * out)
    }
  }
}
