import Constrained
import NN
import Optim
import Torch
import XCTest

/// One CEAG-style dual-then-primal step on a 3-group logistic model, against PyTorch 1.13.
final class PyTorchFixtureTests: XCTestCase {
  override func setUp() { Torch.threadCount = 1 }

  /// Reference values printed by (Debian python3-torch 1.13):
  /// ```python
  /// x = torch.tensor([[0.5, -1.0, 2.0], [1.5, 0.2, -0.3], [-0.7, 0.9, 0.1],
  ///                   [0.3, 0.3, -1.2], [2.0, -0.5, 0.4], [-1.1, -0.8, 0.6]])
  /// y = torch.tensor([0, 1, 1, 0, 1, 0])
  /// group = torch.tensor([0, 1, 0, 1, 1, 0])          # group 2 is absent: B = {0, 1}
  /// W = torch.tensor([[0.1, -0.2, 0.3], [-0.4, 0.5, 0.05]], requires_grad=True)
  /// b = torch.tensor([0.02, -0.01], requires_grad=True)
  /// lam = torch.tensor([0.1, 0.2, 0.3])
  /// strict_idx = torch.tensor([0, 2]); strict = torch.tensor([0.05, -0.4])   # F = {0, 2}
  /// lam[strict_idx] = torch.relu(lam[strict_idx] + 0.5 * strict)               # dual step first
  /// losses = torch.nn.functional.cross_entropy(x @ W.T + b, y, reduction="none")
  /// L = losses.mean()
  /// psi = torch.stack([losses[group == g].mean() - L for g in (0, 1)])         # proxies on B
  /// lagrangian = L + (lam[torch.tensor([0, 1])] * psi).sum()
  /// opt = torch.optim.SGD([W, b], lr=0.1, momentum=0.9)
  /// lagrangian.backward(); opt.step()
  /// ```
  func testDualPrimalStepMatchesPyTorch() throws {
    let x = try Tensor([Float(0.5), -1.0, 2.0, 1.5, 0.2, -0.3, -0.7, 0.9, 0.1, 0.3, 0.3, -1.2, 2.0, -0.5, 0.4, -1.1, -0.8, 0.6],
                       shape: [6, 3])
    let y = try Tensor([Int64(0), 1, 1, 0, 1, 0])
    let inGroup0 = try Tensor([Float(1), 0, 1, 0, 0, 1]), inGroup1 = try Tensor([Float(0), 1, 0, 1, 1, 0])
    let w = try Tensor([Float(0.1), -0.2, 0.3, -0.4, 0.5, 0.05], shape: [2, 3]).requiringGrad()
    let b = try Tensor([Float(0.02), -0.01]).requiringGrad()
    let multiplier = try Multiplier(kind: .inequality, initialValues: Tensor([Float(0.1), 0.2, 0.3]), access: .indexed)
    let gap = try Constraint(name: "gap", kind: .inequality, multiplier: multiplier)
    let optimizer = try ConstrainedOptimizer(
      constraints: [gap], primal: [SGD(parameters: [w, b], learningRate: 0.1, momentum: 0.9)],
      dual: [DualSGD(multipliers: [multiplier], learningRate: 0.5)], order: .alternatingDualPrimal)

    let out = try optimizer.roll(computeState: {
      let losses = try Tensor.crossEntropy(Tensor.linear(x, weight: w, bias: b), targets: y, reduction: .none)
      let overall = try losses.mean()
      let psi = try Tensor.stack([(losses * inGroup0).sum() / 3 - overall, (losses * inGroup1).sum() / 3 - overall])
      let state = try ConstraintState(violation: psi, strictViolation: Tensor([Float(0.05), -0.4]),
                                      indices: Tensor([Int64(0), 1]), strictIndices: Tensor([Int64(0), 2]))
      return ProblemState(loss: overall, observed: [(gap, state)])
    })
    try assertClose(multiplier.values(), [0.125, 0.20000000298023224, 0.10000000894069672], atol: 1e-7)
    XCTAssertEqual(try scalar(out.primalLagrangian!), 0.8159688711166382, accuracy: 1e-6)
    try assertClose(w, [0.05361983925104141, -0.2042415291070938, 0.2945480942726135,
                        -0.35361984372138977, 0.5042415261268616, 0.055451903492212296], atol: 1e-6)
    try assertClose(b, [0.009864439256489277, 0.00013555862824432552], atol: 1e-6)
  }
}
