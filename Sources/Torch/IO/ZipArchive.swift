import Foundation

/// A read-only view of a ZIP archive held in memory, enough for `torch.save` files.
///
/// Only stored (uncompressed, method 0) entries are supported, which is what PyTorch writes;
/// ZIP64 end-of-central-directory records and extra fields are honoured (PyTorch always
/// writes the ZIP64 records). Every offset and length is checked against the archive before
/// it is used, names must be relative, and CRC-32 checksums are verified when an entry is read.
public struct ZipArchive: Sendable {
  /// One file inside the archive.
  public struct Entry: Sendable, Equatable {
    /// Path inside the archive, relative ("archive/data.pkl").
    public let name: String
    /// Offset of the entry's bytes inside the archive.
    public let dataOffset: Int
    /// Size in bytes (stored entries are not compressed).
    public let size: Int
    /// The CRC-32 recorded in the central directory.
    public let crc32: UInt32
  }

  /// Entries in central-directory order.
  public let entries: [Entry]
  private let data: Data
  private let source: String

  /// Opens the archive at `url`.
  public init(contentsOf url: URL) throws {
    let data: Data
    do {
      data = try Data(contentsOf: url, options: .mappedIfSafe)
    } catch {
      throw TorchError("zip archive \(url.path): cannot read (\(error.localizedDescription))")
    }
    try self.init(data: data, source: url.path)
  }

  /// Parses an archive held in memory; `source` names it in error messages.
  public init(data: Data, source: String = "<data>") throws {
    self.data = data
    self.source = source
    let directory = try ZipCentralDirectory.locate(in: data, source: source)
    entries = try ZipCentralDirectory.entries(of: directory, in: data, source: source)
  }

  /// The entry called `name`, if any.
  public func entry(named name: String) -> Entry? { entries.first { $0.name == name } }

  /// The bytes of `entry` (a slice of the archive, no copy), after checking its CRC-32.
  public func contents(of entry: Entry, verifyChecksum: Bool = true) throws -> Data {
    guard let range = checkedRange(entry.dataOffset, entry.size, in: data) else {
      throw TorchError("zip archive \(source): entry \(entry.name) lies outside the archive")
    }
    let bytes = data[range]
    if verifyChecksum {
      let actual = CRC32.checksum(bytes)
      guard actual == entry.crc32 else {
        throw TorchError("zip archive \(source): entry \(entry.name) is corrupted (CRC-32 \(hex(actual)), expected \(hex(entry.crc32)))")
      }
    }
    return bytes
  }

  /// The bytes of the entry called `name`; throws when there is none.
  public func contents(of name: String, verifyChecksum: Bool = true) throws -> Data {
    guard let entry = entry(named: name) else { throw TorchError("zip archive \(source): no entry named \(name)") }
    return try contents(of: entry, verifyChecksum: verifyChecksum)
  }
}

func hex(_ v: UInt32) -> String { "0x" + String(v, radix: 16) }
