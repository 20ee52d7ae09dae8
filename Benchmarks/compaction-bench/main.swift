// Dense vs channel-compacted evaluation, in one run (issue 15): for CifarResNet-56 (32 px),
// ResNet-18 and MobileNetV2 (--image-size, default 64 px), each pruned with CoupledChannelPruner
// to several channel sparsities (uniform per channel space, default scope) and to a 50% MAC
// budget ("FLOPs halved") and to half of the channels inside blocks with residual streams dense
// ("inside blocks 0.50", `residualStreams: false`), and compacted
// (ChannelCompaction), it prints MACs, parameters, eval throughput at batch 256 and latency at
// batch 1, alternating dense and compacted in every round, as medians over the rounds with their
// spread. Dense and compacted models run in the memory layout FairPrune's runs and loaded files
// use for that architecture (`ModelKind.usesChannelsLast`). Target: at 50% channel sparsity, ResNet-18's and MobileNetV2's batch-256 speed-up is at
// least 0.7x their MAC reduction (and likewise with FLOPs halved).
//
//   swift run -c release compaction-bench [--threads 2] [--rounds 5] [--image-size 64] [--sparsities 0.25,0.5,0.75]
//       [--fold-batchnorm] [--no-layout] [--no-compaction]
//
// Then (unless --no-layout) the memory-layout study of issue 15 item 3: dense eval at batch 256
// and an SGD training step at batch 128, plain (NCHW) vs channels-last (`Module.toChannelsLast`),
// alternating in every round.
import Experiments
import Foundation
import NN
import Optim
import Sparsity
import Torch
import BenchSupport

struct Options: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "compaction-bench")
  @Option(help: "Intra-op threads.") var threads = 2
  @Option(help: "Rounds; each times the dense model, then every compacted one.") var rounds = 5
  @Option(help: "Input size of ResNet-18 and MobileNetV2 (CifarResNet-56 runs at 32 px).") var imageSize = 64
  @Option(name: .customLong("sparsities"), help: "Channel sparsities, comma-separated.")
  var sparsityList = CommaList([0.25, 0.5, 0.75])
  @Option(name: .customLong("models"), help: "Models, comma-separated.")
  var modelList = CommaList(["cifar-resnet56", "resnet18", "mobilenet-v2"])
  @Flag(inversion: .prefixedNo, help: "Also run the memory-layout study (plain vs channels-last).") var layout = true
  @Flag(name: .customLong("fold-batchnorm"), help: "Fold BatchNorm into the convolutions of dense and compacted models.") var foldBatchNorm = false
  @Flag(inversion: .prefixedNo, help: "Run the compaction study (--no-compaction: the layout study alone).") var compaction = true

  var sparsities: [Double] { sparsityList.values }
  var models: [String] { modelList.values }
}

func throughput(_ model: any Module, _ x: Tensor, steps: Int) throws -> Double {
  try Torch.withNoGrad {
    _ = try model(x)
    let t = try seconds { for _ in 0..<steps { _ = try model(x) } }
    return Double(steps * x.size(0)) / t
  }
}

/// Median milliseconds of one batch-1 forward pass over `calls` calls (after three warm-ups).
func latency(_ model: any Module, _ x: Tensor, calls: Int) throws -> Double {
  try Torch.withNoGrad {
    for _ in 0..<3 { _ = try model(x) }
    return median(try (0..<calls).map { _ in try seconds { _ = try model(x) } * 1000 })
  }
}

func build(_ name: String) throws -> (model: any ChannelCompactable, size: Int, classes: Int)? {
  switch name {
  case "cifar-resnet56": return (try CifarResNet(depth: 56, numClasses: 100), 32, 100)
  case "resnet18": return (try ResNet(blocks: [2, 2, 2, 2], numClasses: 7), 0, 7)
  case "mobilenet-v2": return (try MobileNetV2(numClasses: 7), 0, 7)
  default: return nil
  }
}

