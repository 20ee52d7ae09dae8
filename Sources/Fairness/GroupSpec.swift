import Datasets
import Torch

/// Which protected attributes define the groups and how they combine (SPEC 1.1, 10).
///
/// - `.single`: one attribute; group = its value (UTKFace race: 5 groups).
/// - `.separate` (non-intersectional): attributes with `n_1, n_2, ...` values give `Σ n_j` groups;
///   a sample belongs to one group per attribute, the group of attribute j being offset by
///   `n_1 + ... + n_{j-1}` (race r, gender s -> groups r and 5 + s).
/// - `.intersectional`: `Π n_j` groups; a sample's group is the row-major flat index of its
///   attribute tuple (race r, gender s with 2 genders -> `2r + s`).
///
/// With one attribute all three modes give the same groups.
///
/// ```swift
/// let spec = try GroupSpec(info: info, attributeNames: ["race", "gender"], mode: .intersectional)
/// let ids = try spec.groupIDs(attributes: split.attributes)   // int64 [N]
/// spec.groupNames[3]                                            // "Black×Female"
/// ```
public struct GroupSpec: Sendable, Equatable, Codable {
  /// How several attributes combine into groups.
  public enum Mode: String, Sendable, Codable, CaseIterable {
    /// Exactly one attribute.
    case single
    /// One group per attribute value, groups of later attributes offset (non-intersectional).
    case separate
    /// One group per tuple of attribute values, row-major.
    case intersectional
  }

  /// The attributes that define the groups, in the order they combine.
  public let attributes: [ProtectedAttribute]
  /// For each attribute, its column in `GroupedSplit.attributes`.
  public let columns: [Int]
  /// How the attributes combine.
  public let mode: Mode

  /// Groups from `attributes`, read from `columns` of the attribute tensor (0, 1, ... when nil).
  /// - Throws: `FairnessError` when there is no attribute, an attribute has no values, `columns`
  ///   does not match `attributes` or holds a negative or repeated column, or `.single` is given
  ///   more than one attribute.
  public init(attributes: [ProtectedAttribute], columns: [Int]? = nil, mode: Mode) throws {
    let columns = columns ?? Array(attributes.indices)
    guard !attributes.isEmpty else { throw FairnessError("group spec: no protected attribute given") }
    guard columns.count == attributes.count else {
      throw FairnessError("group spec: \(columns.count) columns \(columns) for \(attributes.count) attributes")
    }
    for (attribute, column) in zip(attributes, columns) {
      guard attribute.cardinality > 0 else { throw FairnessError("group spec: attribute '\(attribute.name)' has no values") }
      guard column >= 0 else { throw FairnessError("group spec: attribute '\(attribute.name)' has column \(column)") }
    }
    guard Set(columns).count == columns.count else { throw FairnessError("group spec: columns \(columns) repeat") }
    guard mode != .single || attributes.count == 1 else {
      throw FairnessError("group spec: mode single takes one attribute, got \(attributes.count) (\(attributes.map(\.name)))")
    }
    self.attributes = attributes
    self.columns = columns
    self.mode = mode
  }

  /// Groups from the attributes of `info` named `attributeNames`, in that order.
  /// - Throws: `FairnessError` naming an attribute that `info` lacks, and the errors of
  ///   `init(attributes:columns:mode:)`.
  public init(info: DatasetInfo, attributeNames: [String], mode: Mode) throws {
    var columns: [Int] = []
    for name in attributeNames {
      guard let column = info.attributes.firstIndex(where: { $0.name == name }) else {
        throw FairnessError("group spec: dataset '\(info.name)' has no attribute '\(name)' (has \(info.attributes.map(\.name)))")
      }
      columns.append(column)
    }
    try self.init(attributes: columns.map { info.attributes[$0] }, columns: columns, mode: mode)
  }

