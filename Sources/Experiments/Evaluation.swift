import Datasets
import NN
import Torch

/// Per-sample results of one pass over a split in evaluation mode (no augmentation, BN running
/// statistics, no dropout), as SPEC 1.3 prescribes for train and test metrics.
public struct SplitPredictions: @unchecked Sendable {
  /// Bool [N]: prediction equals the target.
  public let correct: Tensor
  /// Float [N]: cross-entropy of each sample.
  public let losses: Tensor
  public var accuracy: Double { (try? correct.to(.float64).mean().item()) ?? .nan }
}

public enum Evaluator {
  /// Runs `model` over `split` without gradients and restores its previous training mode.
  public static func predict(_ model: any Module, on split: GroupedSplit, batchSize: Int = 256) throws -> SplitPredictions {
    let wasTraining = model.isTraining
    model.eval()
    defer { model.train(wasTraining) }
    var correct: [Tensor] = []
    var losses: [Tensor] = []
    try Torch.withNoGrad {
      for batch in SplitBatches(split, batchSize: batchSize) {
        let b = try batch.get()
        let logits = try model(b.inputs)
        correct.append(try logits.argmax(dim: 1).eq(b.targets))
        losses.append(try Tensor.crossEntropy(logits, targets: b.targets, reduction: .none))
      }
    }
    return SplitPredictions(correct: try Tensor.cat(correct), losses: try Tensor.cat(losses))
  }
}
