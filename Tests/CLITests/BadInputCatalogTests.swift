import Datasets
import Foundation
import TestSupport
import XCTest

/// The bad-input catalog of issue 13, through the real command line: each case ends with a clear
/// error (an exit status, never a signal) that names the thing and the value, and leaves every
/// file of an earlier run byte-identical.
final class BadInputCatalogTests: XCTestCase {
  var cli: FairPruneProcess!
  var root: URL!

  override func setUpWithError() throws {
    cli = try FairPruneProcess()
    root = try temporaryDirectory(self, prefix: "bad-inputs")
  }

  func path(_ name: String) -> String { root.appendingPathComponent(name).path }

  /// Every file under `dir`, by relative path, with its bytes.
  func snapshot(_ dir: URL) throws -> [String: Data] {
    var files: [String: Data] = [:]
    let e = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: nil)
    while let url = e?.nextObject() as? URL {
      if let data = try? Data(contentsOf: url) { files[url.path.replacingOccurrences(of: dir.path, with: "")] = data }
    }
    return files
  }

  /// Runs `arguments`, which must fail cleanly with every fragment in the message and change nothing under `unchanged`.
  func refused(_ arguments: [String], _ fragments: String..., unchanged: URL? = nil, file: StaticString = #filePath, line: UInt = #line) throws {
    let before = try unchanged.map(snapshot)
    let outcome = try cli.run(arguments)
    XCTAssertTrue(outcome.exited, "\(arguments) ended by a signal: \(outcome.output)", file: file, line: line)
    XCTAssertNotEqual(outcome.status, 0, "\(arguments) succeeded: \(outcome.output)", file: file, line: line)
    for fragment in fragments {
      XCTAssertTrue(outcome.output.contains(fragment), "\(arguments): \"\(outcome.output)\" lacks \"\(fragment)\"", file: file, line: line)
    }
    if let unchanged, let before {
      XCTAssertEqual(try snapshot(unchanged), before, "\(arguments) changed files of \(unchanged.path)", file: file, line: line)
    }
  }

  func writeCSV(_ name: String, _ rows: [String]) throws -> String {
    try (rows.joined(separator: "\n") + "\n").write(toFile: path(name), atomically: true, encoding: .utf8)
    return path(name)
  }

  func table(target: (Int) -> String = { "\($0 % 2)" }, feature: (Int) -> String = { "\(Double($0 % 7) / 3)" }) -> [String] {
    ["y,race,x,z"] + (0..<120).map { "\(target($0)),\(["a", "b", "c"][$0 % 3]),\(feature($0)),\(Double(($0 * 5) % 11) / 4)" }
  }

  func testTabularRunsAndDataCatalog() throws {
    let csv = try writeCSV("t.csv", table())
    let data = ["--dataset", "tabular-csv", "--data-root", csv, "--target", "y", "--protected", "race", "--threads", "1"]
    try cli.succeed(["train"] + data + ["--epochs", "1", "--batch-size", "16", "--output", path("d.safetensors")])
    let run = root.appendingPathComponent("run")
    let prune = ["prune"] + data + ["--dense", path("d.safetensors"), "--output", run.path, "--batch-size", "16"]
    try cli.succeed(prune + ["--epochs", "2", "--last-pruning-epoch", "1", "--method", "ceag"])

    // Another invocation into the finished run: refused, listing the settings, nothing changed.
    try refused(prune + ["--epochs", "1", "--last-pruning-epoch", "0"], "holds a run with other settings", "epochs: 2 → 1",
                "last_pruning_epoch: 1 → 0", unchanged: run)
    try refused(prune + ["--epochs", "2", "--last-pruning-epoch", "1", "--sparsity", "0.5"], "sparsity: 0.9 → 0.5", unchanged: run)
    try refused(prune + ["--epochs", "2", "--last-pruning-epoch", "1", "--method", "nft"], "method: \"ceag\" → \"nft\"", unchanged: run)
    let yaml = path("g.yaml")
    try "epochs: 2\nlast_pruning_epoch: 1\ngroup_attributes: [nonexistent]\n".write(toFile: yaml, atomically: true, encoding: .utf8)
    try refused(prune + ["--config", yaml], "group_attributes: [] → [\"nonexistent\"]", unchanged: run)
    try refused(prune + ["--epochs", "2", "--last-pruning-epoch", "1", "--dense", path("t.csv")], "model file", unchanged: run)
    // The same invocation reads the finished run and rewrites nothing, even with a log gone.
    try FileManager.default.removeItem(at: run.appendingPathComponent("metrics.jsonl"))
    let before = try snapshot(run)
    let again = try cli.succeed(prune + ["--epochs", "2", "--last-pruning-epoch", "1", "--method", "ceag"])
    XCTAssertTrue(again.contains("finished; its report is unchanged"), again)
    XCTAssertEqual(try snapshot(run), before)

    // Settings.
    let fresh = ["prune"] + data + ["--dense", path("d.safetensors"), "--output", path("new")]
    try refused(fresh + ["--tolerance", "nan"], "tolerance = nan: must be a finite number")
    try refused(fresh + ["--learning-rate", "inf"], "learning_rate = inf: must be a finite number")
    try refused(fresh + ["--validation-fraction", "0.99"], "the train split is empty", "validation fraction 0.99")
    try refused(fresh + ["--validation-fraction", "nan"], "validation_fraction = nan")
    XCTAssertFalse(FileManager.default.fileExists(atPath: path("new/config.json")), "a refused run writes nothing")
    // Output paths that cannot be used.
    try refused(["prune"] + data + ["--dense", path("d.safetensors"), "--output", csv], "\(csv) is a file")
    try refused(["train"] + data + ["--epochs", "1", "--output", root.path], "cannot write model file \(root.path)")

    // Models.
    var nan = try Data(contentsOf: URL(fileURLWithPath: path("d.safetensors")))
    let header = Int(nan.withUnsafeBytes { $0.load(as: UInt64.self) })
    nan.replaceSubrange((8 + header)..<(8 + header + 4), with: [0x00, 0x00, 0xC0, 0x7F])  // first weight := NaN
    try nan.write(to: URL(fileURLWithPath: path("nan.safetensors")))
    try refused(["evaluate"] + data.dropLast(2) + ["--model-file", path("nan.safetensors")], "NaN or infinite", "nan.safetensors")
    try refused(["report", root.path], "report.json")
    try Data("{\"method\": 3}".utf8).write(to: run.appendingPathComponent("report.json"))
    try refused(["report", run.path], "\(run.path)/report.json")

    // Data.
    for (value, fragment) in [("-1", "value '-1' is not a class index"), ("1.5", "value '1.5' is not a class index"),
                              ("999999", "value 999999 would make a 1000000-class model")] {
      let bad = try writeCSV("target.csv", table(target: { $0 == 7 ? value : "\($0 % 2)" }))
      try refused(["train", "--dataset", "tabular-csv", "--data-root", bad, "--target", "y", "--protected", "race"],
                  fragment, "target.csv:9")
    }
    for (value, fragment) in [("inf", "value 'inf' is not a finite number"), ("1e400", "value '1e400' is not a finite number"),
                              ("abc", "value 'abc' is not a number while")] {
      let bad = try writeCSV("feature.csv", table(feature: { $0 == 3 ? value : "\($0 % 5)" }))
      try refused(["train", "--dataset", "tabular-csv", "--data-root", bad, "--target", "y", "--protected", "race"],
                  fragment, "column 'x' (column 3)", "feature.csv:5")
    }
    let nul = path("nul.csv")
    try Data("y,race,x\n0,a,1\n1,b,2\u{0}\n".utf8).write(to: URL(fileURLWithPath: nul))
    try refused(["train", "--dataset", "tabular-csv", "--data-root", nul, "--target", "y", "--protected", "race"], "NUL byte", "nul.csv:3")
    let long = path("long.csv")
    try Data(("y,race,x\n0,a," + String(repeating: "9", count: (1 << 20) + 10) + "\n").utf8).write(to: URL(fileURLWithPath: long))
    try refused(["train", "--dataset", "tabular-csv", "--data-root", long, "--target", "y", "--protected", "race"],
                "longer than 1048576 bytes", "long.csv:2")
    let oneClass = try writeCSV("one-class.csv", table(target: { _ in "1" }))
    try refused(["train", "--dataset", "tabular-csv", "--data-root", oneClass, "--target", "y", "--protected", "race"], "single class (1)")
    let oneGroup = try writeCSV("one-group.csv", ["y,race,x"] + (0..<40).map { "\($0 % 2),a,\($0)" })
    try refused(["train", "--dataset", "tabular-csv", "--data-root", oneGroup, "--target", "y", "--protected", "race"],
                "protected attribute 'race' has a single value (a)")
  }

  func testImageCatalog() throws {
    let images = root.appendingPathComponent("images")
    try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
    var rows = ["path,label,group"]
    for i in 0..<12 {
      let pixels = (0..<(8 * 8 * 3)).map { UInt8(($0 * (i + 3)) % 251) }
      try ImageCodec.encodePNG(try RGBImage(width: 8, height: 8, pixels: pixels)).write(to: images.appendingPathComponent("\(i).png"))
      rows.append("\(i).png,\(i % 2),\(["p", "q"][i / 2 % 2])")
    }
    try FileManager.default.createSymbolicLink(atPath: images.appendingPathComponent("secret.png").path, withDestinationPath: "/etc/passwd")
    let csv = try writeCSV("labels.csv", rows + ["secret.png,0,p"])
    let data = ["--dataset", "image-csv", "--data-root", images.path, "--csv", csv, "--target", "label", "--protected", "group"]
    try refused(["train"] + data + ["--image-size", "100000"], "image_size = 100000", "GiB")
    try refused(["train"] + data + ["--image-size", "-5"], "image_size = -5: must be positive")
    // The link out of the root is refused unread: named, and nothing of its target printed.
    try refused(["train"] + data + ["--epochs", "1", "--output", path("m.safetensors")], "secret.png: links outside the dataset root",
                "labels.csv:14")
    let outcome = try cli.run(["train"] + data + ["--epochs", "1", "--output", path("m.safetensors")])
    XCTAssertFalse(outcome.output.contains("root:x:"), "bytes of /etc/passwd were printed: \(outcome.output)")
    XCTAssertFalse(FileManager.default.fileExists(atPath: path("m.safetensors")))
  }
}
