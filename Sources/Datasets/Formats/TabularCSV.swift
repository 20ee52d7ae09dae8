import Foundation
import Torch

/// Any tabular CSV: one column is the target, some are protected attributes, the remaining
/// columns are features.
///
/// Feature columns are numeric when every present value is a finite number, categorical
/// otherwise (or when listed in `categoricalColumns`). Numeric features are standardized with
/// the training split's mean and population standard deviation (a constant column is only
/// centred); categorical features are one-hot encoded over the values seen in training (an
/// unseen value encodes as all zeros). Missing values (`missingValueMarkers`, e.g. `""`, `"?"`,
/// `"NA"`) follow `missingValues`: `.impute` uses the training mean for a numeric feature (0
/// after standardizing) and all zeros for a categorical one; `.dropRow` leaves the row out and
/// reports it; `.fail` throws naming the file, line and column. A missing or out-of-range
/// label follows `badRecords`.
public struct TabularCSV: Sendable {
  /// What to do with a missing feature value.
  public enum MissingValues: String, Sendable, CaseIterable, Codable {
    case impute, dropRow, fail
  }

  /// `""`, `"?"`, `"NA"`, `"N/A"`, `"NaN"`, `"nan"`, `"null"`, `"None"`.
  public static let defaultMissingValueMarkers: Set<String> = ["", "?", "NA", "N/A", "NaN", "nan", "null", "None"]

  /// The table.
  public var csv: URL
  /// The label predicted.
  public var target: LabelColumn
  /// Protected attributes (not used as features).
  public var protected: [LabelColumn]
  /// Columns that are neither labels nor features (ids, free text).
  public var ignoredColumns: [String]
  /// Columns to one-hot encode even though their values are numbers (codes, zip codes).
  public var categoricalColumns: [String]
  /// Texts that mean "no value".
  public var missingValueMarkers: Set<String>
  /// The policy for missing feature values.
  public var missingValues: MissingValues
  /// What to do with a row whose label is missing or out of range.
  public var badRecords: BadRecordPolicy
  /// A column saying `train` / `test` / `val` per row; nil: a seeded split from `split`.
  public var splitColumn: String?
  /// The seeded test split (without `splitColumn`) and the validation hold-out.
  public var split: SplitOptions
  /// The field separator.
  public var delimiter: Character
  /// Also use the protected attributes as input features (they stay the groups' labels).
  public var protectedAsFeatures = false

  public init(csv: URL, target: LabelColumn, protected: [LabelColumn], ignoredColumns: [String] = [],
              categoricalColumns: [String] = [], missingValueMarkers: Set<String> = TabularCSV.defaultMissingValueMarkers,
              missingValues: MissingValues = .impute, badRecords: BadRecordPolicy = .fail, splitColumn: String? = nil,
              split: SplitOptions = SplitOptions(), delimiter: Character = ",") {
    self.csv = csv
    self.target = target
    self.protected = protected
    self.ignoredColumns = ignoredColumns
    self.categoricalColumns = categoricalColumns
    self.missingValueMarkers = missingValueMarkers
    self.missingValues = missingValues
    self.badRecords = badRecords
    self.splitColumn = splitColumn
    self.split = split
    self.delimiter = delimiter
  }

  /// What `read()` did with the columns and rows.
  public struct Report: Sendable, Equatable {
    /// One name per feature: the column name, or `column=value` for a one-hot feature.
    public var featureNames: [String]
    /// Columns standardized as numbers.
    public var numericColumns: [String]
    /// Columns one-hot encoded.
    public var categoricalColumns: [String]
    /// Training mean and standard deviation of each numeric column.
    public var means: [Double]
    /// Training population standard deviation per numeric column (1 for a constant column).
    public var standardDeviations: [Double]
    /// Rows left out, with the reason.
    public var skipped: [SkippedItem]
    /// Missing feature values that were imputed.
    public var imputed: Int
  }

  /// A numeric target must hold class indices 0..<C: a negative or fractional value, or a largest
  /// index far beyond the number of distinct values (999999 for three classes would make a
  /// million-class head), is an error naming the file and line. Text targets are class names.
  static func checkClassIndices(table: CSVTable, target: LabelColumn) throws {
    guard target.encoding == .inferred else { return }
    let c = try table.column(target.name)
    let values = table.rows.indices.map { (r: $0, text: table.rows[$0][c].trimmingCharacters(in: .whitespaces)) }
      .filter { !LabelReader.missing.contains($0.text) }
    guard !values.isEmpty, values.allSatisfy({ Double($0.text) != nil }) else { return }
    if let bad = values.first(where: { v in Int(v.text).map { $0 < 0 } ?? true }) {
      throw DatasetError("target '\(target.name)' value '\(bad.text)' is not a class index: a numeric target holds integers 0..<C",
                         file: table.source, line: table.lines[bad.r])
    }
    let distinct = Set(values.compactMap { Int($0.text) })
    if let top = distinct.max(), top + 1 > 2 * distinct.count + 10, let at = values.first(where: { Int($0.text) == top }) {
      throw DatasetError("target '\(target.name)' value \(top) would make a \(top + 1)-class model for \(distinct.count) distinct values; "
                         + "recode the classes as 0..<C", file: table.source, line: table.lines[at.r])
    }
  }

