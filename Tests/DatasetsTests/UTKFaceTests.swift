import Datasets
import Foundation
import XCTest

/// UTKFace from a generated folder of JPEGs named in the release's format.
final class UTKFaceTests: DatasetsTestCase {
  /// Writes a UTKFace-style folder: 10 good names, one known defect, three malformed names, a
  /// name with a space (as in the release) and a non-image file.
  private func makeFolder() throws -> URL {
    let root = tempDir.appendingPathComponent("UTKFace")
    let good = [
      "1_0_0_20170109150557001.jpg.chip.jpg", "9_1_1_20170109150557002.jpg.chip.jpg",
      "10_0_2_20170109150557003.jpg.chip.jpg", "15_1_3_20170109150557004.jpg.chip.jpg",
      "29_0_4_20170109150557005.jpg.chip.jpg", "30_1_0_20170109150557006.jpg.chip.jpg",
      "59_0_1_20170109150557007.jpg.chip.jpg", "60_1_2_20170109150557008.jpg.chip.jpg",
      "116_0_3_20170109150557009.jpg.chip.jpg", "24_0_1_20170116220224657 .jpg.chip.jpg",
    ]
    let bad = [
      "39_1_20170116174525125.jpg.chip.jpg",  // known defect: no race field
      "x_0_1_20170109150557010.jpg.chip.jpg",  // age is not a number
      "30_2_0_20170109150557011.jpg.chip.jpg",  // gender out of range
      "30_0_1.jpg",  // no datetime field
    ]
    for (i, name) in (good + bad).enumerated() {
      try write(try ImageCodec.encodeJPEG(testImage(width: 20, height: 20, seed: i), quality: 90), to: name, in: root)
    }
    try write("not an image", to: "README.txt", in: root)
    return root
  }

  func testFileNamesParse() throws {
    XCTAssertEqual(try UTKFaceLabels.parse(fileName: "26_1_2_20170104021534429.jpg.chip.jpg"),
                   UTKFaceLabels(age: 26, gender: 1, race: 2))
    XCTAssertEqual(try UTKFaceLabels.parse(fileName: "24_0_1_20170116220224657 .jpg.chip.jpg").race, 1)
    assertThrows(DatasetError.self, "39_1_2017", "found 3 fields") { try UTKFaceLabels.parse(fileName: "39_1_20170116174525125.jpg.chip.jpg") }
    assertThrows(DatasetError.self, "race 5 is outside 0...4") { try UTKFaceLabels.parse(fileName: "20_0_5_2017.jpg") }
    assertThrows(DatasetError.self, "age field \"-3\"") { try UTKFaceLabels.parse(fileName: "-3_0_1_2017.jpg") }
  }

  func testReadCountsMalformedNamesAndRemovesKnownDefects() throws {
    let utk = UTKFace(root: try makeFolder(), target: .race, protected: [.race, .gender])
    let (manifest, report) = try utk.read()
    XCTAssertEqual(report.imageFiles, 14)
    XCTAssertEqual(report.otherFiles, 1)
    XCTAssertEqual(report.knownDefectsRemoved, ["39_1_20170116174525125.jpg.chip.jpg"])
    XCTAssertEqual(report.malformed.count, 3)
    XCTAssertTrue(report.malformed.contains { $0.file.hasSuffix("30_2_0_20170109150557011.jpg.chip.jpg") && $0.reason.contains("gender 2") })
    XCTAssertEqual(report.kept, 10)
    XCTAssertEqual(report.raceCounts, [2, 3, 2, 2, 1])
    XCTAssertEqual(report.genderCounts, [6, 4])
    XCTAssertEqual(report.ageRange, 1...116)
    XCTAssertEqual(manifest.skipped.count, 3)
    // int(0.2 * 10) = 2 test images, the rest train.
    XCTAssertEqual(manifest.test.count, 2)
    XCTAssertEqual(manifest.train.count, 8)
    XCTAssertEqual(manifest.info.classNames, UTKFace.raceNames)
    XCTAssertEqual(manifest.info.attributes.map(\.name), ["race", "gender"])
    // Every record's labels agree with its name.
    for record in manifest.train.records + manifest.test.records {
      let labels = try UTKFaceLabels.parse(fileName: record.path)
      XCTAssertEqual(record.target, labels.race)
      XCTAssertEqual(record.attributes, [labels.race, labels.gender])
    }
  }

