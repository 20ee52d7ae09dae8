import Datasets
import Fairness
import Foundation
import NN
import Optim
import Sparsity
import Torch

/// The dense -> GMP -> fine-tune -> evaluate pipeline of one method (SPEC 7.5), writing a run
/// directory: config.json, data.json (when `dataSpec` is set), inputs.json, dense_metrics.json,
/// metrics.jsonl, steps.jsonl, checkpoint.safetensors, model.safetensors (the reported epoch's
/// model, a `ModelFile`), report.json, report.md and the plots excess_gap.svg and accuracy.svg.
/// Every file is written atomically (temp file + rename); `RunFolder` decides whether a folder
/// is resumed (after its last finished epoch), only read (finished), or refused.
public final class PruneRun {
  public let config: RunConfig
  public let data: GroupedDataset
  public let directory: URL
  let progress: ProgressReporter
  /// Stop (returning nil) once this epoch's checkpoint is written, as if the job were killed;
  /// the next `run` on the same directory resumes. For time-boxed jobs and resume tests.
  public var stopAfterEpoch: Int?
  /// Where the data came from: written to data.json; resuming with different data is an error.
  public var dataSpec: DataSpec?
  /// The dense model's file, recorded in inputs.json with the model's digest.
  public var denseFile: String?
  /// Replace a run with other settings in `directory` instead of refusing it.
  public var overwrite = false
  /// The ranks of a data-parallel run (nil, or one rank: a single process). Every rank calls
  /// `run` with the same settings, data and dense model (checked); each trains on its part of
  /// every global batch, and the global batch's losses, group statistics and replay-buffer
  /// entries are exchanged so that weights, multipliers and buffers stay identical on every rank
  /// (checked after each epoch). Rank 0 alone reads and writes the run folder; what it reads on
  /// resume reaches the others by broadcast, so hosts need not share a file system.
  public var processGroup: ProcessGroup?
  /// The group when it has several ranks.
  var group: ProcessGroup? { processGroup.parallel }
  /// Whether this process writes the run folder (rank 0).
  var writes: Bool { processGroup.isLead }

  public init(config: RunConfig, data: GroupedDataset, directory: URL, progress: ProgressReporter = ProgressReporter()) throws {
    try config.validate()
    self.config = config
    self.data = data
    self.directory = directory
    self.progress = progress
  }

  var splits: [(name: String, split: GroupedSplit)] {
    [("train", data.train)] + (data.validation.map { [("val", $0)] } ?? []) + [("test", data.test)]
  }

  /// What this run's folder would be started from with `dense`.
  func inputs(dense denseModel: any Module) throws -> RunFolder.Inputs {
    RunFolder.Inputs(denseFile: denseFile ?? "(in memory)", denseDigest: try NamedTensors.digest(denseModel.stateDict()),
                     dataDigest: try dataDigest())
  }

  /// The report of this run when its folder holds it finished with these settings and inputs;
  /// nil when it is not finished. Reads only: nothing starts and nothing is written.
  public func finishedReport(dense denseModel: any Module) throws -> RunReport? {
    let state = try RunFolder(directory: directory).check(config: config, data: dataSpec, inputs: try inputs(dense: denseModel),
                                                          overwrite: false)
    return state == .finished ? try RunReport.load(directory: directory) : nil
  }

