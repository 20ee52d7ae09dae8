import Datasets
import Foundation
import Torch
import XCTest

/// Any tabular CSV: labels, standardized numeric and one-hot categorical features, missing values.
final class TabularCSVTests: DatasetsTestCase {
  /// 8 rows, split by a column: 6 train, 2 test.
  private let text = """
    id,age,job,income,sex,split
    1,20,a,0,F,train
    2,30,b,1,M,train
    3,40,a,0,F,train
    4,50,?,1,M,train
    5,?,b,1,F,train
    6,40,c,0,M,train
    7,25,a,1,F,test
    8,35,z,0,M,test
    """

  func testFeaturesAreFittedOnTrain() throws {
    let csv = try write(text, to: "people.csv")
    let reader = TabularCSV(csv: csv, target: LabelColumn("income"), protected: [LabelColumn("sex", encoding: .names(["M", "F"]))],
                            ignoredColumns: ["id"], splitColumn: "split")
    let (data, report) = try reader.read()
    XCTAssertEqual(report.featureNames, ["age", "job=a", "job=b", "job=c"])
    XCTAssertEqual(report.numericColumns, ["age"])
    XCTAssertEqual(report.categoricalColumns, ["job"])
    // Train ages 20, 30, 40, 50, 40: mean 36, population std sqrt(104).
    XCTAssertEqual(report.means, [36])
    XCTAssertEqual(report.standardDeviations[0], 104.0.squareRoot(), accuracy: 1e-12)
    XCTAssertEqual(report.imputed, 2)
    XCTAssertEqual(data.train.count, 6)
    XCTAssertEqual(data.train.sampleShape, [4])
    let train = try data.train.materializedInputs().toArray(Float.self)
    XCTAssertEqual(train[0], Float((20.0 - 36) / 104.0.squareRoot()), accuracy: 1e-6)
    XCTAssertEqual(Array(train[1..<4]), [1, 0, 0])
    XCTAssertEqual(Array(train[12..<16]), [Float((50.0 - 36) / 104.0.squareRoot()), 0, 0, 0])  // job '?' -> zeros
    XCTAssertEqual(train[16], 0)  // age '?' -> the training mean -> 0
    let test = try data.test.materializedInputs().toArray(Float.self)
    XCTAssertEqual(Array(test[5..<8]), [0, 0, 0])  // job 'z' never seen in training
    XCTAssertEqual(try data.train.targets.toArray(Int64.self), [0, 1, 0, 1, 1, 0])
    XCTAssertEqual(try data.test.attributes.toArray(Int64.self), [1, 0])
    XCTAssertEqual(data.info.attributes[0].values, ["M", "F"])
  }

  func testMissingValuePolicies() throws {
    let csv = try write(text, to: "people.csv")
    var reader = TabularCSV(csv: csv, target: LabelColumn("income"), protected: [LabelColumn("sex")], ignoredColumns: ["id"],
                            missingValues: .dropRow, splitColumn: "split")
    let (data, report) = try reader.read()
    XCTAssertEqual(data.train.count, 4)
    XCTAssertEqual(report.skipped.map(\.line), [5, 6])
    reader.missingValues = .fail
    assertThrows(DatasetError.self, "people.csv:5", "column 'job' is missing ('?')") { try reader.read() }
  }

  func testRandomSplitValidationAndCategoricalOverride() throws {
    var lines = ["x,code,y,g"]
    for i in 0..<20 { lines.append("\(Double(i) / 2),\(i % 3),\(i % 2),\(i % 4 == 0 ? "a" : "b")") }
    let csv = try write(lines.joined(separator: "\n"), to: "t.csv")
    let reader = TabularCSV(csv: csv, target: LabelColumn("y"), protected: [LabelColumn("g")], categoricalColumns: ["code"],
                            split: SplitOptions(testFraction: 0.25, testSeed: 3, validationFraction: 0.2, validationSeed: 1))
    let (data, report) = try reader.read()
    XCTAssertEqual(report.featureNames, ["x", "code=0", "code=1", "code=2"])
    XCTAssertEqual(data.test.count, 5)
    XCTAssertEqual(data.train.count + (data.validation?.count ?? 0), 15)
    XCTAssertEqual(data.validation?.count, 4)  // ceil(0.2 * 4) + ceil(0.2 * 11) = 1 + 3
    let (again, _) = try reader.read()
    XCTAssertTrue(try data.test.materializedInputs().equals(again.test.materializedInputs()))
  }

  func testBadLabelsAndColumns() throws {
    let csv = try write("a,y,g\n1,0,x\n2,5,x\n3,,y\n4,1,y\n5,0,x\n6,1,y\n", to: "t.csv")
    let strict = TabularCSV(csv: csv, target: LabelColumn("y", encoding: .integers(count: 2)), protected: [LabelColumn("g")])
    assertThrows(DatasetError.self, "t.csv:3", "value '5' is outside its range (0..<2)") { try strict.read() }
    var lenient = strict
    lenient.badRecords = .skip
    lenient.split = SplitOptions(testFraction: 0.25)
    let (data, report) = try lenient.read()
    XCTAssertEqual(report.skipped.map(\.line), [3, 4])
    XCTAssertEqual(data.train.count + data.test.count, 4)
    assertThrows(DatasetError.self, "t.csv:1", "no column 'sex'") {
      try TabularCSV(csv: csv, target: LabelColumn("y"), protected: [LabelColumn("sex")]).read()
    }
    assertThrows(DatasetError.self, "t.csv:1", "no column 'zip'") {
      try TabularCSV(csv: csv, target: LabelColumn("y"), protected: [], ignoredColumns: ["zip"]).read()
    }
    assertThrows(DatasetError.self, "no feature columns") {
      try TabularCSV(csv: csv, target: LabelColumn("y"), protected: [LabelColumn("g")], ignoredColumns: ["a"], badRecords: .skip).read()
    }
  }
}
