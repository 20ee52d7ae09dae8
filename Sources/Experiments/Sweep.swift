import Foundation
import Torch

/// A grid of runs from one file (`fairprune sweep CONFIG`): methods × seeds × sparsities ×
/// tolerances on one dataset and dense model, each run in its own resumable run folder, then one
/// table of mean ± std over seeds in the paper's columns and plots.
///
/// ```yaml
/// data: {source: utkface, root: ../shared/data/UTKFace, image_size: 32}
/// dense: runs/utkface/dense.safetensors
/// output: runs/utkface-sweep
/// run: {model: mobilenet-v2, epochs: 7, last_pruning_epoch: 2}   # any RunConfig setting
/// methods: [nft, ceag]
/// seeds: [0, 1, 2]
/// sparsities: [0.9, 0.95]
/// tolerances: [0.01]
/// ```
public struct SweepConfig: Sendable {
  public var data: DataSpec
  public var dense: String
  public var output: String
  /// Settings shared by every run; method, seed, sparsity and tolerance come from the grid.
  public var run: RunConfig
  public var methods: [MethodKind]
  public var seeds: [UInt64]
  public var sparsities: [Double]
  public var tolerances: [Double]

  static let keys = ["data", "dense", "output", "run", "methods", "seeds", "sparsities", "tolerances"]

  /// Reads a sweep file (JSON or YAML); unknown keys, here or in `data` and `run`, are errors.
  public static func load(_ path: String) throws -> SweepConfig {
    let top = try ConfigFile.settings(of: try ConfigFile.read(path: path), known: keys, source: path)
    func required<T>(_ key: String, _ type: T.Type) throws -> T {
      guard let value = top[key] else { throw ConfigError("\(path): missing '\(key)'") }
      guard let typed = value as? T else { throw ConfigError("\(path): '\(key)' = \(value) is not \(T.self)") }
      return typed
    }
    let dataKeys = DataSpec.CodingKeys.allCases.map(\.rawValue)
    var data: DataSpec = try ConfigFile.merge(DataSpec(), with: try ConfigFile.settings(of: top["data"] ?? [:], known: dataKeys,
                                                                                       source: "\(path): data"), source: "\(path): data")
    data.decodeThreads = DataSpec().decodeThreads
    let runObject = try ConfigFile.settings(of: top["run"] ?? [:], known: RunConfig.CodingKeys.allCases.map(\.rawValue),
                                            source: "\(path): run")
    let run: RunConfig = try ConfigFile.merge(RunConfig(), with: runObject, source: "\(path): run")
    let methodNames = try required("methods", [String].self)
    let methods = try methodNames.map { name -> MethodKind in
      guard let m = MethodKind(rawValue: name) else {
        throw ConfigError("\(path): method '\(name)'; known: \(MethodKind.allCases.map(\.rawValue).joined(separator: ", "))")
      }
      return m
    }
    let sweep = SweepConfig(
      data: data, dense: try required("dense", String.self), output: try required("output", String.self), run: run,
      methods: methods, seeds: try required("seeds", [Int].self).map { UInt64(clamping: $0) },
      sparsities: try required("sparsities", [Double].self), tolerances: try required("tolerances", [Double].self))
    for c in sweep.configs { try c.config.validate() }
    if sweep.configs.isEmpty { throw ConfigError("\(path): the grid is empty (methods, seeds, sparsities and tolerances need one value each)") }
    return sweep
  }

  /// Every run of the grid with its folder under `output`, seed by seed: a grid stopped part-way
  /// has every method and setting for its first seeds, which is what its table compares.
  public var configs: [(config: RunConfig, folder: String)] {
    var out: [(RunConfig, String)] = []
    for seed in seeds {
      for method in methods {
        for sparsity in sparsities {
          for tolerance in tolerances {
            var c = run
            c.method = method
            c.sparsity = sparsity
            c.tolerance = tolerance
            c.seed = seed
            out.append((c, "\(method.rawValue)/sparsity-\(sparsity)/tolerance-\(tolerance)/seed-\(seed)"))
          }
        }
      }
    }
    return out
  }
}

/// One row of a sweep's summary: a (method, sparsity, tolerance) cell over its seeds.
public struct SweepRow: Codable, Sendable, Equatable {
  /// Mean and sample standard deviation over seeds (std nil with one seed).
  public struct Stat: Codable, Sendable, Equatable {
    public var mean: Double
    public var std: Double?
  }
  public var method: String
  public var sparsity: Double
  public var tolerance: Double
  public var seeds: Int
  public var trainAccuracy: Stat
  public var testAccuracy: Stat
  public var trainPsiPW: Stat
  public var trainMaxExcessGap: Stat
  public var testMaxExcessGap: Stat
  /// Each seed's train max ψ_g, in the order of the sweep's `seeds`: a mean over seeds can hide
  /// one seed that misses ε.
  public var trainMaxExcessGapPerSeed: [Double]
  /// Fraction of seeds feasible on train (max ψ_g ≤ ε, and not fallen to near chance: `RunReport.feasibleOnTrain`).
  public var feasibleRate: Double