  /// Runs (or resumes) the method starting from `dense`, which is left unchanged.
  @discardableResult
  public func run(dense denseModel: any Module) throws -> RunReport? {
    Torch.threadCount = config.threads
    try checkDevice(config.device, group: group)
    let inputs = try inputs(dense: denseModel)
    if let group { try checkDataParallel(group, inputs: inputs) }
    if try prepareFolder(inputs: inputs) == .finished {
      progress.line("\(directory.path) holds this run, finished; its report is unchanged")
      guard let group else { return try RunReport.load(directory: directory) }
      return try RunReport.decode(Data(try group.shareFile(file("report.json")) ?? []), source: file("report.json"))
    }
    let names = config.groupAttributes.isEmpty ? data.info.attributes.map(\.name) : config.groupAttributes
    let groups = try GroupSpec(info: data.info, attributeNames: names, mode: config.groupMode)
    // Group ids of every split, computed once for the whole run.
    let groupIDs = Dictionary(uniqueKeysWithValues: try splits.map { ($0.name, try groups.groupIDs(attributes: $0.split.attributes)) })
    // The dense model's per-sample results on the held-out splits: for the max ψ_g intervals, and
    // for the dense metrics when they are not cached yet.
    let dense = try onRunDevice(denseModel)
    var heldOutDense: [String: SplitPredictions] = [:]
    for (name, split) in splits where name != "train" {
      heldOutDense[name] = try Evaluator.predict(dense, on: split, batchSize: config.evalBatchSize, group: group)
    }
    let densePerformance = try denseMetrics(dense, groups: groups, groupIDs: groupIDs, heldOut: heldOutDense)

    // A fresh copy of the dense model becomes the sparse one.
    Torch.manualSeed(config.seed)
    let model = try config.model.make(for: data, matching: dense.stateDict())
    try model.loadStateDict(dense.stateDict())
    try model.to(device: config.device)
    if config.syncBatchNorm { model.synchronizeBatchNorm(over: group) }
    let sgd = try SGD(parameters: model.parameters(), learningRate: config.learningRate, momentum: config.momentum,
                      nesterov: config.nesterov)
    let masks = try SparsityMasks(model: model)
    let optimizer = MaskedOptimizer(group.map { DataParallelOptimizer(sgd, group: $0) } ?? sgd, masks: masks)
    let schedule = try config.makeSchedule()
    let lrSchedule = MultiStepSchedule(baseRate: config.learningRate, milestoneFractions: config.milestones,
                                       totalEpochs: config.epochs)
    let unconstrained = Set(config.groupConstraintOptions.unconstrainedGroups(groupCounts: densePerformance["train"]!.groupCounts))
    if !unconstrained.isEmpty {
      let names = groups.groupNames, listed = unconstrained.sorted().prefix(20).map { names[$0] }
      progress.line("\(unconstrained.count) of \(names.count) groups not constrained (fewer than \(config.minGroupSize) training samples): "
                    + listed.joined(separator: ", ") + (unconstrained.count > listed.count ? ", …" : ""))
    }
    let pruner = try config.makePruner(model: model, data: data, groups: groups)
    let tuner = try config.makeMethod(model: model, primal: optimizer, groups: groups,
                                      dense: try DenseReference(densePerformance["train"]!),
                                      stepsPerEpoch: (data.train.count + config.batchSize - 1) / config.batchSize,
                                      masks: masks, processGroup: group)

    var history: [EpochMetrics] = []
    var steps: [StepLog] = []
    var startEpoch = 0
    if let resumed = try resume(from: try savedProgress(), model: model, masks: masks, tuner: tuner) {
      startEpoch = resumed.epoch + 1
      history = resumed.history
      steps = resumed.steps
      progress.line("resuming \(config.method.rawValue) after epoch \(resumed.epoch + 1)")
    }

    // Epoch e's order and flips follow from (seed, e): a resumed run sees the batches it would have seen.
    let strata = try config.stratifiedBatches ? groupIDs["train"].map { ids in
      let flat = try ids.toArray(Int64.self), width = ids.rank == 2 ? ids.size(1) : 1
      return stride(from: 0, to: flat.count, by: width).map { Int(flat[$0]) }  // the first attribute's group under .separate
    } : nil
    let loader = try DataLoader(data.train, batchSize: config.batchSize, shuffle: true, seed: config.seed &+ 7919,
                                prefetch: data.train.prefetchDepth, strata: strata,
                                shard: processGroup.loaderShard, pinMemory: config.device != .cpu)
    let recalibrationLoader = try DataLoader(data.train, batchSize: config.batchSize, shuffle: true, seed: config.seed &+ 15_485_863,
                                             prefetch: data.train.prefetchDepth, pinMemory: config.device != .cpu)
    progress.begin()
    for epoch in startEpoch..<config.epochs {
      if epoch <= config.lastPruningEpoch { _ = try masks.prune(epoch: epoch, schedule: schedule, using: pruner) }
      try tuner.beginEpoch(epoch, targetSparsity: schedule.sparsity(atEpoch: min(epoch, config.lastPruningEpoch)))
      let epochRate = lrSchedule.learningRate(epoch: epoch)
      optimizer.learningRate = epochRate
      let mitigate = config.mitigationWhilePruning || epoch >= config.lastPruningEpoch
      let batches = loader.batches(epoch: epoch)
      let warmup = LinearWarmup(epochs: config.warmupEpochs, stepsPerEpoch: batches.batchCount)
      var lossSum = 0.0
      var i = 0
      while let next = try batches.next() {
        defer { i += 1 }
        optimizer.learningRate = epochRate * warmup.factor(step: epoch * batches.batchCount + i)
        let b = try next.to(device: config.device)
        let record = try tuner.step(inputs: b.inputs, targets: b.targets, attributes: b.attributes, mitigate: mitigate)
        lossSum += record.loss * Double(record.count)
        steps.append(StepLog(epoch: epoch, step: i, loss: record.loss, lagrangian: record.lagrangian,
                             multiplierMax: record.multiplierMax, multiplierSum: record.multiplierSum,
                             measured: record.measured, maxViolation: record.maxViolation))
        progress.batch(phase: config.method.rawValue, epoch: epoch - startEpoch, epochs: config.epochs - startEpoch,
                       batch: i + 1, batches: batches.batchCount)
        if config.replicaCheckSteps > 0, (i + 1) % config.replicaCheckSteps == 0 {
          try checkReplicas(model: model, tuner: tuner, after: "step \(i + 1) of epoch \(epoch + 1)")
        }
      }
      guard lossSum.isFinite else {
        throw ConfigError("\(config.method.rawValue) diverged in epoch \(epoch + 1): the training loss is \(lossSum); " +
                          "lower learning_rate (\(config.learningRate)) or dual_learning_rate (\(config.dualLearningRate))")
      }
      let sparsity = try masks.report().fraction
      // Each rank's BatchNorm running statistics followed its own batches; rank 0's become every
      // rank's, which is what PyTorch DDP's per-forward buffer broadcast ends with.
      if let group { try group.broadcast(model.namedBuffers().map(\.tensor)) }
      if config.bnRecalibrationBatches > 0 {
        // Its own order per epoch, so the training batches stay those of an unrecalibrated run.
        let recalibration = recalibrationLoader.batches(epoch: epoch)
        var used = 0
        try BatchNormRecalibration.run(model) {
          guard used < config.bnRecalibrationBatches, let b = try recalibration.next() else { return nil }
          used += 1
          return try b.to(device: config.device).inputs
        }
        try masks.applyMasks()
      }
      let multipliers = try tuner.multipliers().map { try $0.to(.float64, device: .cpu).toArray(Double.self) }
      func evaluate(_ name: String, _ split: GroupedSplit, _ measured: SplitPredictions? = nil) throws -> DisparityMetrics {
        let predictions = try measured ?? Evaluator.predict(model, on: split, batchSize: config.evalBatchSize, group: group)
        let sparse = try performance(predictions, groupIDs: groupIDs[name]!, numGroups: groups.numGroups)
        var metrics = try DisparityMetrics(dense: densePerformance[name]!, sparse: sparse, spec: groups, tolerance: config.tolerance,
                                           unconstrained: unconstrained)
        if let dense = heldOutDense[name] {
          metrics.maxExcessGapInterval = try ExcessGapInterval.compute(
            denseCorrect: dense.correct, sparseCorrect: predictions.correct, groupIDs: groupIDs[name]!, numGroups: groups.numGroups,
            excluded: unconstrained)
        }
        return metrics
      }
      // With class offsets the last epoch is measured before and after them: the method's own
      // result and the shifted model's, side by side in the report.
      var withoutOffsets: [String: DisparityMetrics] = [:]
      var offsets: [Double]?
      if config.classOffsets && epoch == config.epochs - 1 {
        // One training-split pass (every rank runs all of it) gives the metrics and the offsets' logits.
        let train = try Evaluator.predict(model, on: data.train, batchSize: config.evalBatchSize, keepLogits: true)
        for (name, split) in splits { withoutOffsets[name] = try evaluate(name, split, name == "train" ? train : nil) }
        offsets = try applyClassOffsets(model, predictions: train, groupIDs: groupIDs["train"]!, dense: densePerformance["train"]!,
                                        unconstrained: unconstrained)
      }
      for (name, split) in splits {
        history.append(EpochMetrics(epoch: epoch, split: name, sparsity: sparsity, learningRate: optimizer.learningRate,
                                    trainLoss: name == "train" ? lossSum / Double(data.train.count) : nil,
                                    multiplierMax: multipliers?.max(), multipliers: name == "train" ? multipliers : nil,
                                    classOffsets: name == "train" ? offsets : nil, withoutClassOffsets: withoutOffsets[name],
                                    metrics: try evaluate(name, split)))
      }
      // The model the report will describe so far (selection rules are prefix-consistent), written
      // before the checkpoint so that a resumed run never skips it.
      if writes, epoch >= config.lastPruningEpoch, try selectedEpoch(history: history, through: epoch).epoch == epoch {
        var metadata = ModelFileMetadata(architecture: config.model, for: data)
        metadata.numClasses = ModelKind.classifier(of: model)?.tensor.size(0) ?? metadata.numClasses
        metadata.sparsity = sparsity
        metadata.method = config.method.rawValue
        metadata.groups = groups.groupNames
        try ModelFile.save(model, metadata: metadata, to: file("model.safetensors").path)
      }
      try checkReplicas(model: model, tuner: tuner, after: "epoch \(epoch + 1)")
      if writes { try checkpoint(epoch: epoch, model: model, tuner: tuner, history: history, steps: steps) }
      let train = history.last { $0.split == "train" }!.metrics
      progress.epochLine(String(format: "%@ epoch %d/%d: sparsity %.3f, train acc %.2f%%, train max ψ %.2f%%, train Ψ_PW %.2f%%",
                                config.method.rawValue, epoch + 1, config.epochs, sparsity, 100 * train.accuracy,
                                100 * train.maxExcessGap, 100 * train.psiPW),
                         done: epoch + 1 - startEpoch, total: config.epochs - startEpoch)
      if epoch == stopAfterEpoch { return nil }
    }
    let report = try makeReport(history: history, groups: groups)
    guard writes else { return report }
    try AtomicFileWriter.write(Data(ReportMarkdown.render(report.withAndWithoutClassOffsets).utf8), to: file("report.md"))
    let plots = [("excess_gap.svg", ReportPlots.excessGapCurves(history, method: config.method.rawValue, tolerance: config.tolerance)),
                 ("accuracy.svg", ReportPlots.accuracyCurves(history, method: config.method.rawValue))]
    for (name, chart) in plots { try AtomicFileWriter.write(Data(chart.render().utf8), to: file(name)) }
    // Last: report.json marks the run finished, so a run killed before it writes every report file again.
    try AtomicFileWriter.write(try ConfigFile.encoder(pretty: true).encode(report), to: file("report.json"))
    return report
  }

