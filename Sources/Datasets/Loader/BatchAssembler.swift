import CImageCodec
import Torch

/// Builds the float input tensor of a batch from planar uint8 images: crop, flip and normalize
/// each image straight into the batch buffer (one pass, in C), then one copy into a tensor.
struct BatchAssembler {
  let transform: BatchTransform
  let channels: Int
  let height: Int
  let width: Int
  let outHeight: Int
  let outWidth: Int
  private let lookup: [Float]

  init(transform: BatchTransform, channels: Int, height: Int, width: Int) throws {
    try transform.normalization.validate(channels: channels)
    let out = try transform.outputSize(height: height, width: width)
    self.transform = transform
    self.channels = channels
    self.height = height
    self.width = width
    outHeight = out.height
    outWidth = out.width
    lookup = transform.normalization.lookupTable()
  }

  /// A float32 tensor [B, C, outHeight, outWidth]; `image(k, body)` hands sample k's planar
  /// bytes to `body`. Random placements are drawn from `seed`, sample by sample in order.
  func assemble(count: Int, seed: UInt64, image: (Int, (UnsafeBufferPointer<UInt8>) -> Void) throws -> Void) throws -> Tensor {
    let sampleFloats = channels * outHeight * outWidth
    var rng = SplitMix64(seed: seed)
    var out = [Float](repeating: 0, count: count * sampleFloats)
    try out.withUnsafeMutableBufferPointer { dst in
      try lookup.withUnsafeBufferPointer { lut in
        for k in 0..<count {
          let place = transform.placement(height: height, width: width, out: (outHeight, outWidth), rng: &rng)
          try image(k) { src in
            precondition(src.count == channels * height * width, "image has the wrong size")
            ic_crop_flip_normalize(src.baseAddress, Int32(channels), Int32(height), Int32(width), Int32(place.top),
                                   Int32(place.left), Int32(outHeight), Int32(outWidth), place.flip ? 1 : 0, 0,
                                   lut.baseAddress, dst.baseAddress! + k * sampleFloats)
          }
        }
      }
    }
    return try out.withUnsafeBytes { try Tensor(bytes: $0, dtype: .float32, shape: [count, channels, outHeight, outWidth]) }
  }
}
