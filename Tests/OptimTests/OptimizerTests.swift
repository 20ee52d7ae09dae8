import Foundation
import NN
import Optim
import Torch
import XCTest

/// One optimizer step equals the hand formula of torch.optim (1.13).
final class OptimizerTests: XCTestCase {
  override func setUp() { Torch.threadCount = 2 }

  /// A parameter [1, -2] with gradient g set by hand.
  func param(_ values: [Double] = [1, -2]) throws -> Tensor { try Tensor(values).requiringGrad() }
  func setGrad(_ p: Tensor, _ g: [Double]) throws { try p.setGrad(Tensor(g)) }

  func testPlainSGD() throws {
    let p = try param()
    let opt = try SGD(parameters: [p], learningRate: 0.1)
    try setGrad(p, [0.5, 1])
    try opt.step()
    XCTAssertEqual(try p.toArray(Double.self), [0.95, -2.1])
  }

  func testSGDMomentumDampeningWeightDecay() throws {
    // d = g + wd·p; buf1 = d; buf2 = m·buf1 + (1-damp)·d2; p -= lr·buf
    let p = try param()
    let opt = try SGD(parameters: [p], learningRate: 0.1, momentum: 0.9, dampening: 0.5, weightDecay: 0.01)
    try setGrad(p, [0.5, 1])
    try opt.step()
    let d1 = [0.5 + 0.01 * 1, 1 + 0.01 * -2]
    let p1 = [1 - 0.1 * d1[0], -2 - 0.1 * d1[1]]
    try assertArray(p, p1)
    try setGrad(p, [0.5, 1])
    try opt.step()
    let d2 = [0.5 + 0.01 * p1[0], 1 + 0.01 * p1[1]]
    let b2 = [0.9 * d1[0] + 0.5 * d2[0], 0.9 * d1[1] + 0.5 * d2[1]]
    try assertArray(p, [p1[0] - 0.1 * b2[0], p1[1] - 0.1 * b2[1]])
  }

  func testNesterov() throws {
    let p = try param()
    let opt = try SGD(parameters: [p], learningRate: 0.1, momentum: 0.9, nesterov: true)
    try setGrad(p, [1, 1])
    try opt.step()  // buf = g; d = g + 0.9·buf = 1.9
    try assertArray(p, [1 - 0.19, -2 - 0.19])
    try setGrad(p, [1, 1])
    try opt.step()  // buf = 0.9 + 1 = 1.9; d = 1 + 0.9·1.9 = 2.71
    try assertArray(p, [1 - 0.19 - 0.271, -2 - 0.19 - 0.271])
  }

  func testMaximizeFlipsSign() throws {
    let p = try param()
    let opt = try SGD(parameters: [p], learningRate: 0.1, maximize: true)
    try setGrad(p, [0.5, 1])
    try opt.step()
    try assertArray(p, [1.05, -1.9])
  }

  func testAdamTwoSteps() throws {
    let p = try param([1])
    let opt = try Adam(parameters: [p], learningRate: 0.01, betas: (0.9, 0.999), eps: 1e-8, weightDecay: 0.1)
    var m = 0.0, v = 0.0, x = 1.0
    for (t, g0) in [0.5, -0.25].enumerated() {
      try setGrad(p, [g0])
      try opt.step()
      let g = g0 + 0.1 * x
      m = 0.9 * m + 0.1 * g
      v = 0.999 * v + 0.001 * g * g
      let step = Double(t + 1)
      let denom = (v.squareRoot() / (1 - pow(0.999, step)).squareRoot()) + 1e-8
      x -= 0.01 / (1 - pow(0.9, step)) * m / denom
      try assertArray(p, [x], tol: 1e-12)
    }
  }

  func testAdamWDecouplesDecay() throws {
    let p = try param([2])
    let opt = try Adam.adamW(parameters: [p], learningRate: 0.1, weightDecay: 0.5)
    try setGrad(p, [3])
    try opt.step()
    // p·(1 - lr·wd) then the first Adam step moves by lr·sign(g) (m̂/√v̂ = 1 up to eps).
    try assertArray(p, [2 * (1 - 0.05) - 0.1 * 3 / (3 + 1e-8)], tol: 1e-9)
  }

