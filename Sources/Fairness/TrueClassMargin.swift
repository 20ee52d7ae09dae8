import Torch

/// Per row, the score of the true class minus the largest other score (logits or
/// probabilities [N, C], targets int64 [N]): positive when the row is classified correctly.
/// Differentiable in `scores`.
func trueClassMargin(_ scores: Tensor, targets: Tensor) throws -> Tensor {
  let index = try targets.unsqueezed(1)
  let own = try scores.gather(dim: 1, index: index).squeezed(1)
  // The true class is pushed below every other score before the max.
  let others = try scores.scatterAdd(dim: 1, index: index, source: Tensor.full([targets.count, 1], value: -1e30, dtype: scores.dtype, device: scores.device))
  return try own - others.max(dim: 1).values
}
