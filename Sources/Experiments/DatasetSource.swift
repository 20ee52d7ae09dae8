import Datasets
import Foundation

/// The dataset formats a command can read.
public enum DatasetSource: String, CaseIterable, Codable, Sendable {
  /// The built-in synthetic grouped images (see `SyntheticGroupedImages`).
  case synthetic
  /// UTKFace: a folder of `age_gender_race_datetime.jpg.chip.jpg` files.
  case utkface
  /// FairFace: the two label CSVs and an image folder.
  case fairface
  /// CIFAR-100, binary or python version.
  case cifar100
  /// CelebA: attribute and partition lists and `img_align_celeba`.
  case celeba
  /// Any image folder with a CSV of path, target and protected columns.
  case imageCSV = "image-csv"
  /// Any tabular CSV (target, protected and feature columns).
  case tabularCSV = "tabular-csv"
}

/// Which data a command uses and how it is read: format, location, labels, image size, cache.
///
/// Defaults follow SPEC.md 7.1-7.2 (UTKFace and FairFace: race target and race groups, ImageNet
/// normalization; CIFAR-100: fine label target and groups). Images are decoded once (optionally
/// resized to `imageSize` x `imageSize`) and held in memory as uint8; batches are normalized (and
/// augmented, `horizontalFlip`) as they are drawn. This is the one place augmentation is set.
public struct DataSpec: Sendable, Equatable, Codable {
  public var source: DatasetSource = .synthetic
  /// The dataset folder (image-csv: the folder the CSV paths are relative to; tabular-csv: the CSV file).
  public var root: String?
  /// The label CSV of `image-csv`.
  public var csv: String?
  /// The target label; nil: the format's default (race, fine label), required for CelebA and CSVs.
  public var target: String?
  /// Protected attributes; empty: the format's default (race, fine label), required for CelebA and CSVs.
  public var protected: [String] = []
  /// Resize every image to this square size at decode time; nil: native size.
  public var imageSize: Int?
  /// Where decoded images are cached (nil: no cache).
  public var cacheDirectory: String?
  /// Fraction of each protected group of train held out as validation (0: none).
  public var validationFraction = 0.0
  /// Seed of the synthetic data and of the validation hold-out.
  public var seed: UInt64 = 1234
  /// Mirror a random half of each training batch; nil: the format's default (SPEC.md 7.2: on for
  /// UTKFace, FairFace and CelebA faces, off otherwise).
  public var horizontalFlip: Bool?
  /// Fraction of the samples held out as test when the data has no test split of its own.
  public var testFraction = 0.2
  /// Tabular CSV: a column saying train / test / val per row.
  public var splitColumn: String?
  /// Tabular CSV: columns that are neither labels nor features.
  public var ignoreColumns: [String] = []
  /// Tabular CSV: numeric-looking columns to one-hot encode.
  public var categoricalColumns: [String] = []
  /// Tabular CSV: use the protected attributes as features too.
  public var protectedAsFeatures = false
  /// The number of classes when the labels do not show it (a split or file lacking the top
  /// classes); nil: inferred from the labels.
  public var numClasses: Int?
  /// Image decoding threads (not part of what the data is, so not recorded).
  public var decodeThreads = ProcessInfo.processInfo.activeProcessorCount

  public init(source: DatasetSource = .synthetic) { self.source = source }

  /// The settings' names in data.json and sweep files.
  public enum CodingKeys: String, CodingKey, CaseIterable {
    case source, root, csv, target, protected, seed
    case horizontalFlip = "horizontal_flip"
    case testFraction = "test_fraction"
    case splitColumn = "split_column"
    case ignoreColumns = "ignore_columns"
    case categoricalColumns = "categorical_columns"
    case protectedAsFeatures = "protected_as_features"
    case numClasses = "num_classes"
    case imageSize = "image_size"
    case cacheDirectory = "cache_directory"
    case validationFraction = "validation_fraction"
  }