/// Images per second of SGD steps (forward, backward, update) on `x`.
func trainingThroughput(_ model: any Module, _ x: Tensor, _ y: Tensor, steps: Int) throws -> Double {
  let opt = try SGD(parameters: model.parameters(), learningRate: 0.01, momentum: 0.9)
  func step() throws {
    try opt.zeroGrad()
    try Tensor.crossEntropy(model(x), targets: y).backward()
    try opt.step()
  }
  try step()
  let t = try seconds { for _ in 0..<steps { try step() } }
  return Double(steps * x.size(0)) / t
}

func layoutStudy(_ options: Options) throws {
  print("\n| model | input | measure | plain img/s | channels-last img/s | channels-last / plain |")
  print("|---|---|---|---|---|---|")
  for name in options.models {
    guard let (plain, fixedSize, classes) = try build(name), let (last, _, _) = try build(name) else { continue }
    let size = fixedSize > 0 ? fixedSize : options.imageSize
    try last.loadStateDict(plain.stateDict())
    try last.toChannelsLast()
    let x = try Tensor.randn([256, 3, size, size])
    let xLast = try x.channelsLastContiguous()
    let xt = try Tensor.randn([128, 3, size, size]), yt = try Tensor.randint(high: classes, shape: [128])
    let xtLast = try xt.channelsLastContiguous()
    var evalRatios: [Double] = [], trainRatios: [Double] = []
    var evalRates: ([Double], [Double]) = ([], []), trainRates: ([Double], [Double]) = ([], [])
    for _ in 0..<options.rounds {
      plain.eval()
      last.eval()
      let a = try throughput(plain, x, steps: 3), b = try throughput(last, xLast, steps: 3)
      evalRates.0.append(a)
      evalRates.1.append(b)
      evalRatios.append(b / a)
      plain.train()
      last.train()
      let c = try trainingThroughput(plain, xt, yt, steps: 2), d = try trainingThroughput(last, xtLast, yt, steps: 2)
      trainRates.0.append(c)
      trainRates.1.append(d)
      trainRatios.append(d / c)
    }
    for (measure, rates, ratios) in [("eval b256", evalRates, evalRatios), ("train b128", trainRates, trainRatios)] {
      print(String(format: "| %@ | %d | %@ | %.1f | %.1f | %.2fx (%.2f-%.2f) |", name, size, measure, median(rates.0), median(rates.1),
                   median(ratios), ratios.min() ?? 0, ratios.max() ?? 0))
    }
    fflush(stdout)
  }
}

let options = Options.parseOrExit()
Torch.threadCount = options.threads
Torch.manualSeed(0)
if !options.compaction {
  try layoutStudy(options)
  exit(0)
}
print("compaction-bench: channels-last for " + options.models.filter { ModelKind(rawValue: $0)?.usesChannelsLast == true }.joined(separator: ", ")
      + (options.foldBatchNorm ? "; BatchNorm folded into the convolutions (dense and compacted)" : "") + "; \(options.threads) threads, \(options.rounds) rounds, medians (min-max over rounds)\n")
