/// Standardizes numeric columns and one-hot encodes categorical ones, with statistics and
/// categories taken from the training rows only.
struct TabularFeatureEncoder {
  private enum Kind {
    case numeric(mean: Double, std: Double)
    case categorical(values: [String: Int])
  }

  private let table: CSVTable
  private let columns: [Int]
  private let kinds: [Kind]
  private let isMissing: (String) -> Bool
  let featureNames: [String]
  let numericColumns: [String]
  let categoricalColumns: [String]
  let means: [Double]
  let stds: [Double]

  init(table: CSVTable, columns: [Int], trainRows: [Int], categorical: Set<String>, isMissing: @escaping (String) -> Bool) throws {
    self.table = table
    self.columns = columns
    self.isMissing = isMissing
    var kinds: [Kind] = []
    var names: [String] = []
    var numeric: [String] = []
    var cat: [String] = []
    var means: [Double] = []
    var stds: [Double] = []
    for c in columns {
      let name = table.header[c]
      let present = table.rows.indices.map { table.rows[$0][c].trimmingCharacters(in: .whitespaces) }.filter { !isMissing($0) }
      if !categorical.contains(name) { try Self.checkNumbers(table: table, column: c, isMissing: isMissing) }
      let isNumeric = !categorical.contains(name) && present.allSatisfy { Double($0).map(\.isFinite) ?? false }
      let trainValues = trainRows.map { table.rows[$0][c].trimmingCharacters(in: .whitespaces) }.filter { !isMissing($0) }
      if isNumeric {
        let xs = trainValues.map { Double($0)! }
        let mean = xs.isEmpty ? 0 : xs.reduce(0, +) / Double(xs.count)
        let variance = xs.isEmpty ? 0 : xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(xs.count)
        let std = variance > 0 ? variance.squareRoot() : 1
        kinds.append(.numeric(mean: mean, std: std))
        names.append(name)
        numeric.append(name)
        means.append(mean)
        stds.append(std)
      } else {
        let values = Set(trainValues).sorted()
        kinds.append(.categorical(values: Dictionary(uniqueKeysWithValues: values.enumerated().map { ($1, $0) })))
        names += values.map { "\(name)=\($0)" }
        cat.append(name)
      }
    }
    if names.isEmpty { throw DatasetError("no feature columns are left besides the labels", file: table.source, line: 1) }
    self.kinds = kinds
    featureNames = names
    numericColumns = numeric
    categoricalColumns = cat
    self.means = means
    self.stds = stds
  }

  /// A column that is mostly numbers must be all numbers: a value that overflows (`1e400`, `inf`)
  /// or does not parse among at least 90% numbers is an error naming file, line and column, not
  /// a silent switch of the whole column to one-hot categories.
  static func checkNumbers(table: CSVTable, column c: Int, isMissing: (String) -> Bool) throws {
    var numbers = 0, others = 0, firstOther: Int?
    for r in table.rows.indices {
      let text = table.rows[r][c].trimmingCharacters(in: .whitespaces)
      if isMissing(text) { continue }
      if let x = Double(text) {
        guard x.isFinite else {
          throw DatasetError("column '\(table.header[c])' (column \(c + 1)) value '\(text.prefix(40))' is not a finite number",
                             file: table.source, line: table.lines[r])
        }
        numbers += 1
      } else {
        others += 1
        firstOther = firstOther ?? r
      }
    }
    if let r = firstOther, numbers > 0, Double(numbers) >= 0.9 * Double(numbers + others) {
      throw DatasetError("column '\(table.header[c])' (column \(c + 1)) value '\(table.rows[r][c].prefix(40))' is not a number "
                         + "while \(numbers) values of the column are; fix it, mark it missing, or one-hot the column with --categorical-columns",
                         file: table.source, line: table.lines[r])
    }
  }

  /// Row-major float features of `rows`.
  func encode(_ rows: [Int]) -> [Float] {
    let width = featureNames.count
    var out = [Float](repeating: 0, count: rows.count * width)
    for (k, r) in rows.enumerated() {
      var offset = k * width
      for (c, kind) in zip(columns, kinds) {
        let text = table.rows[r][c].trimmingCharacters(in: .whitespaces)
        switch kind {
        case .numeric(let mean, let std):
          if !isMissing(text), let x = Double(text) { out[offset] = Float((x - mean) / std) }
          offset += 1
        case .categorical(let values):
          if let v = values[text] { out[offset + v] = 1 }
          offset += values.count
        }
      }
    }
    return out
  }

  /// Missing feature values among `rows`.
  func imputedCount(_ rows: [Int]) -> Int {
    rows.reduce(0) { n, r in n + columns.filter { isMissing(table.rows[r][$0]) }.count }
  }
}
