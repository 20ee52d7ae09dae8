import Foundation

/// Image records from the rows of a CSV: a path column (checked to stay inside the root) and
/// label columns. Bad rows throw (`.fail`) or are returned as skipped (`.skip`).
enum CSVImageRecords {
  static func read(_ table: CSVTable, pathColumn: String, labels: LabelReader, policy: BadRecordPolicy,
                   pathPrefix: String = "") throws -> (records: [ImageRecord], rows: [Int], skipped: [SkippedItem]) {
    let p = try table.column(pathColumn)
    var records: [ImageRecord] = []
    var rows: [Int] = []
    var skipped: [SkippedItem] = []
    records.reserveCapacity(table.rows.count)
    for r in table.rows.indices {
      do {
        let path = try safeRelativePath(pathPrefix + table.rows[r][p], file: table.source, line: table.lines[r])
        let values = try labels.labels(r)
        records.append(ImageRecord(path: path, target: values[0], attributes: Array(values.dropFirst()), origin: table.origin(r)))
        rows.append(r)
      } catch let error as DatasetError where policy == .skip {
        skipped.append(SkippedItem(file: table.source, line: table.lines[r], reason: error.message))
      }
    }
    return (records, rows, skipped)
  }
}
