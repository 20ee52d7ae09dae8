import Foundation

/// Progress of long work: a live line with epoch, batch and ETA on a terminal; nothing per batch
/// when stderr is a file or pipe (logs stay quiet), only the per-epoch summary lines.
public final class ProgressReporter: @unchecked Sendable {
  let isTerminal: Bool
  let enabled: Bool
  var start = Date()

  public init(enabled: Bool = true) {
    self.enabled = enabled
    isTerminal = isatty(fileno(stderr)) != 0
  }

  /// Starts timing a phase of `epochs` epochs.
  public func begin() { start = Date() }

  public func batch(phase: String, epoch: Int, epochs: Int, batch: Int, batches: Int) {
    guard enabled, isTerminal, batch % 5 == 0 || batch == batches else { return }
    let done = Double(epoch * batches + batch)
    let total = Double(epochs * batches)
    let elapsed = Date().timeIntervalSince(start)
    let eta = done > 0 ? elapsed * (total - done) / done : 0
    let line = String(format: "\r%@ epoch %d/%d batch %d/%d  ETA %@   ", phase, epoch + 1, epochs, batch, batches, Self.format(eta))
    FileHandle.standardError.write(line.data(using: .utf8) ?? Data())
  }

  /// A summary line after `done` of `total` epochs since `begin()`, with the elapsed time and
  /// the ETA (also in logs, where the live line is off).
  public func epochLine(_ text: String, done: Int, total: Int) {
    let elapsed = Date().timeIntervalSince(start)
    let eta = done > 0 ? elapsed * Double(total - done) / Double(done) : 0
    line(text + "  [\(Self.format(elapsed)) elapsed, ETA \(Self.format(eta))]")
  }

  /// A summary line (also in logs).
  public func line(_ text: String) {
    guard enabled else { return }
    let prefix = isTerminal ? "\r\u{1B}[K" : ""
    FileHandle.standardError.write((prefix + text + "\n").data(using: .utf8) ?? Data())
  }

  static func format(_ seconds: Double) -> String {
    let s = Int(seconds.rounded())
    return s >= 60 ? "\(s / 60)m\(String(format: "%02d", s % 60))s" : "\(s)s"
  }
}
