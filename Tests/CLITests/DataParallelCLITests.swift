import Foundation
import TestSupport
import XCTest

/// Data-parallel runs as users start them (issue 16): `fairprune launch` on one host, and ranks
/// started by hand with torchrun's variables, one of which is killed.
final class DataParallelCLITests: XCTestCase {
  func report(_ dir: URL) throws -> [String: Any] {
    try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("report.json"))) as? [String: Any])
  }

  /// Accuracy and max ψ_g of every split in a report.json.
  func splitValues(_ report: [String: Any]) throws -> [String: [Double]] {
    let splits = try XCTUnwrap(report["splits"] as? [String: [String: Any]])
    return try splits.mapValues { [try XCTUnwrap($0["accuracy"] as? Double), try XCTUnwrap($0["max_excess_gap"] as? Double)] }
  }

  func testLaunchedRanksReportWhatOneProcessReports() throws {
    let cli = try FairPruneProcess()
    let root = try temporaryDirectory(self, prefix: "dp-launch")
    let (data, dense) = try cli.tabularFixture(in: root, rows: 240, denseEpochs: 2)
    let prune = ["prune"] + data + ["--dense", dense, "--epochs", "3", "--last-pruning-epoch", "1", "--batch-size", "16", "--method", "ceag"]
    let single = try cli.succeed(prune + ["--output", root.appendingPathComponent("one").path])
    let port = try freeLoopbackPort()
    let output = try cli.succeed(["launch", "--nproc", "2", "--master-port", "\(port)", "--"] + prune + ["--output", root.appendingPathComponent("two").path])
    func count(_ text: String, _ part: String) -> Int { text.components(separatedBy: part).count - 1 }
    XCTAssertEqual(count(output, "| ceag"), count(single, "| ceag"), "only rank 0 prints the report: \(output)")
    XCTAssertEqual(count(output, "ceag epoch 3/3"), 1, "only rank 0 shows progress: \(output)")
    let one = try splitValues(report(root.appendingPathComponent("one"))), two = try splitValues(report(root.appendingPathComponent("two")))
    XCTAssertEqual(Set(one.keys), Set(two.keys))
    for (split, values) in one { assertClose(try XCTUnwrap(two[split]), values, atol: 1e-9, split) }

    let refused = try cli.run(["launch", "--nproc", "2", "--", "evaluate"] + data + ["--model-file", dense])
    XCTAssertTrue(refused.exited && refused.status != 0)
    XCTAssertTrue(refused.output.contains("'evaluate' does not run data-parallel"), refused.output)
  }

  /// Examples/two-hosts-netns.sh: one rank in each of two network namespaces joined by a veth
  /// pair, as on two hosts; skipped where namespaces cannot be made (not root, no CAP_NET_ADMIN).
  func testTwoNetworkNamespacesActAsTwoHosts() throws {
    let probe = Process()
    probe.executableURL = URL(fileURLWithPath: "/bin/sh")
    probe.arguments = ["-c", "ip netns add fpp$$ && ip link add fpp$$a type veth peer name fpp$$b && ip link set fpp$$a netns fpp$$ "
                       + "&& ip -n fpp$$ link set fpp$$a up; s=$?; ip link del fpp$$b 2>/dev/null; ip netns del fpp$$ 2>/dev/null; exit $s"]
    probe.standardError = FileHandle.nullDevice
    guard (try? probe.run()) != nil else { throw XCTSkip("no /bin/sh") }
    probe.waitUntilExit()
    guard probe.terminationStatus == 0 else { throw XCTSkip("network namespaces need root and iproute2 here") }
    let cli = try FairPruneProcess()
    let root = try temporaryDirectory(self, prefix: "dp-netns")
    let (data, dense) = try cli.tabularFixture(in: root, rows: 240, denseEpochs: 2)
    let prune = ["prune"] + data + ["--dense", dense, "--epochs", "2", "--last-pruning-epoch", "1", "--batch-size", "16", "--method", "ceag"]
    try cli.succeed(prune + ["--output", root.appendingPathComponent("one").path])
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("Examples/two-hosts-netns.sh")
    let p = Process()
    p.executableURL = script
    p.arguments = prune + ["--output", root.appendingPathComponent("two").path]
    p.environment = ProcessInfo.processInfo.environment.merging(["FAIRPRUNE": cli.url.path, "MASTER_PORT": "\(try freeLoopbackPort())"]) { $1 }
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = pipe
    try p.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    XCTAssertEqual(p.terminationStatus, 0, output)
    let one = try splitValues(report(root.appendingPathComponent("one"))), two = try splitValues(report(root.appendingPathComponent("two")))
    for (split, values) in one { assertClose(try XCTUnwrap(two[split]), values, atol: 1e-9, split) }
  }

  func testAKilledRankStopsTheOtherWithinTheTimeoutAndTheRunResumesInOneProcess() throws {
    let cli = try FairPruneProcess()
    let root = try temporaryDirectory(self, prefix: "dp-kill")
    let (data, dense) = try cli.tabularFixture(in: root, rows: 240, denseEpochs: 2)
    let dir = root.appendingPathComponent("run")
    let prune = ["prune"] + data + ["--dense", dense, "--epochs", "60", "--last-pruning-epoch", "1", "--batch-size", "16",
                                    "--method", "ceag", "--output", dir.path, "--dist-timeout", "20"]
    let port = try freeLoopbackPort()
    var ranks: [(process: Process, log: URL)] = []
    for rank in 0..<2 {
      let p = Process()
      p.executableURL = cli.url
      p.arguments = prune
      p.environment = ProcessInfo.processInfo.environment.merging(
        ["RANK": "\(rank)", "WORLD_SIZE": "2", "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": "\(port)"]) { $1 }
      let log = root.appendingPathComponent("rank\(rank).log")
      _ = FileManager.default.createFile(atPath: log.path, contents: nil)
      let handle = try FileHandle(forWritingTo: log)
      p.standardOutput = handle
      p.standardError = handle
      try p.run()
      ranks.append((p, log))
    }
    defer { for r in ranks where r.process.isRunning { r.process.terminate() } }
    // Kill rank 1 once rank 0 has checkpointed an epoch.
    let checkpoint = dir.appendingPathComponent("checkpoint.safetensors")
    let deadline = Date().addingTimeInterval(120)
    while !FileManager.default.fileExists(atPath: checkpoint.path), Date() < deadline, ranks[0].process.isRunning { usleep(5_000) }
    XCTAssertTrue(ranks[0].process.isRunning && ranks[1].process.isRunning, "the run ended before a rank could be killed")
    kill(ranks[1].process.processIdentifier, SIGKILL)
    let killed = Date()
    while ranks[0].process.isRunning, Date().timeIntervalSince(killed) < 60 { usleep(20_000) }
    let waited = Date().timeIntervalSince(killed)
    XCTAssertFalse(ranks[0].process.isRunning, "rank 0 still runs 60 s after rank 1 died")
    ranks[0].process.waitUntilExit()
    let log = try String(contentsOf: ranks[0].log, encoding: .utf8)
    XCTAssertEqual(ranks[0].process.terminationReason, .exit, log)
    XCTAssertNotEqual(ranks[0].process.terminationStatus, 0, log)
    XCTAssertLessThan(waited, 20 + 10, "rank 0 stopped after \(waited) s; the timeout is 20 s")
    XCTAssertTrue(log.contains("rank 0 of 2") && log.contains("failed"), log)
    // The last complete checkpoint resumes, here in one process (another world size).
    let resumed = try cli.succeed(prune)
    XCTAssertTrue(resumed.contains("resuming ceag after epoch"), resumed)
    XCTAssertNotNil(try report(dir)["splits"])
    let metrics = try String(contentsOf: dir.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
    XCTAssertTrue(metrics.contains("\"epoch\":59"), "the resumed run reached the last epoch")
  }
}
