import Datasets
import Experiments
import Foundation
import NN
import TestSupport
import Torch
import XCTest

/// `device` (issue 16 item 5): a run asks for a device the linked libtorch lacks and stops with
/// an error that says so before anything is written; where libtorch sees a CUDA device, a run
/// there gives the masks and report of the CPU run, within the rounding of other kernels.
final class DeviceRunTests: XCTestCase {
  func smallConfig(_ method: MethodKind, device: Device) -> RunConfig {
    var c = SmallDemoFixture.runConfig(method)
    c.device = device
    return c
  }

  func testCUDAIsRefusedBeforeAnythingIsWrittenWhereLibtorchHasNone() throws {
    try XCTSkipIf(Torch.cudaDeviceCount > 0, "libtorch has CUDA")
    let root = try temporaryDirectory(self, prefix: "device-refused")
    let (data, dense) = try SmallDemoFixture.make()
    let folder = root.appendingPathComponent("ceag")
    let run = try PruneRun(config: smallConfig(.ceag, device: .cuda(0)), data: data, directory: folder,
                           progress: ProgressReporter(enabled: false))
    XCTAssertThrowsError(try run.run(dense: dense)) { error in
      XCTAssertTrue(error is ConfigError, "\(type(of: error))")
      XCTAssertTrue("\(error)".contains("device cuda:0: the linked libtorch has no CUDA support"), "\(error)")
    }
    XCTAssertFalse(FileManager.default.fileExists(atPath: folder.path), "nothing is written")
    XCTAssertEqual(dense.device, .cpu, "the dense model stays where it was")
    var training = DenseTrainingConfig()
    training.device = .cuda(0)
    XCTAssertThrowsError(try DenseTrainer.trainNew(.mlp, on: data, config: training, progress: ProgressReporter(enabled: false))) { error in
      XCTAssertTrue("\(error)".contains("no CUDA support"), "\(error)")
    }
  }

  func testNFTAndCEAGOnCUDAMatchTheCPURun() throws {
    try XCTSkipIf(Torch.cudaDeviceCount == 0, "libtorch has no CUDA device")
    let root = try temporaryDirectory(self, prefix: "device-run")
    let (data, dense) = try SmallDemoFixture.make()
    for method in [MethodKind.nft, .ceag] {
      func run(_ device: Device) throws -> RunReport {
        let r = try PruneRun(config: smallConfig(method, device: device), data: data,
                             directory: root.appendingPathComponent("\(method.rawValue)-\(device)"), progress: ProgressReporter(enabled: false))
        return try XCTUnwrap(r.run(dense: dense))
      }
      let cpu = try run(.cpu), cuda = try run(.cuda(0))
      XCTAssertEqual(dense.device, .cpu, "the dense model stays where it was")
      XCTAssertEqual(cuda.achievedSparsity, cpu.achievedSparsity)
      for (split, m) in cpu.splits {
        let n = try XCTUnwrap(cuda.splits[split])
        XCTAssertEqual(n.accuracy, m.accuracy, accuracy: 0.01, "\(method) \(split)")
        XCTAssertEqual(n.maxExcessGap, m.maxExcessGap, accuracy: 0.02, "\(method) \(split)")
      }
      let a = try SafeTensors.read(from: root.appendingPathComponent("\(method.rawValue)-cpu/checkpoint.safetensors")).tensors
      let b = try SafeTensors.read(from: root.appendingPathComponent("\(method.rawValue)-cuda:0/checkpoint.safetensors")).tensors
      XCTAssertEqual(a.map(\.name), b.map(\.name))
      for (x, y) in zip(a, b) {
        let u = try x.tensor.to(.float64).reshaped([-1]).toArray(Double.self), v = try y.tensor.to(.float64).reshaped([-1]).toArray(Double.self)
        if x.name.hasSuffix("weight_mask") {
          XCTAssertEqual(u, v, "\(method): mask \(x.name) differs")
        } else {
          // Other kernels (cuBLAS, other reduction orders) over 3 epochs of SGD with momentum.
          assertClose(v, u, atol: 1e-3, rtol: 1e-3)
        }
      }
    }
  }
}
