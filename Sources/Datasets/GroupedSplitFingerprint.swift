import Torch

extension GroupedSplit {
  /// A 64-bit FNV-1a digest of the split's content: sample count, targets, attributes and every
  /// input byte (decoded uint8 pixels, or the feature tensor). Two loads of the same files give the
  /// same value; any changed label, attribute or pixel changes it. For change detection, not security.
  public func fingerprint() throws -> UInt64 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    func mix<C: Collection>(_ bytes: C) where C.Element == UInt8 {
      for b in bytes {
        hash ^= UInt64(b)
        hash &*= 0x0000_0100_0000_01B3
      }
    }
    withUnsafeBytes(of: UInt64(count).littleEndian) { mix($0) }
    mix(try targets.to(.int64).contiguousBytes())
    mix(try attributes.to(.int64).contiguousBytes())
    switch storage {
    case .tensor(let inputs): mix(try inputs.contiguousBytes())
    case .images(let images):
      for i in images.storeIndices { images.store.withImage(i) { mix($0) } }
    }
    return hash
  }
}
