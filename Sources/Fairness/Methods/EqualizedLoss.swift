import Constrained
import NN
import Optim
import Torch

/// Equalized loss (Tran et al. 2022, SPEC 5.2): one equality constraint per group,
/// h_g = L_g − L = 0 (or |L_g − L| = 0), with minibatch losses in the primal step and, with replay
/// buffers, buffered per-sample losses for the dual step.
public final class EqualizedLoss: FineTuningMethod {
  public let objective: FineTuningObjective
  public let groups: GroupSpec
  /// |L_g − L| (true, the paper's runs) or L_g − L.
  public let absolute: Bool
  /// Use L + R (the L2 term) as the overall loss, as the released code does (SPEC 2.7).
  public let reproduceInPlaceL2Quirk: Bool
  let solver: GroupConstraintSolver
  public var model: any Module { objective.model }
  /// The per-group replay buffers of losses (nil: the dual step uses the minibatch proxies).
  public var buffer: ReplayBuffer? { solver.buffer }

  /// - Parameters:
  ///   - groupCounts: the training samples of each group: the weights of the buffers' overall loss
  ///     (as the minibatch L weighs samples), their capacities and the minimum group size.
  ///   - options: buffer size (nil: minibatch proxies for the dual step too), minimum group size.
  public init(objective: FineTuningObjective, primal: any Optimizer, groups: GroupSpec, groupCounts: [Int],
              absolute: Bool = true, dual: DualUpdate = .gradientAscent(learningRate: 1e-2),
              options: GroupConstraintOptions = GroupConstraintOptions(bufferSize: nil),
              reproduceInPlaceL2Quirk: Bool = false) throws {
    guard groupCounts.count == groups.numGroups else {
      throw FairnessError("equalized loss: \(groupCounts.count) group counts for \(groups.numGroups) groups")
    }
    self.objective = objective
    self.groups = groups
    self.absolute = absolute
    self.reproduceInPlaceL2Quirk = reproduceInPlaceL2Quirk
    solver = try GroupConstraintSolver(name: options.bufferSize == nil ? "el" : "el-rb", kind: .equality,
                                       groupCounts: groupCounts, primal: primal, dual: dual, options: options,
                                       device: objective.model.device)
  }

  @discardableResult
  public func step(inputs: Tensor, targets: Tensor, attributes: Tensor, mitigate: Bool) throws -> StepRecord {
    guard mitigate else { return try solver.objectiveStep(try objective.evaluate(inputs: inputs, targets: targets)) }
    let ids = try groups.groupIDs(attributes: attributes)
    return try solver.constrainedStep { record in
      let f = try objective.evaluate(inputs: inputs, targets: targets)
      return (f, try constraintState(f, groupIDs: ids, record: record))
    }
  }

  /// Proxies L_g − L (or |L_g − L|) on the groups in the batch and, with buffers, the strict
  /// values from the buffered losses; the batch's losses enter the buffers only when `record`.
  func constraintState(_ f: FineTuningObjective.Evaluation, groupIDs ids: Tensor, record: Bool) throws -> ConstraintState {
    let lossStats = try f.batch.groupStatistics(values: f.perSample, groupIDs: ids, numGroups: groups.numGroups)
    let present = try solver.restrict(lossStats.presentGroups())
    let overall = reproduceInPlaceL2Quirk ? f.objective : f.meanLoss
    var proxyAll = try lossStats.means - overall
    if absolute { proxyAll = try proxyAll.abs() }
    let proxy = try proxyAll.indexSelect(dim: 0, index: present)
    guard let buffer else { return try ConstraintState(violation: proxy, indices: present) }
    if record { try buffer.push(f.batch.gather(f.perSample.detached()), groupIDs: f.batch.gather(ids)) }
    let estimate = try buffer.estimate()
    var strictAll = try estimate.means - estimate.overall
    if absolute { strictAll = try strictAll.abs() }
    let full = try solver.restrict(estimate.fullGroups)
    return try ConstraintState(violation: proxy, strictViolation: strictAll.indexSelect(dim: 0, index: full),
                               indices: present, strictIndices: full)
  }

  public func multipliers() throws -> Tensor? { try solver.multipliers() }
  public func state() throws -> [(name: String, tensor: Tensor)] { try solver.state() }
  public func loadState(_ state: [(name: String, tensor: Tensor)]) throws { try solver.loadState(state) }
}
