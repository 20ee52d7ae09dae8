import Fairness
import Foundation
import NN
import Torch

/// `fairprune diagnose`: Tran et al.'s per-group diagnostics of a dense model (and of its pruned
/// version), with each group's accuracy drop Δ_g and excess loss, and how well each diagnostic
/// ranks the groups by Δ_g (Spearman across groups). Written as diagnostics.json, diagnostics.md
/// and one scatter plot per diagnostic.
public struct Diagnosis: Codable, Sendable {
  public struct Group: Codable, Sendable {
    public var name: String
    public var dense: GroupDiagnostics.Row
    public var sparse: GroupDiagnostics.Row?
    /// A_d,g − A_s,g on the sampled rows.
    public var gap: Double?
    /// L_s,g − L_d,g (Tran et al.'s excessive loss).
    public var excessLoss: Double?

    enum CodingKeys: String, CodingKey {
      case name, dense, sparse, gap
      case excessLoss = "excess_loss"
    }
  }

  public var split: String
  public var options: GroupDiagnostics.Options
  public var groups: [Group]
  /// Spearman correlation of each dense diagnostic with Δ_g across groups (nil when undefined).
  public var correlations: [String: Double?]

  /// The diagnostics compared with Δ_g, by their JSON names.
  static let diagnostics: [(name: String, value: (GroupDiagnostics.Row) -> Double)] = [
    ("grad_norm", \.gradNorm), ("mean_sample_grad_norm", \.meanSampleGradNorm), ("hessian_top", \.hessianTop),
    ("hessian_trace", \.hessianTrace), ("boundary_proxy", \.boundaryProxy), ("margin", \.margin), ("loss", \.loss),
  ]

  public static func run(dense: any Module, sparse: (any Module)?, split: GroupedSplit, splitName: String, groups: GroupSpec,
                         options: GroupDiagnostics.Options) throws -> Diagnosis {
    let samples = try GroupDiagnostics.samples(of: split, groups: groups, limit: options.maxSamplesPerGroup)
    let names = groups.groupNames
    let d = try GroupDiagnostics.measure(dense, samples: samples, names: names, options: options)
    let s = try sparse.map { try GroupDiagnostics.measure($0, samples: samples, names: names, options: options) }
    var rows: [Group] = []
    for g in names.indices {
      guard let dr = d.rows[g] else { continue }
      let sr = s?.rows[g]
      rows.append(Group(name: names[g], dense: dr, sparse: sr, gap: sr.map { dr.accuracy - $0.accuracy },
                        excessLoss: sr.map { $0.loss - dr.loss }))
    }
    var correlations: [String: Double?] = [:]
    let gaps = rows.compactMap(\.gap)
    if gaps.count == rows.count {
      for (name, value) in diagnostics { correlations[name] = RankCorrelation.spearman(rows.map { value($0.dense) }, gaps) }
    }
    return Diagnosis(split: splitName, options: options, groups: rows, correlations: correlations)
  }

  public var markdown: String {
    func f(_ x: Double?) -> String { x.map { String(format: "%.4g", $0) } ?? "–" }
    var out = ["# Group diagnostics (\(split) split)", "",
               "Dense model, per group, on at most \(options.maxSamplesPerGroup) samples each: gradient norm of the group loss, "
               + "mean per-sample gradient norm, top Hessian eigenvalue, Hessian trace, boundary proxy 1 − Σp², margin; "
               + "Δ_g and the excess loss compare the pruned model on the same samples (Tran et al., NeurIPS 2022).", "",
               "| group | n | acc | loss | ‖∇L_g‖ | mean ‖∇ℓ_i‖ | λ_max | tr H | 1 − Σp² | margin | Δ_g | excess loss |",
               "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for g in groups {
      let r = g.dense
      out.append("| \(g.name) | \(r.samples) | \(f(100 * r.accuracy)) | \(f(r.loss)) | \(f(r.gradNorm)) | \(f(r.meanSampleGradNorm)) | "
                 + "\(f(r.hessianTop)) | \(f(r.hessianTrace)) | \(f(r.boundaryProxy)) | \(f(r.margin)) | "
                 + "\(f(g.gap.map { 100 * $0 })) | \(f(g.excessLoss)) |")
    }
    if !correlations.isEmpty {
      out += ["", "Spearman rank correlation with Δ_g across \(groups.count) groups:", "",
              "| diagnostic | ρ |", "|---|---|"]
      for (name, _) in Self.diagnostics { out.append("| \(name) | \(f(correlations[name] ?? nil)) |") }
    }
    return out.joined(separator: "\n") + "\n"
  }

