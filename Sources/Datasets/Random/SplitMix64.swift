/// A small, fast, seedable generator (Steele et al.'s SplitMix64) for shuffling and augmentation.
/// Its sequence depends only on the seed, never on threads or timing.
public struct SplitMix64: RandomNumberGenerator, Sendable {
  private var state: UInt64

  public init(seed: UInt64) { state = seed }

  /// A generator for one (seed, stream, substream) triple, e.g. (loader seed, epoch, batch):
  /// distinct triples give unrelated sequences.
  public init(seed: UInt64, stream: UInt64, substream: UInt64 = 0) {
    var mixer = SplitMix64(seed: seed)
    let a = mixer.next() ^ (stream &* 0x9E37_79B9_7F4A_7C15)
    var second = SplitMix64(seed: a)
    state = second.next() ^ (substream &* 0xD1B5_4A32_D192_ED03)
  }

  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    return Self.mix(state)
  }

  /// The output function: a bijective scramble of one 64-bit word, usable as a counter-based hash.
  public static func mix(_ x: UInt64) -> UInt64 {
    var z = x
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
