import Foundation
import NN
import Sparsity
import Torch
import XCTest

/// Magnitude (layerwise, global) and structured pruning against hand examples (SPEC 4.2, 4.5).
final class PrunerTests: XCTestCase {
  override func setUp() {
    Torch.threadCount = 2
    Torch.manualSeed(7)
  }

  func testLayerwisePrunesTheSmallestMagnitudesOfEachLayer() throws {
    let model = try TwoLinear([0.5, -0.1, 0.3, -0.8, 0.05, 0.7, -0.2, 0.4], shapeA: [2, 4],
                              [0.9, -0.8, 0.7, 0.05], shapeB: [2, 2])
    let masks = try SparsityMasks(model: model, scope: bothLayers)
    try masks.prune(to: 0.5, using: LayerwiseMagnitudePruner())
    // a: the 4 smallest |w| are 0.05, 0.1, 0.2, 0.3; b: 0.05 and 0.7.
    XCTAssertEqual(try bits(masks.mask(forLayer: "a")), [1, 0, 0, 1, 0, 1, 0, 1])
    XCTAssertEqual(try bits(masks.mask(forLayer: "b")), [1, 1, 0, 0])
    try assertClose(model.a.weight, [0.5, 0, 0, -0.8, 0, 0.7, 0, 0.4])
    // ceil(0.3 · 8) = 3 of a, ceil(0.3 · 4) = 2 of b, nested in the masks above.
    let fresh = try TwoLinear([0.5, -0.1, 0.3, -0.8, 0.05, 0.7, -0.2, 0.4], shapeA: [2, 4],
                              [0.9, -0.8, 0.7, 0.05], shapeB: [2, 2])
    let lower = try SparsityMasks(model: fresh, scope: bothLayers)
    try lower.prune(to: 0.3, using: LayerwiseMagnitudePruner())
    XCTAssertEqual(try bits(lower.mask(forLayer: "a")), [1, 0, 1, 1, 0, 1, 0, 1])
    XCTAssertEqual(try bits(lower.mask(forLayer: "b")), [1, 1, 0, 0])
  }

  func testLayerwiseCountsAreCeilAndMasksAreNested() throws {
    let model = try CifarResNet(depth: 8, numClasses: 10)
    let masks = try SparsityMasks(model: model)
    var previous: [Tensor] = []
    for sparsity in [0.168267, 0.5, 0.7, 0.9, 0.95, 1.0] {
      try masks.prune(to: sparsity, using: LayerwiseMagnitudePruner())
      let current = try masks.layerNames.map { try masks.mask(forLayer: $0).clone() }
      for (entry, mask) in zip(masks.layers, current) {
        let n = entry.weight.count
        XCTAssertEqual(try mask.logicalNot().sum().itemInt(), Int((sparsity * Double(n)).rounded(.up)),
                       "\(entry.name) at \(sparsity)")
        XCTAssertEqual(try entry.weight.eq(0).logicalAnd(mask.logicalNot()).sum().itemInt(),
                       try mask.logicalNot().sum().itemInt(), "pruned weights are zero in storage")
      }
      for (old, new) in zip(previous, current) {
        XCTAssertEqual(try old.logicalNot().logicalAnd(new).sum().itemInt(), 0, "nested at \(sparsity)")
      }
      previous = current
    }
    // 16·16·9 = 2304 weights; ceil(0.168267 · 2304) = ceil(387.687...) = 388.
    XCTAssertEqual(try masks.mask(forLayer: "layer1.0.conv1").count, 2304)
    XCTAssertNil(model.conv1.weightMask, "first conv stays dense")
    XCTAssertNil(model.fc.weightMask, "last linear stays dense")
  }

  func testLowerSparsityNeverRevivesWeights() throws {
    let model = try TwoLinear([0.5, -0.1, 0.3, -0.8, 0.05, 0.7, -0.2, 0.4], shapeA: [2, 4], [1, 2], shapeB: [1, 2])
    let masks = try SparsityMasks(model: model, scope: PruningScope(include: ["a"]))
    try masks.prune(to: 0.5, using: LayerwiseMagnitudePruner())
    try masks.prune(to: 0.25, using: LayerwiseMagnitudePruner())
    XCTAssertEqual(try bits(masks.mask(forLayer: "a")), [1, 0, 0, 1, 0, 1, 0, 1])
  }