  func testLineFitConverges() throws {
    // y = 3x - 1 from 8 points; SGD with momentum on MSE finds w, b.
    let x = try Tensor([0, 1, 2, 3, 4, 5, 6, 7].map { Double($0) / 7 }, shape: [8, 1])
    let y = try x * 3 - 1
    let w = try Tensor.zeros([1, 1], dtype: .float64).requiringGrad()
    let b = try Tensor.zeros([1], dtype: .float64).requiringGrad()
    let opt = try SGD(parameters: [w, b], learningRate: 0.1, momentum: 0.9)
    for _ in 0..<500 {
      try opt.zeroGrad()
      let loss = try (Tensor.linear(x, weight: w, bias: b) - y).square().mean()
      try loss.backward()
      try opt.step()
    }
    XCTAssertEqual(try w.item(), 3, accuracy: 1e-6)
    XCTAssertEqual(try b.item(), -1, accuracy: 1e-6)
  }

  func testStateRoundTripContinuesIdentically() throws {
    func run(resumeAfter: Int?) throws -> [Double] {
      let p = try param([1, 2])
      var opt: any Optimizer = try Adam(parameters: [p], learningRate: 0.05)
      for i in 0..<4 {
        if i == resumeAfter {
          let saved = try opt.state().map { ($0.name, try $0.tensor.clone()) }
          let copy = try p.detached().clone()
          let p2 = try copy.requiringGrad()
          let fresh = try Adam(parameters: [p2], learningRate: 0.7)
          try fresh.loadState(saved)
          XCTAssertEqual(fresh.learningRate, 0.05)
          XCTAssertEqual(fresh.stepCount, i)
          opt = fresh
        }
        let q = opt.parameters[0]
        try q.setGrad(Tensor([Double(i) - 1.5, 0.3 * Double(i)]))
        try opt.step()
      }
      return try opt.parameters[0].toArray(Double.self)
    }
    XCTAssertEqual(try run(resumeAfter: nil), try run(resumeAfter: 2))
  }

  func testLoadStateRejectsBadEntries() throws {
    let p = try param()
    let opt = try SGD(parameters: [p], learningRate: 0.1, momentum: 0.9)
    XCTAssertThrowsError(try opt.loadState([("state.0.momentum_buffer", try Tensor([1.0, 2, 3]))])) {
      XCTAssertTrue("\($0)".contains("shape [3]"), "\($0)")
    }
    XCTAssertThrowsError(try opt.loadState([("state.7.momentum_buffer", try Tensor([1.0, 2]))])) {
      XCTAssertTrue("\($0)".contains("state.7.momentum_buffer"), "\($0)")
    }
  }

  func testInvalidHyperparametersThrow() {
    XCTAssertThrowsError(try SGD(parameters: [], learningRate: -1))
    XCTAssertThrowsError(try SGD(parameters: [], learningRate: 0.1, nesterov: true))
    XCTAssertThrowsError(try Adam(parameters: [], betas: (1.0, 0.9)))
  }

  func testSchedules() {
    let ms = MultiStepSchedule(baseRate: 0.01, milestoneFractions: [0.6, 0.8, 0.9], totalEpochs: 60)
    XCTAssertEqual(ms.milestones, [36, 48, 54])
    XCTAssertEqual(ms.learningRate(epoch: 35), 0.01)
    XCTAssertEqual(ms.learningRate(epoch: 36), 0.001, accuracy: 1e-15)
    XCTAssertEqual(ms.learningRate(epoch: 59), 0.00001, accuracy: 1e-15)
    let cos = CosineSchedule(baseRate: 1, totalEpochs: 10, minRate: 0.1)
    XCTAssertEqual(cos.learningRate(epoch: 0), 1)
    XCTAssertEqual(cos.learningRate(epoch: 5), 0.55, accuracy: 1e-12)
    XCTAssertEqual(cos.learningRate(epoch: 10), 0.1, accuracy: 1e-12)
    XCTAssertEqual(ConstantSchedule(0.3).learningRate(epoch: 99), 0.3)
  }

