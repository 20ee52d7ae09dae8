import Foundation

/// The cubic sparsity schedule of gradual magnitude pruning (Zhu & Gupta 2017), per epoch
/// (SPEC 4.1):
///
/// ```
/// s(e) = s_f + (s_i − s_f) · (1 − (e − e_0)/(T − e_0))³    for e_0 < e < T
/// s(e) = s_i  for e ≤ e_0 ;   s(e) = s_f  for e ≥ T
/// ```
///
/// Pruning happens at the start of epochs `e_0, e_0 + f, e_0 + 2f, ...` up to `T` (`T` always
/// included), before that epoch's training, and never after `T`. With `e_0 = T` it is one-shot
/// pruning to `s_f` at epoch `T`.
///
/// ```swift
/// let gmp = try GradualMagnitudeSchedule(finalSparsity: 0.9, lastEpoch: 15)
/// gmp.sparsity(atEpoch: 1)    // 0.9 · (1 − (14/15)³) = 0.168267
/// gmp.shouldPrune(epoch: 16)  // false
/// ```
public struct GradualMagnitudeSchedule: Codable, Equatable, Sendable {
  /// `s_i`, the sparsity up to and at `firstEpoch`.
  public let initialSparsity: Double
  /// `s_f`, the sparsity from `lastEpoch` on.
  public let finalSparsity: Double
  /// `e_0`, the first pruning epoch (0-based).
  public let firstEpoch: Int
  /// `T`, the last pruning epoch.
  public let lastEpoch: Int
  /// Prune every `frequency` epochs from `firstEpoch`.
  public let frequency: Int

  /// Throws `SparsityError` for sparsities outside [0, 1], `initialSparsity > finalSparsity`
  /// (masks only ever grow), `firstEpoch < 0`, `lastEpoch < firstEpoch` or `frequency < 1`.
  public init(initialSparsity: Double = 0, finalSparsity: Double, firstEpoch: Int = 0, lastEpoch: Int,
              frequency: Int = 1) throws {
    try validateSparsity(initialSparsity, "GradualMagnitudeSchedule initialSparsity")
    try validateSparsity(finalSparsity, "GradualMagnitudeSchedule finalSparsity")
    guard initialSparsity <= finalSparsity else {
      throw SparsityError("GradualMagnitudeSchedule: initialSparsity \(initialSparsity) exceeds finalSparsity \(finalSparsity)")
    }
    guard firstEpoch >= 0 else { throw SparsityError("GradualMagnitudeSchedule: firstEpoch must be >= 0, got \(firstEpoch)") }
    guard lastEpoch >= firstEpoch else {
      throw SparsityError("GradualMagnitudeSchedule: lastEpoch \(lastEpoch) is before firstEpoch \(firstEpoch)")
    }
    guard frequency >= 1 else { throw SparsityError("GradualMagnitudeSchedule: frequency must be >= 1, got \(frequency)") }
    self.initialSparsity = initialSparsity
    self.finalSparsity = finalSparsity
    self.firstEpoch = firstEpoch
    self.lastEpoch = lastEpoch
    self.frequency = frequency
  }

  /// The target sparsity `s(e)` of epoch `epoch`.
  public func sparsity(atEpoch epoch: Int) -> Double {
    if epoch >= lastEpoch { return finalSparsity }
    if epoch <= firstEpoch { return initialSparsity }
    let progress = Double(epoch - firstEpoch) / Double(lastEpoch - firstEpoch)
    return finalSparsity + (initialSparsity - finalSparsity) * Foundation.pow(1 - progress, 3)
  }

  /// Whether layers are pruned (to `sparsity(atEpoch:)`) at the start of `epoch`.
  public func shouldPrune(epoch: Int) -> Bool {
    guard epoch >= firstEpoch, epoch <= lastEpoch else { return false }
    return epoch == lastEpoch || (epoch - firstEpoch) % frequency == 0
  }

  /// Every epoch at which `shouldPrune` is true, in order.
  public var pruningEpochs: [Int] { (firstEpoch...lastEpoch).filter(shouldPrune(epoch:)) }

  private enum CodingKeys: String, CodingKey { case initialSparsity, finalSparsity, firstEpoch, lastEpoch, frequency }

  /// Decodes and validates as `init` does.
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    try self.init(initialSparsity: try c.decodeIfPresent(Double.self, forKey: .initialSparsity) ?? 0,
                  finalSparsity: try c.decode(Double.self, forKey: .finalSparsity),
                  firstEpoch: try c.decodeIfPresent(Int.self, forKey: .firstEpoch) ?? 0,
                  lastEpoch: try c.decode(Int.self, forKey: .lastEpoch),
                  frequency: try c.decodeIfPresent(Int.self, forKey: .frequency) ?? 1)
  }
}
