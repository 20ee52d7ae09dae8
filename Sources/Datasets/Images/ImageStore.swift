import CImageCodec
import Foundation
import Torch

/// Decoded images kept in memory as uint8, planar (CHW), all of one size, in one buffer.
///
/// This is what the loader crops, flips and normalizes from; images become float only per
/// batch. UTKFace at 200x200 takes 23,705 x 120,000 bytes = 2.8 GB, at 64x64 290 MB.
/// Writes happen only while the store is being filled (each image slot by one thread);
/// afterwards it is read-only and safe to share.
public final class ImageStore: @unchecked Sendable {
  /// Number of image slots.
  public let count: Int
  public let channels: Int
  public let height: Int
  public let width: Int
  private let buffer: UnsafeMutableBufferPointer<UInt8>

  /// Bytes per image.
  public var imageBytes: Int { channels * height * width }

  /// A zero-filled store; throws when the sizes are not positive or it would not fit in memory.
  public init(count: Int, channels: Int, height: Int, width: Int) throws {
    guard count >= 0, channels > 0, height > 0, width > 0 else {
      throw DatasetError("an image store needs positive sizes, got \(count) x \(channels) x \(height) x \(width)")
    }
    let (perImage, o1) = channels.multipliedReportingOverflow(by: height * width)
    let (total, o2) = perImage.multipliedReportingOverflow(by: count)
    guard !o1, !o2, total < 1 << 40 else {
      throw DatasetError("an image store of \(count) x \(channels) x \(height) x \(width) bytes is too large")
    }
    self.count = count
    self.channels = channels
    self.height = height
    self.width = width
    buffer = .allocate(capacity: max(total, 1))
    buffer.initialize(repeating: 0)
  }

  /// A store holding `bytes`, which are `count` planar images back to back (e.g. CIFAR records).
  public convenience init(planar bytes: UnsafeRawBufferPointer, count: Int, channels: Int, height: Int, width: Int) throws {
    try self.init(count: count, channels: channels, height: height, width: width)
    guard bytes.count == count * imageBytes else {
      throw DatasetError("\(bytes.count) bytes do not hold \(count) images of \(channels)x\(height)x\(width)")
    }
    if bytes.count > 0 { UnsafeMutableRawBufferPointer(buffer).copyMemory(from: bytes) }
  }

  deinit { buffer.deallocate() }

  /// The planar bytes of image `i`.
  public func withImage<R>(_ i: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
    precondition(i >= 0 && i < count, "image index \(i) out of 0..<\(count)")
    return try body(UnsafeBufferPointer(rebasing: buffer[(i * imageBytes)..<((i + 1) * imageBytes)]))
  }

  /// The whole buffer, for the cache writer.
  func withAllBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    try body(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(buffer)[0..<(count * imageBytes)]))
  }

  /// The whole buffer, writable, for the cache reader.
  func withAllMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
    try body(UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(buffer)[0..<(count * imageBytes)]))
  }

  /// Stores an RGB image (HWC) into slot `i`, converting to planar layout. The image must have
  /// the store's size. Different slots may be written from different threads.
  func set(_ i: Int, _ image: RGBImage) {
    precondition(channels == 3 && image.width == width && image.height == height, "image size mismatch")
    let base = buffer.baseAddress! + i * imageBytes
    image.pixels.withUnsafeBufferPointer { src in
      ic_hwc_to_chw(src.baseAddress, Int32(width), Int32(height), 3, base)
    }
  }

  /// Image `i` as an RGB image (HWC).
  public func image(at i: Int) throws -> RGBImage {
    guard channels == 3 else { throw DatasetError("image store has \(channels) channels, not 3") }
    return try withImage(i) { src in
      let plane = height * width
      var pixels = [UInt8](repeating: 0, count: plane * 3)
      for p in 0..<plane {
        pixels[3 * p] = src[p]
        pixels[3 * p + 1] = src[plane + p]
        pixels[3 * p + 2] = src[2 * plane + p]
      }
      return try RGBImage(width: width, height: height, pixels: pixels)
    }
  }

  /// The images at `indices` as a uint8 tensor [M, C, H, W].
  public func tensor(_ indices: [Int]? = nil) throws -> Tensor {
    let ids = indices ?? Array(0..<count)
    var bytes = [UInt8](repeating: 0, count: ids.count * imageBytes)
    bytes.withUnsafeMutableBytes { dst in
      for (k, i) in ids.enumerated() {
        withImage(i) { src in
          UnsafeMutableRawBufferPointer(rebasing: dst[(k * imageBytes)..<((k + 1) * imageBytes)]).copyMemory(from: UnsafeRawBufferPointer(src))
        }
      }
    }
    return try bytes.withUnsafeBytes { try Tensor(bytes: $0, dtype: .uint8, shape: [ids.count, channels, height, width]) }
  }
}
