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

  /// A tabular CSV of `rows` rows in `folder` (target y, protected race in a/b/c, two features),
  /// a dense MLP trained on it for `denseEpochs` epochs, and the data options that read it.
  func tabularFixture(in folder: URL, rows: Int, denseEpochs: Int) throws -> (data: [String], dense: String) {
    var lines = ["y,race,x,z"]
    for i in 0..<rows { lines.append("\((i * 7) % 5 < 2 ? 1 : 0),\(["a", "b", "c"][i % 3]),\(Double(i % 9) / 4),\(Double((i * 5) % 11) / 3)") }
    let csv = folder.appendingPathComponent("t.csv").path
    try (lines.joined(separator: "\n") + "\n").write(toFile: csv, atomically: true, encoding: .utf8)
    let data = ["--dataset", "tabular-csv", "--data-root", csv, "--target", "y", "--protected", "race", "--threads", "1"]
    let dense = folder.appendingPathComponent("d.safetensors").path
    try succeed(["train"] + data + ["--epochs", "\(denseEpochs)", "--batch-size", "16", "--output", dense])
    return (data, dense)
  }
}
