import Foundation

/// Checks a path read from a dataset file before it is joined to the dataset root: it must be
/// relative and must not climb out of the root (`..`), so a label file cannot make the loader
/// read `/etc/passwd` or `../../secrets`. Returns the path with `.` components removed.
func safeRelativePath(_ path: String, file: String, line: Int?) throws -> String {
  let trimmed = path.trimmingCharacters(in: .whitespaces)
  guard !trimmed.isEmpty else { throw DatasetError("the image path is empty", file: file, line: line) }
  guard !trimmed.hasPrefix("/"), !trimmed.hasPrefix("~"), !trimmed.contains("\0") else {
    throw DatasetError("image path '\(path)' is absolute; paths must be relative to the dataset root", file: file, line: line)
  }
  let parts = trimmed.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
  guard !parts.contains("..") else {
    throw DatasetError("image path '\(path)' escapes the dataset root", file: file, line: line)
  }
  guard !parts.isEmpty else { throw DatasetError("image path '\(path)' names no file", file: file, line: line) }
  return parts.joined(separator: "/")
}
