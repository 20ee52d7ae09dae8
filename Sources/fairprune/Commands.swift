import ArgumentParser
import Experiments
import Foundation

extension ModelKind: ExpressibleByArgument {}
extension MethodKind: ExpressibleByArgument {}
extension DatasetSource: ExpressibleByArgument {}
extension WeightDecayScope: ExpressibleByArgument {}
extension GroupSpec.Mode: ExpressibleByArgument {}
extension DenseOptimizerKind: ExpressibleByArgument {}
extension DualOptimizerKind: ExpressibleByArgument {}
extension EpochSelection: ExpressibleByArgument {}
extension Device: ExpressibleByArgument {
  public init?(argument: String) { try? self.init(parsing: argument) }
}
extension SparsityScheduleKind: ExpressibleByArgument {}
extension StructuredBudget: ExpressibleByArgument {}
extension ChannelAllocation: ExpressibleByArgument {}
extension FormulationKind: ExpressibleByArgument {}
extension UpdateOrderKind: ExpressibleByArgument {}
extension DualRateUnit: ExpressibleByArgument {}

/// Runs a library call, turning a configuration error into ArgumentParser's validation error.
func library<T>(_ body: () throws -> T) throws -> T {
  do { return try body() } catch let e as ConfigError { throw ValidationError(e.message) }
}

func choices<T: CaseIterable & RawRepresentable>(_: T.Type) -> String where T.RawValue == String {
  T.allCases.map(\.rawValue).joined(separator: ", ")
}

/// Options every data-using command shares.
struct DataOptions: ParsableArguments {
  @Option(help: "Dataset: \(choices(DatasetSource.self)).") var dataset: DatasetSource = .synthetic
  @Option(help: "Dataset folder (tabular-csv: the CSV file; image-csv: the folder its paths are relative to).") var dataRoot: String?
  @Option(help: "Label CSV of an image-csv dataset.") var csv: String?
  @Option(help: "Target label (utkface/fairface: race, gender or age; default race; required for celeba and CSVs).") var target: String?
  @Option(help: "Protected attribute (repeat for several; default: race, or CIFAR-100's fine label).") var protected: [String] = []
  @Option(parsing: .unconditional, help: "Resize images to this square size when decoding (default: native size).") var imageSize: Int?
  @Option(help: "Cache decoded images in this folder.") var cacheDir: String?
  @Option(help: "Fraction of each group of train held out as validation.") var validationFraction: Double = 0
  @Option(help: "Seed of the synthetic data and of the validation hold-out.") var dataSeed: UInt64 = 1234
  @Flag(inversion: .prefixedNo, help: "Mirror a random half of each training batch (default: on for utkface, fairface and celeba).")
  var horizontalFlip: Bool?
  @Option(help: "Fraction held out as test when the data has no test split of its own.") var testFraction: Double = 0.2
  @Option(help: "tabular-csv: column saying train, test or val per row.") var splitColumn: String?
  @Option(parsing: .upToNextOption, help: "tabular-csv: columns that are neither labels nor features.") var ignoreColumns: [String] = []
  @Option(parsing: .upToNextOption, help: "tabular-csv: numeric-looking columns to one-hot encode.") var categoricalColumns: [String] = []
  @Flag(help: "tabular-csv: use the protected attributes as features too.") var protectedAsFeature = false
  @Option(help: "Number of classes, when the labels lack the top ones (default: inferred from the labels).") var numClasses: Int?

  var spec: DataSpec {
    var s = DataSpec(source: dataset)
    s.root = dataRoot
    s.csv = csv
    s.target = target
    s.protected = protected
    s.imageSize = imageSize
    s.cacheDirectory = cacheDir
    s.validationFraction = validationFraction
    s.seed = dataSeed
    s.horizontalFlip = horizontalFlip
    s.testFraction = testFraction
    s.splitColumn = splitColumn
    s.ignoreColumns = ignoreColumns
    s.categoricalColumns = categoricalColumns
    s.protectedAsFeatures = protectedAsFeature
    s.numClasses = numClasses
    return s
  }
}

