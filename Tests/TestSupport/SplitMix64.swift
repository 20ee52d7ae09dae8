/// SplitMix64 (Steele, Lea and Flood 2014): a tiny seeded generator for test data, so every test
/// draws the same values on every machine. `mix` is its finaliser, which the Python fixture scripts
/// reproduce with integer arithmetic (Tests/NNTests/Fixtures/make_fixtures.py).
public struct SplitMix64: RandomNumberGenerator {
  public var state: UInt64
  public init(seed: UInt64) { state = seed }

  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    return Self.mix(state)
  }

  /// The output function: a bijective scramble of one 64-bit word.
  public static func mix(_ x: UInt64) -> UInt64 {
    var z = x
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// `count` uniforms in [0, 1) from `mix((stream << 32) + j + 1)`, j < count: element j depends on
  /// (stream, j) only, so any tensor can be filled without drawing in sequence.
  public static func uniforms(stream: UInt64, count: Int) -> [Double] {
    let base = (stream << 32) &+ 1
    return (0..<count).map { Double(mix(base &+ UInt64($0)) >> 11) * 0x1p-53 }
  }
}
