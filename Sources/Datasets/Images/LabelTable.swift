import Torch

/// Targets and protected attributes of a split, as int64 arrays.
public struct LabelTable: Sendable, Equatable {
  /// Class index per row.
  public var targets: [Int64]
  /// Row-major [count, attributeCount].
  public var attributes: [Int64]
  /// Protected attributes per row.
  public var attributeCount: Int

  public init(targets: [Int64], attributes: [Int64], attributeCount: Int) throws {
    guard attributeCount >= 0, attributes.count == targets.count * attributeCount else {
      throw DatasetError("\(attributes.count) attribute values do not fill \(targets.count) rows of \(attributeCount)")
    }
    self.targets = targets
    self.attributes = attributes
    self.attributeCount = attributeCount
  }

  /// The labels of `records`.
  public init(records: [ImageRecord], attributeCount: Int) throws {
    try self.init(targets: records.map { Int64($0.target) }, attributes: records.flatMap { $0.attributes.map(Int64.init) },
                  attributeCount: attributeCount)
  }

  public var count: Int { targets.count }

  /// The rows at `indices`.
  public func subset(_ indices: [Int]) -> LabelTable {
    var a: [Int64] = []
    a.reserveCapacity(indices.count * attributeCount)
    for i in indices { a += attributes[(i * attributeCount)..<((i + 1) * attributeCount)] }
    return try! LabelTable(targets: indices.map { targets[$0] }, attributes: a, attributeCount: attributeCount)
  }

  /// Targets [M] and attributes [M, A] tensors of the rows at `indices`.
  func tensors(_ indices: [Int]) throws -> (targets: Tensor, attributes: Tensor) {
    let rows = subset(indices)
    return (try Tensor(rows.targets), try Tensor(rows.attributes, shape: [indices.count, attributeCount]))
  }

  /// Throws a `DatasetError` naming `source` when a label lies outside its range.
  public func validate(numClasses: Int, cardinalities: [Int], source: String) throws {
    guard cardinalities.count == attributeCount else {
      throw DatasetError("\(attributeCount) attribute columns but \(cardinalities.count) attributes described", file: source)
    }
    for (i, t) in targets.enumerated() where t < 0 || t >= numClasses {
      throw DatasetError("sample \(i): target \(t) is outside 0..<\(numClasses)", file: source)
    }
    for (k, v) in attributes.enumerated() where v < 0 || v >= cardinalities[k % attributeCount] {
      throw DatasetError("sample \(k / attributeCount): attribute \(k % attributeCount) value \(v) is outside 0..<\(cardinalities[k % attributeCount])",
                         file: source)
    }
  }
}