  /// Reads, splits, decodes and normalizes the data; errors name the file, line or setting.
  /// The dataset; `notes` hears what the user should know (files skipped, with the first reasons).
  /// One class, or a protected attribute with one value, is an error: there is nothing to
  /// classify or no group to compare.
  public func load(notes: ((String) -> Void)? = nil) throws -> GroupedDataset {
    var skipped: [SkippedItem] = []
    var data = try loadSplits(skipped: &skipped)
    if !skipped.isEmpty {
      notes?("skipped \(skipped.count) file(s) of the \(source.rawValue) data: "
             + skipped.prefix(3).map { "\($0.file): \($0.reason)" }.joined(separator: "; ") + (skipped.count > 3 ? "; …" : ""))
    }
    let present = Set(try data.train.targets.to(.int64).toArray(Int64.self))
    if present.count < 2 {
      let name = present.first.map { data.info.classNames.indices.contains(Int($0)) ? data.info.classNames[Int($0)] : "\($0)" } ?? "none"
      throw ConfigError("target: the training data has a single class (\(name)); there is nothing to classify")
    }
    for attribute in data.info.attributes where attribute.cardinality < 2 {
      throw ConfigError("protected attribute '\(attribute.name)' has a single value (\(attribute.values.first ?? "?")): "
                        + "every sample is in one group, so no group can be compared with another")
    }
    if let numClasses {
      let inferred = data.info.numClasses
      guard numClasses >= inferred else {
        throw ConfigError("num_classes = \(numClasses): the labels need at least \(inferred) classes (\(data.info.classNames.suffix(3).joined(separator: ", ")) …)")
      }
      data.info.classNames += (inferred..<numClasses).map { "class \($0)" }
    }
    data.train = try data.train.with(horizontalFlip: flipsTrainingImages)
    return data
  }

  /// Whether training batches are mirrored at random: the setting, else the format's default.
  public var flipsTrainingImages: Bool {
    horizontalFlip ?? [.utkface, .fairface, .celeba].contains(source)
  }

  func loadSplits(skipped: inout [SkippedItem]) throws -> GroupedDataset {
    if let imageSize, imageSize < 1 { throw ConfigError("image_size = \(imageSize): must be positive") }
    if !testFraction.isFinite || !(0..<1).contains(testFraction) { throw ConfigError("test_fraction = \(testFraction): must be in [0, 1)") }
    if !validationFraction.isFinite || !(0..<1).contains(validationFraction) {
      throw ConfigError("validation_fraction = \(validationFraction): must be in [0, 1)")
    }
    let split = SplitOptions(testFraction: testFraction, validationFraction: validationFraction, validationSeed: seed)
    if source != .tabularCSV, splitColumn != nil || !ignoreColumns.isEmpty || !categoricalColumns.isEmpty || protectedAsFeatures {
      throw ConfigError("split_column, ignore_columns, categorical_columns and protected_as_features apply to tabular-csv, not \(source.rawValue)")
    }
    switch source {
    case .synthetic:
      var c = SyntheticGroupedImagesConfig()
      c.seed = seed
      return try c.make().make()
    case .utkface:
      let utk = UTKFace(root: try rootURL(), target: try parse(target ?? "race", field: "target"),
                        protected: try parseProtected(default: "race"), split: split)
      return try decode(utk.read().manifest, train: .utkFaceTrain, eval: .utkFaceEval, skipped: &skipped)
    case .fairface:
      let ff = FairFace(root: try rootURL(), target: try parse(target ?? "race", field: "target"),
                        protected: try parseProtected(default: "race"), split: split)
      return try decode(ff.read(), train: .fairFaceTrain, eval: .fairFaceEval, native: .fairFace, skipped: &skipped)
    case .cifar100:
      if let target, target != "fine" { throw ConfigError("target = \(target): CIFAR-100's target is the fine label") }
      let cifar = CIFAR100(root: try rootURL(), protected: try parseProtected(default: "fine"), split: split)
      if imageSize != nil { throw ConfigError("image_size: CIFAR-100 images are used at their native 32x32") }
      return try cifar.read().grouped(horizontalFlip: false)
    case .celeba:
      let celeba = CelebA(root: try rootURL(), target: try required(target, "target"), protected: try requiredList(protected, "protected"))
      return try decode(celeba.read(), train: BatchTransform(horizontalFlip: true, normalization: .imageNet),
                        eval: BatchTransform(normalization: .imageNet), skipped: &skipped)
    case .imageCSV:
      guard let csv else { throw ConfigError("csv: image-csv needs the label CSV (--csv)") }
      let folder = ImageFolderCSV(root: try rootURL(), csv: URL(fileURLWithPath: csv), target: LabelColumn(try required(target, "target")),
                                  protected: try requiredList(protected, "protected").map { LabelColumn($0) }, split: split)
      return try decode(folder.read(), train: BatchTransform(normalization: .imageNet), eval: BatchTransform(normalization: .imageNet),
                        skipped: &skipped)
    case .tabularCSV:
      var table = TabularCSV(csv: try rootURL(), target: LabelColumn(try required(target, "target")),
                             protected: try requiredList(protected, "protected").map { LabelColumn($0) },
                             ignoredColumns: ignoreColumns, categoricalColumns: categoricalColumns, splitColumn: splitColumn,
                             split: split)
      table.protectedAsFeatures = protectedAsFeatures
      if imageSize != nil { throw ConfigError("image_size: a tabular CSV has no images") }
      let (dataset, report) = try table.read()
      skipped += report.skipped
      return dataset
    }
  }

