import Foundation
import XCTest
@testable import Torch

final class ZipArchiveTests: XCTestCase {
  private let files: [(name: String, bytes: [UInt8])] = [
    ("ckpt/data.pkl", Array("pickle bytes".utf8)),
    ("ckpt/data/0", [1, 2, 3, 4]),
    ("ckpt/empty", []),
  ]

  func testCRC32MatchesTheStandardCheckValue() {
    XCTAssertEqual(CRC32.checksum(Data("123456789".utf8)), 0xCBF4_3926)
    XCTAssertEqual(CRC32.checksum(Data()), 0)
  }

  func testReadsStoredEntries() throws {
    for zip64 in [false, true] {
      let archive = try ZipArchive(data: TestZip(files: files, zip64: zip64).build())
      XCTAssertEqual(archive.entries.map(\.name), files.map(\.name), "zip64 \(zip64)")
      for (name, bytes) in files {
        XCTAssertEqual([UInt8](try archive.contents(of: name)), bytes, "\(name), zip64 \(zip64)")
      }
      assertThrows(TorchError.self, "no entry named ckpt/missing") { try archive.contents(of: "ckpt/missing") }
    }
  }

  func testFindsTheEndRecordBehindAComment() throws {
    // The comment itself contains an end-record signature that must not be taken for the record.
    let comment = le(UInt32(0x0605_4B50)) + Array("comment".utf8)
    let archive = try ZipArchive(data: TestZip(files: files, comment: comment).build())
    XCTAssertEqual(archive.entries.count, 3)
  }

  func testReadsTorchSaveArchive() throws {
    // torch.save writes ZIP64 end records, data descriptors and zeroed local sizes.
    let archive = try ZipArchive(contentsOf: try fixtureURL("sequential.pt"))
    XCTAssertEqual(archive.entries.first?.name, "sequential/data.pkl")
    XCTAssertEqual(try archive.contents(of: "sequential/version"), Data("3\n".utf8))
  }

  func testRefusesCompressedEntries() {
    var zip = TestZip(files: files)
    zip.method = 8
    assertThrows(TorchError.self, "<data>", "compression method 8", "only stored") { try ZipArchive(data: zip.build()) }
  }

  func testCorruptedArchivesThrow() throws {
    let good = TestZip(files: files).build()
    assertThrows(TorchError.self, "no end-of-central-directory record") { try ZipArchive(data: Data("not a zip at all, no".utf8 + [0, 0])) }
    assertThrows(TorchError.self, "too small") { try ZipArchive(data: Data([0x50, 0x4B])) }
    // Truncated: the end record is gone.
    assertThrows(TorchError.self, "no end-of-central-directory record") { try ZipArchive(data: good.prefix(good.count - 10)) }
    // A flipped data byte fails the CRC check when read.
    var flipped = [UInt8](good)
    let dataStart = 30 + "ckpt/data.pkl".utf8.count
    flipped[dataStart] ^= 0xFF
    let archive = try ZipArchive(data: Data(flipped))
    assertThrows(TorchError.self, "ckpt/data.pkl is corrupted", "CRC-32") { try archive.contents(of: "ckpt/data.pkl") }
    XCTAssertNoThrow(try archive.contents(of: "ckpt/data.pkl", verifyChecksum: false))
  }

  func testOffsetsOutsideTheArchiveThrow() throws {
    let good = [UInt8](TestZip(files: files).build())
    let eocd = good.count - 22
    // Central directory offset (EOCD bytes 16..<20) pointing past the end.
    var bad = good
    bad.replaceSubrange((eocd + 16)..<(eocd + 20), with: le(UInt32(0x7FFF_FFFF)))
    assertThrows(TorchError.self, "central directory", "outside the archive") { try ZipArchive(data: Data(bad)) }
    // An entry count that the directory's size cannot hold.
    bad = good
    bad.replaceSubrange((eocd + 8)..<(eocd + 12), with: le(UInt16(60000)) + le(UInt16(60000)))
    assertThrows(TorchError.self, "cannot hold 60000 entries") { try ZipArchive(data: Data(bad)) }
    // A local header offset (central header bytes 42..<46) past the directory.
    let central = Int(UInt32(good[eocd + 16]) | UInt32(good[eocd + 17]) << 8)
    bad = good
    bad.replaceSubrange((central + 42)..<(central + 46), with: le(UInt32(0xFFFF_FFF0)))
    assertThrows(TorchError.self, "local header offset") { try ZipArchive(data: Data(bad)) }
    // An entry size (central bytes 20..<28) running into the central directory.
    bad = good
    bad.replaceSubrange((central + 20)..<(central + 28), with: le(UInt32(100_000)) + le(UInt32(100_000)))
    assertThrows(TorchError.self, "extends past the start of the central directory") { try ZipArchive(data: Data(bad)) }
    // Sizes that need ZIP64 without a ZIP64 locator.
    bad = good
    bad.replaceSubrange((eocd + 16)..<(eocd + 20), with: le(UInt32(0xFFFF_FFFF)))
    assertThrows(TorchError.self, "no ZIP64 locator") { try ZipArchive(data: Data(bad)) }
  }

  func testNamesMustBeRelativeAndUnique() {
    for name in ["/etc/passwd", "ckpt/../../x", "..", "a\\b"] {
      assertThrows(TorchError.self, "not a relative path") { try ZipArchive(data: TestZip(files: [(name, [1])]).build()) }
    }
    assertThrows(TorchError.self, "appears twice") { try ZipArchive(data: TestZip(files: [("a", [1]), ("a", [2])]).build()) }
  }
}
