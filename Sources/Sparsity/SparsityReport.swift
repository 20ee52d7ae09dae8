import Foundation
import NN
import Torch

/// Per-layer and total sparsity of the prunable weights, Codable for JSON reports.
///
/// A weight counts as zero when its effective value `w ⊙ m` is 0 (pruned, or zero in storage);
/// `pruned` counts the mask's false entries only. The total is over prunable weights, as the
/// reference code reports it (SPEC 4.3); biases and dense layers are not counted.
///
/// ```swift
/// let report = try masks.report()
/// print(report.fraction)                            // e.g. 0.9
/// let json = try JSONEncoder().encode(report)
/// ```
public struct SparsityReport: Codable, Equatable, Sendable {
  public struct Layer: Codable, Equatable, Sendable {
    public let name: String
    public let shape: [Int]
    /// Number of weights.
    public let total: Int
    /// Weights whose masked value is exactly 0.
    public let zeros: Int
    /// Mask entries that are false (0 for a layer without a mask).
    public let pruned: Int
    /// `zeros / total`.
    public let fraction: Double
    /// Output units (channels or rows) and those with no non-zero masked weight.
    public let units: Int
    public let deadUnits: Int

    public init(name: String, shape: [Int], total: Int, zeros: Int, pruned: Int, units: Int, deadUnits: Int) {
      self.name = name
      self.shape = shape
      self.total = total
      self.zeros = zeros
      self.pruned = pruned
      self.fraction = total > 0 ? Double(zeros) / Double(total) : 0
      self.units = units
      self.deadUnits = deadUnits
    }
  }

  public let layers: [Layer]
  /// Prunable weights in all layers.
  public let total: Int
  /// Zero masked weights in all layers.
  public let zeros: Int
  /// `zeros / total`, the model's sparsity over prunable weights.
  public let fraction: Double

  public init(layers: [Layer]) {
    self.layers = layers
    total = layers.reduce(0) { $0 + $1.total }
    zeros = layers.reduce(0) { $0 + $1.zeros }
    fraction = total > 0 ? Double(zeros) / Double(total) : 0
  }

  /// Measures `layers` (one reduction per count, no per-element Swift loop).
  public init(layers: [PrunableLayer]) throws {
    self.init(layers: try Torch.withNoGrad {
      try layers.map { entry in
        let weight = try entry.weight.detached()
        let mask = entry.layer.weightMask
        let effective = try mask.map { try weight * $0 } ?? weight
        let isZero = try effective.eq(0)
        let units = entry.unitCount
        return Layer(name: entry.name, shape: weight.shape, total: weight.count,
                     zeros: try isZero.sum().itemInt(),
                     pruned: try mask.map { try $0.logicalNot().sum().itemInt() } ?? 0,
                     units: units,
                     deadUnits: try isZero.logicalNot().reshaped([units, -1]).sum(dim: 1).eq(0).sum().itemInt())
      }
    })
  }

  /// Measures the layers of `model` that `scope` selects (masked or not).
  public init(model: any Module, scope: PruningScope = .default) throws {
    try self.init(layers: prunableLayers(of: model, scope: scope))
  }

  /// The entry of layer `name`, if reported.
  public func layer(named name: String) -> Layer? { layers.first { $0.name == name } }

  /// Pretty-printed JSON with sorted keys.
  public func jsonData() throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    return try encoder.encode(self)
  }
}