/// The rank of a data-parallel run that torchrun-style variables (RANK, WORLD_SIZE, MASTER_ADDR,
/// MASTER_PORT, as `fairprune launch` sets them) describe.
struct DataParallelOptions: ParsableArguments {
  @Option(help: "Data-parallel runs (RANK/WORLD_SIZE set, e.g. by 'fairprune launch'): seconds a rank waits for the others before it stops with an error.")
  var distTimeout: Double = 300

  /// Joins the group (nil: a single process); `lead` is false on the ranks that stay quiet.
  func join() throws -> (group: DataParallelGroup?, lead: Bool) {
    let group = try library { try Jobs.processGroup(timeout: distTimeout) }
    return (group, group.isLead)
  }
}

struct Train: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Train a dense model and save it as safetensors.")
  @OptionGroup var data: DataOptions
  @Option(help: "Architecture: \(choices(ModelKind.self)).") var model: ModelKind = .mlp
  @Option(help: "Epochs.") var epochs: Int = 10
  @Option(help: "Optimizer: sgd (momentum 0.9) or adam.") var optimizer: DenseOptimizerKind = .sgd
  @Option(help: "Learning rate.") var learningRate: Double = 0.05
  @Option(help: "Batch size.") var batchSize: Int = 128
  @Option(help: "Weight decay.") var weightDecay: Double = 5e-4
  @Option(help: "Intra-op threads.") var threads: Int = 2
  @Option(help: "Seed of initialization and data order.") var seed: UInt64 = 0
  @Option(help: "Hidden widths of an MLP, comma-separated.") var mlpHidden: String = ModelKind.defaultMLPHidden.map(String.init).joined(separator: ",")
  @Option(help: "Output file (.safetensors).") var output: String = "dense.safetensors"
  @OptionGroup var parallel: DataParallelOptions
  @Flag(help: "Data-parallel runs: BatchNorm normalizes with the global batch's statistics (PyTorch's SyncBatchNorm), not each rank's part.")
  var syncBatchnorm = false
  @Option(help: "Where to train: cpu, cuda or cuda:N (needs a CUDA build of libtorch).") var device: Device = .cpu

  /// `--mlp-hidden` as widths.
  var hiddenWidths: [Int]? {
    let parts = mlpHidden.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
    guard !parts.isEmpty, parts.allSatisfy({ ($0 ?? 0) > 0 }) else { return nil }
    return parts.compactMap { $0 }
  }

  func validate() throws {
    guard epochs > 0 else { throw ValidationError("--epochs must be positive, got \(epochs)") }
    guard batchSize > 0 else { throw ValidationError("--batch-size must be positive, got \(batchSize)") }
    guard threads > 0 else { throw ValidationError("--threads must be positive, got \(threads)") }
    guard hiddenWidths != nil else { throw ValidationError("--mlp-hidden must be positive widths separated by commas, got '\(mlpHidden)'") }
  }

  var config: DenseTrainingConfig {
    var c = DenseTrainingConfig()
    c.epochs = epochs
    c.optimizer = optimizer
    c.learningRate = learningRate
    c.batchSize = batchSize
    c.weightDecay = weightDecay
    c.threads = threads
    c.seed = seed
    c.mlpHidden = hiddenWidths ?? ModelKind.defaultMLPHidden
    c.syncBatchNorm = syncBatchnorm
    c.device = device
    return c
  }

  func run() throws {
    let (group, lead) = try parallel.join()
    let text = try library { try Jobs.trainDense(data: data.spec, model: model, config: config, output: output, processGroup: group,
                                                 progress: ProgressReporter(enabled: lead)) }
    if lead { print(text) }
  }
}

/// Defaults shown in `prune --help`; RunConfig decides them.
private let defaults = RunConfig()

