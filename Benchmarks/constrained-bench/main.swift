// Times one dual step of the Constrained module: `total` inequality constraints with an indexed
// multiplier, a few hundred observed per step (unique random indices, random strict violations).
// Usage: constrained-bench [observed = 300] [steps = 2000] [total = 10000]
import Constrained
import Foundation
import Torch
import BenchSupport

struct Options: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "constrained-bench")
  @Argument(help: "Constraints observed per step.") var observed = 300
  @Argument(help: "Timed dual steps.") var steps = 2_000
  @Argument(help: "Constraints in all.") var total = 10_000

  func validate() throws {
    guard observed >= 1, steps >= 1, observed <= total else {
      throw ValidationError("need 1 <= observed (\(observed)) <= total (\(total)) and steps (\(steps)) >= 1")
    }
  }
}

let options = Options.parseOrExit()
let observed = options.observed, steps = options.steps, total = options.total
Torch.threadCount = 1
Torch.manualSeed(0)

/// Median and mean wall time (µs) of `dualStep` over `steps` pre-generated states.
func timeDualStep(_ label: String, observedCount: Int, makeDual: (Multiplier) throws -> DualOptimizer) throws {
  let access: EntryAccess = observedCount == total ? .dense : .indexed
  let multiplier = try Multiplier(kind: .inequality, count: total, access: access, initialValue: 0.1)
  let constraint = try Constraint(name: "groups", kind: .inequality, multiplier: multiplier)
  let optimizer = try ConstrainedOptimizer(constraints: [constraint], primal: [], dual: [makeDual(multiplier)],
                                           order: .alternatingDualPrimal)
  let states = try (0..<50).map { _ -> ProblemState in
    let violation = try Tensor.randn([observedCount])
    let indices = access == .dense ? nil : try Tensor.randperm(total).slice(dim: 0, start: 0, end: observedCount)
    return ProblemState(loss: nil, observed: [(constraint, try ConstraintState(violation: violation, indices: indices))])
  }
  for s in states { try optimizer.dualStep(using: s) }  // warm-up, allocates optimizer state
  var times: [Double] = []
  times.reserveCapacity(steps)
  for i in 0..<steps {
    let start = DispatchTime.now().uptimeNanoseconds
    try optimizer.dualStep(using: states[i % states.count])
    times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1_000)
  }
  times.sort()
  let mean = times.reduce(0, +) / Double(times.count)
  let stats = String(format: "observed %5d of %d: median %6.1f µs, mean %6.1f µs, p99 %6.1f µs", observedCount, total,
                     times[times.count / 2], mean, times[times.count * 99 / 100])
  print(label.padding(toLength: 30, withPad: " ", startingAt: 0) + stats)
}

print("dual step cost, \(steps) steps, 1 thread")
try timeDualStep("DualSGD", observedCount: observed) { try DualSGD(multipliers: [$0], learningRate: 0.01) }
try timeDualStep("DualSGD momentum 0.9", observedCount: observed) {
  try DualSGD(multipliers: [$0], learningRate: 0.01, momentum: 0.9)
}
try timeDualStep("NuPI kp=1 ki=1 nu=0.1", observedCount: observed) {
  try NuPI(multipliers: [$0], learningRate: 0.01, kp: 1, ki: 1, nu: 0.1)
}
try timeDualStep("DualSGD, restarts on", observedCount: observed) {
  $0.restartOnFeasible = true
  return try DualSGD(multipliers: [$0], learningRate: 0.01)
}
try timeDualStep("DualSGD dense (all observed)", observedCount: total) { try DualSGD(multipliers: [$0], learningRate: 0.01) }
