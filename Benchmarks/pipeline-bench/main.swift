// Issue 4 targets on CifarResNet-56 (batch 128, random 32x32 inputs, 100 classes), in one invocation:
//  (a) a fine-tuning step (forward, cross-entropy, backward, SGD momentum step) of a 90%-sparse model
//      stepped through `MaskedOptimizer` (as `PruneRun` does) against the same step of the dense model;
//  (b) a `FineTuner` step with CEAG + replay buffers against a `FineTuner` NFT step, with 100 and
//      10,000 groups (one protected attribute of that cardinality, random group id per sample).
// The variants of each comparison run in alternating blocks of steps (the order rotates every
// round) after a warm-up, so machine noise reaches all of them alike; the table gives per-step
// medians, their ratio and the median of the per-round ratios ("paired"). Targets: sparse speed
// >= 1.0x dense; CEAG overhead <= 3% up to 100 groups, <= 10% above.
//
//   swift run -c release pipeline-bench [--threads 2] [--steps 12] [--warmup 2] [--block 2]
//       [--sparsity 0.9] [--groups 100,10000] [--tiny-steps 200] [--only a,b,tiny]
import Datasets
import Experiments
import Fairness
import Foundation
import NN
import Optim
import Sparsity
import Torch
import BenchSupport

struct Options: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "pipeline-bench")
  @Option(help: "Intra-op threads.") var threads = 2
  @Option(help: "Timed steps per variant.") var steps = 12
  @Option(help: "Untimed warm-up steps per variant.") var warmup = 2
  @Option(help: "Steps per block of a variant within a round.") var block = 2
  @Option(help: "Sparsity of the sparse model, in [0, 1).") var sparsity = 0.9
  @Option(name: .customLong("groups"), help: "Group counts of part (b), comma-separated.") var groupList = CommaList([100, 10_000])
  @Option(help: "Steps of the tiny-model comparison (0: skip it).") var tinySteps = 200
  @Option(name: .customLong("only"), help: "Parts to run, a subset of a,b,tiny.") var partList = CommaList(["a", "b", "tiny"])

  var groups: [Int] { groupList.values }
  var parts: Set<String> { Set(partList.values) }

  func validate() throws {
    for (name, value, least) in [("--threads", threads, 1), ("--steps", steps, 1), ("--warmup", warmup, 0), ("--block", block, 1),
                                 ("--tiny-steps", tinySteps, 0)] where value < least {
      throw ValidationError("\(name) needs an integer >= \(least), got \(value)")
    }
    guard (0..<1).contains(sparsity) else { throw ValidationError("--sparsity needs a value in [0, 1), got \(sparsity)") }
    guard groups.allSatisfy({ $0 >= 1 }) else { throw ValidationError("--groups needs group counts >= 1, got \(groups)") }
    guard parts.isSubset(of: ["a", "b", "tiny"]) else {
      throw ValidationError("--only needs a comma-separated subset of a, b, tiny, got \(partList.values.joined(separator: ","))")
    }
  }
}

/// 10000 -> "10,000".
func grouped(_ n: Int) -> String {
  let digits = Array(String(n))
  return String(digits.enumerated().flatMap { i, c in (i > 0 && (digits.count - i) % 3 == 0 ? [","] : []) + [c] })
}

func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

