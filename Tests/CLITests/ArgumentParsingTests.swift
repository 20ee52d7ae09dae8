import ArgumentParser
import Experiments
import TestSupport
import XCTest

@testable import fairprune

/// Each subcommand's arguments parse into the values given, and bad flags and values are refused
/// with a message that names them.
final class ArgumentParsingTests: XCTestCase {
  func parse<C: ParsableCommand>(_ type: C.Type, _ arguments: [String], file: StaticString = #filePath,
                                 line: UInt = #line) throws -> C {
    let command = try FairPrune.parseAsRoot(arguments)
    return try XCTUnwrap(command as? C, "\(arguments) parsed as \(Swift.type(of: command))", file: file, line: line)
  }

  /// The text the CLI prints for `arguments` (a parse or validation error); fails if they parse.
  func errorText(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) -> String {
    do {
      _ = try FairPrune.parseAsRoot(arguments)
      XCTFail("\(arguments) parsed", file: file, line: line)
      return ""
    } catch {
      return FairPrune.message(for: error)
    }
  }

  func assertRefused(_ arguments: [String], _ fragment: String, file: StaticString = #filePath, line: UInt = #line) {
    let text = errorText(arguments, file: file, line: line)
    XCTAssertTrue(text.contains(fragment), "\(arguments): \"\(text)\" lacks \"\(fragment)\"", file: file, line: line)
  }

  func testDemoIsTheDefaultAndParsesItsOptions() throws {
    let plain = try parse(Demo.self, [])
    XCTAssertEqual(plain.model, .mlp)
    XCTAssertEqual(plain.sparsity, 0.97)
    let demo = try parse(Demo.self, ["demo", "--model", "cifar-resnet8", "--sparsity", "0.5", "--tolerance", "0.01",
                                     "--seed", "3", "--threads", "1", "--output", "out"])
    XCTAssertEqual(demo.model, .cifarResNet8)
    XCTAssertEqual(demo.sparsity, 0.5)
    XCTAssertEqual(demo.tolerance, 0.01)
    XCTAssertEqual(demo.seed, 3)
    XCTAssertEqual(demo.threads, 1)
    XCTAssertEqual(demo.output, "out")
  }

  func testTrainParsesDataAndTrainingOptions() throws {
    let train = try parse(Train.self, ["train", "--dataset", "tabular-csv", "--data-root", "t.csv", "--target", "y",
                                       "--protected", "race", "--protected", "sex", "--model", "mlp", "--epochs", "3",
                                       "--optimizer", "adam", "--learning-rate", "0.01", "--batch-size", "16",
                                       "--horizontal-flip", "--threads", "1", "--seed", "9", "--output", "d.safetensors", "--sync-batchnorm",
                                       "--device", "cuda:1"])
    XCTAssertEqual(train.data.spec.source, .tabularCSV)
    XCTAssertEqual(train.data.spec.root, "t.csv")
    XCTAssertEqual(train.data.spec.target, "y")
    XCTAssertEqual(train.data.spec.protected, ["race", "sex"])
    XCTAssertEqual(train.epochs, 3)
    XCTAssertEqual(train.optimizer, .adam)
    XCTAssertEqual(train.learningRate, 0.01)
    XCTAssertEqual(train.batchSize, 16)
    XCTAssertEqual(train.data.spec.horizontalFlip, true)
    XCTAssertEqual(train.seed, 9)
    XCTAssertEqual(train.output, "d.safetensors")
    XCTAssertTrue(train.config.syncBatchNorm)
    XCTAssertEqual(train.config.device, .cuda(1))
    XCTAssertEqual(try parse(Train.self, ["train"]).config.device, .cpu)
    assertRefused(["train", "--device", "gpu"], "'gpu'")
  }

