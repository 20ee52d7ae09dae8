import Foundation
import TestSupport
import XCTest

/// kill -9 at every kind of file write and at seeded random moments: the run resumes to files
/// byte-identical to an uninterrupted run's, with no temporary files left (issue 13).
final class KillResumeTests: XCTestCase {
  func testKilledRunsResumeByteIdenticalWithoutTemporaryFiles() throws {
    let cli = try FairPruneProcess()
    let root = try temporaryDirectory(self, prefix: "kill-resume")
    let (data, dense) = try cli.tabularFixture(in: root, rows: 200, denseEpochs: 1)
    func prune(_ dir: URL) -> [String] {
      ["prune"] + data + ["--dense", dense, "--output", dir.path, "--epochs", "4", "--last-pruning-epoch", "1",
                          "--batch-size", "16", "--method", "ceag"]
    }
    func files(_ dir: URL) throws -> [String: Data] {
      var out: [String: Data] = [:]
      for name in try FileManager.default.contentsOfDirectory(atPath: dir.path) {
        out[name] = try Data(contentsOf: dir.appendingPathComponent(name))
      }
      return out
    }
    let reference = root.appendingPathComponent("reference")
    try cli.succeed(prune(reference))
    let expected = try files(reference)
    XCTAssertEqual(expected.count, 12, "\(expected.keys.sorted())")

    // During a write of each kind of file (the 2nd write of those written every epoch).
    var cases: [(name: String, environment: String?, delay: Double?)] = expected.keys.sorted().map { name in
      (name, ["metrics.jsonl", "steps.jsonl", "checkpoint.safetensors", "model.safetensors"].contains(name) ? "\(name)#2" : name, nil)
    }
    // And at seeded moments of a run (wall-clock delays: where they land varies, what must hold does not).
    for (i, u) in SplitMix64.uniforms(stream: 42, count: 4).enumerated() { cases.append(("random-\(i)", nil, 0.2 + 1.3 * u)) }

    for c in cases {
      let dir = root.appendingPathComponent("run-\(c.name)")
      let process = Process()
      process.executableURL = cli.url
      process.arguments = prune(dir)
      process.standardOutput = FileHandle.nullDevice
      process.standardError = FileHandle.nullDevice
      if let spec = c.environment {
        process.environment = ProcessInfo.processInfo.environment.merging(["FAIRPRUNE_KILL_DURING_WRITE": spec]) { $1 }
      }
      try process.run()
      if let delay = c.delay {
        Thread.sleep(forTimeInterval: delay)
        kill(process.processIdentifier, SIGKILL)
      }
      process.waitUntilExit()
      if c.environment != nil {
        XCTAssertEqual(process.terminationReason, .uncaughtSignal, "\(c.name): the injected kill did not happen")
      }
      try cli.succeed(prune(dir))
      let got = try files(dir)
      XCTAssertEqual(Set(got.keys), Set(expected.keys), "\(c.name): files differ (temporary files left?)")
      for (name, bytes) in expected {
        XCTAssertTrue(got[name] == bytes, "\(c.name): \(name) differs from the uninterrupted run's")
      }
    }
  }
}
