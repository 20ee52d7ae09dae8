/// The MT19937 generator, seeded the way NumPy's legacy `RandomState(seed)` and Python's
/// `random.Random(seed)` seed it, so that splits made by published PyTorch code can be
/// reproduced index for index.
public struct MersenneTwister: RandomNumberGenerator, Sendable {
  private var state = [UInt32](repeating: 0, count: 624)
  private var index = 624

  /// NumPy's `RandomState(seed)` (`init_genrand`).
  public init(numpySeed seed: UInt32) {
    state[0] = seed
    for i in 1..<624 {
      state[i] = 1_812_433_253 &* (state[i - 1] ^ (state[i - 1] >> 30)) &+ UInt32(i)
    }
    index = 624
  }

  /// Python's `random.Random(seed)` for a non-negative integer seed (`init_by_array` over the
  /// seed's 32-bit words, least significant first).
  public init(pythonSeed seed: UInt64) {
    var key: [UInt32] = [UInt32(truncatingIfNeeded: seed)]
    if seed >> 32 != 0 { key.append(UInt32(truncatingIfNeeded: seed >> 32)) }
    self.init(numpySeed: 19_650_218)
    var i = 1
    var j = 0
    for _ in 0..<max(624, key.count) {
      state[i] = (state[i] ^ ((state[i - 1] ^ (state[i - 1] >> 30)) &* 1_664_525)) &+ key[j] &+ UInt32(j)
      i += 1
      j += 1
      if i >= 624 { state[0] = state[623]; i = 1 }
      if j >= key.count { j = 0 }
    }
    for _ in 0..<623 {
      state[i] = (state[i] ^ ((state[i - 1] ^ (state[i - 1] >> 30)) &* 1_566_083_941)) &- UInt32(i)
      i += 1
      if i >= 624 { state[0] = state[623]; i = 1 }
    }
    state[0] = 0x8000_0000
    index = 624
  }

  /// The next 32 tempered bits (`genrand_int32`).
  public mutating func nextUInt32() -> UInt32 {
    if index >= 624 { twist() }
    var y = state[index]
    index += 1
    y ^= y >> 11
    y ^= (y << 7) & 0x9D2C_5680
    y ^= (y << 15) & 0xEFC6_0000
    y ^= y >> 18
    return y
  }

  /// Two draws, high word first (NumPy's `next_uint64` for MT19937).
  public mutating func next() -> UInt64 {
    let high = UInt64(nextUInt32())
    return high << 32 | UInt64(nextUInt32())
  }

  private mutating func twist() {
    for i in 0..<624 {
      let y = (state[i] & 0x8000_0000) | (state[(i + 1) % 624] & 0x7FFF_FFFF)
      var v = state[(i + 397) % 624] ^ (y >> 1)
      if y & 1 != 0 { v ^= 0x9908_B0DF }
      state[i] = v
    }
    index = 0
  }

  // MARK: NumPy

  /// A uniform integer in 0...max by masked rejection (NumPy's `random_interval`).
  public mutating func numpyInterval(_ max: UInt64) -> UInt64 {
    if max == 0 { return 0 }
    var mask = max
    mask |= mask >> 1; mask |= mask >> 2; mask |= mask >> 4
    mask |= mask >> 8; mask |= mask >> 16; mask |= mask >> 32
    if max <= 0xFFFF_FFFF {
      while true {
        let v = UInt64(nextUInt32()) & mask
        if v <= max { return v }
      }
    }
    while true {
      let v = next() & mask
      if v <= max { return v }
    }
  }

  /// `RandomState.permutation(n)`: 0..<n shuffled by NumPy's legacy Fisher-Yates.
  public mutating func numpyPermutation(_ n: Int) -> [Int] {
    var a = Array(0..<n)
    var i = n - 1
    while i >= 1 {
      let j = Int(numpyInterval(UInt64(i)))
      a.swapAt(i, j)
      i -= 1
    }
    return a
  }

  // MARK: Python

  /// `random.getrandbits(k)` for 1 <= k <= 32.
  public mutating func pythonRandomBits(_ k: Int) -> UInt32 {
    nextUInt32() >> UInt32(32 - k)
  }

  /// `random.randrange(n)` via `_randbelow_with_getrandbits` (n <= 2^32).
  public mutating func pythonBelow(_ n: Int) -> Int {
    precondition(n > 0 && n <= 1 << 32, "pythonBelow needs 0 < n <= 2^32")
    let k = Int.bitWidth - (n.leadingZeroBitCount)
    while true {
      let r = Int(pythonRandomBits(k))
      if r < n { return r }
    }
  }

  /// `random.shuffle(x)` in place.
  public mutating func pythonShuffle<T>(_ x: inout [T]) {
    var i = x.count - 1
    while i >= 1 {
      let j = pythonBelow(i + 1)
      x.swapAt(i, j)
      i -= 1
    }
  }
}
