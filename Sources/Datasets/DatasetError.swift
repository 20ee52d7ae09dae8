import Foundation

/// An error in a dataset's files, names or configuration, saying where it was found.
///
/// The description reads `file:line: message` (or `file: message`, or just the message), so a
/// user can go straight to the offending line of a CSV or the file that failed to decode.
public struct DatasetError: Error, CustomStringConvertible, Equatable, Sendable {
  /// What is wrong.
  public var message: String
  /// The file (or directory) the problem is in, if there is one.
  public var file: String?
  /// The 1-based line in `file`, for text formats.
  public var line: Int?

  public init(_ message: String, file: String? = nil, line: Int? = nil) {
    self.message = message
    self.file = file
    self.line = line
  }

  public var description: String {
    switch (file, line) {
    case let (file?, line?): return "\(file):\(line): \(message)"
    case let (file?, nil): return "\(file): \(message)"
    default: return message
    }
  }
}

/// Something a reader skipped instead of failing, because the user's policy allowed it.
public struct SkippedItem: Sendable, Equatable, CustomStringConvertible {
  /// The file (an image, or the CSV that names it).
  public var file: String
  /// The 1-based line of a CSV, when the item came from one.
  public var line: Int?
  /// Why it was skipped.
  public var reason: String

  public init(file: String, line: Int? = nil, reason: String) {
    self.file = file
    self.line = line
    self.reason = reason
  }

  public var description: String { DatasetError(reason, file: file, line: line).description }
}

/// What to do with a record whose label or image is bad.
public enum BadRecordPolicy: String, Sendable, Codable, CaseIterable {
  /// Throw a `DatasetError` naming the file and line (the default).
  case fail
  /// Leave the record out and list it in the reader's report.
  case skip
}
