/// A CSV column that holds a label (the target or a protected attribute) and how its text maps
/// to label indices.
public struct LabelColumn: Sendable, Equatable, Codable {
  /// How the text of a label column maps to 0..<cardinality.
  public enum Encoding: Sendable, Equatable, Codable {
    /// Non-negative integers are used as they are (cardinality: the largest + 1); otherwise the
    /// distinct values in sorted order.
    case inferred
    /// These values, in this order; any other value is outside the label's range.
    case names([String])
    /// Integers in 0..<count; any other value is outside the label's range.
    case integers(count: Int)
  }

  /// The column name in the header.
  public var name: String
  /// How its text maps to label indices.
  public var encoding: Encoding

  public init(_ name: String, encoding: Encoding = .inferred) {
    self.name = name
    self.encoding = encoding
  }

  /// The value names and a lookup from text to index, given every value in the column.
  func resolve(_ values: [String]) throws -> (names: [String], index: [String: Int]) {
    switch encoding {
    case .names(let names):
      guard !names.isEmpty, Set(names).count == names.count else {
        throw DatasetError("label column '\(name)': values \(names) must be distinct and not empty")
      }
      return (names, Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) }))
    case .integers(let count):
      guard count > 0 else { throw DatasetError("label column '\(name)': count \(count) must be positive") }
      let names = (0..<count).map(String.init)
      return (names, Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) }))
    case .inferred:
      let distinct = Set(values)
      let ints = distinct.compactMap { Int($0) }
      if !distinct.isEmpty, ints.count == distinct.count, ints.allSatisfy({ $0 >= 0 }), let top = ints.max(), top < 1 << 20 {
        let names = (0...top).map(String.init)
        return (names, Dictionary(uniqueKeysWithValues: distinct.map { ($0, Int($0)!) }))
      }
      let names = distinct.sorted()
      return (names, Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) }))
    }
  }
}
