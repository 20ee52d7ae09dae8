import ArgumentParser
import Experiments
#if canImport(Glibc)
import Glibc
#endif

@main
struct FairPrune: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "fairprune",
    abstract: "Prune neural networks without letting any group pay for it.",
    version: FairPruneVersion.current,
    subcommands: [Demo.self, Train.self, Prune.self, Launch.self, Sweep.self, Evaluate.self, Report.self, Export.self, Diagnose.self],
    defaultSubcommand: Demo.self
  )

  /// A first word that is no command (`fairprune prun`) is an error naming the commands, not
  /// an argument of the default command.
  static func main() {
    let first = CommandLine.arguments.dropFirst().first
    // With a default command, ArgumentParser would hand --version to the demo.
    if first == "--version" {
      print(FairPruneVersion.current)
      Glibc.exit(0)
    }
    if let word = first, let message = unknownCommand(word) {
      fputs(message + "\n", stderr)
      Glibc.exit(ExitCode.validationFailure.rawValue)
    }
    do {
      var command = try parseAsRoot()
      try command.run()
      exit(withError: nil)
    } catch {
      exit(withError: error)
    }
  }

  /// The error for `word` as a first argument, or nil when it is a command or an option.
  static func unknownCommand(_ word: String) -> String? {
    guard !word.hasPrefix("-") else { return nil }
    let names = configuration.subcommands.map { $0.configuration.commandName ?? $0._commandName } + ["help"]
    guard !names.contains(word) else { return nil }
    let close = names.filter { editDistance($0, word) <= 2 }
    return "Error: unknown command '\(word)'" + (close.isEmpty ? "" : "; did you mean '\(close[0])'?")
      + "\nCommands: \(names.joined(separator: ", ")). See 'fairprune --help'."
  }

  /// Levenshtein distance of two short words.
  static func editDistance(_ a: String, _ b: String) -> Int {
    let x = Array(a), y = Array(b)
    var row = Array(0...y.count)
    for i in 1...max(1, x.count) where !x.isEmpty {
      var previous = row[0]
      row[0] = i
      for j in stride(from: 1, through: y.count, by: 1) {
        let current = row[j]
        row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (x[i - 1] == y[j - 1] ? 0 : 1))
        previous = current
      }
    }
    return row[y.count]
  }
}
