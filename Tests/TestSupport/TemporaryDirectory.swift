import Foundation
import XCTest

/// A fresh temporary directory, removed when `test` ends.
public func temporaryDirectory(_ test: XCTestCase, prefix: String = "fairprune-test") throws -> URL {
  let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
  return url
}
