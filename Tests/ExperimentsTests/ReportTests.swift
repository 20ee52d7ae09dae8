import Datasets
import Experiments
import Fairness
import Foundation
import NN
import TestSupport
import Torch
import XCTest

/// Reports that scale and carry uncertainty (issue 12 item 7).
final class ReportTests: XCTestCase {
  /// Wilson's interval, against values computed by hand (Python, math module).
  func testWilsonIntervalMatchesHandComputedValues() {
    let half = DisparityMetrics.Group.wilsonInterval(successRate: 0.5, count: 100)
    assertClose([half.lowerBound, half.upperBound], [0.4038315303659956, 0.5961684696340044], atol: 1e-12)
    let perfect = DisparityMetrics.Group.wilsonInterval(successRate: 1, count: 3)
    assertClose([perfect.lowerBound, perfect.upperBound], [0.43850296824495455, 1.0], atol: 1e-12)
  }

  /// 10,000 groups of 2 rows: report.md stays short (the 20 worst groups per split and a summary),
  /// report.json keeps every group with its accuracy interval.
  func testTenThousandGroupsGiveAShortMarkdownReport() throws {
    Torch.threadCount = 2
    let root = try temporaryDirectory(self, prefix: "report-groups")
    var rows = ["y,person,x"]
    for i in 0..<20_000 { rows.append("\((i / 3) % 2),p\(i % 10_000),\(Double((i * 7919) % 101) / 50)") }
    let csv = root.appendingPathComponent("t.csv")
    try (rows.joined(separator: "\n") + "\n").write(to: csv, atomically: true, encoding: .utf8)
    var spec = DataSpec(source: .tabularCSV)
    spec.root = csv.path
    spec.target = "y"
    spec.protected = ["person"]
    let data = try spec.load()
    XCTAssertEqual(data.info.attributes[0].cardinality, 10_000)
    Torch.manualSeed(0)
    let dense = try ModelKind.mlp.make(inputShape: data.train.sampleShape, numClasses: 2, mlpHidden: [8])
    var c = RunConfig()
    c.method = .nft
    c.epochs = 1
    c.lastPruningEpoch = 0
    c.sparsity = 0.5
    c.batchSize = 1000
    let dir = root.appendingPathComponent("run")
    let report = try XCTUnwrap(PruneRun(config: c, data: data, directory: dir, progress: ProgressReporter(enabled: false)).run(dense: dense))
    let markdown = try String(contentsOf: dir.appendingPathComponent("report.md"), encoding: .utf8)
    let lines = markdown.split(separator: "\n", omittingEmptySubsequences: false).count
    XCTAssertLessThan(lines, 200, markdown)
    XCTAssertTrue(markdown.contains("The 20 groups with the largest ψ_g of 10000"), markdown)
    // The rows listed are the worst: no unlisted group has a larger train ψ_g than a listed one.
    let train = try XCTUnwrap(report.splits["train"])
    let listed = Set(markdown.split(separator: "\n").compactMap { line -> String? in
      line.hasPrefix("| p") ? String(line.dropFirst(2).prefix { $0 != " " }) : nil
    })
    let excess = train.groups.compactMap { g in g.excessGap.map { (g.name, $0) } }
    let threshold = excess.filter { listed.contains($0.0) }.map(\.1).min() ?? .infinity
    XCTAssertFalse(excess.contains { !listed.contains($0.0) && $0.1 > threshold })
    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("report.json"))) as? [String: Any]
    let groups = ((json?["splits"] as? [String: Any])?["train"] as? [String: Any])?["groups"] as? [[String: Any]]
    XCTAssertEqual(groups?.count, 10_000)
    XCTAssertEqual((groups?.first?["accuracy_95"] as? [Double])?.count, 2)
  }

  /// `fairprune report` over seeds of one setting adds their mean ± std.
  func testReportOverSeedsGivesMeanAndStd() throws {
    func report(seed: UInt64, accuracy: Double) throws -> RunReport {
      let dense = try SplitPerformance(correct: Tensor([true, true, true, true]), groupIDs: Tensor([0, 0, 1, 1] as [Int64]), numGroups: 2)
      let correct = accuracy == 1 ? [true, true, true, true] : [true, true, true, false]
      let sparse = try SplitPerformance(correct: Tensor(correct), groupIDs: Tensor([0, 0, 1, 1] as [Int64]), numGroups: 2)
      let m = try DisparityMetrics(dense: dense, sparse: sparse, groupNames: ["a", "b"], tolerance: 0.01)
      return RunReport(method: "ceag", sparsityTarget: 0.9, achievedSparsity: 0.9, tolerance: 0.01, seed: seed, groups: ["a", "b"],
                       splits: ["train": m, "test": m], epoch: 1, selectedOn: nil, weightDecayScope: "all")
    }
    let md = ReportMarkdown.render([try report(seed: 0, accuracy: 1), try report(seed: 1, accuracy: 0.75)])
    // Train accuracy 100% and 75%: mean 87.50, sample std 17.68; one seed feasible of two.
    XCTAssertTrue(md.contains("## Over seeds"), md)
    XCTAssertTrue(md.contains("| ceag | 90.0 | 1.0 | 2 | 87.50 ± 17.68 | 87.50 ± 17.68 |"), md)
    XCTAssertTrue(md.contains("| 50% |"), md)
  }
}