  func file(_ name: String) -> URL { directory.appendingPathComponent(name) }

  /// `class_offsets`: finds per-class offsets that make every constrained group meet ψ_g ≤ ε on
  /// the training split and adds them to the classifier's bias; returns them.
  func applyClassOffsets(_ model: any Module, predictions: SplitPredictions, groupIDs: Tensor, dense: SplitPerformance,
                         unconstrained: Set<Int>) throws -> [Double] {
    let found = try FeasibleClassOffsets.find(predictions: predictions, on: data.train, groupIDs: groupIDs, dense: dense,
                                              unconstrained: unconstrained, tolerance: config.tolerance)
    try ModelKind.shiftClassifierBias(of: model, by: found.offsets)
    progress.line(String(format: "class offsets: train accuracy %.2f%% → %.2f%%, every group within ε: %@ (offsets %@)",
                         100 * found.startAccuracy, 100 * found.accuracy, found.feasible ? "yes" : "no",
                         found.offsets.map { String(format: "%.3f", $0) }.joined(separator: ", ")))
    return found.offsets
  }

  /// Checks the folder against this invocation (nothing in it changes before) and, unless it
  /// holds this run finished, prepares it and writes the settings. Rank 0 does the work and
  /// tells the others its outcome, so that they stop with it instead of waiting for it.
  func prepareFolder(inputs: RunFolder.Inputs) throws -> RunFolder.State {
    var outcome: Result<RunFolder.State, Error> = .success(.fresh)
    if writes {
      outcome = Result {
        let folder = RunFolder(directory: directory)
        let state = try folder.check(config: config, data: dataSpec, inputs: inputs, overwrite: overwrite)
        guard state != .finished else { return state }
        try folder.prepare(overwrite: overwrite)
        try AtomicFileWriter.write(try ConfigFile.json(config), to: file("config.json"))
        try AtomicFileWriter.write(try ConfigFile.encoder(pretty: true).encode(inputs), to: file("inputs.json"))
        if let dataSpec { try AtomicFileWriter.write(try ConfigFile.encoder(pretty: true).encode(dataSpec), to: file("data.json")) }
        return state
      }
    }
    guard let group else { return try outcome.get() }
    let message: String
    switch outcome {
    case .success(let state): message = state == .finished ? "finished" : "go"
    case .failure(let error): message = "error: \(error)"
    }
    let shared = String(decoding: try group.broadcast(bytes: Array(message.utf8)) ?? [], as: UTF8.self)
    if writes { return try outcome.get() }
    if shared == "finished" { return .finished }
    guard shared == "go" else { throw ConfigError("rank 0 stopped the run: \(shared.dropFirst("error: ".count))") }
    return .fresh
  }

