import Foundation

/// `fairprune launch`: starts the ranks of a data-parallel job on this host as `torchrun` does,
/// each a `fairprune` process with `RANK`, `LOCAL_RANK`, `WORLD_SIZE`, `MASTER_ADDR` and
/// `MASTER_PORT` set, and waits for them. When one rank fails, the others are stopped (SIGTERM)
/// and the launch fails with that rank's status, so no rank is left waiting for a dead peer.
public struct Launcher {
  /// The fairprune command every rank runs, e.g. `["prune", "--dense", ...]`.
  public var command: [String]
  /// Ranks on this host, hosts in the job, and this host's index among them.
  public var processesPerHost = 2
  public var hosts = 1
  public var hostIndex = 0
  /// Where rank 0 serves the rendezvous (a TCPStore).
  public var masterAddress = "127.0.0.1"
  public var masterPort = 29500
  /// The commands that run data-parallel.
  public static let parallelCommands = ["train", "prune"]

  public init(command: [String]) { self.command = command }

  func validate() throws {
    guard let first = command.first else {
      throw ConfigError("launch: give the command after --, e.g. fairprune launch --nproc 2 -- prune --dense dense.safetensors --output runs/x")
    }
    guard Self.parallelCommands.contains(first) else {
      throw ConfigError("launch: '\(first)' does not run data-parallel; launch one of: \(Self.parallelCommands.joined(separator: ", "))")
    }
    guard processesPerHost >= 1 else { throw ConfigError("launch: --nproc must be at least 1, got \(processesPerHost)") }
    guard hosts >= 1, (0..<hosts).contains(hostIndex) else {
      throw ConfigError("launch: --node-rank \(hostIndex) is not in 0..<\(hosts) (--nnodes)")
    }
    guard (1...65535).contains(masterPort) else { throw ConfigError("launch: --master-port \(masterPort) is not in 1...65535") }
  }

  /// The environment of local rank `local`.
  func environment(local: Int, base: [String: String]) -> [String: String] {
    var env = base
    env["RANK"] = "\(hostIndex * processesPerHost + local)"
    env["LOCAL_RANK"] = "\(local)"
    env["WORLD_SIZE"] = "\(hosts * processesPerHost)"
    env["MASTER_ADDR"] = masterAddress
    env["MASTER_PORT"] = "\(masterPort)"
    return env
  }

  /// Runs the ranks of this host to the end; returns 0, or the exit status of the first rank
  /// that failed (after stopping the others), and says which on `notes`.
  public func run(executable: String = Launcher.currentExecutable, notes: (String) -> Void = { _ in }) throws -> Int32 {
    try validate()
    final class Exits: @unchecked Sendable {
      let lock = NSCondition()
      var order: [(local: Int, status: Int32)] = []
    }
    let exits = Exits()
    var processes: [Process] = []
    defer { for p in processes where p.isRunning { p.terminate() } }
    for local in 0..<processesPerHost {
      let p = Process()
      p.executableURL = URL(fileURLWithPath: executable)
      p.arguments = command
      p.environment = environment(local: local, base: ProcessInfo.processInfo.environment)
      p.terminationHandler = { done in
        exits.lock.lock()
        exits.order.append((local, done.terminationReason == .uncaughtSignal ? 128 + done.terminationStatus : done.terminationStatus))
        exits.lock.signal()
        exits.lock.unlock()
      }
      do { try p.run() } catch { throw ConfigError("launch: cannot start \(executable): \(error.localizedDescription)") }
      processes.append(p)
    }
    exits.lock.lock()
    defer { exits.lock.unlock() }
    while exits.order.count < processes.count {
      if let failed = exits.order.first(where: { $0.status != 0 }) {
        notes("launch: rank \(hostIndex * processesPerHost + failed.local) exited with status \(failed.status); stopping the other ranks")
        exits.lock.unlock()
        for p in processes where p.isRunning { p.terminate() }
        for p in processes { p.waitUntilExit() }
        exits.lock.lock()
        return failed.status
      }
      exits.lock.wait()
    }
    return exits.order.first { $0.status != 0 }?.status ?? 0
  }

  /// This process's executable: the ranks run the same fairprune.
  public static var currentExecutable: String {
    URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
  }
}
