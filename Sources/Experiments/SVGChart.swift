import Foundation

/// A small SVG chart (lines over x, a scatter of points, or grouped bars) with axes, y ticks, a legend and optional
/// horizontal reference lines, so run reports carry plots without a plotting dependency.
public struct SVGChart {
  /// One named line (x, y) or one bar per category.
  public struct Series {
    public var name: String
    public var values: [(x: Double, y: Double)]
    /// Half-widths of error bars, one per value (lines only); nil: none.
    public var errors: [Double]?
    public init(name: String, values: [(x: Double, y: Double)], errors: [Double]? = nil) {
      self.name = name
      self.values = values
      self.errors = errors
    }
  }

  public enum Kind {
    /// Lines through each series' points.
    case lines
    /// Grouped bars: x is the category index, labelled by `categories`.
    case bars(categories: [String])
    /// One dot per value (a scatter plot).
    case points
  }

  public var title: String
  public var xLabel: String
  public var yLabel: String
  public var kind: Kind
  public var series: [Series]
  /// Dashed horizontal lines (e.g. the tolerance ε), with their labels.
  public var references: [(label: String, y: Double)] = []
  /// nil: from 0 (or the smallest value, if negative) to the largest value.
  public var yRange: ClosedRange<Double>?
  public var width = 720.0
  public var height = 380.0

  public init(title: String, xLabel: String, yLabel: String, kind: Kind, series: [Series]) {
    self.title = title
    self.xLabel = xLabel
    self.yLabel = yLabel
    self.kind = kind
    self.series = series
  }

