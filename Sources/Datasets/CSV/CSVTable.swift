import Foundation

/// A CSV file: a header row and data rows, each row remembering the line it starts on.
///
/// Parsing follows RFC 4180: fields are separated by the delimiter, a field in double quotes
/// may hold delimiters, newlines and doubled quotes (`""`); LF and CRLF line ends and a UTF-8
/// byte-order mark are accepted; blank lines are skipped. An unterminated quote, a quote inside
/// an unquoted field, or a row with another number of fields than the header throws a
/// `DatasetError` naming the file and line.
public struct CSVTable: Sendable {
  /// Column names, trimmed.
  public var header: [String]
  /// Data rows, each with one field per column.
  public var rows: [[String]]
  /// The 1-based line on which each row starts.
  public var lines: [Int]
  /// The file name used in errors.
  public var source: String

  /// The longest field accepted: a text CSV's values are short, a huge one is a damaged file.
  public static let maxFieldBytes = 1 << 20

  /// Reads and parses the file at `url`.
  public static func read(contentsOf url: URL, delimiter: Character = ",") throws -> CSVTable {
    try parse(try ImageCodec.readFile(url), source: url.path, delimiter: delimiter)
  }

  /// Parses CSV bytes; `source` names them in errors.
  public static func parse(_ data: Data, source: String, delimiter: Character = ",") throws -> CSVTable {
    guard let d = delimiter.asciiValue, d != UInt8(ascii: "\""), d != 10, d != 13 else {
      throw DatasetError("the CSV delimiter must be one ASCII character other than a quote or newline")
    }
    var records: [([String], Int)] = []
    let maxFieldBytes = Self.maxFieldBytes
    try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
      let bytes = raw.bindMemory(to: UInt8.self)
      var i = bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0
      var line = 1
      var fields: [String] = []
      var field: [UInt8] = []
      var rowLine = 1
      var quoted = false      // inside quotes
      var wasQuoted = false   // the current field started with a quote
      var rowHasContent = false
      func endField() throws {
        fields.append(String(decoding: field, as: UTF8.self))
        field.removeAll(keepingCapacity: true)
        wasQuoted = false
      }
      func endRow() throws {
        try endField()
        if rowHasContent || fields.count > 1 || !(fields.first ?? "").isEmpty { records.append((fields, rowLine)) }
        fields.removeAll(keepingCapacity: true)
        rowHasContent = false
      }
      while i < bytes.count {
        let c = bytes[i]
        if c == 0 {
          throw DatasetError("column \(fields.count + 1) holds a NUL byte: not a text CSV", file: source, line: line)
        }
        if field.count >= maxFieldBytes {
          throw DatasetError("column \(fields.count + 1) holds a field longer than \(maxFieldBytes) bytes", file: source, line: line)
        }
        if quoted {
          if c == UInt8(ascii: "\"") {
            if i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "\"") {
              field.append(c)
              i += 2
              continue
            }
            quoted = false
            i += 1
            // After a closing quote only a delimiter or line end may follow.
            if i < bytes.count, bytes[i] != d, bytes[i] != 10, bytes[i] != 13 {
              throw DatasetError("unexpected character after a closing quote", file: source, line: line)
            }
            continue
          }
          if c == 10 { line += 1 }
          field.append(c)
          i += 1
          continue
        }
        switch c {
        case UInt8(ascii: "\""):
          guard field.isEmpty, !wasQuoted else {
            throw DatasetError("a quote inside an unquoted field (quote the whole field and double inner quotes)",
                               file: source, line: line)
          }
          quoted = true
          wasQuoted = true
          rowHasContent = true
        case d:
          rowHasContent = true
          try endField()
        case 13:
          if i + 1 < bytes.count && bytes[i + 1] == 10 { i += 1 }
          try endRow()
          line += 1
          rowLine = line
        case 10:
          try endRow()
          line += 1
          rowLine = line
        default:
          field.append(c)
          rowHasContent = true
        }
        i += 1
      }
      if quoted { throw DatasetError("a quoted field is not closed before the end of the file", file: source, line: rowLine) }
      try endRow()
    }
    guard let first = records.first else { throw DatasetError("the CSV file is empty (no header row)", file: source, line: 1) }
    let header = first.0.map { $0.trimmingCharacters(in: .whitespaces) }
    var seen = Set<String>()
    for name in header where !seen.insert(name).inserted {
      throw DatasetError("the header names column '\(name)' twice", file: source, line: first.1)
    }
    for (fields, line) in records.dropFirst() where fields.count != header.count {
      throw DatasetError("the row has \(fields.count) fields, the header has \(header.count)", file: source, line: line)
    }
    return CSVTable(header: header, rows: records.dropFirst().map(\.0), lines: records.dropFirst().map(\.1), source: source)
  }

  public init(header: [String], rows: [[String]], lines: [Int], source: String) {
    self.header = header
    self.rows = rows
    self.lines = lines
    self.source = source
  }

  /// The index of the column `name`; throws naming the file, the header line and the columns
  /// that do exist.
  public func column(_ name: String) throws -> Int {
    guard let i = header.firstIndex(of: name) else {
      throw DatasetError("no column '\(name)' (columns: \(header.joined(separator: ", ")))", file: source, line: 1)
    }
    return i
  }

  /// "file:line" of row `r`.
  public func origin(_ r: Int) -> String { "\(source):\(lines[r])" }
}
