// Data-parallel scaling on one host (issue 16): the training step of a prune run (CifarResNet-56,
// global batch 128, 100 classes, FairPrune's objective with SGD momentum) in 1 process x T
// threads against P processes x T/P threads that each take 128/P images of every batch and
// average gradients over c10d/Gloo (loopback TCP), measured in the same invocation, alternating
// rounds. Prints images/s of both, their ratio, the share of the step spent in the gradient
// all-reduce, and an estimate for 8 hosts from the measured all-reduce time. With --sync-batchnorm
// the ranks' BatchNorms normalize over the global batch (`--sync-batchnorm` of train and prune),
// which adds one small differentiable all-reduce per BatchNorm each way.
//
//   swift run -c release scaling-bench [--threads 2] [--processes 2] [--steps 8] [--rounds 3] [--port 29531] [--sync-batchnorm]
import Experiments
import Fairness
import Foundation
import NN
import Optim
import Torch
import BenchSupport

struct Options: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "scaling-bench")
  @Option(help: "Threads of the one-process run (each of P processes gets threads/P).") var threads = 2
  @Option(help: "Processes of the data-parallel run.") var processes = 2
  @Option(help: "Timed steps per round.") var steps = 8
  @Option(help: "Rounds, alternating one process and P processes.") var rounds = 3
  @Option(help: "TCPStore port on 127.0.0.1.") var port = 29531
  @Flag(name: .customLong("sync-batchnorm"), help: "BatchNorm over the global batch, as train and prune --sync-batchnorm.") var syncBatchNorm = false
  /// Set in the child processes: this rank and the world size.
  @Option(help: .hidden) var rank: Int?
  @Option(help: .hidden) var world = 1
}

/// Seconds per step and per gradient all-reduce of `steps` steps on this rank's share of a
/// 128-image batch (the whole batch without a group).
func measure(threads: Int, steps: Int, group: ProcessGroup?, syncBatchNorm: Bool = false) throws -> (step: Double, allReduce: Double) {
  Torch.threadCount = threads
  Torch.manualSeed(0)
  let model = try ModelKind.cifarResNet56.make(inputShape: [3, 32, 32], numClasses: 100)
  if syncBatchNorm { model.synchronizeBatchNorm(over: group) }
  let sgd = try SGD(parameters: model.parameters(), learningRate: 0.01, momentum: 0.9)
  let objective = FineTuningObjective(model: model, weightDecay: 5e-4, processGroup: group)
  let share = 128 / (group?.worldSize ?? 1)
  let x = try Tensor.randn([share, 3, 32, 32]), y = try Tensor.randint(high: 100, shape: [share])
  var total = 0.0, communication = 0.0
  for s in 0..<(steps + 2) {
    var reduce = 0.0
    let t = try seconds {
      try sgd.zeroGrad()
      try objective.evaluate(inputs: x, targets: y).objective.backward()
      if let group { reduce = try seconds { try group.averageGradients(of: model.parameters()) } }
      try sgd.step()
    }
    if s >= 2 {  // warm-up: allocator, oneDNN primitives, the Gloo pairs
      total += t
      communication += reduce
    }
  }
  return (total / Double(steps), communication / Double(steps))
}


let o = Options.parseOrExit()
if let rank = o.rank {
  // A child: one rank of the data-parallel measurement; rank 0 prints its numbers as JSON.
  let group = try ProcessGroup(host: "127.0.0.1", port: o.port, rank: rank, worldSize: o.world, timeout: 120)
  let m = try measure(threads: o.threads, steps: o.steps, group: group, syncBatchNorm: o.syncBatchNorm)
  if rank == 0 { print("{\"step_s\": \(m.step), \"allreduce_s\": \(m.allReduce)}") }
  exit(0)
}

let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
let perProcess = max(1, o.threads / o.processes)
var single: [Double] = [], parallel: [Double] = [], reduceShare: [Double] = [], reduceSeconds: [Double] = []
for round in 0..<o.rounds {
  let one = try measure(threads: o.threads, steps: o.steps, group: nil)
  single.append(128 / one.step)
  let port = o.port + round
  var children: [Process] = []
  let pipe = Pipe()
  for rank in 0..<o.processes {
    let p = Process()
    p.executableURL = executable
    p.arguments = ["--rank", "\(rank)", "--world", "\(o.processes)", "--port", "\(port)", "--threads", "\(perProcess)", "--steps", "\(o.steps)"]
      + (o.syncBatchNorm ? ["--sync-batchnorm"] : [])
    if rank == 0 { p.standardOutput = pipe }
    try p.run()
    children.append(p)
  }
  let output = pipe.fileHandleForReading.readDataToEndOfFile()
  for p in children { p.waitUntilExit() }
  guard children.allSatisfy({ $0.terminationStatus == 0 }),
        let json = try JSONSerialization.jsonObject(with: output) as? [String: Double],
        let step = json["step_s"], let reduce = json["allreduce_s"] else {
    throw TorchError("a rank of the data-parallel measurement failed")
  }
  parallel.append(128 / step)
  reduceShare.append(reduce / step)
  reduceSeconds.append(reduce)
  FileHandle.standardError.write(Data(String(format: "round %d: 1x%d %.1f img/s, %dx%d %.1f img/s, all-reduce %.1f ms (%.1f%% of the step)\n",
                                             round + 1, o.threads, single.last!, o.processes, perProcess, parallel.last!,
                                             1000 * reduce, 100 * reduce / step).utf8))
}
let ratios = zip(parallel, single).map { $0 / $1 }
let ratio = median(ratios)
// Ring all-reduce moves 2(n-1)/n of the gradient bytes per rank: 8 hosts move 1.75x what 2 do.
let allReduce8 = median(reduceSeconds) * (2.0 * 7 / 8) / (2.0 * 1 / 2)
let computePerImage = 1 / median(single)  // one host's full-thread step time per image
let step1 = 128 * computePerImage
let speedup8 = 8 * step1 / (step1 + allReduce8)           // 128 images per host (global batch 1024)
let strongSpeedup8 = step1 / (step1 / 8 + allReduce8)     // one global batch of 128 over 8 hosts
let result: [String: Any] = [
  "single_images_per_s": median(single), "parallel_images_per_s": median(parallel),
  "ratio": ratio, "ratio_min": ratios.min()!, "ratio_max": ratios.max()!,
  "allreduce_share": median(reduceShare), "allreduce_ms": 1000 * median(reduceSeconds),
  "estimated_speedup_8_hosts": speedup8, "estimated_speedup_8_hosts_batch_128": strongSpeedup8, "threads": o.threads, "processes": o.processes, "rounds": o.rounds,
  "sync_batchnorm": o.syncBatchNorm,
]
print(String(decoding: try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys, .prettyPrinted]), as: UTF8.self))
print(String(format: "%d processes x %d threads%@ reach %.2fx the throughput of 1 process x %d threads (target >= 0.90: %@); "
             + "all-reduce %.1f%% of the step; 8 hosts on links like this one estimated %.2fx (128 images per host), %.2fx (one batch of 128)",
             o.processes, perProcess, o.syncBatchNorm ? " (synchronized BatchNorm)" : "", ratio, o.threads, ratio >= 0.9 ? "met" : "NOT met", 100 * median(reduceShare), speedup8, strongSpeedup8))