/// CPU seconds used by this process so far (all threads): less sensitive than wall time to being
/// descheduled on a busy machine, though spinning OpenMP workers still count.
func cpuNow() -> Double {
  var ts = timespec()
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
  return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func quantile(_ xs: [Double], _ q: Double) -> Double {
  let s = xs.sorted()
  guard !s.isEmpty else { return .nan }
  return s[min(s.count - 1, Int((Double(s.count - 1) * q).rounded()))]
}

/// One thing to time: a closure that takes one step.
struct Variant {
  let name: String
  let step: () throws -> Void
}

/// Per-step wall times (seconds) of each variant: `warmup` untimed steps each, then rounds in
/// which every variant runs `block` timed steps, the starting variant rotating every round, until
/// each has `steps` timings. `rounds[r][v]` holds variant v's times of round r.
struct Timings {
  var perVariant: [[Double]]
  /// Process CPU seconds of the same steps.
  var cpuPerVariant: [[Double]]
  var rounds: [[[Double]]]

  /// Median over rounds of (median of variant `v` in the round) / (median of variant `ref`).
  func pairedRatio(_ v: Int, over ref: Int) -> Double {
    median(rounds.map { median($0[v]) / median($0[ref]) })
  }
}

func interleave(_ variants: [Variant], warmup: Int, steps: Int, block: Int, log: (String) -> Void) throws -> Timings {
  for _ in 0..<warmup { for v in variants { try v.step() } }
  var perVariant = Array(repeating: [Double](), count: variants.count)
  var cpuPerVariant = perVariant
  var rounds: [[[Double]]] = []
  var r = 0
  while perVariant.contains(where: { $0.count < steps }) {
    var round = Array(repeating: [Double](), count: variants.count)
    for k in 0..<variants.count {
      let v = (r + k) % variants.count
      for _ in 0..<min(block, steps - perVariant[v].count) {
        let start = now(), cpuStart = cpuNow()
        try variants[v].step()
        let t = Double(now() - start) / 1e9
        cpuPerVariant[v].append(cpuNow() - cpuStart)
        perVariant[v].append(t)
        round[v].append(t)
      }
    }
    rounds.append(round)
    log("  round \(r + 1): " + variants.indices.map { v in
      "\(variants[v].name) " + round[v].map { String(format: "%.0f", $0 * 1000) }.joined(separator: "/") + " ms"
    }.joined(separator: ", "))
    r += 1
  }
  return Timings(perVariant: perVariant, cpuPerVariant: cpuPerVariant, rounds: rounds.filter { $0.allSatisfy { !$0.isEmpty } })
}

func progress(_ line: String) { FileHandle.standardError.write((line + "\n").data(using: .utf8)!) }

/// A fresh CifarResNet-56 with the weights of `base`.
func copy(of base: CifarResNet) throws -> CifarResNet {
  let m = try CifarResNet(depth: 56, numClasses: 100)
  try m.loadStateDict(base.stateDict())
  return m
}

/// `model` pruned to `sparsity` (layerwise magnitude, the default scope) with an SGD-momentum
/// optimizer wrapped in `MaskedOptimizer`, as `PruneRun` builds it.
func sparseSetup(_ model: any Module, sparsity: Double) throws -> (SparsityMasks, MaskedOptimizer) {
  let sgd = try SGD(parameters: model.parameters(), learningRate: 0.01, momentum: 0.9)
  let masks = try SparsityMasks(model: model)
  let optimizer = MaskedOptimizer(sgd, masks: masks)
  try masks.prune(to: sparsity, using: LayerwiseMagnitudePruner())
  return (masks, optimizer)
}

/// Groups of one protected attribute with `count` values.
func groupSpec(_ count: Int) throws -> GroupSpec {
  try GroupSpec.single(ProtectedAttribute(name: "attribute", values: (0..<count).map { "g\($0)" }))
}

/// A dense reference with random per-group train accuracies in [0.4, 0.9) and losses in
/// [0.8, 1.6), every group present: what `PruneRun` computes from the dense model's train split,
/// without evaluating a model on 10,000 groups' worth of data.
func denseReference(groups count: Int) throws -> DenseReference {
  let acc = try (Tensor.rand([count]) * 0.5 + 0.4).to(.float64).toArray(Double.self)
  let loss = try (Tensor.rand([count]) * 0.8 + 0.8).to(.float64).toArray(Double.self)
  return try DenseReference(SplitPerformance(
    sampleCount: 50 * count, accuracy: acc.reduce(0, +) / Double(count), loss: loss.reduce(0, +) / Double(count),
    groupCounts: Array(repeating: 50, count: count), groupAccuracies: acc, groupLosses: loss))
}

/// NFT or CEAG with the library's default settings (ε 1%, k = 40, dual step 0.01, wd 1e-4).
func makeMethod(_ method: MethodKind, model: any Module, primal: any Optimizer, groups count: Int) throws -> any FineTuningMethod {
  var config = RunConfig()
  config.method = method
  // The default dual step is per step, so the steps per epoch do not enter.
  return try config.makeMethod(model: model, primal: primal, groups: groupSpec(count), dense: denseReference(groups: count), stepsPerEpoch: 1)
}

/// Fills every group's replay buffer (k values each, 70% correct) so the step runs in the steady
/// state of a long run: every group has a valid estimate and the dual step touches all of F = G.
func fillBuffers(of tuner: any FineTuningMethod, groups count: Int) throws {
  guard let buffer = (tuner as? CEAG)?.buffer else { return }
  let ids = try Tensor.arange(count)
  for _ in 0..<buffer.capacity { try buffer.push(try Tensor.rand([count]).lt(0.7), groupIDs: ids) }
}

struct Row {
  let label: String
  let refName: String, refMedian: Double
  let name: String, candidateMedian: Double
  let ratio: String, paired: String, cpu: String, target: String, met: Bool
}

do {
  let o = Options.parseOrExit()
  Torch.threadCount = o.threads
  Torch.manualSeed(0)
  let batch = 128
  let x = try Tensor.randn([batch, 3, 32, 32])
  let y = try Tensor.randint(high: 100, shape: [batch])
  let base = try CifarResNet(depth: 56, numClasses: 100)
  var rows: [Row] = []
  var spread: [(String, [Double], [Double])] = []
  var notes: [String] = []

  /// 16 batches of random group ids per group count, cycled.
  func attributePool(_ count: Int) throws -> [Tensor] {
    try (0..<16).map { _ in try Tensor.randint(high: count, shape: [batch, 1]) }
  }

  // (a) masked sparse vs dense fine-tuning step.
  if o.parts.contains("a") {
    let denseModel = try copy(of: base)
    let denseSGD = try SGD(parameters: denseModel.parameters(), learningRate: 0.01, momentum: 0.9)
    let sparseModel = try copy(of: base)
    let (masks, maskedSGD) = try sparseSetup(sparseModel, sparsity: o.sparsity)
    let achieved = try masks.report().fraction
    func trainStep(_ model: any Module, _ optimizer: any Optimizer) throws {
      model.train()
      try optimizer.zeroGrad()
      try Tensor.crossEntropy(model(x), targets: y).backward()
      try optimizer.step()
    }
    progress("(a) dense vs \(Int((o.sparsity * 100).rounded()))%-sparse step, \(o.steps) steps each in blocks of \(o.block)")
    let a = try interleave([
      Variant(name: "dense") { try trainStep(denseModel, denseSGD) },
      Variant(name: "sparse") { try trainStep(sparseModel, maskedSGD) },
    ], warmup: o.warmup, steps: o.steps, block: o.block, log: progress)
    let denseMedian = median(a.perVariant[0]), sparseMedian = median(a.perVariant[1])
    let speed = denseMedian / sparseMedian
    rows.append(Row(label: String(format: "(a) fine-tuning step, %.1f%%-sparse (MaskedOptimizer) vs dense; speed", 100 * achieved),
                    refName: "dense", refMedian: denseMedian, name: "sparse", candidateMedian: sparseMedian,
                    ratio: String(format: "%.3fx", speed), paired: String(format: "%.3fx", 1 / a.pairedRatio(1, over: 0)),
                    cpu: String(format: "%.3fx", median(a.cpuPerVariant[0]) / median(a.cpuPerVariant[1])),
                    target: "≥ 1.0x", met: speed >= 1.0))
    spread += [("dense step", a.perVariant[0], a.cpuPerVariant[0]), ("sparse step", a.perVariant[1], a.cpuPerVariant[1])]
    // What the sparse step adds: maskGradients() + applyMasks() (gradients exist after a step).
    var maskTimes: [Double] = [], maskCPU: [Double] = []
    for _ in 0..<20 {
      let start = now(), cpuStart = cpuNow()
      try masks.maskGradients()
      try masks.applyMasks()
      maskTimes.append(Double(now() - start) / 1e9)
      maskCPU.append(cpuNow() - cpuStart)
    }
    notes.append(String(format: "maskGradients() + applyMasks(), the sparse step's only extra work, timed alone: median %.2f ms wall " +
                        "(%.2f%% of the dense step), %.2f ms CPU", median(maskTimes) * 1000, 100 * median(maskTimes) / denseMedian,
                        median(maskCPU) * 1000))
  }

  // (b) CEAG + replay buffers vs NFT, 90%-sparse models as in PruneRun.
  var resnetNFTMedian: Double?
  if o.parts.contains("b") {
    func tuner(method: MethodKind, groups count: Int, model: any Module) throws -> any FineTuningMethod {
      let (_, optimizer) = try sparseSetup(model, sparsity: o.sparsity)
      let t = try makeMethod(method, model: model, primal: optimizer, groups: count)
      try fillBuffers(of: t, groups: count)
      return t
    }
    var variants: [Variant] = []
    let nft = try tuner(method: .nft, groups: o.groups[0], model: copy(of: base))
    let nftAttributes = try attributePool(o.groups[0])
    var nftStep = 0
    variants.append(Variant(name: "NFT") {
      try nft.step(inputs: x, targets: y, attributes: nftAttributes[nftStep % 16], mitigate: true)
      nftStep += 1
    })
    for count in o.groups {
      let ceag = try tuner(method: .ceag, groups: count, model: copy(of: base))
      let attributes = try attributePool(count)
      var n = 0
      variants.append(Variant(name: "CEAG-\(count)") {
        try ceag.step(inputs: x, targets: y, attributes: attributes[n % 16], mitigate: true)
        n += 1
      })
    }
    progress("(b) FineTuner NFT vs CEAG + replay buffers (\(o.groups.map(grouped).joined(separator: ", ")) groups)")
    let b = try interleave(variants, warmup: o.warmup, steps: o.steps, block: o.block, log: progress)
    let nftMedian = median(b.perVariant[0])
    resnetNFTMedian = nftMedian
    spread.append(("FineTuner NFT step", b.perVariant[0], b.cpuPerVariant[0]))
    for (j, count) in o.groups.enumerated() {
      let v = j + 1
      let m = median(b.perVariant[v])
      let overhead = m / nftMedian - 1
      let limit = count <= 100 ? 0.03 : 0.10
      rows.append(Row(label: "(b) FineTuner step, CEAG + replay buffers vs NFT, \(grouped(count)) groups; overhead",
                      refName: "NFT", refMedian: nftMedian, name: "CEAG", candidateMedian: m,
                      ratio: String(format: "%+.1f%%", 100 * overhead),
                      paired: String(format: "%+.1f%%", 100 * (b.pairedRatio(v, over: 0) - 1)),
                      cpu: String(format: "%+.1f%%", 100 * (median(b.cpuPerVariant[v]) / median(b.cpuPerVariant[0]) - 1)),
                      target: String(format: "≤ %.0f%%", 100 * limit), met: overhead <= limit))
      spread.append(("FineTuner CEAG step, \(grouped(count)) groups", b.perVariant[v], b.cpuPerVariant[v]))
    }
  }

  // The CEAG bookkeeping alone, where it dominates: the same FineTuner steps on a linear model.
  if o.parts.contains("tiny"), o.tinySteps > 0 {
    func tiny(method: MethodKind, groups count: Int) throws -> any FineTuningMethod {
      Torch.manualSeed(1)
      let model = Sequential([Flatten(), try Linear(3 * 32 * 32, 100)])
      let sgd = try SGD(parameters: model.parameters(), learningRate: 0.01, momentum: 0.9)
      let t = try makeMethod(method, model: model, primal: sgd, groups: count)
      try fillBuffers(of: t, groups: count)
      return t
    }
    var tinyVariants: [Variant] = []
    let tinyNFT = try tiny(method: .nft, groups: o.groups[0])
    let tinyNFTAttributes = try attributePool(o.groups[0])
    var k = 0
    tinyVariants.append(Variant(name: "NFT") {
      try tinyNFT.step(inputs: x, targets: y, attributes: tinyNFTAttributes[k % 16], mitigate: true)
      k += 1
    })
    for count in o.groups {
      let t = try tiny(method: .ceag, groups: count)
      let attributes = try attributePool(count)
      var n = 0
      tinyVariants.append(Variant(name: "CEAG-\(count)") {
        try t.step(inputs: x, targets: y, attributes: attributes[n % 16], mitigate: true)
        n += 1
      })
    }
    let t = try interleave(tinyVariants, warmup: 20, steps: o.tinySteps, block: 10) { _ in }
    // Medians, and minima (the least disturbed step, for a busy machine).
    let nftMedian = median(t.perVariant[0]), nftMin = t.perVariant[0].min()!
    for (j, count) in o.groups.enumerated() {
      let m = median(t.perVariant[j + 1]), least = t.perVariant[j + 1].min()!
      let share = resnetNFTMedian.map { String(format: " (%.2f%% of the CifarResNet-56 NFT step)", 100 * (m - nftMedian) / $0) } ?? ""
      notes.append(String(format: "CEAG's extra work per step, %@ groups, on a linear 3072→100 model where it dominates (%d steps each): " +
                          "median %.2f ms (NFT %.2f ms → CEAG %.2f ms)%@; minimum %.2f ms (%.2f ms → %.2f ms)",
                          grouped(count), o.tinySteps, (m - nftMedian) * 1000, nftMedian * 1000, m * 1000, share,
                          (least - nftMin) * 1000, nftMin * 1000, least * 1000))
    }
  }

  print("CifarResNet-56, batch \(batch), 32x32 random inputs, \(o.threads) threads; \(o.steps) timed steps per variant " +
        "(after \(o.warmup) warm-up), interleaved in blocks of \(o.block); medians per step")
  print("")
  print("| comparison | reference, median | candidate, median | ratio of medians | paired (median over rounds) | ratio of CPU-time medians | target (ratio of medians) |")
  print("|---|---|---|---|---|---|---|")
  for r in rows {
    print(String(format: "| %@ | %@ %.1f ms | %@ %.1f ms | %@ | %@ | %@ | %@ %@ |", r.label, r.refName, r.refMedian * 1000,
                 r.name, r.candidateMedian * 1000, r.ratio, r.paired, r.cpu, r.target, r.met ? "✔" : "✘"))
  }
  print("")
  print("| step (wall time unless marked) | n | median | p25 | p75 | min | max | CPU time, median |")
  print("|---|---|---|---|---|---|---|---|")
  for (name, xs, cpu) in spread {
    print(String(format: "| %@ | %d | %.1f ms | %.1f ms | %.1f ms | %.1f ms | %.1f ms | %.1f ms |", name, xs.count, median(xs) * 1000,
                 quantile(xs, 0.25) * 1000, quantile(xs, 0.75) * 1000, xs.min()! * 1000, xs.max()! * 1000, median(cpu) * 1000))
  }
  print("")
  for n in notes { print("- " + n) }
} catch {
  FileHandle.standardError.write("pipeline-bench: \(error)\n".data(using: .utf8)!)
  exit(1)
}