  /// Throws on every rank unless all ranks hold bitwise-equal weights, masks, multipliers,
  /// replay buffers and optimizer state (nothing to check in one process).
  func checkReplicas(model: any Module, tuner: any FineTuningMethod, after moment: String) throws {
    guard let group else { return }
    try group.requireIdentical(try NamedTensors.digest(model.stateDict() + tuner.state()),
                               what: "the weights, masks, multipliers, replay buffers and optimizer state after \(moment)")
  }

  /// Refuses what data parallelism cannot run exactly, and checks that every rank was started
  /// with the same settings, dense model and data.
  func checkDataParallel(_ group: ProcessGroup, inputs: RunFolder.Inputs) throws {
    if config.method == .bifp {
      throw ConfigError("method = bifp runs in one process: its mask scores are not data-parallel yet; start it without WORLD_SIZE")
    }
    if config.classOffsets {
      throw ConfigError("class_offsets = true runs in one process: its search reads the whole split's logits; start it without WORLD_SIZE")
    }
    try group.checkEveryRankHasSamples(count: data.train.count, batchSize: config.batchSize)
    try group.checkSameInputs(config, threads: \.threads, data: "dense \(inputs.denseDigest) data \(inputs.dataDigest)")
  }

  /// The digest of every split's content, as hex.
  func dataDigest() throws -> String {
    try splits.map { String(format: "%@:%016llx", $0.name, try $0.split.fingerprint()) }.joined(separator: " ")
  }

