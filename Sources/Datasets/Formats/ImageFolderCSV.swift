import Foundation

/// Any folder of images with a CSV naming each image (relative path) and its labels.
///
/// ```csv
/// path,label,skin,split
/// a/001.jpg,3,light,train
/// b/002.png,1,dark,test
/// ```
/// The target and protected columns are `LabelColumn`s (values inferred, or given by name or
/// count, so that a value outside the range is an error naming the line). With `splitColumn`
/// the CSV says which rows are `train`, `test` and `val`/`valid`/`validation`; without it
/// `SplitOptions` draws a seeded test split. Paths must stay inside `root`.
public struct ImageFolderCSV: Sendable {
  /// The folder the CSV paths are relative to.
  public var root: URL
  /// The label file.
  public var csv: URL
  /// The column holding each image's relative path.
  public var pathColumn: String
  /// The label predicted.
  public var target: LabelColumn
  /// Protected attributes, in column order.
  public var protected: [LabelColumn]
  /// A column saying train / test / val per row; nil: a seeded split.
  public var splitColumn: String?
  /// The seeded test split (without `splitColumn`) and the validation hold-out.
  public var split: SplitOptions
  /// What to do with a row whose path or label is bad.
  public var badRecords: BadRecordPolicy
  /// The field separator.
  public var delimiter: Character

  public init(root: URL, csv: URL, pathColumn: String = "path", target: LabelColumn, protected: [LabelColumn],
              splitColumn: String? = nil, split: SplitOptions = SplitOptions(), badRecords: BadRecordPolicy = .fail,
              delimiter: Character = ",") {
    self.root = root
    self.csv = csv
    self.pathColumn = pathColumn
    self.target = target
    self.protected = protected
    self.splitColumn = splitColumn
    self.split = split
    self.badRecords = badRecords
    self.delimiter = delimiter
  }

  /// Reads the CSV and splits its records (images are decoded later, by `load`).
  public func read() throws -> ImageDatasetManifest {
    try split.validate()
    let table = try CSVTable.read(contentsOf: csv, delimiter: delimiter)
    let labels = try LabelReader(table: table, columns: [target] + protected)
    let splitPosition = try splitColumn.map { try table.column($0) }
    let (records, rows, skipped) = try CSVImageRecords.read(table, pathColumn: pathColumn, labels: labels, policy: badRecords)
    let info = DatasetInfo(name: csv.deletingPathExtension().lastPathComponent, classNames: labels.names[0],
                           attributes: zip(protected, labels.names.dropFirst()).map { ProtectedAttribute(name: $0.name, values: $1) })
    var manifest: ImageDatasetManifest
    if let s = splitPosition {
      var parts: [String: [ImageRecord]] = ["train": [], "test": [], "validation": []]
      for (record, r) in zip(records, rows) {
        let value = table.rows[r][s].trimmingCharacters(in: .whitespaces).lowercased()
        switch value {
        case "train", "training": parts["train"]!.append(record)
        case "test", "testing": parts["test"]!.append(record)
        case "val", "valid", "validation": parts["validation"]!.append(record)
        default:
          throw DatasetError("split column '\(splitColumn!)' value '\(value)' is not train, test or val", file: table.source,
                             line: table.lines[r])
        }
      }
      let train = ImageList(root: root, records: parts["train"]!)
      var validation: ImageList? = parts["validation"]!.isEmpty ? nil : ImageList(root: root, records: parts["validation"]!)
      var finalTrain = train
      if validation == nil {
        (finalTrain, validation) = try DatasetSplitter.holdOutValidation(train, options: split, source: table.source)
      }
      manifest = ImageDatasetManifest(info: info, train: finalTrain, test: ImageList(root: root, records: parts["test"]!),
                                      validation: validation, skipped: skipped)
    } else {
      let (train, test, validation) = try DatasetSplitter.split(ImageList(root: root, records: records), options: split,
                                                                source: table.source)
      manifest = ImageDatasetManifest(info: info, train: train, test: test, validation: validation, skipped: skipped)
    }
    try DatasetSplitter.checkNonEmpty(manifest, source: table.source)
    return manifest
  }
}