print("| model | input | structured budget | MMACs | parameters | MAC reduction | eval b256 dense img/s | compacted img/s | speed-up | speed-up / MAC reduction | latency b1 dense ms | compacted ms |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
var verdicts: [String] = []
for name in options.models {
  guard let (dense, fixedSize, _) = try build(name) else { throw TorchError("unknown model \(name)") }
  let size = fixedSize > 0 ? fixedSize : options.imageSize
  dense.eval()
  let shape = [3, size, size]
  let denseCost = try ModelCost(of: dense, inputShape: shape)
  /// A fresh copy of the dense model with its masks.
  func prunableCopy() throws -> (any ChannelCompactable, SparsityMasks) {
    guard let copy = try dense.copy() as? any ChannelCompactable else { throw TorchError("\(name) cannot be copied") }
    return (copy, try SparsityMasks(model: copy))
  }
  func compactedStage(_ model: any ChannelCompactable, label: String) throws -> (label: String, model: any Module, cost: ModelCost) {
    model.eval()
    let compaction = try ChannelCompaction.compact(model)
    return (label, compaction.model, try ModelCost(of: compaction.model, inputShape: shape))
  }
  // Channel sparsities: one copy pruned progressively (masks are nested), compacted at each stage;
  // then "FLOPs halved": a fresh copy pruned to a 50% MAC budget.
  var compacted: [(label: String, model: any Module, cost: ModelCost)] = []
  let (pruned, masks) = try prunableCopy()
  let pruner = try CoupledChannelPruner(model: pruned, inputShape: shape)
  for s in options.sparsities {
    try masks.prune(to: s, using: pruner)
    compacted.append(try compactedStage(pruned, label: String(format: "channels %.2f", s)))
  }
  let (halved, halvedMasks) = try prunableCopy()
  try halvedMasks.prune(to: 0.5, using: CoupledChannelPruner(model: halved, inputShape: shape, budget: .flops))
  compacted.append(try compactedStage(halved, label: "flops 0.50"))
  // Residual streams kept dense: half of the channels inside blocks only.
  let (inner, innerMasks) = try prunableCopy()
  try innerMasks.prune(to: 0.5, using: CoupledChannelPruner(model: inner, inputShape: shape, residualStreams: false))
  compacted.append(try compactedStage(inner, label: "inside blocks 0.50"))
  var timedDense: any Module = dense
  if ModelKind(rawValue: name)?.usesChannelsLast == true {
    try dense.toChannelsLast()
    for c in compacted { try c.model.toChannelsLast() }
  }
  if options.foldBatchNorm {
    timedDense = try BatchNormFolding.folded(dense)
    compacted = try compacted.map { c in
      guard let m = c.model as? any ChannelCompactable else { return c }
      return (c.label, try BatchNormFolding.folded(m), c.cost)
    }
  }
  let batch = try Tensor.randn([256] + shape), single = try Tensor.randn([1] + shape)
  let steps = max(2, Int(40e9 / Double(max(denseCost.macs, 1) * 256)))
  var denseRates: [[Double]] = Array(repeating: [], count: compacted.count)
  var rates: [[Double]] = Array(repeating: [], count: compacted.count)
  var ratios: [[Double]] = Array(repeating: [], count: compacted.count)
  var denseLatency: [Double] = [], latencies: [[Double]] = Array(repeating: [], count: compacted.count)
  for _ in 0..<options.rounds {
    for (i, c) in compacted.enumerated() {
      let d = try throughput(timedDense, batch, steps: steps)
      let r = try throughput(c.model, batch, steps: steps)
      denseRates[i].append(d)
      rates[i].append(r)
      ratios[i].append(r / d)
      latencies[i].append(try latency(c.model, single, calls: 20))
    }
    denseLatency.append(try latency(timedDense, single, calls: 20))
  }
  print(String(format: "| %@ | %d | dense | %.1f | %d | 1.00x | | | | | %.2f | |", name, size, Double(denseCost.macs) / 1e6,
               denseCost.parameters, median(denseLatency)))
  for (i, c) in compacted.enumerated() {
    let reduction = Double(denseCost.macs) / Double(c.cost.macs)
    let speedup = median(ratios[i])
    let spread = String(format: "%.2f-%.2f", ratios[i].min() ?? 0, ratios[i].max() ?? 0)
    print(String(format: "| %@ | %d | %@ | %.1f | %d | %.2fx | %.1f | %.1f | %.2fx (%@) | %.2f | %.2f | %.2f |", name, size, c.label,
                 Double(c.cost.macs) / 1e6, c.cost.parameters, reduction, median(denseRates[i]), median(rates[i]), speedup, spread,
                 speedup / reduction, median(denseLatency), median(latencies[i])))
    if ["channels 0.50", "flops 0.50", "inside blocks 0.50"].contains(c.label) && name != "cifar-resnet56" {
      let met = speedup >= 0.7 * reduction
      verdicts.append(String(format: "%@, %@: speed-up %.2fx vs 0.7 x MAC reduction %.2fx = %.2fx: %@", name, c.label, speedup,
                             reduction, 0.7 * reduction, met ? "target met" : "target NOT met"))
    }
  }
  fflush(stdout)
}
print("")
verdicts.forEach { print($0) }
if options.layout { try layoutStudy(options) }