  /// Half an epoch of 5 steps rounds up to 3 warm-up steps: 1/3, 2/3, then the full rate.
  func testLinearWarmup() {
    let warmup = LinearWarmup(epochs: 0.5, stepsPerEpoch: 5)
    XCTAssertEqual(warmup.steps, 3)
    XCTAssertEqual(warmup.factor(step: 0), 1.0 / 3, accuracy: 1e-15)
    XCTAssertEqual(warmup.factor(step: 1), 2.0 / 3, accuracy: 1e-15)
    XCTAssertEqual(warmup.factor(step: 2), 1)
    XCTAssertEqual(warmup.factor(step: 40), 1)
    XCTAssertEqual(LinearWarmup(epochs: 0, stepsPerEpoch: 5).factor(step: 0), 1, "no warm-up")
    XCTAssertEqual(LinearWarmup(epochs: 2, stepsPerEpoch: 4).factor(step: 3), 0.5)
  }

  func assertArray(_ t: Tensor, _ expected: [Double], tol: Double = 1e-12, file: StaticString = #filePath, line: UInt = #line) throws {
    let a = try t.toArray(Double.self)
    XCTAssertEqual(a.count, expected.count, file: file, line: line)
    for (x, e) in zip(a, expected) { XCTAssertEqual(x, e, accuracy: tol, file: file, line: line) }
  }
}

/// `Optimizer.maskState(ofParameterAt:by:)`, the hook sparse training uses to zero the state of pruned entries.
final class OptimizerMaskStateTests: XCTestCase {
  override func setUp() { Torch.threadCount = 2 }

  func state(_ opt: any Optimizer, _ name: String) throws -> [Double] {
    try opt.state().first { $0.name == name }!.tensor.toArray(Double.self)
  }

  func testSGDMomentumBufferIsMasked() throws {
    let p = try Tensor([1.0, -2.0, 3.0]).requiringGrad()
    let opt = try SGD(parameters: [p], learningRate: 0.1, momentum: 0.9)
    try opt.maskState(ofParameterAt: 0, by: Tensor([true, false, true]))  // no state yet: nothing to do
    try p.setGrad(Tensor([0.5, 1.0, -1.0]))
    try opt.step()
    try opt.maskState(ofParameterAt: 0, by: Tensor([true, false, true]))
    XCTAssertEqual(try state(opt, "state.0.momentum_buffer"), [0.5, 0, -1])
    try p.setGrad(Tensor([1.0, 1.0, 1.0]))
    try opt.step()  // buf = 0.9·buf + g
    XCTAssertEqual(try state(opt, "state.0.momentum_buffer")[1], 1)
    XCTAssertThrowsError(try opt.maskState(ofParameterAt: 1, by: Tensor([true]))) { error in
      XCTAssertTrue("\(error)".contains("index 1"), "\(error)")
    }
  }

  func testAdamMomentsAreMasked() throws {
    let p = try Tensor([1.0, -2.0]).requiringGrad()
    let opt = try Adam(parameters: [p], learningRate: 0.01)
    try p.setGrad(Tensor([0.5, 1.0]))
    try opt.step()
    try opt.maskState(ofParameterAt: 0, by: Tensor([false, true]))
    XCTAssertEqual(try state(opt, "state.0.exp_avg")[0], 0)
    XCTAssertEqual(try state(opt, "state.0.exp_avg")[1], 0.1, accuracy: 1e-12)
    XCTAssertEqual(try state(opt, "state.0.exp_avg_sq")[0], 0)
    XCTAssertEqual(try state(opt, "state.0.exp_avg_sq")[1], 0.001, accuracy: 1e-12)
  }

  func testDefaultImplementationRefuses() throws {
    final class Plain: Optimizer {
      let parameters: [Tensor] = []
      var learningRate = 0.1
      func step() throws {}
      func state() throws -> [(name: String, tensor: Tensor)] { [] }
      func loadState(_ state: [(name: String, tensor: Tensor)]) throws {}
    }
    XCTAssertThrowsError(try Plain().maskState(ofParameterAt: 0, by: Tensor([true]))) { error in
      XCTAssertTrue("\(error)".contains("Plain"), "\(error)")
    }
  }
}
