import Foundation
import Torch
import XCTest

/// libtorch failures surface as `TorchError` carrying libtorch's own message, and the process
/// (and the failing thread) keeps working afterwards.
final class ErrorTests: TorchTestCase {
  func testBroadcastMismatchThrowsLibtorchMessage() throws {
    let a = try Tensor.zeros([2, 3]), b = try Tensor.zeros([4, 5])
    assertThrows(TorchError.self, "The size of tensor a (3) must match the size of tensor b (5) at non-singleton dimension 1") { try a + b }
    assertThrows(TorchError.self, "size of tensor") { try a * b }
    assertThrows(TorchError.self, "size of tensor") { try a.add_(b) }
    // The process keeps running and the same tensors still work.
    assertClose(try a + 1, shape: [2, 3], [1, 1, 1, 1, 1, 1], atol: 1e-6, rtol: 1e-6)
  }

  func testMatmulShapeMismatch() throws {
    assertThrows(TorchError.self, "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)") { try Tensor.zeros([2, 3]).matmul(Tensor.zeros([4, 5])) }
    assertThrows(TorchError.self, "mat1 and mat2 shapes cannot be multiplied (2x3 and 5x4)") { try Tensor.linear(Tensor.zeros([2, 3]), weight: Tensor.zeros([4, 5]), bias: nil) }
  }

  func testConv2dWrongChannelCount() throws {
    let x = try Tensor.zeros([1, 3, 5, 5]), w = try Tensor.zeros([4, 2, 3, 3])
    assertThrows(TorchError.self, "expected input[1, 3, 5, 5] to have 2 channels, but got 3 channels instead") { try Tensor.conv2d(x, weight: w, bias: nil) }
    // groups must divide the channels
    assertThrows(TorchError.self, "expected weight to be divisible by 2") { try Tensor.conv2d(Tensor.zeros([1, 4, 5, 5]), weight: Tensor.zeros([3, 2, 3, 3]), bias: nil,
                                             groups: 2) }
  }

  func testMessagesCarryNoBacktrace() throws {
    do {
      _ = try Tensor.zeros([2, 3]) + Tensor.zeros([4, 5])
      XCTFail("expected a throw")
    } catch let error as TorchError {
      XCTAssertFalse(error.message.contains("Exception raised from"), error.message)
      XCTAssertEqual(error.description, error.message)
    }
  }

  func testDtypeAndIndexErrors() throws {
    let t = try Tensor.arange(6, dtype: .float32)
    assertThrows(TorchError.self, "Expected dtype int32 or int64 for index") { try t.indexSelect(dim: 0, index: Tensor([1.0] as [Float])) }
    assertThrows(TorchError.self, "index 6 is out of bounds for dimension 0 with size 6") { try t.gather(dim: 0, index: Tensor([Int64(6)])) }
    assertThrows(TorchError.self, "shape '[4, -1]' is invalid for input of size 6") { try t.reshaped([4, -1]) }
    assertThrows(TorchError.self, "Dimension out of range (expected to be in range of [-1, 0], but got 2)") { try t.transposed(0, 2) }
    // A libtorch error on a shim call that returns no tensor (in place) also throws.
    assertThrows(TorchError.self, "must match the size of tensor b (5)") { try t.copy_(Tensor.zeros([5])) }
  }

  func testCudaWithoutCudaThrows() throws {
    try XCTSkipIf(Torch.cudaDeviceCount > 0, "a CUDA device is present")
    do {
      _ = try Tensor.zeros([2], device: .cuda(0))
      XCTFail("expected a throw")
    } catch let error as TorchError {
      // A CPU-only libtorch says "Could not run 'aten::empty.memory_format' with arguments from the
      // 'CUDA' backend..."; a CUDA build without a GPU words it differently, so only require a message.
      XCTAssertFalse(error.message.isEmpty)
    }
    XCTAssertThrowsError(try Tensor.ones([2]).to(device: .cuda(0)))
    // CPU work carries on.
    assertClose(try Tensor.ones([2]) * 3, shape: [2], [3, 3], atol: 1e-6, rtol: 1e-6)
  }

  func testErrorsOnAnotherThreadAreIndependent() throws {
    // The shim keeps the last message per thread; a failure on one thread does not disturb another.
    let group = DispatchGroup()
    let box = MessageBox()
    for _ in 0..<4 {
      DispatchQueue.global().async(group: group) {
        do {
          _ = try Tensor.zeros([7]) + Tensor.zeros([8])
        } catch let error as TorchError {
          box.append(error.message)
        } catch {}
      }
    }
    assertThrows(TorchError.self, "(2x3 and 4x5)") { try Tensor.zeros([2, 3]).matmul(Tensor.zeros([4, 5])) }
    group.wait()
    XCTAssertEqual(box.messages.count, 4)
    for m in box.messages { XCTAssertTrue(m.contains("size of tensor a (7) must match the size of tensor b (8)"), m) }
  }
}

/// A thread-safe list of messages collected from worker threads.
private final class MessageBox: @unchecked Sendable {
  private let lock = NSLock()
  private var storage: [String] = []
  func append(_ m: String) { lock.lock(); storage.append(m); lock.unlock() }
  var messages: [String] { lock.lock(); defer { lock.unlock() }; return storage }
}
