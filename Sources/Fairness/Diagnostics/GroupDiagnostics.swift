import Datasets
import NN
import Torch

/// Per-group diagnostics of one model (SPEC 6; Tran et al., NeurIPS 2022): what makes pruning
/// hurt a group, measured on a bounded sample of each group, in eval mode.
public struct GroupDiagnostics: Codable, Sendable, Equatable {
  public struct Row: Codable, Sendable, Equatable {
    public var name: String
    /// Samples of the group the row was measured on (at most `maxSamplesPerGroup`).
    public var samples: Int
    /// Mean cross-entropy and accuracy on those samples.
    public var loss: Double
    public var accuracy: Double
    /// ‖∇_θ mean_i ℓ_i‖₂, the group's full gradient.
    public var gradNorm: Double
    /// mean_i ‖∇_θ ℓ_i‖₂ over the first `perSampleGradients` samples.
    public var meanSampleGradNorm: Double
    /// Top Hessian eigenvalue of the group's mean loss (power iteration).
    public var hessianTop: Double
    /// Hessian trace (Hutchinson).
    public var hessianTrace: Double
    /// mean_i (1 − Σ_k p_k²): closeness to the decision boundary.
    public var boundaryProxy: Double
    /// mean_i (p_y − max_{k≠y} p_k).
    public var margin: Double

    enum CodingKeys: String, CodingKey {
      case name, samples, loss, accuracy, margin
      case gradNorm = "grad_norm"
      case meanSampleGradNorm = "mean_sample_grad_norm"
      case hessianTop = "hessian_top"
      case hessianTrace = "hessian_trace"
      case boundaryProxy = "boundary_proxy"
    }
  }

  public struct Options: Codable, Sendable, Equatable {
    public var maxSamplesPerGroup = 256
    public var perSampleGradients = 32
    public var powerIterations = 20
    public var hutchinsonProbes = 16
    /// Samples per forward pass inside a group.
    public var chunk = 128
    public var seed: UInt64 = 0
    public init() {}
  }

  /// One row per group with samples (nil for groups absent from the split).
  public var rows: [Row?]

  /// The first `limit` samples of every group, in split order (a sample counts for each of its
  /// groups under `.separate`).
  public static func samples(of split: GroupedSplit, groups: GroupSpec, limit: Int, batchSize: Int = 256) throws
    -> [(inputs: Tensor, targets: Tensor)?] {
    var inputs = [[Tensor]](repeating: [], count: groups.numGroups)
    var targets = [[Tensor]](repeating: [], count: groups.numGroups)
    var counts = [Int](repeating: 0, count: groups.numGroups)
    let batches = try DataLoader(split.withoutAugmentation, batchSize: batchSize).batches(epoch: 0)
    while let b = try batches.next() {
      let members = try GroupMembership.rowsByGroup(groups.groupIDs(attributes: b.attributes), numGroups: groups.numGroups)
      for g in 0..<groups.numGroups where counts[g] < limit {
        let rows = members[g].prefix(limit - counts[g]).map(Int64.init)
        guard !rows.isEmpty else { continue }
        let index = try Tensor(Array(rows))
        inputs[g].append(try b.inputs.indexSelect(dim: 0, index: index))
        targets[g].append(try b.targets.indexSelect(dim: 0, index: index))
        counts[g] += rows.count
      }
      if counts.allSatisfy({ $0 >= limit }) { break }
    }
    return try (0..<groups.numGroups).map { g in
      inputs[g].isEmpty ? nil : (try Tensor.cat(inputs[g], dim: 0), try Tensor.cat(targets[g], dim: 0))
    }
  }

  /// Diagnostics of `model` on each group's samples; the model is left in the mode it was in.
  public static func measure(_ model: any Module, samples: [(inputs: Tensor, targets: Tensor)?], names: [String],
                             options: Options = Options()) throws -> GroupDiagnostics {
    let wasTraining = model.isTraining
    model.eval()
    defer { model.train(wasTraining) }
    let parameters = model.parameters().filter(\.requiresGrad)
    var rows: [Row?] = []
    for (g, sample) in samples.enumerated() {
      guard let (x, y) = sample, y.count > 0 else {
        rows.append(nil)
        continue
      }
      let n = y.count
      let chunks = stride(from: 0, to: n, by: max(1, options.chunk)).map { ($0, min(n, $0 + max(1, options.chunk))) }
      // The group's mean loss, summed over chunks so that large groups fit in memory.
      let curvature = Curvature(parameters: parameters) {
        var total = try Tensor.zeros([], dtype: x.dtype)
        for (lo, hi) in chunks {
          let logits = try model(x.slice(dim: 0, start: lo, end: hi))
          total = try total + Tensor.crossEntropy(logits, targets: y.slice(dim: 0, start: lo, end: hi), reduction: .sum) / Double(n)
        }
        return total
      }
      let gradient = try curvature.gradient()
      var sampleNorms = 0.0
      let perSample = min(n, options.perSampleGradients)
      for i in 0..<perSample {
        let one = Curvature(parameters: parameters) {
          try Tensor.crossEntropy(model(x.slice(dim: 0, start: i, end: i + 1)), targets: y.slice(dim: 0, start: i, end: i + 1))
        }
        sampleNorms += try Curvature.norm(one.gradient())
      }
      let (loss, accuracy, boundary, margin) = try Torch.withNoGrad { try outputs(model, x, y, chunks: chunks) }
      rows.append(Row(name: names[g], samples: n, loss: loss, accuracy: accuracy, gradNorm: try Curvature.norm(gradient),
                      meanSampleGradNorm: perSample > 0 ? sampleNorms / Double(perSample) : 0,
                      hessianTop: try curvature.topEigenvalue(iterations: options.powerIterations, seed: options.seed &+ UInt64(g)),
                      hessianTrace: try curvature.traceEstimate(probes: options.hutchinsonProbes, seed: options.seed &+ UInt64(g)),
                      boundaryProxy: boundary, margin: margin))
    }
    return GroupDiagnostics(rows: rows)
  }

  /// Mean loss, accuracy, 1 − Σ p² and margin p_y − max_{k≠y} p_k over the samples.
  static func outputs(_ model: any Module, _ x: Tensor, _ y: Tensor, chunks: [(Int, Int)])
    throws -> (Double, Double, Double, Double) {
    var loss = 0.0, correct = 0.0, boundary = 0.0, margin = 0.0
    for (lo, hi) in chunks {
      let logits = try model(x.slice(dim: 0, start: lo, end: hi)).to(.float64)
      let target = try y.slice(dim: 0, start: lo, end: hi)
      loss += try Tensor.crossEntropy(logits, targets: target, reduction: .sum).item()
      correct += try logits.argmax(dim: 1).eq(target).to(.float64).sum().item()
      let p = try logits.softmax(dim: 1)
      boundary += try (1 - p.square().sum(dims: [1])).sum().item()
      margin += try trueClassMargin(p, targets: target).sum().item()
    }
    let n = Double(y.count)
    return (loss / n, correct / n, boundary / n, margin / n)
  }
}
