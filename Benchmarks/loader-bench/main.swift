// Input-pipeline throughput against training speed, measured in the same run (issue 5 targets):
// UTKFace-like 200x200 JPEG batches of 128 must arrive at least 5x faster than MobileNetV2
// trains on them, CIFAR-like 32x32 batches at least 20x faster than CifarResNet-56 trains.
//
//   swift run -c release loader-bench [--threads 2] [--images 512] [--train-steps 2] [--utkface DIR]
//
// The loader is timed alone (batches/s through DataLoader with prefetch, consumed as fast as
// possible), for decoded images held in memory (the cached path) and for JPEGs decoded per
// batch; the model is timed on one fixed batch (forward, backward, SGD step). With --utkface the
// first --images files of a real UTKFace copy are used instead of generated JPEGs.
import Datasets
import Foundation
import NN
import Optim
import Torch
import BenchSupport

struct Options: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "loader-bench")
  @Option(help: "Intra-op threads.") var threads = 2
  @Option(help: "Images per dataset (generated, or the first files of --utkface).") var images = 512
  @Option(help: "Timed training steps per model.") var trainSteps = 2
  @Option(help: "Timed loader batches.") var loaderBatches = 20
  @Option(help: "A real UTKFace folder to read instead of generated JPEGs.") var utkface: String?
}

func loaderRate<S: BatchSource>(_ source: S, batchSize: Int, batches: Int) throws -> Double {
  let loader = try DataLoader(source, batchSize: batchSize, shuffle: true, dropLast: true, seed: 1, prefetch: 2)
  _ = try loader.makeBatch(epoch: 0, batch: 0)  // warm-up
  var done = 0
  let t = try seconds {
    var epoch = 0
    while done < batches {
      let it = loader.batches(epoch: epoch)
      while done < batches, let batch = try it.next() {
        precondition(batch.count == batchSize)
        done += 1
      }
      it.cancel()
      epoch += 1
    }
  }
  return Double(done) / t
}

/// Training steps per second of `model` on one fixed batch.
func trainRate(_ model: some Module, input: [Int], classes: Int, steps: Int) throws -> Double {
  let opt = try SGD(parameters: model.parameters(), learningRate: 0.01, momentum: 0.9)
  let x = try Tensor.randn(input)
  let y = try Tensor.randint(high: classes, shape: [input[0]])
  model.train()
  func step() throws {
    try opt.zeroGrad()
    try Tensor.crossEntropy(model(x), targets: y).backward()
    try opt.step()
  }
  try step()
  return Double(steps) / (try seconds { for _ in 0..<steps { try step() } })
}

/// A textured 200x200 face-sized test image (noise over gradients, so JPEGs have realistic size).
func syntheticImage(_ seed: Int) throws -> RGBImage {
  var rng = SplitMix64(seed: UInt64(seed))
  var pixels = [UInt8](repeating: 0, count: 200 * 200 * 3)
  for y in 0..<200 {
    for x in 0..<200 {
      for c in 0..<3 {
        let base = (x * (c + 1) + y * (3 - c) + seed * 17) % 200
        pixels[(y * 200 + x) * 3 + c] = UInt8(min(255, base + Int(rng.next() % 40)))
      }
    }
  }
  return try RGBImage(width: 200, height: 200, pixels: pixels)
}

