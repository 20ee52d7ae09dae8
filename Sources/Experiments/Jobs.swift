import Foundation
import Torch

/// The command-line jobs as library calls: each reads its inputs, runs, writes its outputs and
/// returns what it has to say.
public enum Jobs {
  /// Trains a new dense `model` on `data` and saves it to `output`; says where, with its test
  /// accuracy and the per-group accuracy table of every split.
  /// `processGroup`: this process's rank of a data-parallel run; only rank 0 writes and
  /// evaluates (the others return an empty text).
  public static func trainDense(data: DataSpec, model: ModelKind, config: DenseTrainingConfig, output: String,
                                processGroup: ProcessGroup? = nil, progress: ProgressReporter = ProgressReporter()) throws -> String {
    let dataset = try data.load(notes: progress.line)
    progress.line("\(dataset.info.numClasses) classes (\(dataset.info.classNames.prefix(10).joined(separator: ", "))"
                  + (dataset.info.numClasses > 10 ? ", …" : "") + "), \(dataset.train.count) training samples")
    let net = try DenseTrainer.trainNew(model, on: dataset, config: config, processGroup: processGroup, progress: progress)
    guard processGroup.isLead else { return "" }
    try ModelFile.save(net, metadata: ModelFileMetadata(architecture: model, for: dataset), to: output)
    let accuracy = try Evaluator.predict(net, on: dataset.test).accuracy
    return "saved \(output); test accuracy \(String(format: "%.2f%%", 100 * accuracy))\n\n"
      + (try GroupAccuracyTable.render(net, dataset: dataset))
  }

  /// The demo (`DemoRun`) into the folder `output`; returns its Markdown report.
  public static func demo(_ config: DemoConfig, output: String, progress: ProgressReporter = ProgressReporter()) throws -> String {
    try config.run.validate()
    return try DemoRun.run(config, output: URL(fileURLWithPath: output), progress: progress).markdown
  }

  /// Prunes the dense model in `denseFile` with `config` into the run directory `output`; returns
  /// the report, or nil when stopped early. A folder holding this run (same settings, data and
  /// dense model) is resumed, or only read when finished; one holding another run is refused
  /// unless `overwrite`.
  @discardableResult
  /// `processGroup`: this process's rank of a data-parallel run (see `PruneRun.processGroup`).
  public static func prune(data: DataSpec, denseFile: String, config: RunConfig, output: String, overwrite: Bool = false,
                           processGroup: ProcessGroup? = nil, progress: ProgressReporter = ProgressReporter()) throws -> RunReport? {
    let dataset = try data.load(notes: progress.line)
    let dense = try ModelFile.load(denseFile, kind: config.model, for: dataset, notes: progress.line)
    let run = try PruneRun(config: config, data: dataset, directory: URL(fileURLWithPath: output), progress: progress)
    run.dataSpec = data
    run.denseFile = denseFile
    run.overwrite = overwrite
    run.processGroup = processGroup
    return try run.run(dense: dense)
  }

  /// The data-parallel group that `torchrun`'s environment variables (`RANK`, `WORLD_SIZE`,
  /// `MASTER_ADDR`, `MASTER_PORT`, as `fairprune launch` sets them) describe, joined now; nil
  /// for a single process. Collectives that wait longer than `timeout` seconds fail, so a rank
  /// that dies stops the others instead of hanging them.
  public static func processGroup(environment: [String: String] = ProcessInfo.processInfo.environment,
                                  timeout: Double = 300) throws -> ProcessGroup? {
    guard timeout.isFinite, timeout > 0 else { throw ConfigError("the rendezvous timeout must be a positive number of seconds, got \(timeout)") }
    return try ProcessGroup.fromEnvironment(environment, timeout: timeout)
  }

  /// The per-group accuracy table of the model in `modelFile` on every split of `data`; the
  /// architecture is `model`, else the one the file names, else MLP.
  public static func evaluate(data: DataSpec, modelFile: String, model: ModelKind?,
                              progress: ProgressReporter = ProgressReporter()) throws -> String {
    let dataset = try data.load(notes: progress.line)
    let net = try ModelFile.load(modelFile, kind: model, for: dataset, notes: progress.line)
    return try GroupAccuracyTable.render(net, dataset: dataset)
  }

  /// Copies the model of the run in `run` to `output`, compacted if asked; says what it wrote.
  public static func export(run: String, output: String, compact: Bool = false) throws -> String {
    let exported = try ModelFile.export(runDirectory: run, to: output, compact: compact)
    let m = exported.metadata
    var line = "wrote \(output): \(m.architecture.rawValue), \(m.numClasses) classes, input \(m.inputShape.map(String.init).joined(separator: "x")), "
      + String(format: "sparsity %.3f, ", m.sparsity) + "method \(m.method), \(m.groups.count) groups, FairPrune \(m.version)"
    if let p = exported.parameters {
      line += String(format: "\ncompacted: %d -> %d parameters (%.1f%% removed)", p.before, p.after, 100 * Double(p.before - p.after) / Double(max(p.before, 1)))
    }
    return line
  }

  /// One Markdown report over the run directories, plus per-group bar charts in `plots` if given.
  public static func report(runs: [String], plots: String?) throws -> String {
    var reports = try runs.map { try RunReport.load(directory: URL(fileURLWithPath: $0)) }
    // Runs of one method (other settings) are told apart by their folder names.
    let methods = reports.map(\.method)
    for i in reports.indices where methods.filter({ $0 == methods[i] }).count > 1 {
      reports[i].label = "\(reports[i].method) (\(URL(fileURLWithPath: runs[i]).lastPathComponent))"
    }
    reports = reports.flatMap(\.withAndWithoutClassOffsets)
    if let plots { try ReportPlots.writeGroupCharts(reports, to: URL(fileURLWithPath: plots)) }
    return ReportMarkdown.render(reports)
  }
}

extension RunReport {
  /// Reads report.json of a finished run directory.
  public static func load(directory: URL) throws -> RunReport {
    let path = directory.appendingPathComponent("report.json")
    let data: Data
    do { data = try Data(contentsOf: path) } catch { throw ConfigError("\(path.path): \(error.localizedDescription)") }
    return try decode(data, source: path)
  }

  /// A report.json's `data`, read from `source` (named in the error).
  static func decode(_ data: Data, source: URL) throws -> RunReport {
    do { return try JSONDecoder().decode(RunReport.self, from: data) } catch {
      throw ConfigError("\(source.path): \(error.localizedDescription)")
    }
  }
}
