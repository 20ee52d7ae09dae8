import Foundation
import TestSupport
import Torch
import XCTest

/// c10d over Gloo: two ranks in one process (two threads, loopback TCP) exchange tensors.
final class ProcessGroupTests: XCTestCase {
  func testAllReduceSumsAndBroadcastCopiesAcrossTwoRanks() throws {
    guard ProcessGroup.isAvailable else { throw XCTSkip("built without Gloo (libgloo-dev)") }
    let port = try freeLoopbackPort()
    final class Results: @unchecked Sendable { var values: [[Double]] = [[], []] }
    let results = Results()
    let errors = onRanks(2) { rank in
      let group = try ProcessGroup(host: "127.0.0.1", port: port, rank: rank, worldSize: 2, timeout: 30)
      let r = Double(rank + 1)
      let a = try Tensor([Float(r), Float(2 * r)]), b = try Tensor([r / 3, -r])
      try group.allReduceSum([a, b])
      let c = try Tensor([Double(rank * 10 + 7)])
      try group.broadcast(c, root: 1)
      try group.barrier()
      results.values[rank] = try a.to(.float64).toArray(Double.self) + b.toArray(Double.self) + c.toArray(Double.self)
    }
    XCTAssertEqual(errors.compactMap { $0 }, [])
    // Ranks hold 1,2 and 2,4 (float32), 1/3,-1 and 2/3,-2 (float64); rank 1 broadcasts 17.
    for rank in 0..<2 {
      assertClose(results.values[rank], [3, 6, 1, -3, 17], atol: 1e-12)
    }
  }

  func testARankWhoseOthersNeverComeFailsWithinTheTimeout() throws {
    guard ProcessGroup.isAvailable else { throw XCTSkip("built without Gloo (libgloo-dev)") }
    let port = try freeLoopbackPort()
    let start = Date()
    XCTAssertThrowsError(try ProcessGroup(host: "127.0.0.1", port: port, rank: 0, worldSize: 2, timeout: 1)) { error in
      XCTAssertFalse("\(error)".isEmpty)
    }
    XCTAssertLessThan(Date().timeIntervalSince(start), 30)
    XCTAssertThrowsError(try ProcessGroup(host: "127.0.0.1", port: port, rank: 2, worldSize: 2)) { error in
      XCTAssertTrue("\(error)".contains("rank 2 is not in 0..<2"), "\(error)")
    }
  }

  /// torchrun's variables: absent or WORLD_SIZE=1 is a single process; malformed ones are named.
  func testTheEnvironmentDescribesTheGroupAsTorchrunSetsIt() throws {
    XCTAssertNil(try ProcessGroup.fromEnvironment([:]))
    XCTAssertNil(try ProcessGroup.fromEnvironment(["WORLD_SIZE": "1", "RANK": "0"]))
    let cases: [([String: String], String)] = [
      (["WORLD_SIZE": "two"], "WORLD_SIZE=two is not an integer"),
      (["WORLD_SIZE": "2"], "RANK is not set, but WORLD_SIZE is"),
      (["WORLD_SIZE": "2", "RANK": "5"], "RANK=5 is not in 0..<2"),
      (["WORLD_SIZE": "2", "RANK": "1", "MASTER_PORT": "x"], "MASTER_PORT=x is not an integer"),
      (["WORLD_SIZE": "0"], "WORLD_SIZE=0 must be at least 1"),
    ]
    for (environment, message) in cases {
      XCTAssertThrowsError(try ProcessGroup.fromEnvironment(environment)) { error in
        XCTAssertTrue("\(error)".contains(message), "\(environment): \(error)")
      }
    }
    guard ProcessGroup.isAvailable else { return }
    let port = try freeLoopbackPort()
    final class Sizes: @unchecked Sendable { var values = [0, 0] }
    let sizes = Sizes()
    let errors = onRanks(2) { rank in
      let group = try XCTUnwrap(ProcessGroup.fromEnvironment(["WORLD_SIZE": "2", "RANK": "\(rank)", "MASTER_ADDR": "127.0.0.1",
                                                              "MASTER_PORT": "\(port)"], timeout: 30))
      let t = try Tensor([Float(1)])
      try group.allReduceSum([t])
      sizes.values[rank] = Int(try t.item())
    }
    XCTAssertEqual(errors.compactMap { $0 }, [])
    XCTAssertEqual(sizes.values, [2, 2])
  }
}