  func rootURL() throws -> URL {
    guard let root else { throw ConfigError("root: the \(source.rawValue) dataset needs its location (--data-root)") }
    return URL(fileURLWithPath: root)
  }

  func required(_ value: String?, _ field: String) throws -> String {
    guard let value, !value.isEmpty else { throw ConfigError("\(field): the \(source.rawValue) dataset needs a \(field) column") }
    return value
  }

  func requiredList(_ values: [String], _ field: String) throws -> [String] {
    guard !values.isEmpty else { throw ConfigError("\(field): the \(source.rawValue) dataset needs at least one \(field) column") }
    return values
  }

  /// `protected`, or `[fallback]` when empty, as the format's attribute type.
  func parseProtected<T: RawRepresentable & CaseIterable>(default fallback: String) throws -> [T] where T.RawValue == String {
    try (protected.isEmpty ? [fallback] : protected).map { try parse($0, field: "protected") }
  }

  func parse<T: RawRepresentable & CaseIterable>(_ text: String, field: String) throws -> T where T.RawValue == String {
    guard let value = T(rawValue: text) else {
      throw ConfigError("\(field) = \(text): \(source.rawValue) knows \(T.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    return value
  }

  /// Decodes a manifest's images (resized to `imageSize`, else `native`) into uint8 image splits.
  func decode(_ manifest: ImageDatasetManifest, train: BatchTransform, eval: BatchTransform,
              native: DecodeTransform = .none, skipped: inout [SkippedItem]) throws -> GroupedDataset {
    if let size = imageSize {
      // Decoded images live in memory as uint8: refuse a size that cannot fit before allocating it.
      let count = manifest.train.count + manifest.test.count + (manifest.validation?.count ?? 0)
      let bytes = Double(count) * 3 * Double(size) * Double(size)
      let memory = Double(ProcessInfo.processInfo.physicalMemory)
      if bytes > 0.8 * memory {
        throw ConfigError(String(format: "image_size = %d: %d images of 3x%dx%d bytes take %.1f GiB, more than 80%% of this machine's %.1f GiB",
                                 size, count, size, size, bytes / 1_073_741_824, memory / 1_073_741_824))
      }
    }
    let resize = imageSize.map { DecodeTransform(resize: .exact(height: $0, width: $0)) } ?? native
    let options = ImageLoadOptions(decode: resize, threads: decodeThreads, cacheDirectory: cacheDirectory.map { URL(fileURLWithPath: $0) })
    let images = try manifest.load(trainTransform: train, evalTransform: eval, options: options)
    skipped += images.skipped
    return try images.grouped(horizontalFlip: false)
  }
}
