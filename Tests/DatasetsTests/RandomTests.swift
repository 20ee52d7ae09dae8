import Datasets
import XCTest

/// The NumPy- and Python-compatible Mersenne Twister that makes splits reproduce the reference code.
final class RandomTests: XCTestCase {
  /// `list(np.random.RandomState(1357).permutation(20))` with NumPy 1.24.
  func testNumpyPermutationMatchesNumPy() {
    var rng = MersenneTwister(numpySeed: 1357)
    XCTAssertEqual(rng.numpyPermutation(20), [0, 1, 16, 5, 10, 9, 12, 8, 11, 13, 3, 2, 14, 18, 4, 17, 15, 7, 6, 19])
    // `list(np.random.RandomState(7).permutation(100000)[:5])`
    var big = MersenneTwister(numpySeed: 7)
    XCTAssertEqual(Array(big.numpyPermutation(100_000).prefix(5)), [33909, 92307, 89107, 9538, 31008])
  }

  /// `random.Random(seed).shuffle(x)` and `getrandbits(32)` with CPython 3.
  func testPythonShuffleMatchesCPython() {
    var rng = MersenneTwister(pythonSeed: 0)
    var x = Array(0..<20)
    rng.pythonShuffle(&x)
    XCTAssertEqual(x, [10, 18, 16, 14, 0, 17, 11, 2, 3, 9, 5, 7, 4, 19, 6, 15, 8, 1, 13, 12])
    var wide = MersenneTwister(pythonSeed: 123_456_789_012)  // a seed of two 32-bit words
    var y = Array(0..<10)
    wide.pythonShuffle(&y)
    XCTAssertEqual(y, [2, 8, 5, 7, 9, 3, 1, 4, 0, 6])
    var five = MersenneTwister(pythonSeed: 5)
    XCTAssertEqual(five.pythonRandomBits(32), 2_675_342_405)
  }

  func testSplitsAreDeterministicDisjointAndComplete() {
    let a = DatasetSplitter.randomTestSplit(count: 101, testFraction: 0.2, seed: 1357)
    let b = DatasetSplitter.randomTestSplit(count: 101, testFraction: 0.2, seed: 1357)
    let c = DatasetSplitter.randomTestSplit(count: 101, testFraction: 0.2, seed: 1358)
    XCTAssertEqual(a.test, b.test)
    XCTAssertEqual(a.train, b.train)
    XCTAssertNotEqual(a.test, c.test)
    XCTAssertEqual(a.test.count, 20)  // int(0.2 * 101)
    XCTAssertTrue(Set(a.test).isDisjoint(with: a.train))
    XCTAssertEqual(Set(a.test).union(a.train), Set(0..<101))
  }

  func testStratifiedValidationTakesCeilOfEachGroup() {
    // Group [0] has 7 members, group [1] has 3: ceil(0.25 * 7) = 2 and ceil(0.25 * 3) = 1.
    let keys: [[Int]] = [[0], [1], [0], [0], [1], [0], [0], [1], [0], [0]]
    let s = DatasetSplitter.stratifiedValidationSplit(groupKeys: keys, fraction: 0.25, seed: 3)
    XCTAssertEqual(s.validation.filter { keys[$0] == [0] }.count, 2)
    XCTAssertEqual(s.validation.filter { keys[$0] == [1] }.count, 1)
    XCTAssertEqual(Set(s.train).union(s.validation), Set(0..<10))
    XCTAssertTrue(Set(s.train).isDisjoint(with: s.validation))
    let again = DatasetSplitter.stratifiedValidationSplit(groupKeys: keys, fraction: 0.25, seed: 3)
    XCTAssertEqual(again.validation, s.validation)
  }
}
