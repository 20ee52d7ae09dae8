import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a file so that it appears complete or not at all: the bytes go to a temporary file
/// in the destination's directory (same file system, so the rename is atomic), are flushed
/// to disk, and the temporary file is then renamed over the destination.
public enum AtomicFileWriter {
  /// Calls `body` with a sink that appends bytes to the temporary file, then renames it to `url`.
  /// On any error the temporary file is removed and `url` is left untouched.
  public static func write(to url: URL, _ body: (_ sink: ([UInt8]) throws -> Void) throws -> Void) throws {
    let directory = url.deletingLastPathComponent()
    let temp = directory.appendingPathComponent(".\(url.lastPathComponent).tmp-\(UUID().uuidString)")
    guard FileManager.default.createFile(atPath: temp.path, contents: nil) else {
      throw TorchError("cannot create temporary file \(temp.path) to write \(url.path)")
    }
    var renamed = false
    defer { if !renamed { try? FileManager.default.removeItem(at: temp) } }
    do {
      let handle = try FileHandle(forWritingTo: temp)
      do {
        try body { bytes in try handle.write(contentsOf: bytes) }
        FaultInjection.shared.killIfRequested(writing: url.lastPathComponent)
        try handle.synchronize()
        try handle.close()
      } catch {
        try? handle.close()
        throw error
      }
    } catch let error as TorchError {
      throw error
    } catch {
      throw TorchError("cannot write \(url.path): \(error.localizedDescription)")
    }
    guard rename(temp.path, url.path) == 0 else {
      throw TorchError("cannot rename \(temp.path) to \(url.path): \(String(cString: strerror(errno)))")
    }
    renamed = true
  }

  /// Writes `data` to `url` atomically.
  public static func write(_ data: Data, to url: URL) throws {
    try write(to: url) { sink in try sink([UInt8](data)) }
  }
}

/// Fault injection for the kill -9 tests: with `FAIRPRUNE_KILL_DURING_WRITE=NAME` (or `NAME#N`)
/// the process kills itself with SIGKILL during the first (N-th) atomic write of a file named
/// NAME, after the bytes reached the temporary file and before the rename: the moment where an
/// interrupted write could leave a damaged file. Without the variable it does nothing.
final class FaultInjection: @unchecked Sendable {
  static let shared = FaultInjection()
  private let target: (name: String, count: Int)?
  private let lock = NSLock()
  private var seen = 0

  private init() {
    guard let spec = ProcessInfo.processInfo.environment["FAIRPRUNE_KILL_DURING_WRITE"], !spec.isEmpty else {
      target = nil
      return
    }
    let parts = spec.split(separator: "#", maxSplits: 1)
    target = (String(parts[0]), parts.count > 1 ? Int(parts[1]) ?? 1 : 1)
  }

  func killIfRequested(writing name: String) {
    guard let target, target.name == name else { return }
    lock.lock()
    seen += 1
    let hit = seen == target.count
    lock.unlock()
    if hit { kill(getpid(), SIGKILL) }
  }
}
