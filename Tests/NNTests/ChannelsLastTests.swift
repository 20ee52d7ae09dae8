import NN
import Optim
import Torch
import XCTest

/// `toChannelsLast()` changes the memory layout only: same logits, same gradients, same state.
final class ChannelsLastTests: XCTestCase {
  override func setUp() {
    Torch.threadCount = 2
    Torch.manualSeed(23)
  }

  func testChannelsLastModelsComputeTheSameLogitsAndGradients() throws {
    for (plain, last) in [(try CifarResNet(depth: 8, numClasses: 5), try CifarResNet(depth: 8, numClasses: 5)) as (any Module, any Module),
                          (try MobileNetV2(numClasses: 5, dropout: 0), try MobileNetV2(numClasses: 5, dropout: 0))] {
      // Float64: MobileNetV2's training-mode BatchNorm on 1x1 maps of 4 samples amplifies float32
      // rounding by orders of magnitude; in float64 only a layout bug could show.
      try plain.to(.float64)
      try last.to(.float64)
      try last.loadStateDict(plain.stateDict())
      try last.toChannelsLast()
      XCTAssertTrue(try XCTUnwrap(last.parameters().first { $0.rank == 4 }).isChannelsLast)
      let x = try Tensor.randn([4, 3, 32, 32], dtype: .float64), y = try Tensor.randint(high: 5, shape: [4])
      // One training forward and backward each (BatchNorm statistics move once in both).
      let logits = try [plain, last].map { model in
        model.train()
        let out = try model(x)
        try Tensor.crossEntropy(out, targets: y).backward()
        return try out.detached()
      }
      let scale = try logits[0].abs().max().item()
      XCTAssertLessThan(try (logits[0] - logits[1]).abs().max().item(), 1e-9 * scale, "\(type(of: plain))")
      for (p, q) in zip(plain.parameters(), last.parameters()) {
        let g = try XCTUnwrap(p.grad), h = try XCTUnwrap(q.grad)
        XCTAssertLessThan(try (g - h).abs().max().item(), 1e-8 * max(try g.abs().max().item(), 1e-3))
      }
      // The state's values (and bytes, which are written in NCHW order) are the same.
      for ((name, a), (_, b)) in zip(plain.stateDict(), last.stateDict()) where a.dtype.isFloatingPoint {
        XCTAssertLessThan(try (a - b).abs().max().item(), 1e-9 * max(try a.abs().max().item(), 1), name)
      }
      let conv = try XCTUnwrap(last.parameters().first { $0.rank == 4 })
      XCTAssertEqual(try conv.contiguousBytes(), try conv.contiguous().contiguousBytes())
    }
  }
}

/// BatchNorm folded into the convolutions: the same evaluation logits, no training.
final class BatchNormFoldingTests: XCTestCase {
  func testFoldedCopiesComputeTheSameEvaluationLogits() throws {
    Torch.manualSeed(29)
    for model in [try CifarResNet(depth: 8, numClasses: 5) as any ChannelCompactable, try MobileNetV2(numClasses: 5)] {
      try model.to(.float64)
      // Non-trivial statistics and affine parameters.
      try Torch.withNoGrad {
        for (_, m) in model.namedModules() {
          guard let bn = m as? BatchNorm2d else { continue }
          try bn.runningMean.normal_(mean: 0, std: 0.5)
          try bn.runningVar.uniform_(0.5, 2)
          try bn.weight.uniform_(0.5, 1.5)
          try bn.bias.uniform_(-0.3, 0.3)
        }
      }
      model.eval()
      let folded = try BatchNormFolding.folded(model)
      let x = try Tensor.randn([3, 3, 32, 32], dtype: .float64)
      let (a, b) = try Torch.withNoGrad { (try model(x), try folded(x)) }
      XCTAssertLessThan(try (a - b).abs().max().item(), 1e-10 * max(try a.abs().max().item(), 1e-3), "\(type(of: model))")
      folded.train()
      XCTAssertThrowsError(try folded(x))
    }
  }
}