  /// Dense per-split performance, computed once and cached in dense_metrics.json.
  func denseMetrics(_ dense: any Module, groups: GroupSpec, groupIDs: [String: Tensor],
                    heldOut: [String: SplitPredictions]) throws -> [String: SplitPerformance] {
    let url = file("dense_metrics.json")
    // Under data parallelism only rank 0 could read the cache; every rank computes instead.
    if group == nil, let data = try? Data(contentsOf: url),
       let cached = try? JSONDecoder().decode([String: SplitPerformance].self, from: data),
       Set(cached.keys) == Set(splits.map(\.name)) {
      return cached
    }
    var result: [String: SplitPerformance] = [:]
    for (name, split) in splits {
      let predictions = try heldOut[name] ?? Evaluator.predict(dense, on: split, batchSize: config.evalBatchSize, group: group)
      result[name] = try performance(predictions, groupIDs: groupIDs[name]!, numGroups: groups.numGroups)
    }
    if writes { try AtomicFileWriter.write(try ConfigFile.encoder().encode(result), to: url) }
    return result
  }

  /// `dense` where the run computes: itself when it is there already; else a copy on the run's
  /// device, so the caller's model stays where it is.
  func onRunDevice(_ dense: any Module) throws -> any Module {
    guard dense.device != config.device else { return dense }
    let copy = try config.model.make(for: data, matching: dense.stateDict())
    try copy.loadStateDict(dense.stateDict())
    try copy.to(device: config.device)
    return copy
  }