  enum CodingKeys: String, CodingKey {
    case method, sparsity, tolerance, seeds
    case trainAccuracy = "train_accuracy"
    case testAccuracy = "test_accuracy"
    case trainPsiPW = "train_psi_pw"
    case trainMaxExcessGap = "train_max_excess_gap"
    case testMaxExcessGap = "test_max_excess_gap"
    case trainMaxExcessGapPerSeed = "train_max_excess_gap_per_seed"
    case feasibleRate = "feasible_rate"
  }

  static func stat(_ x: [Double]) -> Stat {
    let mean = x.reduce(0, +) / Double(x.count)
    let std = x.count > 1 ? (x.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(x.count - 1)).squareRoot() : nil
    return Stat(mean: mean, std: std)
  }

  /// The cell's row from its runs' reports.
  init(method: String, sparsity: Double, tolerance: Double, reports: [RunReport]) {
    self.method = method
    self.sparsity = sparsity
    self.tolerance = tolerance
    seeds = reports.count
    func values(_ split: String, _ f: (DisparityMetrics) -> Double) -> [Double] { reports.compactMap { $0.splits[split].map(f) } }
    trainAccuracy = Self.stat(values("train") { $0.accuracy })
    testAccuracy = Self.stat(values("test") { $0.accuracy })
    trainPsiPW = Self.stat(values("train") { $0.psiPW })
    trainMaxExcessGapPerSeed = reports.compactMap { $0.splits["train"]?.maxExcessGap }
    trainMaxExcessGap = Self.stat(trainMaxExcessGapPerSeed)
    testMaxExcessGap = Self.stat(values("test") { $0.maxExcessGap })
    feasibleRate = Double(reports.filter(\.feasibleOnTrain).count) / Double(reports.count)
  }
}

/// Runs a sweep and summarizes it.
public enum SweepRun {
  /// Runs every cell of `sweep` not finished yet (a finished run with the cell's settings is read,
  /// an interrupted one resumes, a folder with other settings is an error), then writes sweep.json, sweep.md and the plots into `output`.
  /// With `finishedOnly` no run starts or resumes: the summary covers the finished runs and names
  /// the others (a long grid's interim table). Returns the Markdown summary.
  public static func run(_ sweep: SweepConfig, finishedOnly: Bool = false, progress: ProgressReporter = ProgressReporter()) throws -> String {
    let root = URL(fileURLWithPath: sweep.output)
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    let data = try sweep.data.load(notes: progress.line)
    let dense = try ModelFile.load(sweep.dense, kind: sweep.run.model, for: data)
    var reports: [(config: RunConfig, report: RunReport)] = []
    var unfinished: [String] = []
    for (i, cell) in sweep.configs.enumerated() {
      let folder = root.appendingPathComponent(cell.folder)
      let run = try PruneRun(config: cell.config, data: data, directory: folder, progress: progress)
      run.dataSpec = sweep.data
      run.denseFile = sweep.dense
      if finishedOnly {
        if let report = try run.finishedReport(dense: dense) { reports.append((cell.config, report)) } else { unfinished.append(cell.folder) }
        continue
      }
      progress.line("sweep run \(i + 1)/\(sweep.configs.count): \(cell.folder)")
      if let report = try run.run(dense: dense) { reports.append((cell.config, report)) }
    }
    // A run with class offsets gives two rows: the method's own model and the shifted one.
    let described = reports.flatMap(\.report.withAndWithoutClassOffsets)
    let rows = summarize(described)
    try AtomicFileWriter.write(try ConfigFile.encoder(pretty: true).encode(rows), to: root.appendingPathComponent("sweep.json"))
    var markdown = render(rows)
    if !unfinished.isEmpty {
      markdown += "\nNot finished, so not in the table (\(unfinished.count) of \(sweep.configs.count) runs): "
        + unfinished.joined(separator: ", ") + ".\n"
    }
    try AtomicFileWriter.write(Data(markdown.utf8), to: root.appendingPathComponent("sweep.md"))
    for (name, chart) in charts(rows, reports: described) {
      try AtomicFileWriter.write(Data(chart.render().utf8), to: root.appendingPathComponent(name))
    }
    return markdown
  }

