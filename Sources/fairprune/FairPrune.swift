import ArgumentParser
import Experiments

@main
struct FairPrune: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "fairprune",
    abstract: "Prune neural networks without letting any group pay for it.",
    subcommands: [Demo.self, Train.self, Prune.self, Sweep.self, Evaluate.self, Report.self],
    defaultSubcommand: Demo.self
  )
}
