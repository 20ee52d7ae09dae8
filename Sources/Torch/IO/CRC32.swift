import Foundation

/// The CRC-32 checksum of ZIP (IEEE 802.3, reflected polynomial 0xEDB88320).
enum CRC32 {
  private static let table: [UInt32] = (0..<256).map { n -> UInt32 in
    var c = UInt32(n)
    for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    return c
  }

  static func checksum(_ data: Data) -> UInt32 {
    data.withUnsafeBytes { raw in
      table.withUnsafeBufferPointer { t in
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in raw { crc = t[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
      }
    }
  }
}
