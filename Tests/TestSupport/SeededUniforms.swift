@_exported import struct Datasets.SplitMix64

extension SplitMix64 {
  /// `count` uniforms in [0, 1) from `mix((stream << 32) + j + 1)`, j < count: element j depends on
  /// (stream, j) only, and integer arithmetic gives the same bits on every CPU. The Python fixture
  /// scripts compute the same values (Tests/NNTests/Fixtures/make_fixtures.py).
  public static func uniforms(stream: UInt64, count: Int) -> [Double] {
    let base = (stream << 32) &+ 1
    return (0..<count).map { Double(mix(base &+ UInt64($0)) >> 11) * 0x1p-53 }
  }
}
