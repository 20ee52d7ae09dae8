import Foundation

/// The learning rate of each epoch (0-based), a pure function of the epoch so that a resumed
/// run gets the same rates without saved scheduler state.
public protocol LearningRateSchedule: Sendable {
  func learningRate(epoch: Int) -> Double
}

/// Constant rate.
public struct ConstantSchedule: LearningRateSchedule {
  public let rate: Double
  public init(_ rate: Double) { self.rate = rate }
  public func learningRate(epoch: Int) -> Double { rate }
}

/// Multiply by `gamma` at each milestone; milestones are fractions of the total epochs,
/// converted as `Int(fraction * totalEpochs)` (60/80/90% of 60 epochs -> 36, 48, 54).
public struct MultiStepSchedule: LearningRateSchedule {
  public let baseRate: Double
  public let milestones: [Int]
  public let gamma: Double

  public init(baseRate: Double, milestoneFractions: [Double], totalEpochs: Int, gamma: Double = 0.1) {
    self.baseRate = baseRate
    milestones = milestoneFractions.map { Int($0 * Double(totalEpochs)) }.sorted()
    self.gamma = gamma
  }

  public func learningRate(epoch: Int) -> Double {
    baseRate * Foundation.pow(gamma, Double(milestones.filter { $0 <= epoch }.count))
  }
}

/// Cosine annealing from `baseRate` to `minRate` over `totalEpochs` (torch CosineAnnealingLR, T_max = total).
public struct CosineSchedule: LearningRateSchedule {
  public let baseRate: Double, minRate: Double
  public let totalEpochs: Int

  public init(baseRate: Double, totalEpochs: Int, minRate: Double = 0) {
    self.baseRate = baseRate
    self.totalEpochs = max(1, totalEpochs)
    self.minRate = minRate
  }

  public func learningRate(epoch: Int) -> Double {
    minRate + (baseRate - minRate) * (1 + Foundation.cos(Double.pi * Double(epoch) / Double(totalEpochs))) / 2
  }
}

/// Linear learning-rate warm-up (Goyal et al., 2017): step s (0-based, counted over the whole run)
/// uses `min(1, (s + 1) / steps)` of the scheduled rate. Fine-tuning with SGD and momentum from a
/// model trained by another optimizer can leave its minimum within a few full-rate steps; ramping
/// the rate lets it settle first. A pure function of the step, so a resumed run gets the same rates.
public struct LinearWarmup: Sendable, Equatable {
  /// Steps to reach the full rate; 0 means no warm-up.
  public let steps: Int

  /// `epochs` (fractions allowed) of `stepsPerEpoch` steps each, rounded up to whole steps.
  public init(epochs: Double, stepsPerEpoch: Int) {
    steps = epochs > 0 ? Int((epochs * Double(stepsPerEpoch)).rounded(.up)) : 0
  }

  /// The fraction of the scheduled rate used at global step `step`.
  public func factor(step: Int) -> Double {
    steps > 0 ? min(1, Double(step + 1) / Double(steps)) : 1
  }
}
