import NN
import Optim
import Torch
import XCTest

final class ModuleTests: XCTestCase {
  override func setUp() { Torch.threadCount = 2 }

  func testLoadStateDictListsEveryProblemAndWritesNothing() throws {
    let model = try MLP(inputSize: 4, hiddenSizes: [3], outputSize: 2)
    let before = try model.layers.layers[0].ownParameters[0].tensor.clone()
    var state = model.stateDict().map { ($0.name, $0.tensor) }
    state.removeLast()  // drop layers.2.bias
    state[0] = ("layers.0.weight", try Tensor.zeros([5, 4]))
    state.append(("extra.weight", try Tensor.zeros([1])))
    XCTAssertThrowsError(try model.loadStateDict(state)) { error in
      let e = error as! StateDictError
      XCTAssertEqual(e.missing, ["layers.2.bias"])
      XCTAssertEqual(e.unexpected, ["extra.weight"])
      XCTAssertEqual(e.misShaped, ["layers.0.weight: checkpoint [5, 4], model [3, 4]"])
    }
    XCTAssertTrue(try model.layers.layers[0].ownParameters[0].tensor.equals(before))
  }

  func testToFloat64ConvertsInPlaceAndKeepsIdentity() throws {
    let model = try CifarResNet(depth: 8, numClasses: 3)
    let before = try model.stateDict().map { ($0.name, $0.tensor, try $0.tensor.toArray(Double.self)) }
    try model.to(.float64)
    for ((name, tensor, values), after) in zip(before, model.stateDict()) {
      XCTAssertTrue(tensor === after.tensor, "\(name) is the same Tensor object")
      XCTAssertEqual(tensor.dtype, name.hasSuffix("num_batches_tracked") ? .int64 : .float64, name)
      // float32 -> float64 is exact
      XCTAssertEqual(try tensor.toArray(Double.self), values, name)
    }
    XCTAssertTrue(model.parameters().allSatisfy(\.requiresGrad))
    let x = try Tensor.ones([2, 3, 8, 8], dtype: .float64)
    let loss = try model(x).sum()
    try loss.backward()
    XCTAssertEqual(try XCTUnwrap(model.parameters()[0].grad).dtype, .float64, "gradients follow the new dtype")
  }

  func testLoadStateDictCopiesValues() throws {
    let a = try MLP(inputSize: 4, hiddenSizes: [3], outputSize: 2)
    let b = try MLP(inputSize: 4, hiddenSizes: [3], outputSize: 2)
    try b.loadStateDict(a.stateDict())
    for (x, y) in zip(a.stateDict(), b.stateDict()) { XCTAssertTrue(try x.tensor.equals(y.tensor)) }
    XCTAssertTrue(b.parameters().allSatisfy(\.requiresGrad))
  }

  func testTrainEvalPropagates() throws {
    let model = try CifarResNet(depth: 20, numClasses: 10)
    model.eval()
    XCTAssertTrue(model.namedModules().allSatisfy { !$0.module.isTraining })
    model.train()
    XCTAssertTrue(model.namedModules().allSatisfy { $0.module.isTraining })
  }

  /// nn.Linear's default init draws weight and bias from U(-1/√fan_in, 1/√fan_in).
  func testDefaultInitBounds() throws {
    Torch.manualSeed(1)
    let l = try Linear(16, 1000)
    XCTAssertLessThanOrEqual(try l.weight.abs().max().item(), 0.25)
    XCTAssertGreaterThan(try l.weight.abs().max().item(), 0.24)
    XCTAssertLessThanOrEqual(try l.bias!.abs().max().item(), 0.25)
    let c = try Conv2d(4, 8, kernelSize: 3, groups: 2)
    XCTAssertEqual(c.weight.shape, [8, 2, 3, 3])
    XCTAssertLessThanOrEqual(try c.weight.abs().max().item(), 1 / Double(18).squareRoot())
    XCTAssertThrowsError(try Conv2d(3, 8, kernelSize: 3, groups: 2))
  }

  /// Two runs with the same seed and thread count give bitwise-equal weights.
  func testTrainingIsDeterministic() throws {
    func train() throws -> [[Float]] {
      Torch.manualSeed(42)
      let model = try CifarResNet(depth: 8, numClasses: 5)
      let opt = try SGD(parameters: model.parameters(), learningRate: 0.05, momentum: 0.9)
      for _ in 0..<3 {
        let x = try Tensor.randn([8, 3, 16, 16])
        let y = try Tensor.randint(high: 5, shape: [8])
        try opt.zeroGrad()
        try Tensor.crossEntropy(model(x), targets: y).backward()
        try opt.step()
      }
      return try model.stateDict().filter { $0.tensor.dtype == .float32 }.map { try $0.tensor.toArray(Float.self) }
    }
    XCTAssertEqual(try train(), try train())
  }

  func testBatchNormCountsBatches() throws {
    let bn = try BatchNorm2d(3)
    _ = try bn(Tensor.randn([2, 3, 4, 4]))
    _ = try bn(Tensor.randn([2, 3, 4, 4]))
    XCTAssertEqual(try bn.numBatchesTracked.itemInt(), 2)
    bn.eval()
    _ = try bn(Tensor.randn([2, 3, 4, 4]))
    XCTAssertEqual(try bn.numBatchesTracked.itemInt(), 2)
  }
}
