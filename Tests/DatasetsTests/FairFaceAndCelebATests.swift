import Datasets
import Foundation
import XCTest

/// FairFace (label CSVs plus the image folder of either padding) and CelebA (attribute and
/// partition lists plus img_align_celeba) from generated fixtures.
final class FairFaceAndCelebATests: DatasetsTestCase {
  private func fairFace(padding: FairFace.Padding) throws -> URL {
    let root = tempDir.appendingPathComponent("fairface")
    let images = root.appendingPathComponent(padding.rawValue)
    let train = """
      file,age,gender,race,service_test
      train/1.jpg,50-59,Male,East Asian,True
      train/2.jpg,30-39,Female,Indian,False
      train/3.jpg,3-9,Female,Latino_Hispanic,False
      train/4.jpg,more than 70,Male,Southeast Asian,True
      """
    let val = """
      file,age,gender,race,service_test
      val/1.jpg,20-29,Male,White,True
      val/2.jpg,0-2,Female,Middle Eastern,False
      """
    try write(train, to: "fairface_label_train.csv", in: root)
    try write(val, to: "fairface_label_val.csv", in: root)
    for (i, path) in ["train/1.jpg", "train/2.jpg", "train/3.jpg", "train/4.jpg", "val/1.jpg", "val/2.jpg"].enumerated() {
      try write(try ImageCodec.encodeJPEG(testImage(width: 20, height: 20, seed: i)), to: path, in: images)
    }
    return root
  }

  func testFairFaceBothPaddings() throws {
    for padding in FairFace.Padding.allCases {
      let root = try fairFace(padding: padding)
      let manifest = try FairFace(root: root, padding: padding, target: .race, protected: [.race, .gender]).read()
      XCTAssertEqual(manifest.info.classNames, FairFace.raceNames)
      XCTAssertEqual(manifest.train.records.map(\.target), [0, 1, 5, 6])
      XCTAssertEqual(manifest.train.records.map(\.attributes), [[0, 0], [1, 1], [5, 1], [6, 0]])
      XCTAssertEqual(manifest.test.records.map(\.target), [3, 4])
      XCTAssertEqual(manifest.train.root.lastPathComponent, padding.rawValue)
      let data = try manifest.load(trainTransform: .fairFaceTrain, evalTransform: .fairFaceEval,
                                   options: ImageLoadOptions(decode: DecodeTransform(resize: .shorterSide(8), centerCrop: .init(height: 8, width: 8)),
                                                             threads: 1))
      XCTAssertEqual(data.train.store.height, 8)
      let ages = try FairFace(root: root, padding: padding, target: .gender, protected: [.age]).read()
      XCTAssertEqual(ages.train.records.map(\.attributes), [[6], [4], [1], [8]])
      try FileManager.default.removeItem(at: root)
    }
  }

  func testFairFaceUnknownRaceNamesTheLine() throws {
    let root = try fairFace(padding: .margin025)
    try write("file,age,gender,race,service_test\ntrain/1.jpg,50-59,Male,Martian,True\n", to: "fairface_label_train.csv", in: root)
    assertThrows(DatasetError.self, "fairface_label_train.csv:2", "column 'race' value 'Martian' is outside its range") {
      try FairFace(root: root).read()
    }
    try FileManager.default.removeItem(at: root.appendingPathComponent("fairface_label_val.csv"))
    assertThrows(DatasetError.self, "fairface_label_val.csv", "no such file") { try FairFace(root: root, badRecords: .skip).read() }
  }

  private func celebA(attributeLines: [String]? = nil) throws -> URL {
    let root = tempDir.appendingPathComponent("celeba")
    let lines = attributeLines ?? [
      "5",
      "Male Smiling Young",
      "000001.jpg -1  1  1",
      "000002.jpg  1 -1  1",
      "000003.jpg  1  1 -1",
      "000004.jpg -1 -1 -1",
      "000005.jpg  1  1  1",
    ]
    try write(lines.joined(separator: "\n") + "\n", to: "list_attr_celeba.txt", in: root)
    try write("000001.jpg 0\n000002.jpg 0\n000003.jpg 1\n000004.jpg 2\n000005.jpg 0\n", to: "list_eval_partition.txt", in: root)
    for i in 1...5 {
      try write(try ImageCodec.encodeJPEG(testImage(width: 18, height: 22, seed: i)), to: String(format: "img_align_celeba/%06d.jpg", i), in: root)
    }
    return root
  }

  func testCelebAAttributesAndOfficialPartition() throws {
    let root = try celebA()
    let manifest = try CelebA(root: root, target: "Smiling", protected: ["Male", "Young"]).read()
    XCTAssertEqual(manifest.info.classNames, ["not Smiling", "Smiling"])
    XCTAssertEqual(manifest.train.records.map(\.path), ["000001.jpg", "000002.jpg", "000005.jpg"])
    XCTAssertEqual(manifest.train.records.map(\.target), [1, 0, 1])
    XCTAssertEqual(manifest.train.records.map(\.attributes), [[0, 1], [1, 1], [1, 1]])
    XCTAssertEqual(manifest.validation?.records.map(\.path), ["000003.jpg"])
    XCTAssertEqual(manifest.test.records.map(\.attributes), [[0, 0]])
    let data = try manifest.load(trainTransform: BatchTransform(), evalTransform: BatchTransform(), options: ImageLoadOptions(threads: 1))
    XCTAssertEqual(data.train.store.width, 18)
  }

  func testCelebAErrorsNameTheLine() throws {
    let root = try celebA(attributeLines: ["2", "Male Smiling", "000001.jpg 1 1", "000002.jpg 1 2"])
    assertThrows(DatasetError.self, "list_attr_celeba.txt:4", "'Smiling' value '2' is outside its range") {
      try CelebA(root: root, target: "Smiling", protected: ["Male"]).read()
    }
    assertThrows(DatasetError.self, "list_attr_celeba.txt:2", "no attribute 'Bald'") { try CelebA(root: root, target: "Bald", protected: []).read() }
    let short = try celebA(attributeLines: ["2", "Male Smiling", "000001.jpg 1 1", "000002.jpg 1"])
    assertThrows(DatasetError.self, "list_attr_celeba.txt:4", "has 1 values") { try CelebA(root: short, target: "Male", protected: []).read() }
    let escape = try celebA(attributeLines: ["2", "Male Smiling", "000001.jpg 1 1", "../000002.jpg 1 1"])
    assertThrows(DatasetError.self, "list_attr_celeba.txt:4", "escapes the dataset root") { try CelebA(root: escape, target: "Male", protected: []).read() }
  }
}
