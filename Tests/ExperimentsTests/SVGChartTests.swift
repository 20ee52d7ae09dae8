@testable import Experiments
import XCTest

/// Chart geometry against hand-computed pixel positions: a 720x380 canvas with margins left 64,
/// right 170, top 36, bottom 56, i.e. a 486x288 plot area.
final class SVGChartTests: XCTestCase {
  func testLinePointsMapToThePlotArea() {
    var chart = SVGChart(title: "t", xLabel: "epoch", yLabel: "%", kind: .lines,
                         series: [SVGChart.Series(name: "train", values: [(1, 0), (3, 50)])])
    chart.yRange = 0...100
    chart.references = [("ε", 25)]
    let svg = chart.render()
    // x 1 -> 64, x 3 -> 64 + 486; y 0 -> 36 + 288, y 50 -> 36 + 144, ε 25 -> 36 + 216.
    XCTAssertTrue(svg.contains(#"points="64.0,324.0 550.0,180.0""#), svg)
    XCTAssertTrue(svg.contains(#"<line x1="64.0" y1="252.0" x2="550.0" y2="252.0" stroke="black" stroke-dasharray="6,4"/>"#), svg)
    XCTAssertTrue(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
    XCTAssertTrue(svg.contains(">train</text>"))
  }

  func testBarsGrowUpAndDownFromZero() {
    var chart = SVGChart(title: "a < b & c", xLabel: "group", yLabel: "ψ", kind: .bars(categories: ["a", "b"]),
                         series: [SVGChart.Series(name: "nft", values: [(0, 10), (1, -5)])])
    chart.yRange = -10...10
    let svg = chart.render()
    // slot 243, bar width 0.8 * 243 = 194.4; zero at y 180; +10 -> 36; -5 -> 252.
    XCTAssertTrue(svg.contains(#"<rect x="88.3" y="36.0" width="194.4" height="144.0""#), svg)
    XCTAssertTrue(svg.contains(#"<rect x="331.3" y="180.0" width="194.4" height="72.0""#), svg)
    XCTAssertTrue(svg.contains("a &lt; b &amp; c"))  // titles are escaped
  }

  func testErrorBarsSpanMeanPlusMinusError() {
    var chart = SVGChart(title: "t", xLabel: "sparsity", yLabel: "%", kind: .lines,
                         series: [SVGChart.Series(name: "ceag", values: [(90, 20), (97, 50)], errors: [10, 0])])
    chart.yRange = 0...100
    let svg = chart.render()
    // x 90 -> 64; y 10 -> 36 + 259.2 = 295.2, y 30 -> 36 + 201.6 = 237.6; no bar for a zero error.
    XCTAssertTrue(svg.contains(##"<path d="M60.0,295.2h8M64.0,295.2V237.6M60.0,237.6h8" stroke="#1f77b4" fill="none"/>"##), svg)
    XCTAssertEqual(svg.components(separatedBy: "<path").count - 1, 1)
    // Without a fixed range the axis makes room for the bars.
    chart.yRange = nil
    XCTAssertEqual(chart.yDomain.upperBound, 50)
    chart.series[0].errors = [40, 0]
    XCTAssertEqual(chart.yDomain.upperBound, 60)
  }
}
