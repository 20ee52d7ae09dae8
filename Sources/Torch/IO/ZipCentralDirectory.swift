import Foundation

/// Parsing of the ZIP end-of-central-directory records and the central directory
/// (APPNOTE.TXT sections 4.3.6 - 4.3.16), with every field checked against the archive size.
enum ZipCentralDirectory {
  /// Where the central directory lies and how many entries it declares.
  struct Location {
    let offset: Int
    let size: Int
    let count: Int
  }

  private static let eocdSignature: UInt32 = 0x0605_4B50
  private static let zip64LocatorSignature: UInt32 = 0x0706_4B50
  private static let zip64EOCDSignature: UInt32 = 0x0606_4B50
  private static let centralSignature: UInt32 = 0x0201_4B50
  private static let localSignature: UInt32 = 0x0403_4B50
  private static let eocdSize = 22
  private static let centralHeaderSize = 46
  private static let localHeaderSize = 30

  /// Finds the end-of-central-directory record in the last 64 KiB + 22 bytes (the record
  /// followed by a comment of at most 65535 bytes) and, when present, its ZIP64 counterpart.
  static func locate(in data: Data, source: String) throws -> Location {
    func fail(_ what: String) -> TorchError { TorchError("zip archive \(source): \(what)") }
    guard data.count >= eocdSize else { throw fail("\(data.count) bytes is too small to be a zip archive") }

    var reader = ByteReader(data, source: "zip archive \(source)")
    var eocd: Int?
    let lowest = max(0, data.count - eocdSize - 0xFFFF)
    for position in stride(from: data.count - eocdSize, through: lowest, by: -1) {
      try reader.seek(to: position)
      guard try reader.u32("signature") == eocdSignature else { continue }
      try reader.seek(to: position + 20)
      // A signature inside comment bytes is not the record: the comment must end the file.
      if position + eocdSize + Int(try reader.u16("comment length")) == data.count {
        eocd = position
        break
      }
    }
    guard let eocd else {
      throw fail("no end-of-central-directory record (not a zip archive, or truncated)")
    }

    try reader.seek(to: eocd + 4)
    let disk = try reader.u16("disk number")
    let directoryDisk = try reader.u16("central directory disk")
    let entriesOnDisk = try reader.u16("entries on disk")
    let totalEntries = try reader.u16("total entries")
    let directorySize = try reader.u32("central directory size")
    let directoryOffset = try reader.u32("central directory offset")

    var location: (disk: UInt64, directoryDisk: UInt64, onDisk: UInt64, total: UInt64, size: UInt64, offset: UInt64) =
      (UInt64(disk), UInt64(directoryDisk), UInt64(entriesOnDisk), UInt64(totalEntries),
       UInt64(directorySize), UInt64(directoryOffset))
    // The central directory must end before this point (the ZIP64 record or the EOCD).
    var directoryLimit = eocd

    var hasLocator = false
    if eocd >= 20 {
      try reader.seek(to: eocd - 20)
      hasLocator = try reader.u32("signature") == zip64LocatorSignature
    }
    if hasLocator {
      let zip64Disk = try reader.u32("ZIP64 record disk")
      let recordOffset64 = try reader.u64("ZIP64 record offset")
      let diskCount = try reader.u32("disk count")
      guard zip64Disk == 0, diskCount <= 1 else { throw fail("multi-disk archives are not supported") }
      guard let recordOffset = intOrNil(recordOffset64), recordOffset <= eocd - 20 - 56 else {
        throw fail("ZIP64 end-of-central-directory offset \(recordOffset64) is outside the archive")
      }
      try reader.seek(to: recordOffset)
      guard try reader.u32("signature") == zip64EOCDSignature else {
        throw fail("no ZIP64 end-of-central-directory record at offset \(recordOffset)")
      }
      _ = try reader.u64("ZIP64 record size")
      _ = try reader.u16("version made by")
      _ = try reader.u16("version needed")
      location = (UInt64(try reader.u32("disk number")), UInt64(try reader.u32("central directory disk")),
                  try reader.u64("entries on disk"), try reader.u64("total entries"),
                  try reader.u64("central directory size"), try reader.u64("central directory offset"))
      directoryLimit = recordOffset
    } else if totalEntries == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
      throw fail("end-of-central-directory record needs ZIP64 values but there is no ZIP64 locator")
    }

