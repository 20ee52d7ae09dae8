import Datasets
import Fairness
import Torch
import XCTest

/// Group ids and names in the three modes (SPEC 1.1), and invalid attribute values.
final class GroupSpecTests: XCTestCase {
  override func setUp() { Torch.threadCount = 1 }

  let race = ProtectedAttribute(name: "race", values: ["White", "Black", "Asian"])
  let gender = ProtectedAttribute(name: "gender", values: ["Male", "Female"])
  /// Columns (race, gender).
  func attributes() throws -> Tensor { try Tensor([Int64(0), 1, 2, 0, 1, 1, 2, 1], shape: [4, 2]) }

  func testSingleAttribute() throws {
    let spec = try GroupSpec.single(race)
    XCTAssertEqual(spec.numGroups, 3)
    XCTAssertEqual(spec.groupsPerSample, 1)
    XCTAssertEqual(spec.groupNames, ["White", "Black", "Asian"])
    let ids = try spec.groupIDs(attributes: attributes())
    XCTAssertEqual(ids.shape, [4])
    XCTAssertEqual(ids.dtype, .int64)
    XCTAssertEqual(try ints(ids), [0, 2, 1, 2])
    // Gender alone reads column 1.
    XCTAssertEqual(try ints(GroupSpec.single(gender, column: 1).groupIDs(attributes: attributes())), [1, 0, 1, 1])
  }

  func testSeparateAttributesAreOffset() throws {
    let spec = try GroupSpec(attributes: [race, gender], mode: .separate)
    XCTAssertEqual(spec.numGroups, 5)
    XCTAssertEqual(spec.groupsPerSample, 2)
    XCTAssertEqual(spec.offsets, [0, 3])
    XCTAssertEqual(spec.groupNames, ["White", "Black", "Asian", "Male", "Female"])
    let ids = try spec.groupIDs(attributes: attributes())
    XCTAssertEqual(ids.shape, [4, 2])
    XCTAssertEqual(try ints(ids), [0, 4, 2, 3, 1, 4, 2, 4])
  }

  func testIntersectionalIsRowMajor() throws {
    let spec = try GroupSpec(attributes: [race, gender], mode: .intersectional)
    XCTAssertEqual(spec.numGroups, 6)
    XCTAssertEqual(spec.strides, [2, 1])
    XCTAssertEqual(spec.groupNames, ["White×Male", "White×Female", "Black×Male", "Black×Female", "Asian×Male", "Asian×Female"])
    // race r, gender s -> 2r + s.
    XCTAssertEqual(try ints(spec.groupIDs(attributes: attributes())), [1, 4, 3, 5])
    // Three attributes: strides (2·2, 2, 1).
    let age = ProtectedAttribute(name: "age", values: ["young", "old"])
    let three = try GroupSpec(attributes: [race, gender, age], mode: .intersectional)
    XCTAssertEqual(three.strides, [4, 2, 1])
    XCTAssertEqual(three.numGroups, 12)
    XCTAssertEqual(three.groupNames[11], "Asian×Female×old")
    XCTAssertEqual(three.groupNames[6], "Black×Female×young")
    let t = try Tensor([Int64(1), 1, 0, 2, 0, 1], shape: [2, 3])
    XCTAssertEqual(try ints(three.groupIDs(attributes: t)), [6, 9])
  }

  func testColumnsResolvedByNameFromDatasetInfo() throws {
    // The dataset stores (gender, race); the spec asks for race then gender.
    let info = DatasetInfo(name: "toy", classNames: ["a", "b"], attributes: [gender, race])
    let spec = try GroupSpec(info: info, attributeNames: ["race", "gender"], mode: .intersectional)
    XCTAssertEqual(spec.columns, [1, 0])
    let stored = try Tensor([Int64(1), 0, 0, 2], shape: [2, 2])  // (Female, White), (Male, Asian)
    XCTAssertEqual(try ints(spec.groupIDs(attributes: stored)), [1, 4])
    assertThrows(FairnessError.self, "has no attribute 'age'", "toy") {
      _ = try GroupSpec(info: info, attributeNames: ["age"], mode: .single)
    }
  }

  func testOutOfRangeValueNamesAttributeValueAndRow() throws {
    let spec = try GroupSpec(attributes: [race, gender], mode: .intersectional)
    let tooLarge = try Tensor([Int64(0), 1, 2, 0, 3, 1], shape: [3, 2])
    assertThrows(FairnessError.self, "attribute 'race'", "value 3", "row 2", "0..<3") { _ = try spec.groupIDs(attributes: tooLarge) }
    let negative = try Tensor([Int64(0), 1, 2, -1], shape: [2, 2])
    assertThrows(FairnessError.self, "attribute 'gender'", "value -1", "row 1") { _ = try spec.groupIDs(attributes: negative) }
  }

  func testInvalidSpecsAndTensors() throws {
    assertThrows(FairnessError.self, "mode single takes one attribute, got 2") {
      _ = try GroupSpec(attributes: [race, gender], mode: .single)
    }
    assertThrows(FairnessError.self, "no protected attribute") { _ = try GroupSpec(attributes: [], mode: .separate) }
    assertThrows(FairnessError.self, "'empty' has no values") {
      _ = try GroupSpec(attributes: [ProtectedAttribute(name: "empty", values: [])], mode: .single)
    }
    assertThrows(FairnessError.self, "columns [1, 1] repeat") { _ = try GroupSpec(attributes: [race, gender], columns: [1, 1], mode: .separate) }
    let spec = try GroupSpec(attributes: [race, gender], mode: .separate)
    assertThrows(FairnessError.self, "'gender' reads column 1", "1 columns") {
      _ = try spec.groupIDs(attributes: Tensor([Int64(0), 1], shape: [2, 1]))
    }
    assertThrows(FairnessError.self, "expected int64 [N, A]") { _ = try spec.groupIDs(attributes: Tensor([Float(0), 1], shape: [1, 2])) }
  }

  func testEmptySplitAndCodableRoundTrip() throws {
    let spec = try GroupSpec(attributes: [race, gender], mode: .intersectional)
    XCTAssertEqual(try spec.groupIDs(attributes: Tensor.zeros([0, 2], dtype: .int64)).shape, [0])
    let data = try JSONEncoder().encode(spec)
    XCTAssertEqual(try JSONDecoder().decode(GroupSpec.self, from: data), spec)
    // Decoding validates like the initializer.
    let bad = #"{"attributes":[{"name":"a","values":["x"]},{"name":"b","values":["y"]}],"columns":[0,1],"mode":"single"}"#
    assertThrows(FairnessError.self, "mode single") { _ = try JSONDecoder().decode(GroupSpec.self, from: Data(bad.utf8)) }
  }
}