  func testAlreadyMaskedEntriesArePrunedBeforeLiveZeros() throws {
    // a holds a live exact zero; the masked 0.9 must stay pruned when 1 entry is pruned.
    let model = try TwoLinear([0.9, 0, 0.3, 0.4], shapeA: [1, 4], [1, 2], shapeB: [1, 2])
    let masks = try SparsityMasks(model: model, scope: PruningScope(include: ["a"]))
    try masks.setMask(Tensor([false, true, true, true], shape: [1, 4]), forLayer: "a")
    try masks.prune(to: 0.25, using: LayerwiseMagnitudePruner())
    XCTAssertEqual(try bits(masks.mask(forLayer: "a")), [0, 1, 1, 1])
    try masks.prune(to: 0.5, using: LayerwiseMagnitudePruner())
    XCTAssertEqual(try bits(masks.mask(forLayer: "a")), [0, 0, 1, 1])
  }

  func testGlobalMagnitudeUsesOneThresholdOverAllLayers() throws {
    let wa = [0.1, -0.2, 0.3, 0.4], wb = [0.9, -0.8, 0.7, 0.05]
    let model = try TwoLinear(wa, shapeA: [2, 2], wb, shapeB: [2, 2])
    let masks = try SparsityMasks(model: model, scope: bothLayers)
    try masks.prune(to: 0.5, using: GlobalMagnitudePruner())
    // ceil(0.5 · 8) = 4 globally smallest: 0.05 (b), 0.1, 0.2, 0.3 (a).
    XCTAssertEqual(try bits(masks.mask(forLayer: "a")), [0, 0, 0, 1])
    XCTAssertEqual(try bits(masks.mask(forLayer: "b")), [1, 1, 1, 0])
    XCTAssertEqual(try masks.report().zeros, 4)
    // Layerwise on the same weights takes 2 from each layer instead.
    let other = try TwoLinear(wa, shapeA: [2, 2], wb, shapeB: [2, 2])
    let layerwise = try SparsityMasks(model: other, scope: bothLayers)
    try layerwise.prune(to: 0.5, using: LayerwiseMagnitudePruner())
    XCTAssertEqual(try bits(layerwise.mask(forLayer: "a")), [0, 0, 1, 1])
    XCTAssertEqual(try bits(layerwise.mask(forLayer: "b")), [1, 1, 0, 0])
  }

  func testGlobalMagnitudeIsNested() throws {
    let model = try TwoLinear([0.1, -0.2, 0.3, 0.4], shapeA: [2, 2], [0.9, -0.8, 0.7, 0.05], shapeB: [2, 2])
    let masks = try SparsityMasks(model: model, scope: bothLayers)
    try masks.setMask(Tensor([false, true, true, true], shape: [2, 2]), forLayer: "b")  // prune the largest, 0.9
    try masks.prune(to: 0.5, using: GlobalMagnitudePruner())
    // 4 pruned: the masked 0.9 first, then 0.05, 0.1, 0.2.
    XCTAssertEqual(try bits(masks.mask(forLayer: "a")), [0, 0, 1, 1])
    XCTAssertEqual(try bits(masks.mask(forLayer: "b")), [0, 1, 1, 0])
  }

  func testGlobalMagnitudeOnAResNetMatchesAThreshold() throws {
    let model = try CifarResNet(depth: 8, numClasses: 10)
    let before = try Tensor.cat(prunableLayers(of: model).map { try $0.weight.detached().abs().reshaped([-1]) })
    let masks = try SparsityMasks(model: model)
    try masks.prune(to: 0.8, using: GlobalMagnitudePruner())
    let kept = try Tensor.cat(masks.layers.map { try $0.layer.weightMask!.reshaped([-1]) })
    XCTAssertEqual(try kept.logicalNot().sum().itemInt(), Int((0.8 * Double(before.count)).rounded(.up)))
    let largestPruned = try before.maskedSelect(kept.logicalNot()).max().item()
    let smallestKept = try before.maskedSelect(kept).min().item()
    XCTAssertLessThanOrEqual(largestPruned, smallestKept, "one threshold separates pruned from kept weights")
    let fractions = try masks.report().layers.map(\.fraction)
    XCTAssertGreaterThan(fractions.max()! - fractions.min()!, 0.01, "global pruning spreads sparsity unevenly")
  }