struct Prune: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Prune a dense model with GMP while fine-tuning with a method; write a run directory.",
    discussion: "Settings come from --config (JSON or YAML, keys as in config.json of a run) and are overridden by the options given; defaults in parentheses.")
  @OptionGroup var data: DataOptions
  @Option(help: "Dense model (.safetensors, or a PyTorch state dict .pt).") var dense: String
  @Option(help: "Config file (JSON or YAML).") var config: String?
  @Option(help: "Run directory: a run with the same settings, data and dense model resumes (or, finished, is only read); another run there is refused.") var output: String
  @Flag(help: "Replace a run with other settings in --output instead of refusing it.") var overwrite = false
  @OptionGroup var parallel: DataParallelOptions
  @Option(help: "Method: \(choices(MethodKind.self)) (\(defaults.method.rawValue)).") var method: MethodKind?
  @Option(help: "Architecture of the dense model (the one its file names, else \(defaults.model.rawValue)).") var model: ModelKind?
  @Option(help: "Target sparsity in [0, 1) (\(defaults.sparsity)).") var sparsity: Double?
  @Flag(inversion: .prefixedNo, help: "Prune whole output channels (\(defaults.structured)).") var structured: Bool?
  @Option(help: "Structured: what --sparsity counts: layer (ceil(s·channels) per layer, SPEC 4.5), or channels, flops or parameters of channel spaces pruned in all their writers, so that export --compact removes them (\(defaults.structuredBudget.rawValue)).")
  var structuredBudget: StructuredBudget?
  @Option(help: "Structured channels/flops/parameters budget: uniform (same fraction of every space) or global (one ranking of normalized channel norms) (\(defaults.structuredAllocation.rawValue)).")
  var structuredAllocation: ChannelAllocation?
  @Flag(inversion: .prefixedNo, help: "Structured channels/flops/parameters budget: prune residual streams in all their writers, or (--no-structured-residual-streams) keep them dense and prune only channels inside blocks (\(defaults.structuredResidualStreams)).")
  var structuredResidualStreams: Bool?
  @Option(help: "Tolerance ε on each group's excess accuracy gap, a fraction (\(defaults.tolerance)).") var tolerance: Double?
  @Option(help: "Replay-buffer size k per group (\(defaults.bufferSize)).") var bufferSize: Int?
  @Option(help: "Dual (multiplier) learning rate (\(defaults.dualLearningRate)).") var dualLr: Double?
  @Option(help: "What --dual-lr is per: \(choices(DualRateUnit.self)); epoch divides it by the steps per epoch (\(defaults.dualLearningRateUnit.rawValue)).")
  var dualLrUnit: DualRateUnit?
  @Option(help: "Dual optimizer: \(choices(DualOptimizerKind.self)) (\(defaults.dualOptimizer.rawValue)).") var dualOptimizer: DualOptimizerKind?
  @Option(help: "Momentum of sgd dual ascent (\(defaults.dualMomentum)).") var dualMomentum: Double?
  @Option(help: "nuPI proportional gain K_P (\(defaults.nupiKp)).") var nupiKp: Double?
  @Option(help: "nuPI EMA coefficient ν (\(defaults.nupiNu)).") var nupiNu: Double?
  @Option(help: "How constraints enter the Lagrangian: \(choices(FormulationKind.self)) (\(defaults.formulation.rawValue)).")
  var formulation: FormulationKind?
  @Option(help: "ρ of the augmented Lagrangian and the quadratic penalty (\(defaults.penaltyCoefficient)).") var penaltyCoefficient: Double?
  @Option(help: "Which player moves first: \(choices(UpdateOrderKind.self)) (\(defaults.updateOrder.rawValue)).")
  var updateOrder: UpdateOrderKind?
  @Option(help: "Groups with fewer training samples are reported, not constrained (\(defaults.minGroupSize)).") var minGroupSize: Int?
  @Flag(inversion: .prefixedNo, help: "Estimate the overall accuracy as the unweighted mean of the replay buffers, as the reference code (biased for unequal groups) (\(defaults.referenceBufferOverall)).")
  var referenceBufferOverall: Bool?
  @Flag(inversion: .prefixedNo, help: "CEAG's accuracy estimates from the model in evaluation mode (BatchNorm running statistics, no dropout: what the constraints and reports measure), one more forward pass per step, instead of the training forward's predictions as the reference code (\(defaults.evaluationModeEstimates)).")
  var evaluationModeEstimates: Bool?
  @Flag(inversion: .prefixedNo, help: "Dual restarts: a group's multiplier drops to 0 once its constraint holds (\(defaults.dualRestarts)).")
  var dualRestarts: Bool?
  @Flag(inversion: .prefixedNo, help: "After the last epoch, shift the classifier's bias per class so that every group meets ψ_g ≤ ε on the training split, if such offsets exist (\(defaults.classOffsets)).")
  var classOffsets: Bool?
  @Option(help: "BiFP: weight λ of the smooth group-accuracy gap (\(defaults.bifpLambda)).") var bifpLambda: Double?
  @Option(help: "BiFP: learning rate of the mask scores (\(defaults.bifpScoreLearningRate)).") var bifpScoreLearningRate: Double?
  @Option(help: "BiFP: temperature T of σ(margin / T) (\(defaults.bifpTemperature)).") var bifpTemperature: Double?
  @Option(help: "BiFP: scale 1/γ of the implicit-gradient term on the scores, 0 = first order (\(defaults.bifpImplicitGradient)).")
  var bifpImplicitGradient: Double?
  @Flag(inversion: .prefixedNo, help: "Spread each group evenly over every epoch, so each training batch holds every group in proportion (\(defaults.stratifiedBatches)).")
  var stratifiedBatches: Bool?
  @Flag(inversion: .prefixedNo, help: "BiFP: after the last pruning epoch, train the weights under the fixed mask (\(defaults.bifpFinalFineTune)).")
  var bifpFinalFineTune: Bool?
  @Option(help: "Sparsity schedule up to the last pruning epoch: \(choices(SparsityScheduleKind.self)) (\(defaults.sparsitySchedule.rawValue)).")
  var sparsitySchedule: SparsityScheduleKind?
  @Option(help: "Geometric schedule: fraction of the weights kept per pruning epoch; Lottery 0.8, FairGRAPE 0.9 (\(defaults.scheduleKeep)).")
  var scheduleKeep: Double?
  @Option(help: "Epochs per pruning step up to the last pruning epoch; FairGRAPE's 1 step + 3 retraining epochs is 4 (\(defaults.pruningFrequency)).")
  var pruningFrequency: Int?
  @Option(help: "FairGRAPE: training batches scored per pruning step (\(defaults.fairgrapeScoringBatches)).")
  var fairgrapeScoringBatches: Int?
  @Option(help: "BatchNorm statistics recomputed from this many training batches before each evaluation; 0: off, as the reference code (\(defaults.bnRecalibrationBatches)).")
  var bnRecalibrationBatches: Int?
  @Option(help: "Primal learning rate (\(defaults.learningRate)).") var learningRate: Double?
  @Option(help: "Total epochs, GMP + fine-tuning (\(defaults.epochs)).") var epochs: Int?
  @Option(help: "Last GMP epoch; mitigation starts there (\(defaults.lastPruningEpoch)).") var lastPruningEpoch: Int?
  @Option(help: "L2 coefficient in the objective (\(defaults.weightDecay)).") var weightDecay: Double?
  @Option(help: "L2 scope: \(choices(WeightDecayScope.self)) (\(defaults.weightDecayScope.rawValue)).") var weightDecayScope: WeightDecayScope?
  @Option(help: "How protected attributes form groups: \(choices(GroupSpec.Mode.self)) (\(defaults.groupMode.rawValue)).") var groupMode: GroupSpec.Mode?
  @Flag(inversion: .prefixedNo, help: "Include the L2 term in the constraints' overall loss, as the released CEAG code does (\(defaults.reproduceInPlaceL2Quirk)).")
  var reproduceInPlaceL2Quirk: Bool?
  @Option(help: "Primal SGD momentum (\(defaults.momentum)).") var momentum: Double?
  @Flag(inversion: .prefixedNo, help: "Nesterov momentum (\(defaults.nesterov)).") var nesterov: Bool?
  @Option(help: "Learning rate ×0.1 at these fractions of the epochs, comma-separated (\(defaults.milestones.map { "\($0)" }.joined(separator: ","))).")
  var milestones: String?
  @Option(help: "Linear learning-rate warm-up over this many epochs from the first step, fractions allowed (\(defaults.warmupEpochs)).")
  var warmupEpochs: Double?
  @Option(help: "Training batch size (\(defaults.batchSize)).") var batchSize: Int?
  @Option(help: "Evaluation batch size (\(defaults.evalBatchSize)).") var evalBatchSize: Int?
  @Flag(inversion: .prefixedNo, help: "Equalized loss constrains |L_g − L| rather than L_g − L (\(defaults.equalizedLossAbsolute)).")
  var equalizedLossAbsolute: Bool?
  @Flag(inversion: .prefixedNo, help: "Apply the constraints during the pruning epochs too (\(defaults.mitigationWhilePruning)).")
  var mitigationWhilePruning: Bool?
  @Option(help: "Protected attribute that forms the groups (repeat for several; default: every protected attribute of the data).")
  var groupAttribute: [String] = []
  @Option(help: "Which epoch the report describes: \(choices(EpochSelection.self)) (last; best-accuracy for nft-es).")
  var epochSelection: EpochSelection?
  @Option(help: "Intra-op threads (\(defaults.threads)).") var threads: Int?
  @Option(help: "Data-parallel runs: check every N steps, not only after each epoch, that all ranks hold identical weights, multipliers and buffers (\(defaults.replicaCheckSteps)).")
  var replicaCheckSteps: Int?
  @Flag(inversion: .prefixedNo, help: "Data-parallel runs: BatchNorm normalizes with the global batch's statistics (PyTorch's SyncBatchNorm), not each rank's part (\(defaults.syncBatchNorm)).")
  var syncBatchnorm: Bool?
  @Option(help: "Seed (\(defaults.seed)).") var seed: UInt64?
  @Option(help: "Where the model, optimizer state, multipliers and buffers live: cpu, cuda or cuda:N (\(defaults.device); cuda needs a CUDA build of libtorch).")
  var device: String?

  /// The options given, by setting name; absent options leave the file's or the default value.
  var overrides: [RunConfig.CodingKeys: Any] {
    var o: [RunConfig.CodingKeys: Any] = [:]
    o[.method] = method?.rawValue
    o[.model] = model?.rawValue
    o[.sparsity] = sparsity
    o[.structured] = structured
    o[.structuredBudget] = structuredBudget?.rawValue
    o[.structuredAllocation] = structuredAllocation?.rawValue
    o[.structuredResidualStreams] = structuredResidualStreams
    o[.tolerance] = tolerance
    o[.bufferSize] = bufferSize
    o[.dualLearningRate] = dualLr
    o[.dualLearningRateUnit] = dualLrUnit?.rawValue
    o[.dualOptimizer] = dualOptimizer?.rawValue
    o[.dualMomentum] = dualMomentum
    o[.nupiKp] = nupiKp
    o[.nupiNu] = nupiNu
    o[.minGroupSize] = minGroupSize
    o[.formulation] = formulation?.rawValue
    o[.penaltyCoefficient] = penaltyCoefficient
    o[.updateOrder] = updateOrder?.rawValue
    o[.referenceBufferOverall] = referenceBufferOverall
    o[.evaluationModeEstimates] = evaluationModeEstimates
    o[.dualRestarts] = dualRestarts
    o[.classOffsets] = classOffsets
    o[.bnRecalibrationBatches] = bnRecalibrationBatches
    o[.fairgrapeScoringBatches] = fairgrapeScoringBatches
    o[.bifpLambda] = bifpLambda
    o[.bifpScoreLearningRate] = bifpScoreLearningRate
    o[.bifpTemperature] = bifpTemperature
    o[.bifpImplicitGradient] = bifpImplicitGradient
    o[.bifpFinalFineTune] = bifpFinalFineTune
    o[.stratifiedBatches] = stratifiedBatches
    o[.sparsitySchedule] = sparsitySchedule?.rawValue
    o[.scheduleKeep] = scheduleKeep
    o[.pruningFrequency] = pruningFrequency
    o[.learningRate] = learningRate
    o[.epochs] = epochs
    o[.lastPruningEpoch] = lastPruningEpoch
    o[.weightDecay] = weightDecay
    o[.weightDecayScope] = weightDecayScope?.rawValue
    o[.groupMode] = groupMode?.rawValue
    o[.reproduceInPlaceL2Quirk] = reproduceInPlaceL2Quirk
    o[.momentum] = momentum
    o[.nesterov] = nesterov
    // A list that does not parse stays text, so the error names milestones and the value.
    o[.milestones] = milestones.map { text -> Any in
      let values = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
      return values.allSatisfy { $0 != nil } ? values.compactMap { $0 } : text
    }
    o[.warmupEpochs] = warmupEpochs
    o[.batchSize] = batchSize
    o[.evalBatchSize] = evalBatchSize
    o[.equalizedLossAbsolute] = equalizedLossAbsolute
    o[.mitigationWhilePruning] = mitigationWhilePruning
    o[.groupAttributes] = groupAttribute.isEmpty ? nil : groupAttribute
    o[.epochSelection] = epochSelection?.rawValue
    o[.threads] = threads
    o[.replicaCheckSteps] = replicaCheckSteps
    o[.syncBatchNorm] = syncBatchnorm
    o[.seed] = seed
    o[.device] = device
    return o
  }

  func resolved() throws -> RunConfig {
    try library { try ConfigFile.resolve(file: config, overrides: overrides, denseModel: dense) }
  }

  func validate() throws { _ = try resolved() }

  func run() throws {
    let c = try resolved()
    let (group, lead) = try parallel.join()
    if let report = try library({ try Jobs.prune(data: data.spec, denseFile: dense, config: c, output: output, overwrite: overwrite,
                                                 processGroup: group, progress: ProgressReporter(enabled: lead)) }), lead {
      print(ReportMarkdown.render(report.withAndWithoutClassOffsets))
    }
  }
}

