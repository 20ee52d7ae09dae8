/// Reads label columns (the target, then protected attributes) of a CSV row as indices.
struct LabelReader {
  let table: CSVTable
  let columns: [LabelColumn]
  let positions: [Int]
  let names: [[String]]
  private let lookups: [[String: Int]]

  /// Values that mean "missing" in a label column.
  static let missing: Set<String> = ["", "?", "NA", "N/A", "NaN", "nan", "null", "None"]

  /// Throws when a column is absent from the header.
  init(table: CSVTable, columns: [LabelColumn]) throws {
    self.table = table
    self.columns = columns
    positions = try columns.map { try table.column($0.name) }
    var names: [[String]] = []
    var lookups: [[String: Int]] = []
    for (column, p) in zip(columns, positions) {
      let values = table.rows.map { $0[p].trimmingCharacters(in: .whitespaces) }.filter { !Self.missing.contains($0) }
      do {
        let resolved = try column.resolve(values)
        names.append(resolved.names)
        lookups.append(resolved.index)
      } catch let error as DatasetError {
        throw DatasetError(error.message, file: table.source)
      }
    }
    self.names = names
    self.lookups = lookups
  }

  /// The label indices of row `r`, one per column; throws naming the file and line when a
  /// value is missing or outside the column's range.
  func labels(_ r: Int) throws -> [Int] {
    try columns.indices.map { k in
      let text = table.rows[r][positions[k]].trimmingCharacters(in: .whitespaces)
      if Self.missing.contains(text) {
        throw DatasetError("column '\(columns[k].name)' has no value ('\(text)')", file: table.source, line: table.lines[r])
      }
      guard let v = lookups[k][text] else {
        let range: String
        switch columns[k].encoding {
        case .integers(let count): range = "0..<\(count)"
        default: range = "one of \(names[k].prefix(20).joined(separator: ", "))\(names[k].count > 20 ? ", ..." : "")"
        }
        throw DatasetError("column '\(columns[k].name)' value '\(text)' is outside its range (\(range))", file: table.source,
                           line: table.lines[r])
      }
      return v
    }
  }
}