  /// Reads, splits and encodes the table; features are float32 [N, F].
  public func read() throws -> (dataset: GroupedDataset, report: Report) {
    try split.validate()
    let table = try CSVTable.read(contentsOf: csv, delimiter: delimiter)
    try Self.checkClassIndices(table: table, target: target)
    let labels = try LabelReader(table: table, columns: [target] + protected)
    for name in ignoredColumns + categoricalColumns { _ = try table.column(name) }
    let splitPosition = try splitColumn.map { try table.column($0) }
    let excluded = Set([target.name] + (protectedAsFeatures ? [] : protected.map(\.name)) + ignoredColumns
                       + (splitColumn.map { [$0] } ?? []))
    let featureColumns = table.header.indices.filter { !excluded.contains(table.header[$0]) }
    // A column that names each row's split would otherwise become a feature without a word.
    if splitColumn == nil, let c = featureColumns.first(where: { table.header[$0].lowercased() == "split" }) {
      throw DatasetError("column '\(table.header[c])' looks like a train/test split: name it as the split column "
                         + "(--split-column \(table.header[c])) or ignore it (--ignore-columns \(table.header[c]))", file: table.source)
    }

    // Rows: labels and the missing-value policy.
    var rows: [Int] = []
    var rowLabels: [[Int]] = []
    var skipped: [SkippedItem] = []
    for r in table.rows.indices {
      let values: [Int]
      do {
        values = try labels.labels(r)
      } catch let error as DatasetError where badRecords == .skip {
        skipped.append(SkippedItem(file: table.source, line: table.lines[r], reason: error.message))
        continue
      }
      if missingValues != .impute, let c = featureColumns.first(where: { isMissing(table.rows[r][$0]) }) {
        let error = DatasetError("column '\(table.header[c])' is missing ('\(table.rows[r][c])')", file: table.source, line: table.lines[r])
        if missingValues == .fail { throw error }
        skipped.append(SkippedItem(file: table.source, line: table.lines[r], reason: error.message))
        continue
      }
      rows.append(r)
      rowLabels.append(values)
    }

    // Splits, as positions into `rows`.
    var trainPos: [Int]
    var testPos: [Int]
    var validationPos: [Int] = []
    if let s = splitPosition {
      trainPos = []
      testPos = []
      for (k, r) in rows.enumerated() {
        switch table.rows[r][s].trimmingCharacters(in: .whitespaces).lowercased() {
        case "train", "training": trainPos.append(k)
        case "test", "testing": testPos.append(k)
        case "val", "valid", "validation": validationPos.append(k)
        case let v:
          throw DatasetError("split column '\(splitColumn!)' value '\(v)' is not train, test or val", file: table.source, line: table.lines[r])
        }
      }
    } else {
      (trainPos, testPos) = DatasetSplitter.randomTestSplit(count: rows.count, testFraction: split.testFraction, seed: split.testSeed)
    }
    if validationPos.isEmpty, split.validationFraction > 0 {
      let keys = trainPos.map { Array(rowLabels[$0].dropFirst()) }
      let (t, v) = DatasetSplitter.stratifiedValidationSplit(groupKeys: keys, fraction: split.validationFraction, seed: split.validationSeed)
      (trainPos, validationPos) = (t.map { trainPos[$0] }, v.map { trainPos[$0] })
    }
    for (name, part) in [("train", trainPos), ("test", testPos)] where part.isEmpty {
      throw DatasetError("the \(name) split is empty (\(rows.count) rows, test fraction \(split.testFraction), "
                         + "validation fraction \(split.validationFraction))", file: table.source)
    }

    // Features, fitted on train.
    let encoder = try TabularFeatureEncoder(table: table, columns: featureColumns, trainRows: trainPos.map { rows[$0] },
                                            categorical: Set(categoricalColumns), isMissing: isMissing)
    func makeSplit(_ positions: [Int]) throws -> GroupedSplit {
      let features = encoder.encode(positions.map { rows[$0] })
      let a = protected.count
      return try GroupedSplit(
        inputs: Tensor(features, shape: [positions.count, encoder.featureNames.count]),
        targets: Tensor(positions.map { Int64(rowLabels[$0][0]) }),
        attributes: Tensor(positions.flatMap { rowLabels[$0].dropFirst().map(Int64.init) }, shape: [positions.count, a]))
    }
    let info = DatasetInfo(name: csv.deletingPathExtension().lastPathComponent, classNames: labels.names[0],
                           attributes: zip(protected, labels.names.dropFirst()).map { ProtectedAttribute(name: $0.name, values: $1) })
    let dataset = GroupedDataset(info: info, train: try makeSplit(trainPos), test: try makeSplit(testPos),
                                 validation: validationPos.isEmpty ? nil : try makeSplit(validationPos))
    let report = Report(featureNames: encoder.featureNames, numericColumns: encoder.numericColumns,
                        categoricalColumns: encoder.categoricalColumns, means: encoder.means, standardDeviations: encoder.stds,
                        skipped: skipped, imputed: encoder.imputedCount(rows))
    return (dataset, report)
  }

  private func isMissing(_ text: String) -> Bool {
    missingValueMarkers.contains(text.trimmingCharacters(in: .whitespaces))
  }
}