func run(_ o: Options) throws {
  Torch.threadCount = o.threads
  Torch.manualSeed(0)
  print("threads \(o.threads), batch 128")

  // UTKFace-like files.
  let list: ImageList
  var tempDir: URL?
  if let dir = o.utkface {
    let manifest = try UTKFace(root: URL(fileURLWithPath: dir), protected: [.race, .gender]).read().manifest
    list = manifest.train.subset(Array(0..<min(o.images, manifest.train.count)))
    print("UTKFace images: \(list.count) real files from \(dir)")
  } else {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("loader-bench-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    tempDir = dir
    var records: [ImageRecord] = []
    var bytes = 0
    for i in 0..<o.images {
      let jpeg = try ImageCodec.encodeJPEG(try syntheticImage(i), quality: 90)
      bytes += jpeg.count
      try jpeg.write(to: dir.appendingPathComponent("\(i).jpg"))
      records.append(ImageRecord(path: "\(i).jpg", target: i % 5, attributes: [i % 5, i % 2]))
    }
    list = ImageList(root: dir, records: records)
    print("UTKFace-like images: \(list.count) generated 200x200 JPEGs, \(bytes / list.count) bytes each")
  }
  defer { if let tempDir { try? FileManager.default.removeItem(at: tempDir) } }

  let cacheDir = FileManager.default.temporaryDirectory.appendingPathComponent("loader-bench-cache-\(UUID().uuidString)")
  defer { try? FileManager.default.removeItem(at: cacheDir) }
  let options = ImageLoadOptions(threads: o.threads, cacheDirectory: cacheDir)
  var memory: ImageSplit!
  let decodeS = try seconds { memory = try ImageSplit.load(list, attributeCount: 2, transform: .utkFaceTrain, options: options).split }
  let cachedS = try seconds { memory = try ImageSplit.load(list, attributeCount: 2, transform: .utkFaceTrain, options: options).split }
  print(String(format: "decode %d images: %.2f s (%.0f images/s); read back from the cache: %.3f s", list.count, decodeS,
               Double(list.count) / decodeS, cachedS))

  let files = try ImageFileSplit(list: list, attributeCount: 2, transform: .utkFaceTrain, threads: o.threads)
  let memoryRate = try loaderRate(memory, batchSize: 128, batches: o.loaderBatches)
  let fileRate = try loaderRate(files, batchSize: 128, batches: max(4, o.loaderBatches / 4))
  let mobileNet = try MobileNetV2(numClasses: 5)
  let mobileRate = try trainRate(mobileNet, input: [128, 3, 200, 200], classes: 5, steps: o.trainSteps)

  // CIFAR-like: 32x32 uint8 images in memory, as CIFAR100.read gives them.
  let n = 2048
  var rng = SplitMix64(seed: 7)
  let pixels = (0..<(n * 3072)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
  let store = try pixels.withUnsafeBytes { try ImageStore(planar: $0, count: n, channels: 3, height: 32, width: 32) }
  let labels = try LabelTable(targets: (0..<n).map { Int64($0 % 100) }, attributes: (0..<n).map { Int64($0 % 100) }, attributeCount: 1)
  let cifar = try ImageSplit(store: store, labels: labels, transform: .cifar100)
  let cifarRate = try loaderRate(cifar, batchSize: 128, batches: o.loaderBatches * 5)
  let cifarAugRate = try loaderRate(try cifar.with(transform: .cifarAugmented), batchSize: 128, batches: o.loaderBatches * 5)
  let resnet = try CifarResNet(depth: 56, numClasses: 100)
  let resnetRate = try trainRate(resnet, input: [128, 3, 32, 32], classes: 100, steps: max(3, o.trainSteps * 3))

  func line(_ what: String, _ loader: Double, _ train: Double, target: Double) {
    let ratio = loader / train
    let numbers = String(format: "%9.1f batches/s  vs train %7.3f steps/s  = %7.1fx (target %.0fx) ", loader, train, ratio, target)
    print(what.padding(toLength: 46, withPad: " ", startingAt: 0) + numbers + (ratio >= target ? "ok" : "BELOW TARGET"))
  }
  print("")
  line("UTKFace-like 200x200, decoded in memory", memoryRate, mobileRate, target: 5)
  line("UTKFace-like 200x200, JPEG decoded per batch", fileRate, mobileRate, target: 5)
  line("CIFAR-like 32x32 (SPEC: normalize only)", cifarRate, resnetRate, target: 20)
  line("CIFAR-like 32x32 (crop 4 + flip)", cifarAugRate, resnetRate, target: 20)
}

do {
  try run(Options.parseOrExit())
} catch {
  FileHandle.standardError.write(Data("loader-bench: \(error)\n".utf8))
  exit(1)
}
