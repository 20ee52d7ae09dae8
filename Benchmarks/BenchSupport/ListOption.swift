import ArgumentParser

/// A comma-separated option value (`--sparsities 0.25,0.5`), each element parsed by its type;
/// a bad element names itself.
public struct CommaList<Element: ExpressibleByArgument>: ExpressibleByArgument {
  public var values: [Element]
  public init(_ values: [Element]) { self.values = values }
  public init?(argument: String) {
    var values: [Element] = []
    for part in argument.split(separator: ",") {
      guard let value = Element(argument: part.trimmingCharacters(in: .whitespaces)) else { return nil }
      values.append(value)
    }
    guard !values.isEmpty else { return nil }
    self.values = values
  }
  public var defaultValueDescription: String { values.map { "\($0)" }.joined(separator: ",") }
}
