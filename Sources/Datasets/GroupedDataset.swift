import Torch

/// One split of a labelled dataset with protected attributes, held in memory as tensors.
///
/// `inputs` is [N, ...] float32 (images [N, C, H, W] or features [N, F]); `targets` is int64 [N];
/// `attributes` is int64 [N, A], one column per protected attribute, values in 0..<cardinality.
public struct GroupedSplit: @unchecked Sendable {
  public let inputs: Tensor
  public let targets: Tensor
  public let attributes: Tensor

  public init(inputs: Tensor, targets: Tensor, attributes: Tensor) throws {
    let n = inputs.size(0)
    guard targets.shape == [n] else { throw TorchError("targets have shape \(targets.shape), expected [\(n)]") }
    guard attributes.rank == 2, attributes.size(0) == n else {
      throw TorchError("attributes have shape \(attributes.shape), expected [\(n), A]")
    }
    self.inputs = inputs
    self.targets = targets
    self.attributes = attributes
  }

  public var count: Int { inputs.size(0) }

  /// The samples at `indices` (int64 [M]).
  public func subset(_ indices: Tensor) throws -> GroupedSplit {
    try GroupedSplit(inputs: inputs.indexSelect(dim: 0, index: indices), targets: targets.indexSelect(dim: 0, index: indices),
                     attributes: attributes.indexSelect(dim: 0, index: indices))
  }
}

/// Describes a dataset's classes and protected attributes.
public struct DatasetInfo: Sendable, Equatable, Codable {
  public var name: String
  public var classNames: [String]
  /// Protected attributes in column order of `GroupedSplit.attributes`.
  public var attributes: [ProtectedAttribute]

  public init(name: String, classNames: [String], attributes: [ProtectedAttribute]) {
    self.name = name
    self.classNames = classNames
    self.attributes = attributes
  }
  public var numClasses: Int { classNames.count }
}

/// A protected attribute and the names of its values.
public struct ProtectedAttribute: Sendable, Equatable, Codable {
  public var name: String
  public var values: [String]
  public init(name: String, values: [String]) {
    self.name = name
    self.values = values
  }
  public var cardinality: Int { values.count }
}

/// A dataset with train, test and optional validation splits.
public struct GroupedDataset: @unchecked Sendable {
  public var info: DatasetInfo
  public var train: GroupedSplit
  public var test: GroupedSplit
  public var validation: GroupedSplit?

  public init(info: DatasetInfo, train: GroupedSplit, test: GroupedSplit, validation: GroupedSplit? = nil) {
    self.info = info
    self.train = train
    self.test = test
    self.validation = validation
  }
}
