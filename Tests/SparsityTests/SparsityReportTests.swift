import Foundation
import NN
import Sparsity
import Torch
import XCTest

/// Per-layer and total counts of `SparsityReport` on hand examples.
final class SparsityReportTests: XCTestCase {
  override func setUp() { Torch.threadCount = 2 }

  func testCountsOnAHandExample() throws {
    // a holds a live exact zero (index 1); its mask prunes indices 2, 4, 6.
    let model = try TwoLinear([0.5, 0, 0.3, -0.8, 0.05, 0.7, -0.2, 0.4], shapeA: [2, 4],
                              [0.9, -0.8, 0.7, 0.05], shapeB: [2, 2])
    let masks = try SparsityMasks(model: model, scope: bothLayers)
    try masks.setMask(Tensor([true, true, false, true, false, true, false, true], shape: [2, 4]), forLayer: "a")
    try masks.setMask(Tensor([1, 1, 0, 0] as [Float], shape: [2, 2]), forLayer: "b")
    let report = try masks.report()
    XCTAssertEqual(report.layers.map(\.name), ["a", "b"])
    let a = report.layer(named: "a")!, b = report.layer(named: "b")!
    XCTAssertEqual([a.total, a.zeros, a.pruned, a.units, a.deadUnits], [8, 4, 3, 2, 0])
    XCTAssertEqual(a.fraction, 0.5)
    XCTAssertEqual(a.shape, [2, 4])
    XCTAssertEqual([b.total, b.zeros, b.pruned, b.units, b.deadUnits], [4, 2, 2, 2, 1])
    XCTAssertEqual(b.fraction, 0.5)
    XCTAssertEqual([report.total, report.zeros], [12, 6])
    XCTAssertEqual(report.fraction, 0.5)
    XCTAssertNil(report.layer(named: "c"))

    let json = try report.jsonData()
    let text = String(decoding: json, as: UTF8.self)
    XCTAssertTrue(text.contains("\"deadUnits\" : 1"), text)
    XCTAssertTrue(text.contains("\"fraction\" : 0.5"), text)
    XCTAssertEqual(try JSONDecoder().decode(SparsityReport.self, from: json), report)
  }

  func testUnmaskedModelAndTotalsOverPrunableLayersOnly() throws {
    let model = try CifarResNet(depth: 8, numClasses: 10)
    let dense = try SparsityReport(model: model)
    XCTAssertEqual(dense.zeros, 0)
    XCTAssertEqual(dense.layers.map(\.pruned), Array(repeating: 0, count: 8))
    // layer1: 2 · 16·16·9; layer2: 32·16·9 + 32·32·9 + 32·16; layer3: 64·32·9 + 64·64·9 + 64·32.
    XCTAssertEqual(dense.total, 2 * 2304 + (4608 + 9216 + 512) + (18432 + 36864 + 2048))
    let masks = try SparsityMasks(model: model)
    try masks.prune(to: 0.9, using: LayerwiseMagnitudePruner())
    let pruned = try masks.report()
    let expected = pruned.layers.map { Int((0.9 * Double($0.total)).rounded(.up)) }
    XCTAssertEqual(pruned.layers.map(\.zeros), expected)
    XCTAssertEqual(pruned.zeros, expected.reduce(0, +))
    XCTAssertEqual(pruned.fraction, Double(pruned.zeros) / Double(pruned.total))
    XCTAssertEqual(try SparsityReport(model: model), pruned, "the report reads the model, not the masks object")
  }
}
