import Foundation
import XCTest

/// The `fairprune` executable built beside the test bundle, run as a separate process.
struct FairPruneProcess {
  let url: URL

  init() throws {
    let dir = Bundle.main.bundleURL.pathExtension == "xctest" ? Bundle.main.bundleURL.deletingLastPathComponent()
      : Bundle.main.bundleURL
    url = dir.appendingPathComponent("fairprune")
    guard FileManager.default.isExecutableFile(atPath: url.path) else {
      // swift test builds it: CLITests depends on the fairprune target.
      throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: url.path])
    }
  }

  /// What one run did: how it ended and everything it printed.
  struct Outcome {
    var status: Int32
    /// False when a signal ended it (a crash or a trap).
    var exited: Bool
    var output: String
  }

  func run(_ arguments: [String]) throws -> Outcome {
    let process = Process()
    process.executableURL = url
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return Outcome(status: process.terminationStatus, exited: process.terminationReason == .exit, output: output)
  }

  /// Runs and asserts success; returns the output.
  @discardableResult
  func succeed(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> String {
    let outcome = try run(arguments)
    XCTAssertTrue(outcome.exited && outcome.status == 0, "\(arguments): \(outcome.output)", file: file, line: line)
    return outcome.output
  }
}
