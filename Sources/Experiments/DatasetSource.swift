import Datasets
import Foundation

/// Where a command's data comes from.
public enum DatasetSource: String, CaseIterable, Codable, Sendable {
  /// The built-in synthetic grouped images (see `SyntheticGroupedImages`).
  case synthetic

  public func load(seed: UInt64 = 1234) throws -> GroupedDataset {
    switch self {
    case .synthetic:
      var c = SyntheticGroupedImagesConfig()
      c.seed = seed
      return try c.make().make()
    }
  }
}
