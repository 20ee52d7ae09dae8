/// How a dataset is divided into train, test and validation samples (SPEC.md 7.1).
///
/// A dataset with its own train/test split keeps it. One without draws a permutation of its
/// samples from NumPy's legacy `RandomState(testSeed)` and takes the first `int(testFraction·n)`
/// as test, exactly as the reference code does for UTKFace (seed 1357). A validation set, when
/// asked for, is taken out of train per protected group: `ceil(fraction·size)` samples of each
/// group after Python's `random.Random(validationSeed).shuffle`, groups in order of first
/// appearance. Same seed, same split, on every machine.
public struct SplitOptions: Sendable, Equatable, Codable {
  /// Fraction of the samples held out as test when the dataset has no test split of its own.
  public var testFraction: Double
  /// Seed of the test permutation.
  public var testSeed: UInt32
  /// Fraction of each protected group of train held out as validation; 0 for none.
  public var validationFraction: Double
  /// Seed of the validation shuffle.
  public var validationSeed: UInt64

  public init(testFraction: Double = 0.2, testSeed: UInt32 = 1357, validationFraction: Double = 0,
              validationSeed: UInt64 = 0) {
    self.testFraction = testFraction
    self.testSeed = testSeed
    self.validationFraction = validationFraction
    self.validationSeed = validationSeed
  }

  /// Throws unless both fractions lie in [0, 1).
  public func validate() throws {
    guard testFraction >= 0, testFraction < 1 else {
      throw DatasetError("test fraction \(testFraction) must lie in [0, 1)")
    }
    guard validationFraction >= 0, validationFraction < 1 else {
      throw DatasetError("validation fraction \(validationFraction) must lie in [0, 1)")
    }
  }
}

/// Index arithmetic of splits; the format readers apply it to their records.
public enum DatasetSplitter {
  /// Train and test indices into 0..<count: a NumPy `RandomState(seed).permutation(count)`,
  /// whose first `int(testFraction·count)` entries are test and the rest train (both in
  /// permutation order).
  public static func randomTestSplit(count: Int, testFraction: Double, seed: UInt32) -> (train: [Int], test: [Int]) {
    var rng = MersenneTwister(numpySeed: seed)
    let permutation = rng.numpyPermutation(count)
    let testSize = Int(testFraction * Double(count))
    return (Array(permutation[testSize...]), Array(permutation[..<testSize]))
  }

  /// Splits positions 0..<groupKeys.count into train and validation: for each distinct key, in
  /// order of first appearance, its positions are shuffled with one shared
  /// `random.Random(seed)` and the first `ceil(fraction·size)` go to validation.
  public static func stratifiedValidationSplit(groupKeys: [[Int]], fraction: Double, seed: UInt64)
    -> (train: [Int], validation: [Int])
  {
    var order: [[Int]] = []
    var members: [[Int]: [Int]] = [:]
    for (i, key) in groupKeys.enumerated() {
      if members[key] == nil { order.append(key) }
      members[key, default: []].append(i)
    }
    var rng = MersenneTwister(pythonSeed: seed)
    var train: [Int] = []
    var validation: [Int] = []
    for key in order {
      var indices = members[key]!
      let size = Int((Double(indices.count) * fraction).rounded(.up))
      rng.pythonShuffle(&indices)
      validation += indices[..<size]
      train += indices[size...]
    }
    return (train, validation)
  }

  /// Applies `options` to a dataset without its own test split.
  static func split(_ all: ImageList, options: SplitOptions, source: String) throws
    -> (train: ImageList, test: ImageList, validation: ImageList?)
  {
    try options.validate()
    let (trainIdx, testIdx) = randomTestSplit(count: all.count, testFraction: options.testFraction, seed: options.testSeed)
    let (train, validation) = try holdOutValidation(all.subset(trainIdx), options: options, source: source)
    return (train, all.subset(testIdx), validation)
  }

  /// Takes the validation set out of `train` when `options` asks for one.
  static func holdOutValidation(_ train: ImageList, options: SplitOptions, source: String) throws
    -> (train: ImageList, validation: ImageList?)
  {
    try options.validate()
    guard options.validationFraction > 0 else { return (train, nil) }
    let (t, v) = stratifiedValidationSplit(groupKeys: train.records.map(\.attributes), fraction: options.validationFraction,
                                           seed: options.validationSeed)
    return (train.subset(t), train.subset(v))
  }

  /// Throws when any split of `manifest` is empty.
  static func checkNonEmpty(_ manifest: ImageDatasetManifest, source: String) throws {
    let splits: [(String, ImageList?)] = [("train", manifest.train), ("test", manifest.test), ("validation", manifest.validation)]
    let total = splits.compactMap { $0.1?.count }.reduce(0, +) + manifest.skipped.count
    for case let (name, list?) in splits where list.count == 0 {
      throw DatasetError("the \(name) split is empty (\(total) records read, \(manifest.skipped.count) skipped); "
                         + "check --validation-fraction and --test-fraction", file: source)
    }
  }
}
