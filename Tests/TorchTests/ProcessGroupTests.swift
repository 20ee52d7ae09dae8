import Foundation
import Glibc
import TestSupport
import Torch
import XCTest

/// c10d over Gloo: two ranks in one process (two threads, loopback TCP) exchange tensors.
final class ProcessGroupTests: XCTestCase {
  /// A TCP port the OS says is free now.
  private func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard bound else { throw XCTSkip("no free loopback port") }
    return Int(UInt16(bigEndian: address.sin_port))
  }

  /// Runs `body(rank)` for ranks 0 and 1 on two threads; returns their errors (nil: succeeded).
  private func onTwoRanks(_ body: @escaping @Sendable (Int) throws -> Void) -> [String?] {
    final class Box: @unchecked Sendable { var errors: [String?] = [nil, nil]; let lock = NSLock() }
    let box = Box(), group = DispatchGroup()
    for rank in 0..<2 {
      group.enter()
      Thread {
        do { try body(rank) } catch {
          box.lock.lock()
          box.errors[rank] = "\(error)"
          box.lock.unlock()
        }
        group.leave()
      }.start()
    }
    group.wait()
    return box.errors
  }

  func testAllReduceSumsAndBroadcastCopiesAcrossTwoRanks() throws {
    guard ProcessGroup.isAvailable else { throw XCTSkip("built without Gloo (libgloo-dev)") }
    let port = try freePort()
    final class Results: @unchecked Sendable { var values: [[Double]] = [[], []] }
    let results = Results()
    let errors = onTwoRanks { rank in
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
    let port = try freePort()
    let start = Date()
    XCTAssertThrowsError(try ProcessGroup(host: "127.0.0.1", port: port, rank: 0, worldSize: 2, timeout: 1)) { error in
      XCTAssertFalse("\(error)".isEmpty)
    }
    XCTAssertLessThan(Date().timeIntervalSince(start), 30)
    XCTAssertThrowsError(try ProcessGroup(host: "127.0.0.1", port: port, rank: 2, worldSize: 2)) { error in
      XCTAssertTrue("\(error)".contains("rank 2 is not in 0..<2"), "\(error)")
    }
  }
}
