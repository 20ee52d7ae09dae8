import Datasets
import Fairness
import NN
import Torch

/// Per-sample results of one pass over a split in evaluation mode (no augmentation, BN running
/// statistics, no dropout), as SPEC 1.3 prescribes for train and test metrics.
public struct SplitPredictions: @unchecked Sendable {
  /// Bool [N]: prediction equals the target.
  public let correct: Tensor
  /// Float [N]: cross-entropy of each sample.
  public let losses: Tensor
  /// Float [N, C]: the model's logits, when `Evaluator.predict` was asked to keep them.
  public var logits: Tensor? = nil
  public var accuracy: Double { (try? correct.to(.float64).mean().item()) ?? .nan }
}

public enum Evaluator {
  /// Runs `model` over `split` without gradients, on the model's device, and restores its
  /// previous training mode; the results are on the CPU. With a `group` of several ranks, each
  /// rank runs its part of every batch and every rank returns the whole split's results, in the
  /// split's order. `keepLogits` also returns the logits (N × C floats; post-hoc analyses).
  public static func predict(_ model: any Module, on split: GroupedSplit, batchSize: Int = 256,
                             group: ProcessGroup? = nil, keepLogits: Bool = false) throws -> SplitPredictions {
    let wasTraining = model.isTraining
    model.eval()
    defer { model.train(wasTraining) }
    var correct: [Tensor] = []
    var losses: [Tensor] = []
    var logitBatches: [Tensor] = []
    let ranks = group.loaderShard
    let device = model.device
    let loader = try DataLoader(try split.withoutAugmentation, batchSize: batchSize * (ranks?.count ?? 1),
                                prefetch: split.prefetchDepth, shard: ranks, pinMemory: device != .cpu)
    let batches = loader.batches(epoch: 0)
    try Torch.withNoGrad {
      while let next = try batches.next() {
        let b = try next.to(device: device)
        let shard = try BatchShard(localCount: b.targets.count, group: group)
        // A short last batch can leave a rank nothing to run.
        var c = try Tensor.zeros([0], dtype: .bool, device: device)
        var l = try Tensor.zeros([0], dtype: model.parameters().first?.dtype ?? .float32, device: device)
        var z: Tensor?
        if shard.localCount > 0 {
          let logits = try model(b.inputs)
          c = try logits.argmax(dim: 1).eq(b.targets)
          l = try Tensor.crossEntropy(logits, targets: b.targets, reduction: .none)
          z = logits
        }
        correct.append(try shard.gather(c))
        losses.append(try shard.gather(l))
        if keepLogits {
          guard group == nil else { throw ConfigError("evaluation: logits are kept on one rank only") }
          if let z { logitBatches.append(try z.to(device: .cpu)) }
        }
      }
    }
    var result = SplitPredictions(correct: try Tensor.cat(correct).to(device: .cpu), losses: try Tensor.cat(losses).to(device: .cpu))
    if keepLogits { result.logits = try Tensor.cat(logitBatches) }
    return result
  }
}

extension GroupedSplit {
  /// Batches to build ahead on a background thread: decoding images overlaps the model's work;
  /// slicing in-memory tensors is cheaper than a thread hand-off.
  var prefetchDepth: Int {
    if case .images = storage { return 2 }
    return 0
  }
}
