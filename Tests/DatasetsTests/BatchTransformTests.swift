import Datasets
import Torch
import XCTest

/// Crops, flips and normalization applied when an `ImageSplit` builds a batch.
final class BatchTransformTests: XCTestCase {
  /// Two 3x4x5 images (C, H, W) whose byte at (c, y, x) is 60c + 5y + x + 100i.
  private func store() throws -> ImageStore {
    var bytes: [UInt8] = []
    for i in 0..<2 {
      for c in 0..<3 { for y in 0..<4 { for x in 0..<5 { bytes.append(UInt8(60 * c + 5 * y + x + 100 * i)) } } }
    }
    return try bytes.withUnsafeBytes { try ImageStore(planar: $0, count: 2, channels: 3, height: 4, width: 5) }
  }

  private func split(_ transform: BatchTransform) throws -> ImageSplit {
    try ImageSplit(store: try store(), labels: try LabelTable(targets: [3, 1], attributes: [0, 1, 1, 0], attributeCount: 2),
                   transform: transform)
  }

  func testNormalizationMatchesTorchvisionOrder() throws {
    let batch = try split(BatchTransform(normalization: .imageNet)).makeBatch([1, 0], seed: 0)
    XCTAssertEqual(batch.inputs.shape, [2, 3, 4, 5])
    XCTAssertEqual(batch.inputs.dtype, .float32)
    let values = try batch.inputs.toArray(Float.self)
    // Sample 0 of the batch is image 1: byte at (c=2, y=3, x=4) = 120 + 15 + 4 + 100 = 239.
    XCTAssertEqual(values[2 * 20 + 3 * 5 + 4], (Float(239) / 255 - 0.406) / 0.225)
    XCTAssertEqual(values[60], (Float(0) / 255 - 0.485) / 0.229)
    XCTAssertEqual(try batch.targets.toArray(Int64.self), [1, 3])
    XCTAssertEqual(batch.attributes.shape, [2, 2])
    XCTAssertEqual(try batch.attributes.toArray(Int64.self), [1, 0, 0, 1])
  }

  func testCenterCropAndDeterministicFlipFreeEval() throws {
    let batch = try split(BatchTransform(crop: .center(height: 2, width: 3))).makeBatch([0], seed: 0)
    XCTAssertEqual(batch.inputs.shape, [1, 3, 2, 3])
    // top = round(2 / 2) = 1, left = round(2 / 2) = 1: the first value is byte 5 + 1 = 6.
    let values = try batch.inputs.toArray(Float.self)
    XCTAssertEqual(values[0], Float(6) / 255)
    XCTAssertEqual(values[5], Float(5 * 2 + 3) / 255)
  }

  func testRandomCropWithPaddingAndFlipAreSeeded() throws {
    let t = BatchTransform(crop: .random(height: 4, width: 5, padding: 2), horizontalFlip: true)
    let s = try split(t)
    let a = try s.makeBatch([0, 1, 0, 1], seed: 42).inputs
    let b = try s.makeBatch([0, 1, 0, 1], seed: 42).inputs
    XCTAssertTrue(try a.equals(b))
    var differ = false
    for seed in 0..<10 where !(try s.makeBatch([0, 1, 0, 1], seed: UInt64(seed)).inputs.equals(a)) { differ = true }
    XCTAssertTrue(differ)
    // Every output value is a stored byte of that image or the zero padding.
    var image0: Set<Float> = [0]
    for c in 0..<3 {
      for y in 0..<4 {
        for x in 0..<5 { image0.insert(Float(60 * c + 5 * y + x) / 255) }
      }
    }
    let values = try a.toArray(Float.self)
    for v in values[0..<60] { XCTAssertTrue(image0.contains(v), "\(v) is not a pixel of image 0") }
  }

  func testFlipMirrorsRows() throws {
    let s = try split(BatchTransform(horizontalFlip: true))
    let plain = try s.with(transform: BatchTransform()).makeBatch([0], seed: 0).inputs.toArray(Float.self)
    var sawFlip = false
    var sawPlain = false
    for seed in 0..<20 {
      let v = try s.makeBatch([0], seed: UInt64(seed)).inputs.toArray(Float.self)
      if v == plain { sawPlain = true; continue }
      sawFlip = true
      for row in 0..<12 {
        XCTAssertEqual(Array(v[(row * 5)..<(row * 5 + 5)]), Array(plain[(row * 5)..<(row * 5 + 5)].reversed()))
      }
    }
    XCTAssertTrue(sawFlip && sawPlain)
  }

  func testTransformsThatDoNotFitThrow() throws {
    XCTAssertThrowsError(try split(BatchTransform(crop: .center(height: 5, width: 5))))
    XCTAssertThrowsError(try split(BatchTransform(normalization: Normalization(mean: [0], std: [1]))))
    XCTAssertThrowsError(try split(BatchTransform(normalization: Normalization(mean: [0, 0, 0], std: [1, 0, 1]))))
    XCTAssertThrowsError(try split(BatchTransform()).makeBatch([2], seed: 0))
  }

  func testMaterializeGivesFloatTensors() throws {
    let grouped = try split(BatchTransform(crop: .random(height: 2, width: 2, padding: 0), horizontalFlip: true)).materialize()
    XCTAssertEqual(try grouped.materializedInputs().shape, [2, 3, 2, 2])
    XCTAssertEqual(try grouped.targets.toArray(Int64.self), [3, 1])
  }

  func testPresetsFollowTheSpec() {
    XCTAssertEqual(BatchTransform.utkFaceTrain.normalization, .imageNet)
    XCTAssertTrue(BatchTransform.utkFaceTrain.horizontalFlip)
    XCTAssertFalse(BatchTransform.utkFaceEval.horizontalFlip)
    XCTAssertEqual(BatchTransform.cifar100, BatchTransform(normalization: Normalization(mean: [0.507, 0.4865, 0.4409],
                                                                                        std: [0.2673, 0.2564, 0.2761])))
    XCTAssertEqual(DecodeTransform.fairFace.resizedSize(height: 224, width: 300).height, 224)
    XCTAssertEqual(DecodeTransform.fairFace.resizedSize(height: 300, width: 224).height, 300)
  }
}
