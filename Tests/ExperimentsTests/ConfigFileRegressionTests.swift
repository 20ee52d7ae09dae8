import Experiments
import Foundation
import TestSupport
import XCTest

/// Inputs the fuzzer found (Fuzz/run.sh config-yaml), now clear errors instead of traps.
final class ConfigFileRegressionTests: XCTestCase {
  func resolve(_ yaml: String) throws -> RunConfig {
    let file = try temporaryDirectory(self, prefix: "config").appendingPathComponent("c.yaml")
    try yaml.write(to: file, atomically: true, encoding: .utf8)
    return try ConfigFile.resolve(file: file.path)
  }

  func testNonScalarKeysAliasBombsAndDeepNestingAreErrors() throws {
    // Yams.load trapped on a sequence as a mapping key (the fuzzer's crash, Fuzz/corpus/config-yaml/crash-sequence-key.yaml).
    assertThrows(ConfigError.self, "c.yaml: a key at line 1 is not a plain name") {
      try resolve("[]: &b 071\nleaurea_rate: *b\nstrucnin: &X 013\nlea_rate: *b\nstruc: \n")
    }
    var bomb = "a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n"
    for (name, previous) in zip(["b", "c", "d", "e", "f"], ["a", "b", "c", "d", "e"]) {
      bomb += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 10).joined(separator: ", ") + "]\n"
    }
    assertThrows(ConfigError.self, "more than 100000 values") { try resolve(bomb) }
    assertThrows(ConfigError.self, "nested deeper than 64 levels") {
      try resolve("sparsity: " + String(repeating: "[", count: 70) + String(repeating: "]", count: 70) + "\n")
    }
    // Plain YAML still reads as before: numbers, booleans, lists, anchors.
    let c = try resolve("sparsity: 0.5\nstructured: true\nmilestones: [0.5, 1]\nseed: 71\nlearning_rate: &lr 0.25\n")
    XCTAssertEqual(c.sparsity, 0.5)
    XCTAssertTrue(c.structured)
    XCTAssertEqual(c.milestones, [0.5, 1])
    XCTAssertEqual(c.seed, 71)
    XCTAssertEqual(c.learningRate, 0.25)
  }
}
