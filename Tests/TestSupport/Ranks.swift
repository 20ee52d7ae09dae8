import Foundation
import Glibc
import XCTest

/// A TCP port on 127.0.0.1 that the OS says is free now (for a test's rendezvous).
public func freeLoopbackPort() throws -> Int {
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

/// Runs `body(rank)` for every rank on its own thread (ranks of one process group in one test
/// process) and returns each rank's error description (nil: it succeeded).
public func onRanks(_ count: Int, _ body: @escaping @Sendable (Int) throws -> Void) -> [String?] {
  final class Box: @unchecked Sendable {
    var errors: [String?]
    let lock = NSLock()
    init(_ n: Int) { errors = Array(repeating: nil, count: n) }
  }
  let box = Box(count), group = DispatchGroup()
  for rank in 0..<count {
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
