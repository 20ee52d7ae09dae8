// Times a CifarResNet-56 training step (batch 128, 100 classes, SGD momentum), eval throughput
// (batch 256) and a chain of 1,000 elementwise ops on 16 elements, in Swift and in the PyTorch
// script Benchmarks/pytorch_reference.py, in the same invocation and with the same thread count.
// Then FairPrune's CEAG fine-tuning step as runs take it (CifarResNet-56 built by ModelKind, so in
// its measured memory layout; 90% unstructured sparsity, masked SGD, 100 groups with replay
// buffers, batch 128) against PyTorch's plain dense step, and against `--reference-command`, any
// command timed in the same window (e.g. the reference code's CEAG epoch), whose images are
// given by `--reference-images`.
//
//   swift run -c release fairprune-bench [--threads 2] [--train-steps 20] [--eval-steps 10] [--python /usr/bin/python3]
//       [--ceag-steps 10] [--reference-command 'python3 main.py ...' --reference-images 12800]
import Experiments
import Foundation
import NN
import Optim
import Torch
import BenchSupport

struct Options: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "fairprune-bench")
  @Option(help: "Intra-op threads (Swift and PyTorch alike).") var threads = 2
  @Option(help: "Timed CifarResNet-56 training steps.") var trainSteps = 20
  @Option(help: "Timed evaluation batches.") var evalSteps = 10
  @Option(help: "The Python that runs Benchmarks/pytorch_reference.py.") var python = "/usr/bin/python3"
  @Flag(help: "Skip the PyTorch reference.") var swiftOnly = false
  @Option(help: "Timed CEAG fine-tuning steps.") var ceagSteps = 10
  @Option(help: "A command timed in the same window (e.g. the reference code's CEAG epoch).") var referenceCommand: String?
  @Option(help: "Images the reference command processes (for its rate).") var referenceImages = 0
}

func swiftNumbers(_ o: Options) throws -> [String: Double] {
  Torch.threadCount = o.threads
  Torch.manualSeed(0)
  let model = try CifarResNet.resnet56(numClasses: 100)
  let opt = try SGD(parameters: model.parameters(), learningRate: 0.01, momentum: 0.9)
  let xe = try Tensor.randn([256, 3, 32, 32])
  let x = try Tensor.randn([128, 3, 32, 32])
  let y = try Tensor.randint(high: 100, shape: [128])

  model.eval()
  let evalS = try Torch.withNoGrad {
    for _ in 0..<2 { _ = try model(xe) }
    return try seconds { for _ in 0..<o.evalSteps { _ = try model(xe) } }
  }

  model.train()
  func step() throws {
    try opt.zeroGrad()
    try Tensor.crossEntropy(model(x), targets: y).backward()
    try opt.step()
  }
  for _ in 0..<3 { try step() }
  let trainS = try seconds { for _ in 0..<o.trainSteps { try step() } }

  let a = try Tensor.rand([16]), b = try Tensor.rand([16])
  var best = Double.infinity
  for _ in 0..<20 {
    best = min(best, try seconds {
      var z = a
      for _ in 0..<500 {
        z = try z * b
        z = try z + b
      }
    })
  }
  return [
    "train_images_per_s": 128 * Double(o.trainSteps) / trainS,
    "eval_images_per_s": 256 * Double(o.evalSteps) / evalS,
    "op_chain_1000_us": best * 1e6,
  ]
}