  /// Overall and per-group accuracy and loss from one evaluation pass.
  func performance(_ p: SplitPredictions, groupIDs: Tensor, numGroups: Int) throws -> SplitPerformance {
    try SplitPerformance(correct: p.correct, groupIDs: groupIDs, numGroups: numGroups, losses: p.losses)
  }

  /// Model, masks, optimizer, multipliers and buffers after `epoch`, plus metrics.jsonl and
  /// steps.jsonl (written first: a run killed before the checkpoint drops their extra lines on resume).
  func checkpoint(epoch: Int, model: any Module, tuner: any FineTuningMethod, history: [EpochMetrics], steps: [StepLog]) throws {
    try JSONLines.write(history, to: file("metrics.jsonl"))
    try JSONLines.write(steps, to: file("steps.jsonl"))
    let tensors = NamedTensors.prefixed(model.stateDict(), with: "model.") + NamedTensors.prefixed(try tuner.state(), with: "tuner.")
    try SafeTensors.write(tensors.map { ($0.name, $0.tensor) }, metadata: ["epoch": "\(epoch)", "method": config.method.rawValue], to: file("checkpoint.safetensors"))
  }

  /// What a resume reads from the folder (checkpoint, metrics.jsonl, steps.jsonl; absent files
  /// left out): read by rank 0 and broadcast to every rank.
  func savedProgress() throws -> [String: [UInt8]] {
    var files: [String: [UInt8]] = [:]
    for name in ["checkpoint.safetensors", "metrics.jsonl", "steps.jsonl"] {
      files[name] = try group.map { try $0.shareFile(file(name)) } ?? (try? Data(contentsOf: file(name))).map(Array.init)
    }
    return files
  }