  func testPruneMergesOptionsOverDefaults() throws {
    let prune = try parse(Prune.self, ["prune", "--dense", "d.safetensors", "--output", "runs/x", "--method", "ceag",
                                       "--sparsity", "0.9", "--tolerance", "0.01", "--buffer-size", "20", "--dual-lr", "0.2",
                                       "--epochs", "6", "--last-pruning-epoch", "2", "--weight-decay-scope", "last-layer-only",
                                       "--structured"])
    let c = try prune.resolved()
    XCTAssertEqual(c.method, .ceag)
    XCTAssertEqual(c.sparsity, 0.9)
    XCTAssertEqual(c.tolerance, 0.01)
    XCTAssertEqual(c.bufferSize, 20)
    XCTAssertEqual(c.dualLearningRate, 0.2)
    XCTAssertEqual(c.epochs, 6)
    XCTAssertEqual(c.lastPruningEpoch, 2)
    XCTAssertTrue(c.structured)
    XCTAssertEqual(c.weightDecayScope.rawValue, "last-layer-only")
    // Settings not given keep RunConfig's defaults.
    XCTAssertEqual(c.learningRate, RunConfig().learningRate)
    XCTAssertEqual(c.seed, RunConfig().seed)
    XCTAssertEqual(c.device, .cpu)
    assertRefused(["prune", "--dense", "d.safetensors", "--output", "o", "--device", "gpu"],
                  "device = gpu: device 'gpu': expected cpu, cuda or cuda:N")
  }

  /// Every RunConfig setting has a prune option (issue 12 item 6).
  func testEverySettingIsReachableFromTheCommandLine() throws {
    let prune = try parse(Prune.self, [
      "prune", "--dense", "d.safetensors", "--output", "o", "--method", "el-rb", "--model", "mlp", "--sparsity", "0.8",
      "--structured", "--epochs", "9", "--seed", "3", "--threads", "1", "--tolerance", "0.02", "--momentum", "0.5",
      "--nesterov", "--milestones", "0.5,0.75", "--last-pruning-epoch", "3", "--batch-size", "64", "--eval-batch-size", "512",
      "--learning-rate", "0.1", "--weight-decay", "0.001", "--weight-decay-scope", "all", "--reproduce-in-place-l2-quirk",
      "--buffer-size", "30", "--dual-lr", "0.3", "--dual-lr-unit", "epoch", "--dual-optimizer", "nupi", "--dual-momentum", "0.2", "--nupi-kp", "2",
      "--nupi-nu", "0.5", "--min-group-size", "5", "--formulation", "augmented-lagrangian", "--penalty-coefficient", "4",
      "--update-order", "extragradient", "--reference-buffer-overall", "--evaluation-mode-estimates", "--dual-restarts", "--class-offsets", "--no-equalized-loss-absolute",
      "--mitigation-while-pruning", "--group-attribute", "race", "--group-mode", "separate", "--epoch-selection", "best-accuracy",
      "--bn-recalibration-batches", "7", "--fairgrape-scoring-batches", "5", "--bifp-lambda", "2",
      "--bifp-score-learning-rate", "0.1", "--bifp-temperature", "0.5", "--bifp-implicit-gradient", "0.0001",
      "--bifp-final-fine-tune", "--sparsity-schedule", "geometric", "--schedule-keep", "0.9",
      "--warmup-epochs", "0.5", "--stratified-batches", "--pruning-frequency", "4",
      "--structured-budget", "channels", "--structured-allocation", "global", "--no-structured-residual-streams", "--replica-check-steps", "5",
      "--sync-batchnorm", "--device", "cuda"])
    XCTAssertEqual(Set(prune.overrides.keys), Set(RunConfig.CodingKeys.allCases))
    let c = try prune.resolved()
    XCTAssertEqual(c.milestones, [0.5, 0.75])
    XCTAssertEqual(c.formulation, .augmentedLagrangian)
    XCTAssertEqual(c.updateOrder, .extragradient)
    XCTAssertEqual(c.dualLearningRateUnit, .epoch)
    XCTAssertEqual(c.penaltyCoefficient, 4)
    XCTAssertTrue(c.structured)
    XCTAssertEqual(c.structuredAllocation, .global)
    XCTAssertFalse(c.structuredResidualStreams)
    XCTAssertFalse(c.equalizedLossAbsolute)
    XCTAssertEqual(c.groupAttributes, ["race"])
    XCTAssertEqual(c.epochSelection, .bestAccuracy)
    XCTAssertEqual(c.bnRecalibrationBatches, 7)
    XCTAssertTrue(c.syncBatchNorm)
    XCTAssertTrue(c.evaluationModeEstimates)
    XCTAssertTrue(c.classOffsets)
    XCTAssertEqual(c.warmupEpochs, 0.5)
    XCTAssertEqual(c.device, .cuda(0))
    // The library builds the method with these settings.
    let options = c.groupConstraintOptions
    XCTAssertEqual(options.formulation, .augmentedLagrangian)
    XCTAssertEqual(options.updateOrder, .extragradient)
    XCTAssertEqual(options.penaltyCoefficient, 4)
    XCTAssertTrue(options.evaluationModeEstimates)
  }