/// Images per second of CEAG's mitigating step on a 90%-sparse CifarResNet-56 with 100 groups.
func ceagStepRate(_ o: Options) throws -> Double {
  Torch.threadCount = o.threads
  Torch.manualSeed(0)
  var synthetic = SyntheticGroupedImages()
  synthetic.numClasses = 100
  synthetic.imageSize = 32
  synthetic.groupProportions = [Double](repeating: 0.01, count: 100)
  synthetic.sharedStyleGroups = 50
  synthetic.trainCount = 128 * (o.ceagSteps + 2)
  synthetic.testCount = 10
  let data = try synthetic.make()
  let model = try ModelKind.cifarResNet56.make(inputShape: data.train.sampleShape, numClasses: 100)
  let masks = try SparsityMasks(model: model)
  try masks.prune(to: 0.9, using: LayerwiseMagnitudePruner())
  let sgd = try SGD(parameters: model.parameters(), learningRate: 0.01, momentum: 0.9)
  let groups = try GroupSpec(info: data.info, attributeNames: data.info.attributes.map(\.name), mode: .intersectional)
  let predictions = try Evaluator.predict(model, on: data.train)
  let dense = try DenseReference(SplitPerformance(correct: predictions.correct, groupIDs: groups.groupIDs(attributes: data.train.attributes),
                                                  numGroups: groups.numGroups, losses: predictions.losses))
  var config = RunConfig()
  config.method = .ceag
  let loader = try DataLoader(data.train, batchSize: 128, shuffle: true, seed: 1)
  let tuner = try config.makeMethod(model: model, primal: MaskedOptimizer(sgd, masks: masks), groups: groups, dense: dense,
                                    stepsPerEpoch: loader.batchCount)
  let batches = loader.batches(epoch: 0)
  var count = 0, images = 0
  var elapsed = 0.0
  model.train()
  while let b = try batches.next() {
    let t = try seconds { try tuner.step(inputs: b.inputs, targets: b.targets, attributes: b.attributes, mitigate: true) }
    count += 1
    if count > 2 {  // warm-up: allocator, oneDNN primitives, buffers filling
      elapsed += t
      images += b.inputs.size(0)
    }
  }
  return Double(images) / elapsed
}

/// Wall-clock seconds of `command` run by /bin/sh.
func timeCommand(_ command: String) throws -> Double {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/bin/sh")
  process.arguments = ["-c", command]
  let t = try seconds {
    try process.run()
    process.waitUntilExit()
  }
  guard process.terminationStatus == 0 else { throw TorchError("--reference-command exited with status \(process.terminationStatus)") }
  return t
}

func pythonNumbers(_ o: Options) throws -> [String: Any] {
  let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("pytorch_reference.py").path
  let process = Process()
  process.executableURL = URL(fileURLWithPath: o.python)
  process.arguments = [script, "\(o.threads)", "\(o.trainSteps)", "\(o.evalSteps)"]
  let pipe = Pipe()
  process.standardOutput = pipe
  try process.run()
  let data = pipe.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  guard process.terminationStatus == 0,
        let json = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
    throw TorchError("the PyTorch reference (\(o.python) \(script)) failed with status \(process.terminationStatus)")
  }
  return json
}

do {
  let o = Options.parseOrExit()
  let torchRef = o.swiftOnly ? [:] : try pythonNumbers(o)
  let mine = try swiftNumbers(o)
  print("threads: \(o.threads), train steps: \(o.trainSteps), eval batches: \(o.evalSteps)")
  print("| measure | FairPrune (Swift) | PyTorch \(torchRef["torch"] as? String ?? "-") | ratio |")
  print("|---|---|---|---|")
  for (key, label, higherIsBetter) in [
    ("train_images_per_s", "CifarResNet-56 train, images/s (batch 128)", true),
    ("eval_images_per_s", "CifarResNet-56 eval, images/s (batch 256)", true),
    ("op_chain_1000_us", "1,000 elementwise ops on 16 floats, µs", false),
  ] {
    let s = mine[key] ?? .nan
    let p = torchRef[key] as? Double ?? .nan
    let ratio = higherIsBetter ? s / p : p / s
    print(String(format: "| %@ | %.1f | %.1f | %.2fx |", label, s, p, ratio))
  }
  print("(ratio > 1 means FairPrune is faster)")
  let ceag = try ceagStepRate(o)
  let plain = torchRef["train_images_per_s"] as? Double ?? .nan
  print(String(format: "\nCEAG step (CifarResNet-56 as runs build it, 90%% unstructured, 100 groups, replay buffers, batch 128): %.1f images/s", ceag))
  print(String(format: "  / PyTorch's plain dense step (%.1f images/s): %.2fx (target >= 1.5x: %@)", plain, ceag / plain,
               ceag / plain >= 1.5 ? "met" : "NOT met"))
  if let command = o.referenceCommand {
    let t = try timeCommand(command)
    let rate = o.referenceImages > 0 ? Double(o.referenceImages) / t : .nan
    print(String(format: "  reference command: %.2f s%@", t, o.referenceImages > 0 ? String(format: ", %.1f images/s; CEAG step / reference: %.2fx", rate, ceag / rate) : " (give --reference-images for a rate)"))
  }
} catch {
  FileHandle.standardError.write("fairprune-bench: \(error)\n".data(using: .utf8)!)
  exit(1)
}