struct Evaluate: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Per-group accuracy of a saved model on each split.")
  @OptionGroup var data: DataOptions
  @Option(help: "Model file (.safetensors or .pt).") var modelFile: String
  @Option(help: "Architecture: \(choices(ModelKind.self)) (default: the one the file names, else mlp).") var model: ModelKind?

  func run() throws {
    print(try library { try Jobs.evaluate(data: data.spec, modelFile: modelFile, model: model) })
  }
}

struct Report: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Combine the report.json of run directories into one Markdown report.")
  @Argument(help: "Run directories.") var runs: [String]
  @Option(help: "Also write per-group excess-gap bar charts (group_excess_gap_<split>.svg) into this folder.") var plots: String?

  func run() throws {
    print(try library { try Jobs.report(runs: runs, plots: plots) })
  }
}

struct Sweep: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Run methods × seeds × sparsities × tolerances from one JSON or YAML file; summarize mean ± std over seeds.",
    discussion: "Keys: data (as data.json), dense, output, run (any prune setting), methods, seeds, sparsities, tolerances. Finished runs are kept, interrupted ones resume.")
  @Argument(help: "Sweep file (.json, .yaml).") var config: String
  @Flag(help: "Start and resume nothing: summarize the finished runs and name the others.") var finishedOnly = false

  func run() throws {
    print(try library { try SweepRun.run(try SweepConfig.load(config), finishedOnly: finishedOnly) })
  }
}

