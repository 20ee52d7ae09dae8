import Foundation
import Torch
import XCTest

/// Devices as users spell them, the check that the linked libtorch has one, and the copies a
/// CUDA run makes (the last only where libtorch sees a CUDA device).
final class DeviceTests: TorchTestCase {
  func testParsesPyTorchSpellings() throws {
    XCTAssertEqual(try Device(parsing: "cpu"), .cpu)
    XCTAssertEqual(try Device(parsing: "cuda"), .cuda(0))
    XCTAssertEqual(try Device(parsing: "CUDA:3"), .cuda(3))
    XCTAssertEqual(Device.cuda(2).description, "cuda:2")
    for bad in ["gpu", "cuda:", "cuda:-1", "cuda:x", "", "cpu:0"] {
      XCTAssertThrowsError(try Device(parsing: bad), bad) { error in
        XCTAssertTrue("\(error)".contains("device '\(bad)'"), "\(error)")
        XCTAssertTrue("\(error)".contains("cuda:N"), "\(error)")
      }
    }
  }

  func testConfigFilesSpellDevicesAsText() throws {
    let encoded = try JSONEncoder().encode([Device.cuda(1), .cpu])
    XCTAssertEqual(String(decoding: encoded, as: UTF8.self), #"["cuda:1","cpu"]"#)
    XCTAssertEqual(try JSONDecoder().decode([Device].self, from: encoded), [.cuda(1), .cpu])
    XCTAssertThrowsError(try JSONDecoder().decode([Device].self, from: Data(#"["tpu"]"#.utf8))) { error in
      guard case DecodingError.dataCorrupted(let context) = error else { return XCTFail("\(error)") }
      XCTAssertTrue(context.debugDescription.contains("device 'tpu'"), context.debugDescription)
    }
  }

  func testCUDAIsRefusedByNameWhereLibtorchHasNone() throws {
    XCTAssertNoThrow(try Device.cpu.checkAvailable())
    let count = Torch.cudaDeviceCount
    XCTAssertThrowsError(try Device.cuda(count).checkAvailable()) { error in
      let text = "\(error)"
      XCTAssertTrue(text.contains("device cuda:\(count)"), text)
      if count == 0 {
        XCTAssertTrue(text.contains("no CUDA support") && text.contains("LIBTORCH="), text)
      } else {
        XCTAssertTrue(text.contains("sees \(count) CUDA device"), text)
      }
    }
  }

  /// Page-locked memory needs the CUDA driver: a CPU-only libtorch refuses it with an error, not a crash.
  func testPinnedMemoryWithoutCUDAThrows() throws {
    try XCTSkipIf(Torch.cudaDeviceCount > 0, "libtorch has CUDA: pinning works")
    XCTAssertThrowsError(try Tensor([1, 2, 3] as [Float]).pinnedMemory())
  }

  /// Values survive the pinned, non-blocking round trip to the GPU and back.
  func testPinnedNonBlockingCopyToCUDAKeepsValues() throws {
    try XCTSkipIf(Torch.cudaDeviceCount == 0, "libtorch has no CUDA device")
    let host = try Tensor([1.5, -2, 3.25] as [Float])
    let onDevice = try host.pinnedMemory().to(device: .cuda(0), nonBlocking: true)
    XCTAssertEqual(onDevice.device, .cuda(0))
    XCTAssertEqual(try (onDevice * 2).to(device: .cpu).toArray(Float.self), [3, -4, 6.5])
  }
}
