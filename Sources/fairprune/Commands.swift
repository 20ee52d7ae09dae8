import ArgumentParser
import Datasets
import Experiments
import Foundation

extension ModelKind: ExpressibleByArgument {}
extension MethodKind: ExpressibleByArgument {}
extension DatasetSource: ExpressibleByArgument {}
extension WeightDecayScope: ExpressibleByArgument {}
extension DenseOptimizerKind: ExpressibleByArgument {}

/// Options every data-using command shares.
struct DataOptions: ParsableArguments {
  @Option(help: "Dataset: \(DatasetSource.allCases.map(\.rawValue).joined(separator: ", ")).") var dataset: DatasetSource = .synthetic
  @Option(help: "Dataset folder (tabular-csv: the CSV file; image-csv: the folder its paths are relative to).") var dataRoot: String?
  @Option(help: "Label CSV of an image-csv dataset.") var csv: String?
  @Option(help: "Target label (utkface/fairface: race, gender or age; default race; required for celeba and CSVs).") var target: String?
  @Option(help: "Protected attribute (repeat for several; default: race, or CIFAR-100's fine label).") var protected: [String] = []
  @Option(help: "Resize images to this square size when decoding (default: native size).") var imageSize: Int?
  @Option(help: "Cache decoded images in this folder.") var cacheDir: String?
  @Option(help: "Fraction of each group of train held out as validation.") var validationFraction: Double = 0
  @Option(help: "Seed of the synthetic data and of the validation hold-out.") var dataSeed: UInt64 = 1234

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
    return s
  }

  func load() throws -> GroupedDataset {
    if dataset != .synthetic { FileHandle.standardError.write(Data("reading \(dataset.rawValue) from \(dataRoot ?? "?")\n".utf8)) }
    do { return try spec.load() } catch let e as ConfigError { throw ValidationError(e.message) }
  }
}

struct Train: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Train a dense model and save it as safetensors.")
  @OptionGroup var data: DataOptions
  @Option(help: "Architecture: \(ModelKind.allCases.map(\.rawValue).joined(separator: ", ")).") var model: ModelKind = .mlp
  @Option(help: "Epochs.") var epochs: Int = 10
  @Option(help: "Optimizer: sgd (momentum 0.9) or adam.") var optimizer: DenseOptimizerKind = .sgd
  @Option(help: "Learning rate.") var learningRate: Double = 0.05
  @Option(help: "Batch size.") var batchSize: Int = 128
  @Option(help: "Weight decay.") var weightDecay: Double = 5e-4
  @Flag(help: "Mirror a random half of each batch (image data).") var horizontalFlip = false
  @Option(help: "Intra-op threads.") var threads: Int = 2
  @Option(help: "Seed of initialization and data order.") var seed: UInt64 = 0
  @Option(help: "Output file (.safetensors).") var output: String = "dense.safetensors"

  func validate() throws {
    guard epochs > 0 else { throw ValidationError("--epochs must be positive, got \(epochs)") }
    guard batchSize > 0 else { throw ValidationError("--batch-size must be positive, got \(batchSize)") }
    guard threads > 0 else { throw ValidationError("--threads must be positive, got \(threads)") }
  }

  func run() throws {
    let dataset = try data.load()
    var config = DenseTrainingConfig()
    config.epochs = epochs
    config.optimizer = optimizer
    config.learningRate = learningRate
    config.batchSize = batchSize
    config.weightDecay = weightDecay
    config.horizontalFlip = horizontalFlip
    config.threads = threads
    config.seed = seed
    let net = try DenseTrainer.trainNew(model, on: dataset, config: config)
    try DenseModelFile.save(net, to: output)
    print("saved \(output); test accuracy \(String(format: "%.2f%%", 100 * (try Evaluator.predict(net, on: dataset.test).accuracy)))")
  }
}