  static let colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]
  let left = 64.0, right = 170.0, top = 36.0, bottom = 56.0

  /// The drawing area's x extent and the data range it maps.
  var xDomain: ClosedRange<Double> {
    switch kind {
    case .bars(let categories): return -0.5...(Double(max(categories.count, 1)) - 0.5)
    case .lines, .points:
      let xs = series.flatMap { $0.values.map(\.x) }
      guard let lo = xs.min(), let hi = xs.max(), hi > lo else { return ((xs.first ?? 0) - 1)...((xs.first ?? 0) + 1) }
      return lo...hi
    }
  }

  var yDomain: ClosedRange<Double> {
    if let yRange { return yRange }
    let bars = series.flatMap { s in zip(s.values, s.errors ?? []).flatMap { [$0.y - $1, $0.y + $1] } }
    let ys = series.flatMap { $0.values.map(\.y) } + bars + references.map(\.y)
    let lo = min(0, ys.min() ?? 0), hi = max(ys.max() ?? 1, lo + 1e-9)
    return lo...hi
  }

  /// Pixel position of a data point.
  func position(x: Double, y: Double) -> (x: Double, y: Double) {
    let xd = xDomain, yd = yDomain
    let plotWidth = width - left - right, plotHeight = height - top - bottom
    return (left + (x - xd.lowerBound) / (xd.upperBound - xd.lowerBound) * plotWidth,
            top + (1 - (y - yd.lowerBound) / (yd.upperBound - yd.lowerBound)) * plotHeight)
  }

  static func number(_ v: Double) -> String { String(format: "%.1f", v) }
  static func escape(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
  }

  /// The chart as a standalone SVG document.
  public func render() -> String {
    let n = Self.number
    var out = [#"<svg xmlns="http://www.w3.org/2000/svg" width="\#(n(width))" height="\#(n(height))" font-family="sans-serif" font-size="12">"#,
               #"<rect width="100%" height="100%" fill="white"/>"#,
               #"<text x="\#(n(width / 2))" y="20" text-anchor="middle" font-size="14">\#(Self.escape(title))</text>"#]
    let (x0, y0) = (left, height - bottom), x1 = width - right
    out.append(#"<line x1="\#(n(x0))" y1="\#(n(top))" x2="\#(n(x0))" y2="\#(n(y0))" stroke="black"/>"#)
    out.append(#"<line x1="\#(n(x0))" y1="\#(n(y0))" x2="\#(n(x1))" y2="\#(n(y0))" stroke="black"/>"#)
    let yd = yDomain
    for k in 0...4 {
      let v = yd.lowerBound + Double(k) / 4 * (yd.upperBound - yd.lowerBound)
      let y = position(x: xDomain.lowerBound, y: v).y
      out.append(#"<line x1="\#(n(x0 - 4))" y1="\#(n(y))" x2="\#(n(x1))" y2="\#(n(y))" stroke="rgb(224,224,224)"/>"#)
      out.append(#"<text x="\#(n(x0 - 6))" y="\#(n(y + 4))" text-anchor="end">\#(String(format: "%.3g", v))</text>"#)
    }
    out.append(#"<text x="\#(n((x0 + x1) / 2))" y="\#(n(height - 12))" text-anchor="middle">\#(Self.escape(xLabel))</text>"#)
    out.append(#"<text x="16" y="\#(n((top + y0) / 2))" text-anchor="middle" transform="rotate(-90 16 \#(n((top + y0) / 2)))">\#(Self.escape(yLabel))</text>"#)
    switch kind {
    case .lines:
      let xs = Set(series.flatMap { $0.values.map(\.x) }).sorted()
      for x in xs where xs.count <= 30 {
        out.append(#"<text x="\#(n(position(x: x, y: yd.lowerBound).x))" y="\#(n(y0 + 16))" text-anchor="middle">\#(String(format: "%g", x))</text>"#)
      }
      for (i, s) in series.enumerated() {
        let points = s.values.map { position(x: $0.x, y: $0.y) }.map { "\(n($0.x)),\(n($0.y))" }.joined(separator: " ")
        out.append(#"<polyline fill="none" stroke="\#(color(i))" stroke-width="2" points="\#(points)"/>"#)
        for (v, e) in zip(s.values, s.errors ?? []) where e > 0 {
          let lo = position(x: v.x, y: v.y - e), hi = position(x: v.x, y: v.y + e)
          out.append(#"<path d="M\#(n(lo.x - 4)),\#(n(lo.y))h8M\#(n(lo.x)),\#(n(lo.y))V\#(n(hi.y))M\#(n(hi.x - 4)),\#(n(hi.y))h8" stroke="\#(color(i))" fill="none"/>"#)
        }
      }
    case .points:
      for k in 0...4 {
        let v = xDomain.lowerBound + Double(k) / 4 * (xDomain.upperBound - xDomain.lowerBound)
        out.append(#"<text x="\#(n(position(x: v, y: yd.lowerBound).x))" y="\#(n(y0 + 16))" text-anchor="middle">\#(String(format: "%.3g", v))</text>"#)
      }
      for (i, s) in series.enumerated() {
        for v in s.values {
          let p = position(x: v.x, y: v.y)
          out.append(#"<circle cx="\#(n(p.x))" cy="\#(n(p.y))" r="4" fill="\#(color(i))"/>"#)
        }
      }
    case .bars(let categories):
      let slot = (x1 - x0) / Double(max(categories.count, 1))
      let barWidth = slot * 0.8 / Double(max(series.count, 1))
      for (c, name) in categories.enumerated() {
        out.append(#"<text x="\#(n(x0 + (Double(c) + 0.5) * slot))" y="\#(n(y0 + 16))" text-anchor="middle">\#(Self.escape(name))</text>"#)
      }
      let base = position(x: 0, y: max(yd.lowerBound, min(0, yd.upperBound))).y
      for (i, s) in series.enumerated() {
        for v in s.values {
          let top = position(x: v.x, y: v.y).y
          let x = x0 + (v.x + 0.1) * slot + Double(i) * barWidth
          out.append(#"<rect x="\#(n(x))" y="\#(n(min(top, base)))" width="\#(n(barWidth))" height="\#(n(abs(base - top)))" fill="\#(color(i))"/>"#)
        }
      }
    }
    for r in references {
      let y = position(x: xDomain.lowerBound, y: r.y).y
      out.append(#"<line x1="\#(n(x0))" y1="\#(n(y))" x2="\#(n(x1))" y2="\#(n(y))" stroke="black" stroke-dasharray="6,4"/>"#)
      out.append(#"<text x="\#(n(x1 - 4))" y="\#(n(y - 4))" text-anchor="end">\#(Self.escape(r.label))</text>"#)
    }
    for (i, s) in series.enumerated() {
      let y = top + 8 + Double(i) * 18
      out.append(#"<rect x="\#(n(x1 + 12))" y="\#(n(y - 8))" width="12" height="10" fill="\#(color(i))"/>"#)
      out.append(#"<text x="\#(n(x1 + 30))" y="\#(n(y + 1))">\#(Self.escape(s.name))</text>"#)
    }
    out.append("</svg>")
    return out.joined(separator: "\n") + "\n"
  }

  func color(_ i: Int) -> String { Self.colors[i % Self.colors.count] }
}