  /// The test split is the first int(0.2 n) of NumPy's RandomState(1357).permutation(n) over the
  /// sorted names.
  func testSplitIsTheSeededPermutationOfSortedNames() throws {
    let root = try makeFolder()
    let (manifest, _) = try UTKFace(root: root).read()
    var rng = MersenneTwister(numpySeed: 1357)
    let permutation = rng.numpyPermutation(10)
    let sorted = (manifest.train.records + manifest.test.records).map(\.path).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    XCTAssertEqual(manifest.test.records.map(\.path), permutation.prefix(2).map { sorted[$0] })
    XCTAssertEqual(manifest.train.records.map(\.path), permutation.dropFirst(2).map { sorted[$0] })
    // A different seed gives a different, still disjoint split.
    let other = try UTKFace(root: root, split: SplitOptions(testSeed: 7)).read().manifest
    XCTAssertTrue(Set(other.test.records.map(\.path)).isDisjoint(with: other.train.records.map(\.path)))
  }

  func testTargetAndProtectedChoices() throws {
    let root = try makeFolder()
    let utk = UTKFace(root: root, target: .gender, protected: [.age])
    let (manifest, _) = try utk.read()
    XCTAssertEqual(manifest.info.classNames, ["Male", "Female"])
    XCTAssertEqual(manifest.info.attributes[0].values,
                   ["<10", "10-14", "15-19", "20-24", "25-29", "30-39", "40-49", "50-59", ">=60"])
    XCTAssertEqual(utk.ageBucket(9), 0)
    XCTAssertEqual(utk.ageBucket(10), 1)
    XCTAssertEqual(utk.ageBucket(59), 7)
    XCTAssertEqual(utk.ageBucket(60), 8)
    for record in manifest.train.records + manifest.test.records {
      let labels = try UTKFaceLabels.parse(fileName: record.path)
      XCTAssertEqual(record.target, labels.gender)
      XCTAssertEqual(record.attributes, [utk.ageBucket(labels.age)])
    }
  }

  func testValidationIsHeldOutOfTrainPerGroup() throws {
    let root = try makeFolder()
    let split = SplitOptions(validationFraction: 0.25, validationSeed: 1)
    let (manifest, _) = try UTKFace(root: root, protected: [.gender], split: split).read()
    let validation = try XCTUnwrap(manifest.validation)
    XCTAssertEqual(manifest.test.count, 2)
    XCTAssertEqual(manifest.train.count + validation.count, 8)
    let all = Set(manifest.train.records.map(\.path)).union(validation.records.map(\.path))
    XCTAssertEqual(all.count, 8)
    XCTAssertTrue(Set(manifest.test.records.map(\.path)).isDisjoint(with: all))
  }

  func testManifestLoadsIntoMemoryAndBatches() throws {
    let (manifest, _) = try UTKFace(root: try makeFolder(), protected: [.race, .gender]).read()
    let options = ImageLoadOptions(decode: DecodeTransform(resize: .exact(height: 8, width: 8)), threads: 2)
    let data = try manifest.load(trainTransform: .utkFaceTrain, evalTransform: .utkFaceEval, options: options)
    XCTAssertEqual(data.train.count, 8)
    XCTAssertEqual(data.test.count, 2)
    XCTAssertEqual(data.train.labels.targets, manifest.train.records.map { Int64($0.target) })
    let loader = try DataLoader(data.train, batchSize: 3, shuffle: true, seed: 1)
    let batch = try loader.makeBatch(epoch: 0, batch: 0)
    XCTAssertEqual(batch.inputs.shape, [3, 3, 8, 8])
    XCTAssertEqual(batch.attributes.shape, [3, 2])
  }

  func testMissingDirectoryAndEmptySplitsThrow() throws {
    assertThrows(DatasetError.self, "nowhere", "no such directory") {
      try UTKFace(root: self.tempDir.appendingPathComponent("nowhere")).read()
    }
    let root = tempDir.appendingPathComponent("bad-only")
    try write(Data([1]), to: "x_y_z_w.jpg", in: root)
    assertThrows(DatasetError.self, "bad-only", "split is empty") { try UTKFace(root: root).read() }
    assertThrows(DatasetError.self, "test fraction 1.5") { try UTKFace(root: root, split: SplitOptions(testFraction: 1.5)).read() }
  }
}