  /// Restores the checkpoint among `saved` (see `savedProgress`), if any, with the metrics and
  /// step logs recorded up to it.
  func resume(from saved: [String: [UInt8]], model: any Module, masks: SparsityMasks, tuner: any FineTuningMethod) throws
    -> (epoch: Int, history: [EpochMetrics], steps: [StepLog])? {
    let url = file("checkpoint.safetensors")
    guard let bytes = saved[url.lastPathComponent] else { return nil }
    let checkpoint = try SafeTensors.read(data: Data(bytes), source: url.path)
    guard let epochText = checkpoint.metadata["epoch"], let epoch = Int(epochText) else {
      throw ConfigError("\(url.path): checkpoint has no epoch in its metadata")
    }
    guard checkpoint.metadata["method"] == config.method.rawValue else {
      throw ConfigError("\(url.path): checkpoint belongs to method \(checkpoint.metadata["method"] ?? "?"), not \(config.method.rawValue)")
    }
    try model.loadStateDict(NamedTensors.entries(checkpoint.tensors, under: "model."))
    try masks.refresh()
    try tuner.loadState(NamedTensors.entries(checkpoint.tensors, under: "tuner."))
    let history = try JSONLines.read(EpochMetrics.self, from: saved["metrics.jsonl"], source: file("metrics.jsonl")) { $0.epoch <= epoch }
    let steps = try JSONLines.read(StepLog.self, from: saved["steps.jsonl"], source: file("steps.jsonl")) { $0.epoch <= epoch }
    // Both logs are written before the checkpoint, so each must cover every finished epoch.
    for e in 0...epoch {
      let missing = splits.map(\.name).filter { name in !history.contains { $0.epoch == e && $0.split == name } }
      guard missing.isEmpty else {
        throw ConfigError("\(file("metrics.jsonl").path) lacks epoch \(e + 1) (\(missing.joined(separator: ", "))) although the checkpoint "
                          + "is after epoch \(epoch + 1): the run folder is damaged; use --overwrite or another --output")
      }
      guard steps.contains(where: { $0.epoch == e }) else {
        throw ConfigError("\(file("steps.jsonl").path) lacks epoch \(e + 1) although the checkpoint is after epoch \(epoch + 1): "
                          + "the run folder is damaged; use --overwrite or another --output")
      }
    }
    return (epoch, history, steps)
  }

  /// The epoch the run's `EpochSelection` chooses among those up to `last`.
  func selectedEpoch(history: [EpochMetrics], through last: Int) throws -> (epoch: Int, selectedOn: String?) {
    try (config.epochSelection ?? config.method.defaultEpochSelection).choose(
      epochs: last + 1, firstEligible: config.lastPruningEpoch, hasValidation: data.validation != nil,
      metrics: { split, epoch in history.first { $0.split == split && $0.epoch == epoch }?.metrics })
  }

  /// The metrics of the epoch the method's `EpochSelection` chooses.
  func makeReport(history: [EpochMetrics], groups: GroupSpec) throws -> RunReport {
    let (chosen, selectedOn) = try selectedEpoch(history: history, through: config.epochs - 1)
    var splitMetrics: [String: DisparityMetrics] = [:]
    var achieved = 0.0
    var offsets: [Double]?
    var withoutOffsets: [String: DisparityMetrics] = [:]
    for m in history where m.epoch == chosen {
      splitMetrics[m.split] = m.metrics
      achieved = m.sparsity
      offsets = offsets ?? m.classOffsets
      withoutOffsets[m.split] = m.withoutClassOffsets
    }
    let labels = try data.train.targets.to(.int64).toArray(Int64.self)
    let majority = Dictionary(grouping: labels, by: { $0 }).values.map(\.count).max() ?? 0
    return RunReport(method: config.method.rawValue, sparsityTarget: config.sparsity, achievedSparsity: achieved,
                     tolerance: config.tolerance, seed: config.seed, groups: groups.groupNames, splits: splitMetrics,
                     epoch: chosen, selectedOn: selectedOn, weightDecayScope: config.weightDecayScope.rawValue,
                     majorityClassRate: labels.isEmpty ? nil : Double(majority) / Double(labels.count), classOffsets: offsets,
                     withoutClassOffsets: offsets == nil || withoutOffsets.isEmpty ? nil : withoutOffsets)
  }
}
