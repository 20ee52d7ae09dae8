import Experiments
import Foundation
import TestSupport
import XCTest

/// `fairprune sweep`: a grid of runs from one file, resumable, summarized over seeds.
final class SweepTests: XCTestCase {
  /// A sweep file over a 200-row CSV with two groups whose decision rules differ and a dense MLP
  /// trained on it, all in one temporary folder.
  struct TabularSweep {
    var csv: String
    var dense: String
    var output: String
    var file: URL

    /// Writes the sweep file with these keys (ε = 5%) and loads it.
    func write(run: String, methods: String, seeds: String, sparsities: String) throws -> SweepConfig {
      try """
        data: {source: tabular-csv, root: \(csv), target: y, protected: [group]}
        dense: \(dense)
        output: \(output)
        run: \(run)
        methods: \(methods)
        seeds: \(seeds)
        sparsities: \(sparsities)
        tolerances: [0.05]
        """.write(to: file, atomically: true, encoding: .utf8)
      return try SweepConfig.load(file.path)
    }
  }

  func makeTabularSweep(prefix: String) throws -> TabularSweep {
    let root = try temporaryDirectory(self, prefix: prefix)
    var rows = ["y,group,x1,x2"]
    for i in 0..<200 {
      let g = i % 4 == 0 ? "small" : "large"
      let x1 = Double((i * 37) % 100) / 50 - 1, x2 = Double((i * 53) % 100) / 50 - 1
      rows.append("\((x1 + (g == "small" ? -x2 : x2)) > 0 ? 1 : 0),\(g),\(x1),\(x2)")
    }
    let csv = root.appendingPathComponent("t.csv")
    try rows.joined(separator: "\n").write(to: csv, atomically: true, encoding: .utf8)
    var spec = DataSpec(source: .tabularCSV)
    spec.root = csv.path
    spec.target = "y"
    spec.protected = ["group"]
    var dense = DenseTrainingConfig()
    dense.epochs = 3
    dense.batchSize = 32
    dense.threads = 1
    let denseFile = root.appendingPathComponent("dense.safetensors").path
    _ = try Jobs.trainDense(data: spec, model: .mlp, config: dense, output: denseFile, progress: ProgressReporter(enabled: false))
    return TabularSweep(csv: csv.path, dense: denseFile, output: root.appendingPathComponent("sweep").path,
                        file: root.appendingPathComponent("sweep.yaml"))
  }

