import Foundation

/// FairFace: `fairface_label_train.csv` and `fairface_label_val.csv` (columns
/// `file,age,gender,race,service_test`) with the image folder of either padding variant,
/// `fairface-img-margin025-trainval` (padding 0.25, SPEC.md's choice) or
/// `fairface-img-margin125-trainval` (padding 1.25). The CSV `file` values (`train/1.jpg`) are
/// relative to that folder. The official train CSV is train, the val CSV is test (SPEC.md 7.1).
public struct FairFace: Sendable {
  /// A label that can be the target or a protected attribute.
  public enum Attribute: String, Sendable, CaseIterable, Codable {
    case race, gender, age
  }
  /// The two released crops; the raw value is the image folder name.
  public enum Padding: String, Sendable, CaseIterable, Codable {
    case margin025 = "fairface-img-margin025-trainval"
    case margin125 = "fairface-img-margin125-trainval"
  }

  /// Race names in label order (SPEC.md 7.1).
  public static let raceNames = ["East Asian", "Indian", "Black", "White", "Middle Eastern", "Latino_Hispanic", "Southeast Asian"]
  /// Gender names in label order.
  public static let genderNames = ["Male", "Female"]
  /// Age groups in label order.
  public static let ageNames = ["0-2", "3-9", "10-19", "20-29", "30-39", "40-49", "50-59", "60-69", "more than 70"]

  /// The folder with the two label CSVs.
  public var root: URL
  /// Which image variant to read.
  public var padding: Padding
  /// The folder the CSV paths are relative to; nil: `root/<padding folder>` if it exists, else `root`.
  public var imageDirectory: URL?
  /// The label predicted.
  public var target: Attribute
  /// Protected attributes, in column order.
  public var protected: [Attribute]
  /// Only the validation part applies: the val CSV is the test split.
  public var split: SplitOptions
  /// What to do with a CSV row whose path or label is bad.
  public var badRecords: BadRecordPolicy

  public init(root: URL, padding: Padding = .margin025, imageDirectory: URL? = nil, target: Attribute = .race,
              protected: [Attribute] = [.race], split: SplitOptions = SplitOptions(), badRecords: BadRecordPolicy = .fail) {
    self.root = root
    self.padding = padding
    self.imageDirectory = imageDirectory
    self.target = target
    self.protected = protected
    self.split = split
    self.badRecords = badRecords
  }

  static func names(_ a: Attribute) -> [String] {
    switch a {
    case .race: return raceNames
    case .gender: return genderNames
    case .age: return ageNames
    }
  }

  /// The folder holding `train/` and `val/`.
  public var resolvedImageDirectory: URL {
    if let imageDirectory { return imageDirectory }
    let variant = root.appendingPathComponent(padding.rawValue)
    return FileManager.default.fileExists(atPath: variant.path) ? variant : root
  }

  /// Reads both CSVs into records (images are decoded later, by `load`).
  public func read() throws -> ImageDatasetManifest {
    try split.validate()
    let images = resolvedImageDirectory
    let columns = ([target] + protected).map { LabelColumn($0.rawValue, encoding: .names(Self.names($0))) }
    func list(_ file: String) throws -> (ImageList, [SkippedItem]) {
      let table = try CSVTable.read(contentsOf: root.appendingPathComponent(file))
      let labels = try LabelReader(table: table, columns: columns)
      let (records, _, skipped) = try CSVImageRecords.read(table, pathColumn: "file", labels: labels, policy: badRecords)
      return (ImageList(root: images, records: records), skipped)
    }
    let (allTrain, trainSkipped) = try list("fairface_label_train.csv")
    let (test, testSkipped) = try list("fairface_label_val.csv")
    let (train, validation) = try DatasetSplitter.holdOutValidation(allTrain, options: split, source: root.path)
    let info = DatasetInfo(name: "fairface", classNames: Self.names(target), attributes: protected.map {
      ProtectedAttribute(name: $0.rawValue, values: Self.names($0))
    })
    let manifest = ImageDatasetManifest(info: info, train: train, test: test, validation: validation,
                                        skipped: trainSkipped + testSkipped)
    try DatasetSplitter.checkNonEmpty(manifest, source: root.path)
    return manifest
  }
}
