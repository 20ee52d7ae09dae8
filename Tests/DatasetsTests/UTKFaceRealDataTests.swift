import Datasets
import Foundation
import XCTest

/// The real UTKFace copy described by ../shared/data/README.md (or $FAIRPRUNE_UTKFACE). Skipped
/// when absent. Parses every name but decodes only a handful of images.
final class UTKFaceRealDataTests: XCTestCase {
  static var root: URL? {
    if let path = ProcessInfo.processInfo.environment["FAIRPRUNE_UTKFACE"], !path.isEmpty {
      return URL(fileURLWithPath: path)
    }
    let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return repo.deletingLastPathComponent().appendingPathComponent("shared/data/UTKFace").standardizedFileURL
  }

  private func rootOrSkip() throws -> URL {
    guard let root = Self.root, FileManager.default.fileExists(atPath: root.path) else {
      throw XCTSkip("no UTKFace copy at \(Self.root?.path ?? "?") (set FAIRPRUNE_UTKFACE)")
    }
    return root
  }

  /// Counts from the data README: 23,707 files, three without a race field, one name with a
  /// space, race White 10,078 / Black 4,525 / Asian 3,434 / Indian 3,975 / Others 1,692, gender
  /// 12,390 / 11,314, ages 1 to 116.
  func testCountsMatchTheDataREADME() throws {
    let (manifest, report) = try UTKFace(root: try rootOrSkip(), target: .race, protected: [.race, .gender]).read()
    XCTAssertEqual(report.imageFiles, 23_707)
    XCTAssertEqual(report.otherFiles, 0)
    XCTAssertEqual(Set(report.knownDefectsRemoved), Set(UTKFace.knownDefects))
    XCTAssertEqual(report.malformed, [])
    XCTAssertEqual(report.raceCounts, [10_078, 4_525, 3_434, 3_975, 1_692])
    XCTAssertEqual(report.genderCounts, [12_390, 11_314])
    XCTAssertEqual(report.ageRange, 1...116)
    XCTAssertEqual(report.kept, 23_704)
    // int(0.2 * 23704) = 4740 test; SPEC's 4741 / 18964 assume the 23,708-file release.
    XCTAssertEqual(manifest.test.count, 4_740)
    XCTAssertEqual(manifest.train.count, 18_964)
    XCTAssertTrue(manifest.train.records.contains { $0.path == "24_0_1_20170116220224657 .jpg.chip.jpg" }
                  || manifest.test.records.contains { $0.path == "24_0_1_20170116220224657 .jpg.chip.jpg" })
    // The reference code's split of this copy (sorted glob, defects removed,
    // np.random.RandomState(1357).permutation), computed with NumPy 1.24:
    XCTAssertEqual(manifest.test.records.prefix(3).map(\.path), [
      "61_0_0_20170117192025774.jpg.chip.jpg", "26_1_0_20170104021534429.jpg.chip.jpg", "2_0_0_20170103202801736.jpg.chip.jpg",
    ])
    XCTAssertEqual(manifest.train.records.prefix(3).map(\.path), [
      "27_0_1_20170117010204286.jpg.chip.jpg", "62_1_0_20170110143413907.jpg.chip.jpg", "57_0_0_20170120223915670.jpg.chip.jpg",
    ])
  }

  func testAHandfulOfImagesDecodeAt200x200() throws {
    let (manifest, _) = try UTKFace(root: try rootOrSkip()).read()
    for i in 0..<5 {
      let image = try ImageCodec.decode(contentsOf: manifest.test.url(at: i))
      XCTAssertEqual(image.width, 200)
      XCTAssertEqual(image.height, 200)
    }
  }
}
