// What each fine-tuning method and pruning criterion costs, relative to NFT measured in the same
// run (issue 14, item 4): one epoch of fine-tuning steps per method (nft, el-rb, ceag) on a
// CifarResNet-8 over synthetic 3x16x16 data, and one FairGRAPE pruning step (per-group importances
// over `--scoring-batches` batches plus the greedy selection) at K = 2, 7 and 20 groups. Rounds
// alternate the variants; the table gives per-variant medians over rounds, min-max, and the ratio
// of medians to NFT's epoch.
//
//   swift run -c release methods-bench [--rounds 3] [--samples 2048] [--scoring-batches 16] [--threads 2]
import Datasets
import Experiments
import Foundation
import NN
import Optim
import Sparsity
import Torch
import BenchSupport

struct Options: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "methods-bench")
  @Option(help: "Rounds; each times every variant once.") var rounds = 3
  @Option(help: "Synthetic training samples.") var samples = 2048
  @Option(help: "Batches FairGRAPE scores per pruning step.") var scoringBatches = 16
  @Option(help: "Intra-op threads.") var threads = 2

  func validate() throws {
    for (name, value) in [("--rounds", rounds), ("--samples", samples), ("--scoring-batches", scoringBatches), ("--threads", threads)]
    where value < 1 {
      throw ValidationError("\(name) must be a positive integer, got \(value)")
    }
  }
}

let options = Options.parseOrExit()
let rounds = options.rounds, samples = options.samples, scoringBatches = options.scoringBatches, threads = options.threads
Torch.threadCount = threads

/// Synthetic data with `k` groups of equal expected size.
func data(groups k: Int) throws -> GroupedDataset {
  var s = SyntheticGroupedImages()
  s.trainCount = samples
  s.testCount = 64
  s.groupProportions = [Double](repeating: 1 / Double(k), count: k)
  s.sharedStyleGroups = max(1, k / 2)
  return try s.make()
}

/// A fresh 50%-sparse CifarResNet-8 with its masks and masked SGD.
func sparseModel(_ data: GroupedDataset) throws -> (any Module, SparsityMasks, MaskedOptimizer) {
  Torch.manualSeed(0)
  let model = try ModelKind.cifarResNet8.make(inputShape: data.train.sampleShape, numClasses: data.info.numClasses)
  let masks = try SparsityMasks(model: model)
  try masks.prune(to: 0.5, using: LayerwiseMagnitudePruner())
  let sgd = try SGD(parameters: model.parameters(), learningRate: 0.01, momentum: 0.9)
  return (model, masks, MaskedOptimizer(sgd, masks: masks))
}

/// One epoch of `method`'s mitigating steps.
func epoch(_ method: MethodKind, on data: GroupedDataset) throws -> Double {
  let (model, _, optimizer) = try sparseModel(data)
  var config = RunConfig()
  config.method = method
  let groups = try GroupSpec(info: data.info, attributeNames: data.info.attributes.map(\.name), mode: .intersectional)
  let predictions = try Evaluator.predict(model, on: data.train)
  let dense = try DenseReference(SplitPerformance(correct: predictions.correct, groupIDs: groups.groupIDs(attributes: data.train.attributes),
                                                  numGroups: groups.numGroups, losses: predictions.losses))
  let loader = try DataLoader(data.train, batchSize: 128, shuffle: true, seed: 1)
  let tuner = try config.makeMethod(model: model, primal: optimizer, groups: groups, dense: dense, stepsPerEpoch: loader.batchCount)
  let batches = loader.batches(epoch: 0)
  return try seconds {
    while let b = try batches.next() { try tuner.step(inputs: b.inputs, targets: b.targets, attributes: b.attributes, mitigate: true) }
  }
}

/// One FairGRAPE pruning step from 50% to 60% sparsity.
func fairgrapeStep(on data: GroupedDataset) throws -> Double {
  let (model, masks, _) = try sparseModel(data)
  let groups = try GroupSpec(info: data.info, attributeNames: data.info.attributes.map(\.name), mode: .intersectional)
  let pruner = FairGRAPEPruner(model: model, split: data.train, groups: groups, batchSize: 128, maxBatches: scoringBatches)
  return try seconds { try masks.prune(to: 0.6, using: pruner) }
}

do {
  let seven = try data(groups: 7)
  let byK = try [2, 20].map { ($0, try data(groups: $0)) } + [(7, seven)]
  var times: [String: [Double]] = [:]
  let variants: [(String, () throws -> Double)] =
    [("nft epoch (K=7)", { try epoch(.nft, on: seven) }), ("el-rb epoch (K=7)", { try epoch(.elRB, on: seven) }),
     ("ceag epoch (K=7)", { try epoch(.ceag, on: seven) })]
    + byK.sorted { $0.0 < $1.0 }.map { k, d in ("fairgrape step (K=\(k))", { try fairgrapeStep(on: d) }) }
  _ = try epoch(.nft, on: seven)  // warm-up
  for round in 0..<rounds {
    // Rotate the order so that drift in machine speed reaches every variant alike.
    for i in 0..<variants.count {
      let (name, run) = variants[(i + round) % variants.count]
      times[name, default: []].append(try run())
    }
  }
  let reference = median(times["nft epoch (K=7)"] ?? [1])
  print("methods-bench: CifarResNet-8, 3x16x16, \(samples) training samples, batch 128, 50% sparse, \(threads) threads, "
        + "\(rounds) rounds; FairGRAPE scores \(scoringBatches) batches per step")
  print("| variant | median s | min-max s | / NFT epoch |")
  print("|---|---|---|---|")
  for (name, _) in variants {
    let t = times[name] ?? []
    print(String(format: "| %@ | %.3f | %.3f-%.3f | %.2fx |", name, median(t), t.min() ?? 0, t.max() ?? 0, median(t) / reference))
  }
} catch {
  FileHandle.standardError.write(Data("methods-bench: \(error)\n".utf8))
  exit(1)
}