struct Export: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Write a run's model to a safetensors file PyTorch and FairPrune load: PyTorch key names, pruned weights as zeros, no masks or optimizer state, metadata (architecture, classes, input shape, sparsity, method, groups, version).")
  @Argument(help: "Run directory (of prune, sweep or demo).") var runDirectory: String
  @Option(help: "Output file (.safetensors).") var output: String = "model.safetensors"
  @Flag(help: "Remove the channels structured pruning killed (smaller, faster model; same outputs in evaluation mode; its widths go into the metadata).") var compact = false

  func run() throws {
    print(try library { try Jobs.export(run: runDirectory, output: output, compact: compact) })
  }
}

struct Diagnose: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Per-group diagnostics (Tran et al. 2022) of a dense model and its pruned version: gradient norms, Hessian top eigenvalue and trace, boundary proxy, margin, Δ_g, excess loss, and their rank correlation with Δ_g.")
  @OptionGroup var data: DataOptions
  @Option(help: "Dense model file.") var dense: String
  @Option(help: "Pruned model file (e.g. a run's model.safetensors); without it, no Δ_g or correlations.") var sparse: String?
  @Option(help: "Architecture: \(choices(ModelKind.self)) (default: the one the file names, else mlp).") var model: ModelKind?
  @Option(help: "Split to measure on: train, val or test.") var split: String = "train"
  @Option(help: "Samples per group at most.") var samplesPerGroup: Int = GroupDiagnostics.Options().maxSamplesPerGroup
  @Option(help: "Per-sample gradients per group.") var perSampleGradients: Int = GroupDiagnostics.Options().perSampleGradients
  @Option(help: "Power iterations for the top Hessian eigenvalue.") var powerIterations: Int = GroupDiagnostics.Options().powerIterations
  @Option(help: "Rademacher probes for the Hessian trace.") var hutchinsonProbes: Int = GroupDiagnostics.Options().hutchinsonProbes
  @Option(help: "Seed of the random start vectors and probes.") var seed: UInt64 = 0
  @Option(help: "Tolerance ε of the constraint priced with --sparse (per-class logit offsets that meet ψ_g ≤ ε).") var tolerance: Double = 0.01
  @Option(help: "Groups with fewer samples in the split are reported, not constrained, when pricing the constraint.")
  var minGroupSize: Int = RunConfig().minGroupSize
  @Option(help: "Output folder (diagnostics.json, diagnostics.md, diagnostics_*.svg, constraint_price.json).") var output: String = "diagnostics"

  func validate() throws {
    for (name, value) in [("--samples-per-group", samplesPerGroup), ("--power-iterations", powerIterations),
                          ("--hutchinson-probes", hutchinsonProbes)] where value < 1 {
      throw ValidationError("\(name) must be positive, got \(value)")
    }
    guard perSampleGradients >= 0 else { throw ValidationError("--per-sample-gradients must be >= 0, got \(perSampleGradients)") }
    guard tolerance.isFinite, tolerance >= 0 else { throw ValidationError("--tolerance must be a finite value >= 0, got \(tolerance)") }
    guard minGroupSize >= 1 else { throw ValidationError("--min-group-size must be at least 1, got \(minGroupSize)") }
  }

  func run() throws {
    var options = GroupDiagnostics.Options()
    options.maxSamplesPerGroup = samplesPerGroup
    options.perSampleGradients = perSampleGradients
    options.powerIterations = powerIterations
    options.hutchinsonProbes = hutchinsonProbes
    options.seed = seed
    print(try library {
      try Jobs.diagnose(data: data.spec, denseFile: dense, sparseFile: sparse, model: model, split: split, options: options, output: output,
                        tolerance: tolerance, minGroupSize: minGroupSize)
    })
  }
}

