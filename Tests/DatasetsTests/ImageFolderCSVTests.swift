import Datasets
import Foundation
import XCTest

/// A folder of images with a CSV of path, target and protected-attribute columns.
final class ImageFolderCSVTests: DatasetsTestCase {
  private func folder(_ csv: String, images: [String]) throws -> (root: URL, csv: URL) {
    let root = tempDir.appendingPathComponent("data")
    for (i, path) in images.enumerated() {
      try write(try ImageCodec.encodeJPEG(testImage(width: 12, height: 10, seed: i)), to: path, in: root)
    }
    return (root, try write(csv, to: "labels.csv", in: root))
  }

  func testSplitColumnLabelsAndLoading() throws {
    let (root, csv) = try folder("""
      path,label,skin,split
      a/0.jpg,cat,light,train
      a/1.jpg,dog,dark,train
      ./b/2.jpg,cat,dark,test
      b/3.jpg,bird,light,val
      b/4.jpg,dog,light,train
      """, images: ["a/0.jpg", "a/1.jpg", "b/2.jpg", "b/3.jpg", "b/4.jpg"])
    let reader = ImageFolderCSV(root: root, csv: csv, target: LabelColumn("label"), protected: [LabelColumn("skin", encoding: .names(["light", "dark"]))],
                                splitColumn: "split")
    let manifest = try reader.read()
    XCTAssertEqual(manifest.info.classNames, ["bird", "cat", "dog"])
    XCTAssertEqual(manifest.info.attributes, [ProtectedAttribute(name: "skin", values: ["light", "dark"])])
    XCTAssertEqual(manifest.train.records.map(\.path), ["a/0.jpg", "a/1.jpg", "b/4.jpg"])
    XCTAssertEqual(manifest.train.records.map(\.target), [1, 2, 2])
    XCTAssertEqual(manifest.train.records.map(\.attributes), [[0], [1], [0]])
    XCTAssertEqual(manifest.test.records.map(\.path), ["b/2.jpg"])
    XCTAssertEqual(manifest.validation?.records.map(\.origin), ["\(csv.path):5"])
    let data = try manifest.load(trainTransform: BatchTransform(), evalTransform: BatchTransform(), options: ImageLoadOptions(threads: 1))
    XCTAssertEqual(data.train.count, 3)
    XCTAssertEqual(data.validation?.count, 1)
  }

  func testIntegerLabelsAndRandomSplit() throws {
    var lines = ["file,y,g"]
    for i in 0..<10 { lines.append("\(i).jpg,\(i % 4),\(i % 2)") }
    let (root, csv) = try folder(lines.joined(separator: "\n"), images: (0..<10).map { "\($0).jpg" })
    let manifest = try ImageFolderCSV(root: root, csv: csv, pathColumn: "file", target: LabelColumn("y"),
                                      protected: [LabelColumn("g", encoding: .integers(count: 2))]).read()
    XCTAssertEqual(manifest.info.classNames, ["0", "1", "2", "3"])
    XCTAssertEqual(manifest.test.count, 2)
    XCTAssertEqual(manifest.train.count, 8)
    let again = try ImageFolderCSV(root: root, csv: csv, pathColumn: "file", target: LabelColumn("y"), protected: [LabelColumn("g")]).read()
    XCTAssertEqual(again.test.records.map(\.path), manifest.test.records.map(\.path))
    for record in manifest.train.records + manifest.test.records {
      let i = Int(record.path.dropLast(4))!
      XCTAssertEqual(record.target, i % 4)
      XCTAssertEqual(record.attributes, [i % 2])
    }
  }

  func testBadRowsNameTheFileAndLine() throws {
    let (root, csv) = try folder("path,label,g\nok.jpg,1,0\n../secret.jpg,1,0\n", images: ["ok.jpg"])
    let reader = ImageFolderCSV(root: root, csv: csv, target: LabelColumn("label"), protected: [LabelColumn("g")])
    assertThrows(DatasetError.self, "labels.csv:3", "'../secret.jpg' escapes the dataset root") { try reader.read() }
    try write("path,label,g\n/etc/passwd,1,0\nok.jpg,1,0\n", to: "labels.csv", in: root)
    assertThrows(DatasetError.self, "labels.csv:2", "is absolute") { try reader.read() }
    try write("path,label,g\nok.jpg,1,0\nok.jpg,7,0\n", to: "labels.csv", in: root)
    let bounded = ImageFolderCSV(root: root, csv: csv, target: LabelColumn("label", encoding: .integers(count: 5)), protected: [])
    assertThrows(DatasetError.self, "labels.csv:3", "column 'label' value '7' is outside its range (0..<5)") { try bounded.read() }
    try write("path,label,g\nok.jpg,,0\n", to: "labels.csv", in: root)
    assertThrows(DatasetError.self, "labels.csv:2", "column 'label' has no value") { try reader.read() }
    try write("path,target,g\nok.jpg,1,0\n", to: "labels.csv", in: root)
    assertThrows(DatasetError.self, "labels.csv:1", "no column 'label'") { try reader.read() }
    try write("path,label,g,split\nok.jpg,1,0,train\nok.jpg,1,0,holdout\n", to: "labels.csv", in: root)
    var withSplit = reader
    withSplit.splitColumn = "split"
    assertThrows(DatasetError.self, "labels.csv:3", "'holdout' is not train, test or val") { try withSplit.read() }
    try write("path,label,g,split\nok.jpg,1,0,train\n", to: "labels.csv", in: root)
    assertThrows(DatasetError.self, "the test split is empty") { try withSplit.read() }
  }

  func testSkipPolicyCountsBadRowsAndMissingImages() throws {
    var lines = ["path,label,g"]
    for i in 0..<6 { lines.append("\(i).jpg,\(i % 2),0") }
    lines.append("../x.jpg,1,0")
    lines.append("gone.jpg,1,0")
    let (root, csv) = try folder(lines.joined(separator: "\n"), images: (0..<6).map { "\($0).jpg" })
    let reader = ImageFolderCSV(root: root, csv: csv, target: LabelColumn("label"), protected: [LabelColumn("g")],
                                split: SplitOptions(testFraction: 0.3), badRecords: .skip)
    let manifest = try reader.read()
    XCTAssertEqual(manifest.skipped.map(\.line), [8])
    XCTAssertEqual(manifest.train.count + manifest.test.count, 7)
    assertThrows(DatasetError.self, "gone.jpg", "no such file", "labels.csv:9") {
      try manifest.load(trainTransform: BatchTransform(), evalTransform: BatchTransform(), options: ImageLoadOptions(threads: 1))
    }
    let data = try manifest.load(trainTransform: BatchTransform(), evalTransform: BatchTransform(),
                                 options: ImageLoadOptions(badImages: .skip, threads: 1))
    XCTAssertEqual(data.train.count + data.test.count, 6)
    XCTAssertEqual(data.skipped.count, 2)
  }
}
