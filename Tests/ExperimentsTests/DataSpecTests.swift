import Datasets
import Experiments
import Foundation
import TestSupport
import Torch
import XCTest

/// Real formats read through `DataSpec`, the way `fairprune train/prune/evaluate --dataset` do.
final class DataSpecTests: XCTestCase {
  var root: URL!

  override func setUpWithError() throws {
    root = FileManager.default.temporaryDirectory.appendingPathComponent("fairprune-dataspec-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
  }
  override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

  /// A 20x20 JPEG whose red channel is `red` everywhere.
  func solidJPEG(red: UInt8) throws -> Data {
    let pixels = (0..<(20 * 20)).flatMap { _ -> [UInt8] in [red, 128, 200] }
    return try ImageCodec.encodeJPEG(try RGBImage(width: 20, height: 20, pixels: pixels), quality: 95)
  }

  func testUTKFaceFolderBecomesNormalizedResizedTensors() throws {
    // race r of image i: i % 5; gender: i % 2; red channel 40 * (i % 5) so it encodes the race.
    for i in 0..<10 {
      let name = "\(20 + i)_\(i % 2)_\(i % 5)_2017010915055700\(i).jpg.chip.jpg"
      try solidJPEG(red: UInt8(40 * (i % 5))).write(to: root.appendingPathComponent(name))
    }
    var spec = DataSpec(source: .utkface)
    spec.root = root.path
    spec.protected = ["race", "gender"]
    spec.imageSize = 8
    spec.decodeThreads = 1
    let data = try spec.load()
    XCTAssertEqual(data.info.classNames, UTKFace.raceNames)
    XCTAssertEqual(data.info.attributes.map(\.name), ["race", "gender"])
    XCTAssertEqual(data.train.count + data.test.count, 10)
    XCTAssertEqual(data.test.count, 2)  // int(0.2 * 10)
    XCTAssertEqual(data.train.count, 8)
    XCTAssertEqual(data.train.sampleShape, [3, 8, 8])
    XCTAssertTrue(data.train.horizontalFlip, "UTKFace trains with flips by default (SPEC 7.2)")
    XCTAssertFalse(data.test.horizontalFlip)
    for split in [data.train, data.test] {
      let races = try split.targets.toArray(Int64.self)
      XCTAssertEqual(try split.attributes.select(dim: 1, index: 0).toArray(Int64.self), races)
      // ImageNet normalization of the red channel: (40 r / 255 - 0.485) / 0.229, JPEG error aside.
      let red = try split.materializedInputs().select(dim: 1, index: 0).mean(dims: [1, 2]).toArray(Float.self)
      for (value, race) in zip(red, races) {
        XCTAssertEqual(Double(value), (40 * Double(race) / 255 - 0.485) / 0.229, accuracy: 0.03)
      }
    }
  }

  func testTabularCSVThroughDataSpec() throws {
    let csv = root.appendingPathComponent("table.csv")
    let rows = (0..<20).map { "\($0 % 2),\($0 % 3 == 0 ? "a" : "b"),\(Double($0) / 2)" }
    try ("label,group,x\n" + rows.joined(separator: "\n") + "\n").write(to: csv, atomically: true, encoding: .utf8)
    var spec = DataSpec(source: .tabularCSV)
    spec.root = csv.path
    spec.target = "label"
    spec.protected = ["group"]
    let data = try spec.load()
    XCTAssertEqual(data.train.count + data.test.count, 20)
    XCTAssertEqual(data.info.attributes, [ProtectedAttribute(name: "group", values: ["a", "b"])])
    XCTAssertEqual(data.train.count, 16)
    XCTAssertEqual(data.train.sampleShape, [1])  // one standardized numeric feature
    XCTAssertFalse(data.train.horizontalFlip)
    // Labels 0 and 1 only; the model is to have 4 classes.
    spec.numClasses = 4
    XCTAssertEqual(try spec.load().info.classNames, ["0", "1", "class 2", "class 3"])
    spec.numClasses = 1
    assertThrows(ConfigError.self, "num_classes = 1: the labels need at least 2 classes") { try spec.load() }
  }

  func testMissingSettingsAreNamed() {
    func assertError(_ spec: DataSpec, _ fragment: String, line: UInt = #line) {
      XCTAssertThrowsError(try spec.load(), line: line) { XCTAssertTrue("\($0)".contains(fragment), "\($0)", line: line) }
    }
    assertError(DataSpec(source: .utkface), "--data-root")
    var spec = DataSpec(source: .utkface)
    spec.root = root.appendingPathComponent("absent").path
    assertError(spec, "absent")
    spec.target = "height"
    assertError(spec, "target = height: utkface knows race, gender, age")
    var celeba = DataSpec(source: .celeba)
    celeba.root = root.path
    assertError(celeba, "celeba dataset needs a target")
    var image = DataSpec(source: .utkface)
    image.root = root.path
    image.imageSize = 0
    assertError(image, "image_size = 0")
  }

  func testHorizontalFlipMirrorsARandomHalf() throws {
    // 64 one-row images [0, 1, 2]: a flipped one reads [2, 1, 0].
    let inputs = try Tensor([Float](repeating: 0, count: 64 * 3)).reshaped([64, 1, 1, 3])
      + Tensor([Float(0), 1, 2]).reshaped([1, 1, 1, 3])
    let split = try GroupedSplit(inputs: inputs, targets: Tensor.arange(64), attributes: Tensor.zeros([64, 1], dtype: .int64),
                                 horizontalFlip: true)
    func firstColumn(seed: UInt64) throws -> [Float] {
      let batch = try DataLoader(split, batchSize: 64, shuffle: true, seed: seed).makeBatch(epoch: 0, batch: 0)
      let rows = try batch.inputs.reshaped([64, 3]).toArray(Float.self)
      for k in 0..<64 {
        let row = Array(rows[(3 * k)..<(3 * k + 3)])
        XCTAssertTrue(row == [0, 1, 2] || row == [2, 1, 0], "\(row)")
      }
      return (0..<64).map { rows[3 * $0] }
    }
    let flips = try firstColumn(seed: 5)
    let flipped = flips.filter { $0 == 2 }.count
    XCTAssertTrue((16...48).contains(flipped), "\(flipped) of 64 flipped")
    XCTAssertEqual(try firstColumn(seed: 5), flips)  // same seed, same flips
    XCTAssertNotEqual(try firstColumn(seed: 6), flips)
    XCTAssertEqual(try split.withoutAugmentation.makeBatch(Array(0..<64), seed: 5).inputs.reshaped([64, 3]).toArray(Float.self),
                   [Float](repeating: 0, count: 64).indices.flatMap { _ in [Float(0), 1, 2] }, "evaluation never flips")
    assertThrows(DatasetError.self, "horizontal flip needs image inputs") {
      try GroupedSplit(inputs: Tensor.zeros([4, 3]), targets: Tensor.arange(4), attributes: Tensor.zeros([4, 1], dtype: .int64),
                       horizontalFlip: true)
    }
  }
}

/// Tabular data as users have it (issue 11, item 6) and MLPs of any width.
final class TabularOptionsTests: XCTestCase {
  func writeTable(_ root: URL, rows: [String]) throws -> String {
    let url = root.appendingPathComponent("t.csv")
    try rows.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
    return url.path
  }