struct Prune: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Prune a dense model with GMP while fine-tuning with a method; write a run directory.",
    discussion: "Settings come from --config (JSON or YAML, keys as in config.json of a run) and are overridden by the options given.")
  @OptionGroup var data: DataOptions
  @Option(help: "Dense model (.safetensors, or a PyTorch state dict .pt).") var dense: String
  @Option(help: "Config file (JSON or YAML).") var config: String?
  @Option(help: "Run directory (resumed if it holds a checkpoint).") var output: String
  @Option(help: "Method: \(MethodKind.allCases.map(\.rawValue).joined(separator: ", ")).") var method: MethodKind?
  @Option(help: "Architecture of the dense model.") var model: ModelKind?
  @Option(help: "Target sparsity in [0, 1).") var sparsity: Double?
  @Flag(help: "Prune whole output channels.") var structured = false
  @Option(help: "Tolerance ε on each group's excess accuracy gap (fraction).") var tolerance: Double?
  @Option(help: "Replay-buffer size k per group.") var bufferSize: Int?
  @Option(help: "Dual (multiplier) learning rate.") var dualLr: Double?
  @Option(help: "Primal learning rate.") var learningRate: Double?
  @Option(help: "Total epochs (GMP + fine-tuning).") var epochs: Int?
  @Option(help: "Last GMP epoch; mitigation starts there.") var lastPruningEpoch: Int?
  @Option(help: "L2 coefficient in the objective.") var weightDecay: Double?
  @Option(help: "L2 scope: all or last-layer-only.") var weightDecayScope: WeightDecayScope?
  @Flag(help: "Mirror a random half of each training batch (image data).") var horizontalFlip = false
  @Flag(help: "Include the L2 term in the constraints' overall loss, as the released CEAG code does.") var reproduceInPlaceL2Quirk = false
  @Option(help: "Intra-op threads.") var threads: Int?
  @Option(help: "Seed.") var seed: UInt64?

  func resolved() throws -> RunConfig {
    var c = try config.map(ConfigFile.load) ?? RunConfig()
    if let method { c.method = method }
    if let model { c.model = model }
    if let sparsity { c.sparsity = sparsity }
    if structured { c.structured = true }
    if let tolerance { c.tolerance = tolerance }
    if let bufferSize { c.bufferSize = bufferSize }
    if let dualLr { c.dualLearningRate = dualLr }
    if let learningRate { c.learningRate = learningRate }
    if let epochs { c.epochs = epochs }
    if let lastPruningEpoch { c.lastPruningEpoch = lastPruningEpoch }
    if let weightDecay { c.weightDecay = weightDecay }
    if let weightDecayScope { c.weightDecayScope = weightDecayScope }
    if horizontalFlip { c.horizontalFlip = true }
    if reproduceInPlaceL2Quirk { c.reproduceInPlaceL2Quirk = true }
    if let threads { c.threads = threads }
    if let seed { c.seed = seed }
    try c.validate()
    return c
  }

  func validate() throws {
    do { _ = try resolved() } catch let e as ConfigError { throw ValidationError(e.message) }
  }

  func run() throws {
    let c = try resolved()
    let dataset = try data.load()
    let net = try c.model.make(for: dataset)
    try DenseModelFile.load(dense, into: net)
    let run = try PruneRun(config: c, data: dataset, directory: URL(fileURLWithPath: output))
    run.dataSpec = data.spec
    if let report = try run.run(dense: net) { print(ReportMarkdown.render([report])) }
  }
}

struct Evaluate: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Per-group accuracy of a saved model on each split.")
  @OptionGroup var data: DataOptions
  @Option(help: "Model file (.safetensors or .pt).") var modelFile: String
  @Option(help: "Architecture.") var model: ModelKind = .mlp

  func run() throws {
    let dataset = try data.load()
    let net = try model.make(for: dataset)
    try DenseModelFile.load(modelFile, into: net)
    print(try GroupAccuracyTable.render(net, dataset: dataset))
  }
}

struct Report: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Combine the report.json of run directories into one Markdown report.")
  @Argument(help: "Run directories.") var runs: [String]
  @Option(help: "Also write per-group excess-gap bar charts (group_excess_gap_<split>.svg) into this folder.") var plots: String?

  func run() throws {
    let reports = try runs.map { dir -> RunReport in
      let path = URL(fileURLWithPath: dir).appendingPathComponent("report.json")
      do { return try JSONDecoder().decode(RunReport.self, from: Data(contentsOf: path)) } catch {
        throw ValidationError("\(path.path): \(error.localizedDescription)")
      }
    }
    print(ReportMarkdown.render(reports))
    if let plots { try ReportPlots.writeGroupCharts(reports, to: URL(fileURLWithPath: plots)) }
  }
}