  func testEvaluateAndReportParse() throws {
    let evaluate = try parse(Evaluate.self, ["evaluate", "--model-file", "m.safetensors", "--model", "resnet18",
                                             "--dataset", "utkface", "--data-root", "faces", "--image-size", "32"])
    XCTAssertEqual(evaluate.modelFile, "m.safetensors")
    XCTAssertEqual(evaluate.model, .resnet18)
    XCTAssertEqual(evaluate.data.spec.imageSize, 32)
    XCTAssertNil(evaluate.data.spec.horizontalFlip, "the format decides")
    let noFlip = try parse(Evaluate.self, ["evaluate", "--model-file", "m", "--dataset", "utkface", "--no-horizontal-flip"])
    XCTAssertEqual(noFlip.data.spec.horizontalFlip, false)
    let report = try parse(Report.self, ["report", "runs/a", "runs/b", "--plots", "p"])
    XCTAssertEqual(report.runs, ["runs/a", "runs/b"])
    XCTAssertEqual(report.plots, "p")
  }

  func testBadFlagsAndValuesAreNamed() {
    assertRefused(["train", "--bogus"], "Unknown option '--bogus'")
    assertRefused(["train", "--model", "resnet99"], "The value 'resnet99' is invalid for '--model <model>'")
    assertRefused(["train", "--dataset", "imagenet"], "The value 'imagenet' is invalid for '--dataset <dataset>'")
    assertRefused(["train", "--epochs", "zero"], "The value 'zero' is invalid for '--epochs <epochs>'")
    assertRefused(["train", "--epochs", "0"], "--epochs must be positive, got 0")
    assertRefused(["train", "--batch-size=-4"], "--batch-size must be positive, got -4")
    assertRefused(["train", "--threads", "0"], "--threads must be positive, got 0")
    assertRefused(["demo", "--model", "vgg"], "The value 'vgg' is invalid for '--model <model>'")
    assertRefused(["prune", "--output", "r"], "Missing expected argument '--dense <dense>'")
    assertRefused(["prune", "--dense", "d", "--output", "r", "--method", "magic"], "The value 'magic' is invalid for '--method <method>'")
    assertRefused(["prune", "--dense", "d", "--output", "r", "--sparsity", "1.5"], "sparsity = 1.5: must be in [0, 1)")
    assertRefused(["prune", "--dense", "d", "--output", "r", "--tolerance", "nan"], "tolerance = nan: must be a finite number")
    assertRefused(["prune", "--dense", "d", "--output", "r", "--learning-rate", "inf"], "learning_rate = inf: must be a finite number")
    assertRefused(["prune", "--dense", "d", "--output", "r", "--milestones", "0.5,x"], "milestones = 0.5,x")
    assertRefused(["prune", "--dense", "d", "--output", "r", "--penalty-coefficient", "0"], "penalty_coefficient = 0.0: must be positive")
    assertRefused(["prune", "--dense", "d", "--output", "r", "--epochs", "2", "--last-pruning-epoch", "2"],
                  "last_pruning_epoch = 2: must be in 0..<epochs (2)")
    assertRefused(["prune", "--dense", "d", "--output", "r", "--epochs", "4", "--last-pruning-epoch", "1", "--warmup-epochs", "5"],
                  "warmup_epochs = 5.0: must be in [0, epochs = 4]")
    assertRefused(["prune", "--dense", "d", "--output", "r", "--config", "/nonexistent/run.yaml"], "/nonexistent/run.yaml")
    assertRefused(["evaluate"], "Missing expected argument '--model-file <model-file>'")
    assertRefused(["report"], "Missing expected argument '<runs> ...'")
    assertRefused(["frobnicate"], "Unexpected argument 'frobnicate'")
  }
}
