import Foundation
import TestSupport
import XCTest

/// `fairprune train` run twice as separate processes writes byte-identical models: each process
/// has its own libtorch seed and Swift hash seed, which an in-process test cannot vary.
final class TrainProcessReproducibilityTests: XCTestCase {
  func testTabularCSVTrainingIsIdenticalAcrossProcesses() throws {
    let binary = try FairPruneProcess()
    let dir = try temporaryDirectory(self, prefix: "fairprune-cli-repro")
    var rows = ["y,race,sex,age,hours,job"]
    for i in 0..<120 {
      rows.append("\((i * 7) % 5 < 2 ? 1 : 0),\(["w", "b", "a", "o"][i % 4]),\(i % 3 == 0 ? "F" : "M"),\(18 + (i * 13) % 50),\(20 + i % 40),\(["x", "y", "z"][(i / 3) % 3])")
    }
    let csv = dir.appendingPathComponent("income.csv")
    try rows.joined(separator: "\n").write(to: csv, atomically: true, encoding: .utf8)
    var files: [Data] = []
    for run in 0..<2 {
      let out = dir.appendingPathComponent("m\(run).safetensors")
      try binary.succeed(["train", "--dataset", "tabular-csv", "--data-root", csv.path, "--target", "y",
                                "--protected", "race", "--protected", "sex", "--model", "mlp", "--epochs", "1",
                                "--batch-size", "16", "--threads", "1", "--output", out.path])
      files.append(try Data(contentsOf: out))
    }
    XCTAssertGreaterThan(files[0].count, 1000)
    XCTAssertTrue(files[0] == files[1], "two processes with the same seed wrote different models")
  }
}