  /// One scatter plot per diagnostic: the dense value against Δ_g, one point per group.
  public var charts: [(String, SVGChart)] {
    guard groups.allSatisfy({ $0.gap != nil }) else { return [] }
    return Self.diagnostics.map { name, value in
      let points = groups.map { (x: value($0.dense), y: 100 * ($0.gap ?? 0)) }
      let rho = (correlations[name] ?? nil).map { String(format: " (Spearman ρ = %.2f)", $0) } ?? ""
      return ("diagnostics_\(name).svg", SVGChart(title: "Δ_g against \(name)\(rho)", xLabel: name, yLabel: "Δ_g (%)",
                                                    kind: .points, series: [SVGChart.Series(name: "groups", values: points)]))
    }
  }
}

extension Jobs {
  /// Diagnoses the dense model in `denseFile` (and the pruned one in `sparseFile`) on `split` of
  /// `data`; writes diagnostics.json, diagnostics.md and the plots into `output`; returns the Markdown.
  /// With a pruned model it also prices the constraint ψ_g ≤ `tolerance` (`ConstraintPrice`, on the
  /// whole split, then the test split): constraint_price.json, and a section of the Markdown.
  public static func diagnose(data: DataSpec, denseFile: String, sparseFile: String?, model: ModelKind?, split: String,
                              options: GroupDiagnostics.Options, output: String, tolerance: Double = 0.01,
                              minGroupSize: Int = RunConfig().minGroupSize,
                              progress: ProgressReporter = ProgressReporter()) throws -> String {
    let dataset = try data.load(notes: progress.line)
    let chosen: GroupedSplit
    switch split {
    case "train": chosen = dataset.train
    case "test": chosen = dataset.test
    case "val":
      guard let v = dataset.validation else { throw ConfigError("split = val: the data has no validation split (--validation-fraction)") }
      chosen = v
    default: throw ConfigError("split = \(split): use train, val or test")
    }
    let dense = try ModelFile.load(denseFile, kind: model, for: dataset, notes: progress.line)
    let sparse = try sparseFile.map { try ModelFile.load($0, kind: model, for: dataset, notes: progress.line) }
    let groups = try GroupSpec(info: dataset.info, attributeNames: dataset.info.attributes.map(\.name), mode: .intersectional)
    let diagnosis = try Diagnosis.run(dense: dense, sparse: sparse, split: chosen, splitName: split, groups: groups, options: options)
    let price = try sparse.map {
      try ConstraintPrice.measure(dense: dense, sparse: $0, search: (split, chosen), others: split == "test" ? [] : [("test", dataset.test)],
                                  groups: groups, tolerance: tolerance, minGroupSize: minGroupSize)
    }
    let markdown = diagnosis.markdown + (price.map { "\n" + $0.markdown } ?? "")
    let folder = URL(fileURLWithPath: output)
    do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
      throw ConfigError("cannot create \(output): \(error.localizedDescription)")
    }
    try AtomicFileWriter.write(try ConfigFile.encoder(pretty: true).encode(diagnosis), to: folder.appendingPathComponent("diagnostics.json"))
    try AtomicFileWriter.write(Data(markdown.utf8), to: folder.appendingPathComponent("diagnostics.md"))
    if let price {
      try AtomicFileWriter.write(try ConfigFile.encoder(pretty: true).encode(price), to: folder.appendingPathComponent("constraint_price.json"))
    }
    for (name, chart) in diagnosis.charts {
      try AtomicFileWriter.write(Data(chart.render().utf8), to: folder.appendingPathComponent(name))
    }
    return markdown
  }
}