  /// One row per (method as tables name it, sparsity target, tolerance), in the order of first appearance.
  static func summarize(_ reports: [RunReport]) -> [SweepRow] {
    var cells: [(key: String, method: String, sparsity: Double, tolerance: Double, reports: [RunReport])] = []
    for report in reports {
      let key = "\(report.displayName)|\(report.sparsityTarget)|\(report.tolerance)"
      if let i = cells.firstIndex(where: { $0.key == key }) {
        cells[i].reports.append(report)
      } else {
        cells.append((key, report.displayName, report.sparsityTarget, report.tolerance, [report]))
      }
    }
    return cells.map { SweepRow(method: $0.method, sparsity: $0.sparsity, tolerance: $0.tolerance, reports: $0.reports) }
  }

  static func render(_ rows: [SweepRow]) -> String {
    func pct(_ s: SweepRow.Stat) -> String {
      String(format: "%.2f", 100 * s.mean) + (s.std.map { String(format: " ± %.2f", 100 * $0) } ?? "")
    }
    func perSeed(_ r: SweepRow) -> String {
      guard r.trainMaxExcessGapPerSeed.count > 1 else { return "" }
      return " (" + r.trainMaxExcessGapPerSeed.map { ReportMarkdown.pct($0) }.joined(separator: " / ") + ")"
    }
    var out = ["# FairPrune sweep", "",
               "Mean ± sample standard deviation over seeds, in percent (train max ψ_g: each seed's value in brackets, in the "
                 + "order of the sweep's seeds); feasible: share of seeds with train max ψ_g ≤ ε whose train "
                 + "accuracy did not fall to near chance (less than a quarter of the dense model's margin over the majority class kept).", "",
               "| method | sparsity | ε | seeds | train acc | test acc | train Ψ_PW | train max ψ_g | test max ψ_g | feasible |",
               "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows {
      out.append("| \(r.method) | \(String(format: "%.1f", 100 * r.sparsity)) | \(String(format: "%.1f", 100 * r.tolerance)) | \(r.seeds) | "
                 + "\(pct(r.trainAccuracy)) | \(pct(r.testAccuracy)) | \(pct(r.trainPsiPW)) | \(pct(r.trainMaxExcessGap))\(perSeed(r)) | "
                 + "\(pct(r.testMaxExcessGap)) | \(String(format: "%.0f%%", 100 * r.feasibleRate)) |")
    }
    return out.joined(separator: "\n") + "\n"
  }

  /// max ψ_g (train) against sparsity per method and tolerance with error bars (the paper's
  /// Figure 2), and per-group Δ_g bars (train, mean over seeds) per method at the highest sparsity.
  static func charts(_ rows: [SweepRow], reports: [RunReport]) -> [(String, SVGChart)] {
    let tolerances = Array(Set(rows.map(\.tolerance))).sorted()
    var series: [SVGChart.Series] = []
    for method in uniqueInOrder(rows.map(\.method)) {
      for tolerance in tolerances {
        let cells = rows.filter { $0.method == method && $0.tolerance == tolerance }.sorted { $0.sparsity < $1.sparsity }
        guard !cells.isEmpty else { continue }
        series.append(SVGChart.Series(name: tolerances.count > 1 ? "\(method) ε=\(tolerance)" : method,
                                      values: cells.map { (100 * $0.sparsity, 100 * $0.trainMaxExcessGap.mean) },
                                      errors: cells.map { 100 * ($0.trainMaxExcessGap.std ?? 0) }))
      }
    }
    var curve = SVGChart(title: "Train max ψ_g against sparsity (mean ± std over seeds)", xLabel: "sparsity (%)",
                         yLabel: "max ψ_g (%)", kind: .lines, series: series)
    curve.references = tolerances.map { ("ε = \(String(format: "%g", 100 * $0))%", 100 * $0) }
    var charts: [(String, SVGChart)] = [("max_excess_gap.svg", curve)]
    if let top = rows.map(\.sparsity).max(), let groups = reports.first?.groups {
      var bars: [SVGChart.Series] = []
      for method in uniqueInOrder(rows.map(\.method)) {
        let runs = reports.filter { $0.displayName == method && $0.sparsityTarget == top }
        guard !runs.isEmpty else { continue }
        let gaps = groups.indices.map { g -> (x: Double, y: Double) in
          let values = runs.compactMap { $0.splits["train"]?.groups[g].gap }
          return (Double(g), values.isEmpty ? 0 : 100 * values.reduce(0, +) / Double(values.count))
        }
        bars.append(SVGChart.Series(name: method, values: gaps))
      }
      charts.append(("group_gaps.svg", SVGChart(title: "Train Δ_g per group at \(String(format: "%g", 100 * top))% sparsity (mean over seeds)",
                                               xLabel: "group", yLabel: "Δ_g (%)", kind: .bars(categories: groups), series: bars)))
    }
    return charts
  }

  static func uniqueInOrder(_ xs: [String]) -> [String] {
    var seen = Set<String>()
    return xs.filter { seen.insert($0).inserted }
  }
}
