import Datasets
import Fairness
import NN
import Optim
import Torch
import XCTest

/// SPEC 2.7, second quirk: with the L2 term R inside the constraints' overall loss, CEAG's proxy
/// (L_g − L_d,g) − (L + R − L_d) adds −(Σ_g λ_g)·∇R to the primal gradient. With plain SGD and
/// R = (wd/2)‖θ‖², the quirk's parameters after one step differ from the clean ones by exactly
/// lr · wd · (Σ_g λ_g) · θ₀.
final class InPlaceL2QuirkTests: XCTestCase {
  func step(quirk: Bool) throws -> (weight: [Double], start: [Double], lambdaSum: Double) {
    Torch.manualSeed(3)
    let model = try Linear(4, 3)
    let start = try model.weight.toArray(Double.self)
    let inputs = try Tensor.randn([8, 4])
    let targets = try Tensor([Int64](arrayLiteral: 0, 1, 2, 0, 1, 2, 0, 1))
    let attributes = try Tensor([Int64](arrayLiteral: 0, 0, 0, 0, 1, 1, 1, 1), shape: [8, 1])
    let info = DatasetInfo(name: "t", classNames: ["a", "b", "c"], attributes: [ProtectedAttribute(name: "g", values: ["x", "y"])])
    let groups = try GroupSpec(info: info, attributeNames: ["g"], mode: .single)
    // A dense model that was perfect on group 0 and wrong on group 1: group 0 violates.
    let dense = try DenseReference(SplitPerformance(correct: Tensor([Bool](arrayLiteral: true, true, false, false)),
                                                    groupIDs: Tensor([Int64](arrayLiteral: 0, 0, 1, 1)), numGroups: 2,
                                                    losses: Tensor([Float](arrayLiteral: 0.1, 0.1, 2, 2))))
    let sgd = try SGD(parameters: model.parameters(), learningRate: 0.5)
    let tuner = try CEAG(objective: FineTuningObjective(model: model, weightDecay: 0.1), primal: sgd, groups: groups,
                         dense: dense, tolerance: 0, dual: .gradientAscent(learningRate: 1),
                         options: GroupConstraintOptions(bufferSize: nil), reproduceInPlaceL2Quirk: quirk)
    try tuner.step(inputs: inputs, targets: targets, attributes: attributes, mitigate: true)
    let lambdas = try XCTUnwrap(try tuner.multipliers()).toArray(Double.self)
    return (try model.weight.toArray(Double.self), start, lambdas.reduce(0, +))
  }

  func testQuirkAddsTheL2GradientTimesTheMultiplierSum() throws {
    let clean = try step(quirk: false)
    let quirk = try step(quirk: true)
    XCTAssertEqual(clean.start, quirk.start)
    XCTAssertEqual(clean.lambdaSum, quirk.lambdaSum, accuracy: 1e-6)  // dual step uses accuracies only
    XCTAssertGreaterThan(clean.lambdaSum, 0)
    for i in 0..<clean.weight.count {
      XCTAssertEqual(quirk.weight[i] - clean.weight[i], 0.5 * 0.1 * clean.lambdaSum * clean.start[i], accuracy: 1e-6)
    }
  }
}