  func testStructuredPrunesWholeOutputChannelsByNorm() throws {
    // Conv2d 2 -> 4 channels, 1x1 kernel: units [3, 4], [1, 1], [0, -6], [2, -2]
    // L2 norms 5, 1.414, 6, 2.828; L1 norms 7, 2, 6, 4.
    let conv = try Conv2d(2, 4, kernelSize: 1, bias: false)
    try Torch.withNoGrad { try conv.weight.copy_(Tensor([3, 4, 1, 1, 0, -6, 2, -2] as [Float], shape: [4, 2, 1, 1])) }
    let layer = PrunableLayer(name: "conv", layer: conv)
    let half = try StructuredChannelPruner().masks(for: [layer], sparsity: 0.5)[0]
    XCTAssertEqual(try bits(half), [1, 1, 0, 0, 1, 1, 0, 0], "channels 1 and 3 (smallest L2) pruned")
    let l2 = try StructuredChannelPruner(norm: .l2).masks(for: [layer], sparsity: 0.75)[0]
    XCTAssertEqual(try bits(l2), [0, 0, 0, 0, 1, 1, 0, 0], "L2 keeps channel 2 (norm 6 > 5)")
    let l1 = try StructuredChannelPruner(norm: .l1).masks(for: [layer], sparsity: 0.75)[0]
    XCTAssertEqual(try bits(l1), [1, 1, 0, 0, 0, 0, 0, 0], "L1 keeps channel 0 (norm 7 > 6)")
    // ceil(0.3 · 4) = 2 units, same as 0.5.
    XCTAssertEqual(try bits(StructuredChannelPruner().masks(for: [layer], sparsity: 0.3)[0]), [1, 1, 0, 0, 1, 1, 0, 0])
  }

  func testStructuredScoresUseMaskedWeightsAndStayNested() throws {
    // Linear rows [3, 4], [1, 1], [0, -6], [2, -2]; masking the 4 and the -6 leaves L2 norms 3, 1.41, 0, 2.83.
    let model = try TwoLinear([3, 4, 1, 1, 0, -6, 2, -2], shapeA: [4, 2], [1, 1, 1, 1], shapeB: [1, 4])
    let masks = try SparsityMasks(model: model, scope: PruningScope(include: ["a"]))
    try masks.setMask(Tensor([true, false, true, true, true, false, true, true], shape: [4, 2]), forLayer: "a")
    try masks.prune(to: 0.5, using: StructuredChannelPruner())
    XCTAssertEqual(try bits(masks.mask(forLayer: "a")), [1, 0, 0, 0, 0, 0, 1, 1], "rows 1 and 2 pruned, row 0 keeps its earlier hole")
    XCTAssertEqual(try bits(masks.aliveUnits(ofLayer: "a")), [1, 0, 0, 1])
    try masks.prune(to: 0.75, using: StructuredChannelPruner())
    XCTAssertEqual(try bits(masks.aliveUnits(ofLayer: "a")), [1, 0, 0, 0], "row 3 (2.83) goes before row 0 (3)")
  }

  func testStructuredOnAResNetKillsCeilOfUnitsPerLayer() throws {
    let model = try CifarResNet(depth: 8, numClasses: 10)
    let masks = try SparsityMasks(model: model)
    try masks.prune(to: 0.4, using: StructuredChannelPruner())
    for layer in try masks.report().layers {
      XCTAssertEqual(layer.deadUnits, Int((0.4 * Double(layer.units)).rounded(.up)), layer.name)
      XCTAssertEqual(layer.zeros, layer.deadUnits * (layer.total / layer.units), "\(layer.name): only whole channels are zero")
    }
  }

  func testSparsityOutsideTheUnitIntervalThrows() throws {
    let model = try TwoLinear([1, 2, 3, 4], shapeA: [2, 2], [1, 2, 3, 4], shapeB: [2, 2])
    let masks = try SparsityMasks(model: model, scope: bothLayers)
    let pruners: [any Pruner] = [LayerwiseMagnitudePruner(), GlobalMagnitudePruner(), StructuredChannelPruner()]
    for pruner in pruners {
      assertThrows(SparsityError.self, "sparsity", "1.5") { try masks.prune(to: 1.5, using: pruner) }
      assertThrows(SparsityError.self, "-0.25") { _ = try pruner.masks(for: masks.layers, sparsity: -0.25) }
      assertThrows(SparsityError.self, "nan") { try masks.prune(to: .nan, using: pruner) }
    }
    XCTAssertEqual(try masks.report().zeros, 0, "a failed prune changes nothing")
  }
}
