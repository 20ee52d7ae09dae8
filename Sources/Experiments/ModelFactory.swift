import Foundation
import Datasets
import NN
import Torch

/// The architectures a run can name in its config.
public enum ModelKind: String, Codable, CaseIterable, Sendable {
  case mlp
  case cifarResNet8 = "cifar-resnet8"
  case cifarResNet20 = "cifar-resnet20"
  case cifarResNet56 = "cifar-resnet56"
  case resnet18
  case resnet34
  case mobilenetV2 = "mobilenet-v2"

  /// The MLP's hidden widths unless a setting or a checkpoint says otherwise.
  public static let defaultMLPHidden = [256, 128]

  /// Builds the model for `data`: its input shape and class count. An MLP takes `mlpHidden`, or the
  /// widths of the checkpoint `matching` when given (so any saved MLP loads).
  public func make(for data: GroupedDataset, mlpHidden: [Int]? = nil,
                   matching state: [(name: String, tensor: Tensor)]? = nil) throws -> any Module {
    let hidden = mlpHidden ?? state.flatMap(MLP.hiddenSizes(in:)) ?? Self.defaultMLPHidden
    let classes = try state.map { try classCount(matching: $0, for: data, mlpHidden: hidden) } ?? data.info.numClasses
    return try make(inputShape: data.train.sampleShape, numClasses: classes, mlpHidden: hidden)
  }

  /// The class count of a checkpoint for `data`: its classifier's rows when they exceed the
  /// data's classes (the data lacks the top classes), else the data's.
  func classCount(matching state: [(name: String, tensor: Tensor)], for data: GroupedDataset, mlpHidden: [Int]) throws -> Int {
    let dataClasses = data.info.numClasses
    let probe = try make(inputShape: data.train.sampleShape, numClasses: dataClasses, mlpHidden: mlpHidden)
    guard let head = Self.classifier(of: probe), let saved = state.first(where: { $0.name == head.name }), saved.tensor.rank == 2 else {
      return dataClasses
    }
    return max(dataClasses, saved.tensor.size(0))
  }

  /// The classifier of a model: its last 2-D parameter (rows = classes).
  public static func classifier(of model: any Module) -> (name: String, tensor: Tensor)? {
    model.namedParameters().last { $0.tensor.rank == 2 }
  }

  /// Builds the model for inputs of shape [C, H, W] (MLP flattens them), with the layer widths of
  /// a compacted model where `widths` lists them (an MLP's come from `mlpHidden`).
  public func make(inputShape: [Int], numClasses: Int, mlpHidden: [Int] = ModelKind.defaultMLPHidden,
                   widths: ChannelWidths = .nominal) throws -> any Module {
    let model = try build(inputShape: inputShape, numClasses: numClasses, mlpHidden: mlpHidden, widths: widths)
    if usesChannelsLast { try model.toChannelsLast() }
    return model
  }

  /// Whether the model runs in channels-last memory format: measured faster for CifarResNet-56
  /// (train step 1.14x, eval 1.16x) and MobileNetV2 (train 1.37-1.48x at 64-128 px), not for
  /// ResNet-18 (0.92-1.10x), by `compaction-bench` (docs/PERFORMANCE.md). The results agree to float
  /// rounding. `FAIRPRUNE_CHANNELS_LAST=0` (or `1`) overrides it for every architecture.
  public var usesChannelsLast: Bool {
    switch ProcessInfo.processInfo.environment["FAIRPRUNE_CHANNELS_LAST"] {
    case "0": return false
    case "1": return self != .mlp
    default: return [.cifarResNet8, .cifarResNet20, .cifarResNet56, .mobilenetV2].contains(self)
    }
  }

  private func build(inputShape: [Int], numClasses: Int, mlpHidden: [Int], widths: ChannelWidths) throws -> any Module {
    switch self {
    case .mlp: return try MLP(inputSize: inputShape.reduce(1, *), hiddenSizes: mlpHidden, outputSize: numClasses)
    case .cifarResNet8: return try CifarResNet(depth: 8, numClasses: numClasses, widths: widths)
    case .cifarResNet20: return try CifarResNet(depth: 20, numClasses: numClasses, widths: widths)
    case .cifarResNet56: return try CifarResNet(depth: 56, numClasses: numClasses, widths: widths)
    case .resnet18: return try ResNet(blocks: [2, 2, 2, 2], numClasses: numClasses, widths: widths)
    case .resnet34: return try ResNet(blocks: [3, 4, 6, 3], numClasses: numClasses, widths: widths)
    case .mobilenetV2: return try MobileNetV2(numClasses: numClasses, widths: widths)
    }
  }
}