struct Launch: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Run a command data-parallel: start its ranks on this host, as torchrun does.",
    discussion: """
      Each rank is this fairprune with RANK, LOCAL_RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT set; \
      ranks rendezvous at MASTER_ADDR:MASTER_PORT (rank 0 serves it) and exchange gradients over Gloo. \
      Several hosts: run the same launch on each with --nnodes, its --node-rank and rank 0's host as --master-addr. \
      If one rank fails, the others are stopped. Example: fairprune launch --nproc 2 -- prune --dense dense.safetensors --threads 1 --output runs/dp
      """)
  @Option(help: "Ranks on this host.") var nproc: Int = 2
  @Option(help: "Hosts in the job.") var nnodes: Int = 1
  @Option(help: "This host's index in 0..<nnodes.") var nodeRank: Int = 0
  @Option(help: "Address of the host of rank 0.") var masterAddr: String = "127.0.0.1"
  @Option(help: "Port of the rendezvous on the host of rank 0.") var masterPort: Int = 29500
  @Argument(parsing: .postTerminator, help: "The fairprune command and its options, after --.") var command: [String] = []

  func run() throws {
    var launcher = Launcher(command: command)
    launcher.processesPerHost = nproc
    launcher.hosts = nnodes
    launcher.hostIndex = nodeRank
    launcher.masterAddress = masterAddr
    launcher.masterPort = masterPort
    let status = try library { try launcher.run(notes: { fputs($0 + "\n", stderr) }) }
    if status != 0 { throw ExitCode(status) }
  }
}
