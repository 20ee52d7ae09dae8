/// The labels in a UTKFace file name `[age]_[gender]_[race]_[datetime].jpg(.chip.jpg)`.
public struct UTKFaceLabels: Sendable, Equatable {
  /// Age in years.
  public var age: Int
  /// 0 male, 1 female.
  public var gender: Int
  /// 0 White, 1 Black, 2 Asian, 3 Indian, 4 Others.
  public var race: Int

  public init(age: Int, gender: Int, race: Int) {
    self.age = age
    self.gender = gender
    self.race = race
  }

  /// Parses a file name; throws a `DatasetError` saying what is wrong with it. The first three
  /// `_`-separated fields must be decimal integers (age 0...150, gender 0...1, race 0...4) and a
  /// fourth field (the date and time) must follow; the rest of the name is not interpreted.
  public static func parse(fileName: String) throws -> UTKFaceLabels {
    let fields = fileName.split(separator: "_", maxSplits: 3, omittingEmptySubsequences: false)
    guard fields.count == 4 else {
      throw DatasetError("expected [age]_[gender]_[race]_[datetime], found \(fields.count) fields", file: fileName)
    }
    func number(_ field: Substring, _ name: String, _ range: ClosedRange<Int>) throws -> Int {
      guard !field.isEmpty, field.count <= 4, field.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let v = Int(field) else {
        throw DatasetError("\(name) field \"\(field)\" is not a number", file: fileName)
      }
      guard range.contains(v) else {
        throw DatasetError("\(name) \(v) is outside \(range.lowerBound)...\(range.upperBound)", file: fileName)
      }
      return v
    }
    return UTKFaceLabels(age: try number(fields[0], "age", 0...150), gender: try number(fields[1], "gender", 0...1),
                         race: try number(fields[2], "race", 0...4))
  }
}