  func testGridRunsOnceAndSummarizesOverSeeds() throws {
    let fixture = try makeTabularSweep(prefix: "fairprune-sweep")
    let output = fixture.output
    let sweep = try fixture.write(run: "{epochs: 2, last_pruning_epoch: 1, batch_size: 32, threads: 1, buffer_size: 5}",
                                  methods: "[nft, ceag]", seeds: "[0, 1]", sparsities: "[0.5, 0.8]")
    XCTAssertEqual(sweep.configs.count, 8)
    XCTAssertEqual(sweep.configs.map(\.config.seed), [0, 0, 0, 0, 1, 1, 1, 1], "seed by seed: a stopped grid compares whole seeds")
    _ = try SweepRun.run(sweep, progress: ProgressReporter(enabled: false))

    let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: output + "/sweep.json"))) as! [[String: Any]]
    XCTAssertEqual(summary.count, 4, "one row per method × sparsity × tolerance")
    for row in summary {
      XCTAssertEqual(row["seeds"] as? Int, 2)
      let method = row["method"] as! String, sparsity = row["sparsity"] as! Double
      // The row's mean and std are those of its two runs' report.json.
      let accuracies = try [0, 1].map { seed -> Double in
        let report = try RunReport.load(directory: URL(fileURLWithPath: "\(output)/\(method)/sparsity-\(sparsity)/tolerance-0.05/seed-\(seed)"))
        XCTAssertEqual(report.seed, UInt64(seed))
        XCTAssertEqual(report.sparsityTarget, sparsity)
        return try XCTUnwrap(report.splits["test"]).accuracy
      }
      let stat = row["test_accuracy"] as! [String: Double]
      XCTAssertEqual(stat["mean"]!, (accuracies[0] + accuracies[1]) / 2, accuracy: 1e-12)
      XCTAssertEqual(stat["std"]!, abs(accuracies[0] - accuracies[1]) / 2.0.squareRoot(), accuracy: 1e-12)
    }
    // Each row lists its seeds' train max ψ_g in the sweep's seed order, and the table shows them after the mean.
    let rows = try JSONDecoder().decode([SweepRow].self, from: Data(contentsOf: URL(fileURLWithPath: output + "/sweep.json")))
    let ceag = try XCTUnwrap(rows.first { $0.method == "ceag" && $0.sparsity == 0.8 })
    let gaps = try [0, 1].map { seed in
      try XCTUnwrap(try RunReport.load(directory: URL(fileURLWithPath: "\(output)/ceag/sparsity-0.8/tolerance-0.05/seed-\(seed)"))
        .splits["train"]).maxExcessGap
    }
    XCTAssertEqual(ceag.trainMaxExcessGapPerSeed.count, 2)
    for (row, report) in zip(ceag.trainMaxExcessGapPerSeed, gaps) { XCTAssertEqual(row, report, accuracy: 1e-12) }
    let markdown = try String(contentsOfFile: output + "/sweep.md", encoding: .utf8)
    XCTAssertTrue(markdown.contains("| ceag | 80.0 | 5.0 | 2 |"), markdown)
    XCTAssertTrue(markdown.contains(" (\(gaps.map { String(format: "%.2f", 100 * $0) }.joined(separator: " / "))) | "), markdown)
    let curve = try String(contentsOfFile: output + "/max_excess_gap.svg", encoding: .utf8)
    XCTAssertEqual(curve.components(separatedBy: "<polyline").count - 1, 2, "one curve per method")

    // A second run keeps finished runs: their report.json is not rewritten.
    let one = output + "/nft/sparsity-0.5/tolerance-0.05/seed-0/report.json"
    let before = try FileManager.default.attributesOfItem(atPath: one)[.modificationDate] as! Date
    Thread.sleep(forTimeInterval: 0.01)
    _ = try SweepRun.run(sweep, progress: ProgressReporter(enabled: false))
    XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: one)[.modificationDate] as? Date, before)
  }

  /// With `class_offsets` each run gives two rows: the method's own model (the metrics measured
  /// before the offsets) and the shifted one, each the mean over seeds of its reports' numbers.
  func testClassOffsetsGiveARowWithAndOneWithout() throws {
    let fixture = try makeTabularSweep(prefix: "fairprune-sweep-offsets")
    let output = fixture.output
    let sweep = try fixture.write(run: "{epochs: 2, last_pruning_epoch: 1, batch_size: 32, threads: 1, class_offsets: true}",
                                  methods: "[nft]", seeds: "[0, 1]", sparsities: "[0.8]")
    let markdown = try SweepRun.run(sweep, progress: ProgressReporter(enabled: false))
    let reports = try [0, 1].map { try RunReport.load(directory: URL(fileURLWithPath: "\(output)/nft/sparsity-0.8/tolerance-0.05/seed-\($0)")) }
    let summary = try JSONDecoder().decode([SweepRow].self, from: Data(contentsOf: URL(fileURLWithPath: output + "/sweep.json")))
    XCTAssertEqual(summary.map(\.method), ["nft", "nft + class offsets"])
    let before = try reports.map { try XCTUnwrap($0.withoutClassOffsets?["train"]).accuracy }
    let after = try reports.map { try XCTUnwrap($0.splits["train"]).accuracy }
    XCTAssertEqual(summary[0].trainAccuracy.mean, (before[0] + before[1]) / 2, accuracy: 1e-12)
    XCTAssertEqual(summary[1].trainAccuracy.mean, (after[0] + after[1]) / 2, accuracy: 1e-12)
    XCTAssertTrue(markdown.contains("| nft + class offsets | 80.0 | 5.0 | 2 |"), markdown)
  }

  /// `warmup_epochs: 2` over 200 rows in batches of 32 (7 steps an epoch): the rate ramps over 14
  /// steps, so epoch 1's last step runs at 7/14 of the rate and epoch 2's at the full rate
  /// (metrics.jsonl records the rate of each epoch's last step; no milestones here).
  func testWarmupRampsTheLearningRateOverItsSteps() throws {
    let fixture = try makeTabularSweep(prefix: "fairprune-sweep-warmup")
    let run = "{epochs: 3, last_pruning_epoch: 1, batch_size: 32, threads: 1, learning_rate: 0.1, milestones: [], warmup_epochs: 2}"
    let sweep = try fixture.write(run: run,
                                  methods: "[nft]", seeds: "[0]", sparsities: "[0.5]")
    _ = try SweepRun.run(sweep, progress: ProgressReporter(enabled: false))
    let metrics = try String(contentsOfFile: fixture.output + "/nft/sparsity-0.5/tolerance-0.05/seed-0/metrics.jsonl", encoding: .utf8)
    var rates: [Int: Double] = [:]
    for line in metrics.split(separator: "\n") {
      let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
      rates[try XCTUnwrap(object["epoch"] as? Int)] = try XCTUnwrap(object["learning_rate"] as? Double)
    }
    XCTAssertEqual(try XCTUnwrap(rates[0]), 0.1 * 7 / 14, accuracy: 1e-15)
    XCTAssertEqual(try XCTUnwrap(rates[1]), 0.1, accuracy: 1e-15)
  }

  /// `--finished-only` starts nothing: it summarizes the finished runs and names the others.
  func testFinishedOnlySummarizesWhatIsDoneAndStartsNothing() throws {
    let fixture = try makeTabularSweep(prefix: "fairprune-sweep-finished")
    let output = fixture.output
    func write(seeds: String) throws -> SweepConfig {
      try fixture.write(run: "{epochs: 2, last_pruning_epoch: 1, batch_size: 32, threads: 1}", methods: "[nft]", seeds: seeds,
                        sparsities: "[0.8]")
    }
    let quiet = ProgressReporter(enabled: false)
    let nothing = try SweepRun.run(try write(seeds: "[0]"), finishedOnly: true, progress: quiet)
    XCTAssertTrue(nothing.contains("(1 of 1 runs): nft/sparsity-0.8/tolerance-0.05/seed-0."), nothing)
    XCTAssertFalse(FileManager.default.fileExists(atPath: output + "/nft"), "no run folder is created")

    _ = try SweepRun.run(try write(seeds: "[0]"), progress: quiet)
    let partial = try SweepRun.run(try write(seeds: "[0, 1]"), finishedOnly: true, progress: quiet)
    XCTAssertTrue(partial.contains("(1 of 2 runs): nft/sparsity-0.8/tolerance-0.05/seed-1."), partial)
    XCTAssertFalse(FileManager.default.fileExists(atPath: output + "/nft/sparsity-0.8/tolerance-0.05/seed-1"))
    let summary = try JSONDecoder().decode([SweepRow].self, from: Data(contentsOf: URL(fileURLWithPath: output + "/sweep.json")))
    let report = try RunReport.load(directory: URL(fileURLWithPath: output + "/nft/sparsity-0.8/tolerance-0.05/seed-0"))
    XCTAssertEqual(summary.map(\.seeds), [1])
    XCTAssertEqual(summary.first?.trainAccuracy.mean, report.splits["train"]?.accuracy)
  }

  func testUnknownKeysAndMethodsAreNamed() throws {
    let root = try temporaryDirectory(self, prefix: "fairprune-sweep")
    let file = root.appendingPathComponent("s.yaml")
    func assertError(_ text: String, _ fragment: String, line: UInt = #line) throws {
      try text.write(to: file, atomically: true, encoding: .utf8)
      assertThrows(ConfigError.self, fragment, line: line) { try SweepConfig.load(file.path) }
    }
    let grid = "dense: d\noutput: o\nmethods: [nft]\nseeds: [0]\nsparsities: [0.9]\ntolerances: [0.01]\n"
    try assertError(grid + "sparsity: 0.5\n", "unknown setting(s) sparsity")
    try assertError(grid + "run: {sparsityy: 1}\n", "s.yaml: run: unknown setting(s) sparsityy")
    try assertError(grid + "data: {source: mnist}\n", "source")
    try assertError(grid.replacingOccurrences(of: "[nft]", with: "[magic]"), "method 'magic'")
    try assertError(grid.replacingOccurrences(of: "[0.9]", with: "[1.5]"), "sparsity = 1.5")
    try assertError("output: o\n", "missing")
  }
}
