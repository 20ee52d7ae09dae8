import Datasets
import Experiments
import Foundation
import TestSupport
import Torch
import XCTest

/// Every data path is bitwise reproducible: two dense trainings with the same seed and thread count
/// write byte-identical model files, whatever state the global generator was left in before.
final class DenseReproducibilityTests: XCTestCase {
  var root: URL!
  override func setUpWithError() throws { root = try temporaryDirectory(self, prefix: "fairprune-repro") }

  /// An image whose pixels follow from `seed`, so images differ and the model has something to fit.
  func image(_ seed: Int, width: Int = 12, height: Int = 12) throws -> RGBImage {
    var rng = SplitMix64(seed: UInt64(seed))
    return try RGBImage(width: width, height: height, pixels: (0..<(width * height * 3)).map { _ in UInt8.random(in: 0...255, using: &rng) })
  }

  func writeFile(_ data: Data, _ path: String) throws {
    let url = root.appendingPathComponent(path)
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try data.write(to: url)
  }

  /// Trains twice from `spec`, each time after scrambling libtorch's global generator with an
  /// unseeded value, and compares the written safetensors byte by byte.
  func assertReproducible(_ dataSpec: DataSpec, model: ModelKind = .mlp, file: StaticString = #filePath, line: UInt = #line) throws {
    var config = DenseTrainingConfig()
    config.epochs = 2
    config.batchSize = 4
    config.threads = 1
    config.seed = 11
    var spec = dataSpec
    spec.horizontalFlip = spec.source != .tabularCSV  // exercise the seeded flips on every image path
    var files: [Data] = []
    for run in 0..<2 {
      Torch.manualSeed(UInt64.random(in: 0...UInt64.max))  // what an unseeded process starts with
      let data = try spec.load()
      let net = try DenseTrainer.trainNew(model, on: data, config: config, progress: ProgressReporter(enabled: false))
      let path = root.appendingPathComponent("model\(run).safetensors").path
      try ModelFile.save(net, metadata: ModelFileMetadata(architecture: model, for: data), to: path)
      files.append(try Data(contentsOf: URL(fileURLWithPath: path)))
    }
    XCTAssertEqual(files[0].count, files[1].count, "\(spec.source)", file: file, line: line)
    XCTAssertTrue(files[0] == files[1], "\(spec.source): two trainings with seed 11 wrote different files", file: file, line: line)
  }

  func testTabularCSV() throws {
    var rows = ["y,race,sex,age,job"]
    for i in 0..<60 { rows.append("\(i % 3 == 0 ? 1 : 0),\(["a", "b", "c"][i % 3]),\(i % 2 == 0 ? "F" : "M"),\(20 + i % 37),\(["x", "y"][i % 2])") }
    try writeFile(Data(rows.joined(separator: "\n").utf8), "table.csv")
    var spec = DataSpec(source: .tabularCSV)
    spec.root = root.appendingPathComponent("table.csv").path
    spec.target = "y"
    spec.protected = ["race", "sex"]
    spec.validationFraction = 0.2
    try assertReproducible(spec)
  }

  func testImageCSV() throws {
    var rows = ["path,label,skin"]
    for i in 0..<16 {
      try writeFile(try ImageCodec.encodePNG(image(i)), "img/\(i).png")
      rows.append("img/\(i).png,\(i % 2),\(i % 3 == 0 ? "dark" : "light")")
    }
    try writeFile(Data(rows.joined(separator: "\n").utf8), "labels.csv")
    var spec = DataSpec(source: .imageCSV)
    spec.root = root.path
    spec.csv = root.appendingPathComponent("labels.csv").path
    spec.target = "label"
    spec.protected = ["skin"]
    spec.decodeThreads = 2
    try assertReproducible(spec)
  }

  func testUTKFace() throws {
    for i in 0..<16 {
      try writeFile(try ImageCodec.encodeJPEG(image(i)), "utk/\(20 + i)_\(i % 2)_\(i % 5)_2017010915055700\(i).jpg.chip.jpg")
    }
    var spec = DataSpec(source: .utkface)
    spec.root = root.appendingPathComponent("utk").path
    spec.protected = ["race", "gender"]
    spec.imageSize = 8
    spec.validationFraction = 0.2
    spec.decodeThreads = 2
    try assertReproducible(spec)
  }

  func testFairFace() throws {
    let races = ["East Asian", "Indian", "Black", "White", "Middle Eastern", "Latino_Hispanic", "Southeast Asian"]
    for split in ["train", "val"] {
      var rows = ["file,age,gender,race,service_test"]
      for i in 0..<(split == "train" ? 14 : 6) {
        try writeFile(try ImageCodec.encodeJPEG(image(i + (split == "val" ? 100 : 0))), "ff/fairface-img-margin025-trainval/\(split)/\(i).jpg")
        rows.append("\(split)/\(i).jpg,20-29,\(i % 2 == 0 ? "Male" : "Female"),\(races[i % 7]),True")
      }
      try writeFile(Data(rows.joined(separator: "\n").utf8), "ff/fairface_label_\(split).csv")
    }
    var spec = DataSpec(source: .fairface)
    spec.root = root.appendingPathComponent("ff").path
    spec.imageSize = 8
    spec.decodeThreads = 2
    try assertReproducible(spec)
  }

  func testCIFAR100() throws {
    for (name, n) in [("train.bin", 20), ("test.bin", 6)] {
      var bytes = Data()
      var rng = SplitMix64(seed: UInt64(n))
      for i in 0..<n {
        bytes.append(UInt8(i % 20))
        bytes.append(UInt8(i % 5))
        bytes.append(contentsOf: (0..<3072).map { _ in UInt8.random(in: 0...255, using: &rng) })
      }
      try writeFile(bytes, "cifar-100-binary/\(name)")
    }
    try writeFile(Data((0..<100).map { "fine\($0)" }.joined(separator: "\n").utf8), "cifar-100-binary/fine_label_names.txt")
    try writeFile(Data((0..<20).map { "coarse\($0)" }.joined(separator: "\n").utf8), "cifar-100-binary/coarse_label_names.txt")
    var spec = DataSpec(source: .cifar100)
    spec.root = root.appendingPathComponent("cifar-100-binary").path
    spec.validationFraction = 0.2
    try assertReproducible(spec, model: .cifarResNet8)
  }

  func testCelebA() throws {
    var attributes = ["16", "Male Smiling Young"]
    var partition: [String] = []
    for i in 1...16 {
      let name = String(format: "%06d.jpg", i)
      try writeFile(try ImageCodec.encodeJPEG(image(i, width: 10, height: 12)), "celeba/img_align_celeba/\(name)")
      attributes.append("\(name) \(i % 2 == 0 ? 1 : -1) \(i % 3 == 0 ? 1 : -1) \(i % 5 == 0 ? -1 : 1)")
      partition.append("\(name) \(i <= 11 ? 0 : i <= 13 ? 1 : 2)")
    }
    try writeFile(Data(attributes.joined(separator: "\n").utf8), "celeba/list_attr_celeba.txt")
    try writeFile(Data(partition.joined(separator: "\n").utf8), "celeba/list_eval_partition.txt")
    var spec = DataSpec(source: .celeba)
    spec.root = root.appendingPathComponent("celeba").path
    spec.target = "Smiling"
    spec.protected = ["Male"]
    spec.decodeThreads = 2
    try assertReproducible(spec)
  }
}