  func testSplitColumnIgnoredAndCategoricalColumnsAndProtectedFeatures() throws {
    let root = try temporaryDirectory(self, prefix: "fairprune-tabular")
    var rows = ["id,y,sex,zip,x,split"]
    for i in 0..<40 { rows.append("\(i),\(i % 2),\(i % 3 == 0 ? "F" : "M"),\(100 + i % 4),\(Double(i) / 10),\(i < 30 ? "train" : "test")") }
    var spec = DataSpec(source: .tabularCSV)
    spec.root = try writeTable(root, rows: rows)
    spec.target = "y"
    spec.protected = ["sex"]
    assertThrows(DatasetError.self, "t.csv", "column 'split' looks like a train/test split", "--split-column split") { try spec.load() }
    spec.splitColumn = "split"
    spec.ignoreColumns = ["id"]
    var data = try spec.load()
    XCTAssertEqual(data.train.count, 30)
    XCTAssertEqual(data.test.count, 10)
    XCTAssertEqual(data.train.sampleShape, [2], "zip and x, standardized")
    spec.categoricalColumns = ["zip"]
    data = try spec.load()
    XCTAssertEqual(data.train.sampleShape, [5], "4 zip codes one-hot plus x")
    spec.protectedAsFeatures = true
    data = try spec.load()
    XCTAssertEqual(data.train.sampleShape, [7], "plus sex one-hot")
    XCTAssertEqual(data.info.attributes.map(\.name), ["sex"], "still the groups")
    spec.splitColumn = nil
    spec.ignoreColumns = ["id", "split"]
    spec.testFraction = 0.5
    XCTAssertEqual(try spec.load().test.count, 20)
    var faces = DataSpec(source: .utkface)
    faces.ignoreColumns = ["id"]
    assertThrows(ConfigError.self, "apply to tabular-csv, not utkface") { try faces.load() }
  }

  func testAnyMLPWidthLoadsBack() throws {
    let root = try temporaryDirectory(self, prefix: "fairprune-mlp")
    var rows = ["y,g,x1,x2"]
    for i in 0..<40 { rows.append("\(i % 2),\(i % 4 == 0 ? "a" : "b"),\(Double(i % 7)),\(Double(i % 5))") }
    var spec = DataSpec(source: .tabularCSV)
    spec.root = try writeTable(root, rows: rows)
    spec.target = "y"
    spec.protected = ["g"]
    var config = DenseTrainingConfig()
    config.epochs = 1
    config.threads = 1
    config.mlpHidden = [16, 8, 4]
    let file = root.appendingPathComponent("m.safetensors").path
    let message = try Jobs.trainDense(data: spec, model: .mlp, config: config, output: file, progress: ProgressReporter(enabled: false))
    XCTAssertTrue(message.contains("| train | a |"), "per-group accuracy table: \(message)")
    let data = try spec.load()
    let model = try ModelFile.load(file, kind: .mlp, for: data)
    XCTAssertEqual(MLP.hiddenSizes(in: model.stateDict()), [16, 8, 4])
    XCTAssertEqual(try Evaluator.predict(model, on: data.test).accuracy,
                   try Evaluator.predict(try ModelFile.load(file, kind: .mlp, for: data), on: data.test).accuracy)
  }
}
