// Times a CifarResNet-56 training step (batch 128, 100 classes, SGD momentum), eval throughput
// (batch 256) and a chain of 1,000 elementwise ops on 16 elements, in Swift and in the PyTorch
// script Benchmarks/pytorch_reference.py, in the same invocation and with the same thread count.
//
//   swift run -c release fairprune-bench [--threads 2] [--train-steps 20] [--eval-steps 10] [--python /usr/bin/python3]
import Foundation
import NN
import Optim
import Torch

struct Options {
  var threads = 2
  var trainSteps = 20
  var evalSteps = 10
  var python = "/usr/bin/python3"
  var swiftOnly = false

  init(_ args: [String]) throws {
    var i = 1
    func value() throws -> String {
      i += 1
      guard i < args.count else { throw TorchError("missing value after \(args[i - 1])") }
      return args[i]
    }
    while i < args.count {
      switch args[i] {
      case "--threads": threads = Int(try value()) ?? threads
      case "--train-steps": trainSteps = Int(try value()) ?? trainSteps
      case "--eval-steps": evalSteps = Int(try value()) ?? evalSteps
      case "--python": python = try value()
      case "--swift-only": swiftOnly = true
      default: throw TorchError("unknown argument \(args[i])")
      }
      i += 1
    }
  }
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
  let start = DispatchTime.now().uptimeNanoseconds
  try body()
  return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
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
  let o = try Options(CommandLine.arguments)
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
} catch {
  FileHandle.standardError.write("fairprune-bench: \(error)\n".data(using: .utf8)!)
  exit(1)
}