  /// One group per value of a single attribute in column `column`.
  public static func single(_ attribute: ProtectedAttribute, column: Int = 0) throws -> GroupSpec {
    try GroupSpec(attributes: [attribute], columns: [column], mode: .single)
  }

  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    try self.init(attributes: c.decode([ProtectedAttribute].self, forKey: .attributes),
                  columns: c.decode([Int].self, forKey: .columns), mode: c.decode(Mode.self, forKey: .mode))
  }

  /// Number of values of each attribute.
  public var cardinalities: [Int] { attributes.map(\.cardinality) }

  /// |G|: `n_1` (single), `Σ n_j` (separate) or `Π n_j` (intersectional).
  public var numGroups: Int {
    mode == .intersectional ? cardinalities.reduce(1, *) : cardinalities.reduce(0, +)
  }

  /// How many groups each sample belongs to: the number of attributes in `.separate` mode, else 1.
  public var groupsPerSample: Int { mode == .separate ? attributes.count : 1 }

  /// For `.separate`: the first group id of each attribute (`0, n_1, n_1 + n_2, ...`).
  public var offsets: [Int] {
    var out: [Int] = [], total = 0
    for n in cardinalities { out.append(total); total += n }
    return out
  }

  /// For `.intersectional`: the row-major stride of each attribute (last attribute stride 1).
  public var strides: [Int] {
    var out = [Int](repeating: 1, count: attributes.count)
    for j in stride(from: attributes.count - 2, through: 0, by: -1) { out[j] = out[j + 1] * cardinalities[j + 1] }
    return out
  }

  /// Display name of each group id: the value name ("White") or, intersectionally, the value
  /// names joined by "×" in attribute order ("White×Female"). In `.separate` mode two attributes
  /// may share a value name; the names are then not unique, the ids are.
  public var groupNames: [String] {
    switch mode {
    case .single, .separate:
      return attributes.flatMap(\.values)
    case .intersectional:
      let strides = self.strides
      return (0..<numGroups).map { g in
        zip(attributes, strides).map { attribute, s in attribute.values[(g / s) % attribute.cardinality] }
          .joined(separator: "×")
      }
    }
  }

  /// The group id(s) of every sample.
  ///
  /// - Parameter attributes: int64 [N, A'] as `GroupedSplit.attributes`; the spec reads its `columns`.
  /// - Returns: int64 [N] for `.single` and `.intersectional`; int64 [N, A] for `.separate`, column j
  ///   already offset by `offsets[j]`.
  /// - Throws: `FairnessError` when the tensor is not int64 [N, A'] with every column of the spec,
  ///   or a value lies outside its attribute's range (naming the attribute, the value and the row).
  public func groupIDs(attributes tensor: Tensor) throws -> Tensor {
    guard tensor.dtype == .int64, tensor.rank == 2 else {
      throw FairnessError("group spec: attributes are \(tensor.dtype) \(tensor.shape), expected int64 [N, A]")
    }
    let available = tensor.size(1)
    for (attribute, column) in zip(attributes, columns) where column >= available {
      throw FairnessError("group spec: attribute '\(attribute.name)' reads column \(column), but the attributes have \(available) columns")
    }
    let index = try Tensor(columns.map(Int64.init)).to(device: tensor.device)
    let values = try tensor.indexSelect(dim: 1, index: index)  // [N, A]
    try checkRange(values)
    switch mode {
    case .single:
      return try values.select(dim: 1, index: 0).contiguous()
    case .separate:
      return try values + Tensor(offsets.map(Int64.init)).to(device: tensor.device)
    case .intersectional:
      return try (values * Tensor(strides.map(Int64.init)).to(device: tensor.device)).sum(dim: 1)
    }
  }

  /// Throws naming the first attribute with a value outside 0..<cardinality.
  private func checkRange(_ values: Tensor) throws {
    guard values.size(0) > 0 else { return }
    let (lows, lowRows) = try values.min(dim: 0)
    let (highs, highRows) = try values.max(dim: 0)
    let lo = try lows.toArray(Int64.self), hi = try highs.toArray(Int64.self)
    for (j, attribute) in attributes.enumerated() where lo[j] < 0 || hi[j] >= Int64(attribute.cardinality) {
      let bad = lo[j] < 0 ? lo[j] : hi[j]
      let row = try (lo[j] < 0 ? lowRows : highRows).toArray(Int64.self)[j]
      throw FairnessError("group spec: attribute '\(attribute.name)' has value \(bad) at row \(row), outside 0..<\(attribute.cardinality)")
    }
  }
}
