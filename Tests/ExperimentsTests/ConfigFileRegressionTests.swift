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
    // 3,000 nested flow mappings overflowed the stack inside the YAML parser (crash-deep-flow-nesting.yaml).
    assertThrows(ConfigError.self, "nested deeper than 64 levels (line 1)") { try resolve(String(repeating: "{", count: 3000)) }
    assertThrows(ConfigError.self, "line 2 nests deeper than 64 levels") {
      try resolve("milestones:\n" + String(repeating: "- ", count: 100) + "0.5\n")
    }
    assertThrows(ConfigError.self, "line 2 is indented deeper than 256 columns") { try resolve("a:\n" + String(repeating: " ", count: 300) + "b: 1\n") }
    // Yams' sexagesimal integers overflowed with a trap (crash-sexagesimal-overflow.yaml); now plain text.
    assertThrows(ConfigError.self, "seed = 22113030122113033001:0") { try resolve("seed: 22113030122113033001:0\n") }
    assertThrows(ConfigError.self, "c.yaml: expected a mapping of settings") { try resolve("22113030122113033001:0") }
    // Plain YAML still reads as before: numbers, booleans, lists, anchors.
    let c = try resolve("sparsity: 0.5\nstructured: true\nmilestones: [0.5, 1e0]\nseed: 0x47\nlearning_rate: &lr 0.25\nmomentum: *lr\n")
    XCTAssertEqual(c.sparsity, 0.5)
    XCTAssertTrue(c.structured)
    XCTAssertEqual(c.milestones, [0.5, 1])
    XCTAssertEqual(c.seed, 71)
    XCTAssertEqual(c.learningRate, 0.25)
    XCTAssertEqual(c.momentum, 0.25)
    assertThrows(ConfigError.self, "tolerance = nan: must be a finite number") { try resolve("tolerance: .nan\n") }
  }
}
