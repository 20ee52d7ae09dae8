import Foundation

/// When layers are pruned and to what sparsity, per epoch.
public protocol SparsitySchedule: Sendable {
  /// Whether layers are pruned (to `sparsity(atEpoch:)`) at the start of `epoch`.
  func shouldPrune(epoch: Int) -> Bool
  /// The target sparsity of `epoch`.
  func sparsity(atEpoch epoch: Int) -> Double
}

extension GradualMagnitudeSchedule: SparsitySchedule {}

/// The geometric schedule of iterative pruning (Lottery Ticket, keep 0.8 per step; FairGRAPE,
/// keep 0.9 with 3 retraining epochs per step, i.e. `frequency` 4): pruning steps at epochs
/// 0, f, 2f, … up to T, step t (from 1) to min(s_f, 1 − keep^t), and s_f at T, so the target is
/// reached by T whatever `keep` is.
///
/// ```swift
/// let lottery = try GeometricSchedule(keep: 0.8, finalSparsity: 0.9, lastEpoch: 12)
/// lottery.sparsity(atEpoch: 2)   // 1 − 0.8³ = 0.488
/// ```
public struct GeometricSchedule: SparsitySchedule, Equatable {
  /// Fraction of the remaining weights kept at each pruning step, in (0, 1).
  public let keep: Double
  public let finalSparsity: Double
  /// T, the last pruning epoch.
  public let lastEpoch: Int
  /// Epochs per pruning step (the epochs between steps only train).
  public let frequency: Int

  public init(keep: Double, finalSparsity: Double, lastEpoch: Int, frequency: Int = 1) throws {
    guard frequency >= 1 else { throw SparsityError("GeometricSchedule: frequency must be >= 1, got \(frequency)") }
    guard keep > 0, keep < 1 else { throw SparsityError("GeometricSchedule: keep must lie in (0, 1), got \(keep)") }
    try validateSparsity(finalSparsity, "GeometricSchedule finalSparsity")
    guard lastEpoch >= 0 else { throw SparsityError("GeometricSchedule: lastEpoch must be >= 0, got \(lastEpoch)") }
    self.keep = keep
    self.finalSparsity = finalSparsity
    self.lastEpoch = lastEpoch
    self.frequency = frequency
  }

  public func shouldPrune(epoch: Int) -> Bool {
    epoch >= 0 && epoch <= lastEpoch && (epoch == lastEpoch || epoch % frequency == 0)
  }

  /// The sparsity of the last pruning step at or before `epoch`.
  public func sparsity(atEpoch epoch: Int) -> Double {
    if epoch >= lastEpoch { return finalSparsity }
    return min(finalSparsity, 1 - pow(keep, Double(max(0, epoch) / frequency + 1)))
  }
}
