import Foundation

/// CIFAR-100 in either published format: the binary version (`train.bin`, `test.bin`,
/// `fine_label_names.txt`, `coarse_label_names.txt`) or the python version (pickled `train`,
/// `test`, `meta`, read by FairPrune's strict pickle reader: only NumPy-array data, never code).
///
/// The fine label is the target; protected attributes are the fine label (SPEC.md 7.1: the
/// protected group is the class), the coarse label, or both. Splits are the official 50k / 10k;
/// `SplitOptions.validationFraction` holds out a stratified validation set from train.
public struct CIFAR100: Sendable {
  /// Which published format to read.
  public enum Format: String, Sendable, CaseIterable, Codable {
    case binary, python
  }
  /// A label column.
  public enum Label: String, Sendable, CaseIterable, Codable {
    case fine, coarse
  }

  /// The directory holding the files, or its parent holding `cifar-100-binary` / `cifar-100-python`.
  public var root: URL
  /// nil: whichever format is present (binary first).
  public var format: Format?
  /// Protected attribute columns, in order.
  public var protected: [Label]
  /// Only `validationFraction` / `validationSeed` apply: CIFAR-100 has its own test split.
  public var split: SplitOptions

  public init(root: URL, format: Format? = nil, protected: [Label] = [.fine], split: SplitOptions = SplitOptions()) {
    self.root = root
    self.format = format
    self.protected = protected
    self.split = split
  }

  static let imageBytes = 3 * 32 * 32

  /// One official split as read from its file.
  struct RawSplit {
    var pixels: Data
    var fine: [Int]
    var coarse: [Int]
  }

  /// The directory and format actually used.
  func locate() throws -> (directory: URL, format: Format) {
    let candidates: [(Format, URL, String)] = [
      (.binary, root, "train.bin"), (.binary, root.appendingPathComponent("cifar-100-binary"), "train.bin"),
      (.python, root, "train"), (.python, root.appendingPathComponent("cifar-100-python"), "train"),
    ]
    for (f, dir, file) in candidates where format == nil || format == f {
      var isDirectory: ObjCBool = false
      if FileManager.default.fileExists(atPath: dir.appendingPathComponent(file).path, isDirectory: &isDirectory), !isDirectory.boolValue {
        return (dir, f)
      }
    }
    let what = format.map { "the \($0.rawValue) version of CIFAR-100" } ?? "CIFAR-100 (train.bin or a pickled train file)"
    throw DatasetError("no \(what) here or in cifar-100-binary / cifar-100-python", file: root.path)
  }

  /// Reads both splits into memory; `train` / `eval` are the batch transforms of the train and
  /// of the test and validation splits (SPEC.md 7.2: `.cifar100` for both).
  public func read(train trainTransform: BatchTransform = .cifar100, eval evalTransform: BatchTransform = .cifar100) throws -> ImageDataset {
    try split.validate()
    let (dir, format) = try locate()
    let names: (fine: [String], coarse: [String])
    let train: RawSplit
    let test: RawSplit
    switch format {
    case .binary:
      train = try CIFAR100Binary.read(dir.appendingPathComponent("train.bin"))
      test = try CIFAR100Binary.read(dir.appendingPathComponent("test.bin"))
      names = try CIFAR100Binary.labelNames(dir)
    case .python:
      train = try CIFAR100Pickle.read(dir.appendingPathComponent("train"))
      test = try CIFAR100Pickle.read(dir.appendingPathComponent("test"))
      names = try CIFAR100Pickle.labelNames(dir)
    }
    let info = DatasetInfo(name: "cifar100", classNames: names.fine, attributes: protected.map {
      ProtectedAttribute(name: $0.rawValue, values: $0 == .fine ? names.fine : names.coarse)
    })
    let trainSplit = try makeSplit(train, transform: trainTransform, source: dir.appendingPathComponent(format == .binary ? "train.bin" : "train").path)
    let testSplit = try makeSplit(test, transform: evalTransform, source: dir.appendingPathComponent(format == .binary ? "test.bin" : "test").path)
    var validation: ImageSplit?
    var finalTrain = trainSplit
    if split.validationFraction > 0 {
      let keys = (0..<trainSplit.count).map { i in protected.map { $0 == .fine ? train.fine[i] : train.coarse[i] } }
      let (t, v) = DatasetSplitter.stratifiedValidationSplit(groupKeys: keys, fraction: split.validationFraction, seed: split.validationSeed)
      finalTrain = try trainSplit.subset(t)
      validation = try trainSplit.subset(v).with(transform: evalTransform)
    }
    return ImageDataset(info: info, train: finalTrain, test: testSplit, validation: validation)
  }

  private func makeSplit(_ raw: RawSplit, transform: BatchTransform, source: String) throws -> ImageSplit {
    let n = raw.fine.count
    guard n > 0 else { throw DatasetError("the split is empty", file: source) }
    let store = try raw.pixels.withUnsafeBytes { try ImageStore(planar: $0, count: n, channels: 3, height: 32, width: 32) }
    var attributes: [Int64] = []
    attributes.reserveCapacity(n * protected.count)
    for i in 0..<n {
      for p in protected { attributes.append(Int64(p == .fine ? raw.fine[i] : raw.coarse[i])) }
    }
    let labels = try LabelTable(targets: raw.fine.map(Int64.init), attributes: attributes, attributeCount: protected.count)
    return try ImageSplit(store: store, labels: labels, transform: transform)
  }

  /// Default names when the label-name files are absent.
  static func genericNames(_ prefix: String, _ count: Int) -> [String] { (0..<count).map { "\(prefix)\($0)" } }
}