    guard location.disk == 0, location.directoryDisk == 0, location.onDisk == location.total else {
      throw fail("multi-disk archives are not supported")
    }
    guard let offset = intOrNil(location.offset), let size = intOrNil(location.size),
          offset.addingReportingOverflow(size).overflow == false, offset + size <= directoryLimit else {
      throw fail("central directory (offset \(location.offset), size \(location.size)) is outside the archive")
    }
    // Each header takes at least 46 bytes, which bounds the count before anything is allocated.
    guard location.total <= UInt64(size / centralHeaderSize) else {
      throw fail("central directory of \(size) bytes cannot hold \(location.total) entries")
    }
    return Location(offset: offset, size: size, count: Int(location.total))
  }

  /// Reads the central directory headers and each entry's local header.
  static func entries(of location: Location, in data: Data, source: String) throws -> [ZipArchive.Entry] {
    func fail(_ what: String) -> TorchError { TorchError("zip archive \(source): \(what)") }
    let directory = data[(data.startIndex + location.offset)..<(data.startIndex + location.offset + location.size)]
    var reader = ByteReader(directory, source: "zip archive \(source) central directory")
    var entries: [ZipArchive.Entry] = []
    var names = Set<String>()
    for index in 0..<location.count {
      guard try reader.u32("signature") == centralSignature else {
        throw fail("central directory header \(index) has a bad signature")
      }
      _ = try reader.u16("version made by")
      _ = try reader.u16("version needed")
      let flags = try reader.u16("flags")
      let method = try reader.u16("compression method")
      _ = try reader.u32("modification time")
      let crc = try reader.u32("CRC-32")
      var compressed = UInt64(try reader.u32("compressed size"))
      var uncompressed = UInt64(try reader.u32("uncompressed size"))
      let nameLength = Int(try reader.u16("name length"))
      let extraLength = Int(try reader.u16("extra length"))
      let commentLength = Int(try reader.u16("comment length"))
      _ = try reader.u16("start disk")
      _ = try reader.u16("internal attributes")
      _ = try reader.u32("external attributes")
      var localOffset = UInt64(try reader.u32("local header offset"))
      let nameBytes = try reader.read(nameLength, what: "entry name")
      let extra = try reader.read(extraLength, what: "extra field")
      _ = try reader.read(commentLength, what: "entry comment")

      let name = try checkedName(nameBytes, index: index, fail: fail)
      try applyZip64Extra(extra, uncompressed: &uncompressed, compressed: &compressed, localOffset: &localOffset,
                          source: "zip archive \(source) entry \(name)")
      guard flags & 1 == 0 else { throw fail("entry \(name) is encrypted") }
      guard method == 0 else {
        throw fail("entry \(name) uses compression method \(method); only stored (uncompressed) entries are supported")
      }
      guard compressed == uncompressed, let size = intOrNil(uncompressed) else {
        throw fail("entry \(name) is stored but its sizes differ (\(compressed) vs \(uncompressed))")
      }
      guard names.insert(name).inserted else { throw fail("entry \(name) appears twice") }
      let dataOffset = try localDataOffset(localOffset, name: nameBytes, display: name, limit: location.offset,
                                           in: data, fail: fail)
      guard let range = checkedRange(dataOffset, size, in: data), range.upperBound - data.startIndex <= location.offset else {
        throw fail("entry \(name) (offset \(dataOffset), \(size) bytes) extends past the start of the central directory")
      }
      entries.append(ZipArchive.Entry(name: name, dataOffset: dataOffset, size: size, crc32: crc))
    }
    return entries
  }

  /// A UTF-8, relative name without `..` components (nothing is extracted, but a hostile
  /// name is still a sign of a malicious archive).
  private static func checkedName(_ bytes: Data, index: Int, fail: (String) -> TorchError) throws -> String {
    guard isValidUTF8(bytes) else { throw fail("entry \(index) name is not valid UTF-8") }
    let name = String(decoding: bytes, as: UTF8.self)
    let parts = name.split(separator: "/", omittingEmptySubsequences: false)
    guard !name.isEmpty, !name.hasPrefix("/"), !name.contains("\\"), !name.contains("\0"),
          !parts.contains("..") else {
      throw fail("entry \(index) name \"\(name)\" is not a relative path")
    }
    return name
  }

  /// Replaces 0xFFFFFFFF sizes and offset with the 64-bit values of the ZIP64 extra field
  /// (header id 0x0001), which lists only the fields that overflowed, in this order.
  private static func applyZip64Extra(
    _ extra: Data, uncompressed: inout UInt64, compressed: inout UInt64, localOffset: inout UInt64, source: String
  ) throws {
    var reader = ByteReader(extra, source: "\(source) extra field")
    while reader.remaining >= 4 {
      let id = try reader.u16("extra id")
      let length = Int(try reader.u16("extra length"))
      var field = ByteReader(try reader.read(length, what: "extra field"), source: "\(source) ZIP64 field")
      guard id == 0x0001 else { continue }
      if uncompressed == 0xFFFF_FFFF { uncompressed = try field.u64("ZIP64 uncompressed size") }
      if compressed == 0xFFFF_FFFF { compressed = try field.u64("ZIP64 compressed size") }
      if localOffset == 0xFFFF_FFFF { localOffset = try field.u64("ZIP64 local header offset") }
    }
  }

  /// Checks the local header at `offset` against the central directory and returns where the
  /// entry's bytes begin. Sizes come from the central directory: PyTorch writes zeros in the
  /// local header and a data descriptor after the data.
  private static func localDataOffset(
    _ offset64: UInt64, name: Data, display: String, limit: Int, in data: Data, fail: (String) -> TorchError
  ) throws -> Int {
    guard let offset = intOrNil(offset64), offset <= limit - localHeaderSize else {
      throw fail("entry \(display) local header offset \(offset64) is outside the archive")
    }
    var reader = ByteReader(data, source: "zip archive entry \(display)")
    try reader.seek(to: offset)
    guard try reader.u32("signature") == localSignature else {
      throw fail("entry \(display) has no local header at offset \(offset)")
    }
    _ = try reader.u16("version needed")
    _ = try reader.u16("flags")
    let method = try reader.u16("compression method")
    _ = try reader.read(16, what: "local header")
    let nameLength = Int(try reader.u16("name length"))
    let extraLength = Int(try reader.u16("extra length"))
    guard method == 0 else {
      throw fail("entry \(display) local header uses compression method \(method); only stored entries are supported")
    }
    guard try reader.read(nameLength, what: "local name") == name else {
      throw fail("entry \(display) local header names a different file")
    }
    _ = try reader.read(extraLength, what: "local extra field")
    return reader.offset
  }
}
