import Torch
import XCTest

/// `Torch.manualSeed` makes every random op reproducible bit for bit.
final class DeterminismTests: TorchTestCase {
  /// Runs `draw` after seeding twice and asserts the raw bytes agree; returns the bytes.
  @discardableResult
  private func assertReproducible(seed: UInt64, _ what: String, file: StaticString = #filePath, line: UInt = #line,
                                  _ draw: () throws -> Tensor) throws -> [UInt8] {
    Torch.manualSeed(seed)
    let first = try draw().contiguousBytes()
    Torch.manualSeed(seed)
    let second = try draw().contiguousBytes()
    XCTAssertEqual(first, second, "\(what) differs between two runs with seed \(seed)", file: file, line: line)
    XCTAssertFalse(first.isEmpty, file: file, line: line)
    return first
  }

  func testRandnRandRandpermRandintAreBitwiseReproducible() throws {
    for seed: UInt64 in [0, 42, 1 << 40] {
      try assertReproducible(seed: seed, "randn float32") { try Tensor.randn([64, 33]) }
      try assertReproducible(seed: seed, "randn float64") { try Tensor.randn([1000], dtype: .float64) }
      try assertReproducible(seed: seed, "rand") { try Tensor.rand([17, 5]) }
      try assertReproducible(seed: seed, "randperm") { try Tensor.randperm(500) }
      try assertReproducible(seed: seed, "randint") { try Tensor.randint(low: -5, high: 5, shape: [300]) }
    }
  }

  func testDropoutMasksAreBitwiseReproducible() throws {
    let x = try Tensor.ones([4000])
    let mask = try assertReproducible(seed: 7, "dropout mask") { try x.dropout(p: 0.3, training: true).eq(0) }
    let dropped = mask.filter { $0 != 0 }.count
    // ~30% dropped; with 4000 draws a 5-sigma band is about ±145.
    XCTAssertTrue((1050...1350).contains(dropped), "\(dropped) of 4000 dropped")

    Torch.manualSeed(7)
    let y = try x.dropout(p: 0.3, training: true)
    let values = Set(try y.toArray(Float.self))
    XCTAssertEqual(values, [0, Float(1) / Float(0.7)], "kept elements are scaled by 1/(1-p)")
    // Evaluation mode is the identity and consumes no random numbers.
    assertClose(try x.dropout(p: 0.3, training: false), x, atol: 1e-6, rtol: 1e-6)
  }

  func testInPlaceSamplersAreReproducible() throws {
    try assertReproducible(seed: 3, "normal_") {
      let t = try Tensor.zeros([200], dtype: .float64)
      try t.normal_(mean: 2, std: 0.5)
      return t
    }
    try assertReproducible(seed: 3, "uniform_") {
      let t = try Tensor.zeros([200])
      try t.uniform_(-1, 1)
      return t
    }
  }

  func testSequenceAfterSeedingIsRestarted() throws {
    // Two draws after one seed differ from each other, and reseeding replays both.
    Torch.manualSeed(11)
    let a1 = try Tensor.randn([8]).contiguousBytes(), a2 = try Tensor.randn([8]).contiguousBytes()
    XCTAssertNotEqual(a1, a2)
    Torch.manualSeed(11)
    XCTAssertEqual(try Tensor.randn([8]).contiguousBytes(), a1)
    XCTAssertEqual(try Tensor.randn([8]).contiguousBytes(), a2)
    // Another seed gives another stream.
    Torch.manualSeed(12)
    XCTAssertNotEqual(try Tensor.randn([8]).contiguousBytes(), a1)
  }

  func testSeededValuesMatchPyTorch() throws {
    // libtorch's CPU generator is the one Python uses, so the streams are identical:
    //   torch.manual_seed(0); torch.randn(4).tolist()
    //   torch.manual_seed(0); torch.rand(4, dtype=torch.float64).tolist()
    //   torch.manual_seed(0); torch.randperm(8).tolist()
    //   torch.manual_seed(0); torch.nn.functional.dropout(torch.ones(10), 0.5).tolist()
    Torch.manualSeed(0)
    XCTAssertEqual(try Tensor.randn([4]).toArray(Float.self), [1.5409960746765137, -0.293428897857666, -2.1787893772125244, 0.5684312582015991])
    Torch.manualSeed(0)
    XCTAssertEqual(try Tensor.rand([4], dtype: .float64).toArray(Double.self),
                   [0.9700530018065531, 0.707819864399788, 0.45938294312745087, 0.9207476841219603])
    Torch.manualSeed(0)
    XCTAssertEqual(try Tensor.randperm(8).toArray(Int64.self), [4, 0, 7, 3, 2, 5, 1, 6])
    Torch.manualSeed(0)
    XCTAssertEqual(try Tensor.ones([10]).dropout(p: 0.5, training: true).toArray(Float.self), [0, 0, 2, 0, 0, 0, 2, 2, 0, 2])
  }
}
