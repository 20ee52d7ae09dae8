/// An 8-bit RGB image with interleaved pixels, rows top to bottom (HWC layout).
public struct RGBImage: Sendable, Equatable {
  /// Pixels per row.
  public var width: Int
  public var height: Int
  /// `height * width * 3` bytes: R, G, B of pixel (0, 0), then (0, 1), ...
  public var pixels: [UInt8]

  /// An image from its pixels; throws when the count is not `width * height * 3`.
  public init(width: Int, height: Int, pixels: [UInt8]) throws {
    guard width > 0, height > 0, pixels.count == width * height * 3 else {
      throw DatasetError("an RGB image of \(width)x\(height) needs \(max(0, width * height * 3)) bytes, got \(pixels.count)")
    }
    self.width = width
    self.height = height
    self.pixels = pixels
  }

  /// The pixel at row `y`, column `x`.
  public subscript(y: Int, x: Int) -> (r: UInt8, g: UInt8, b: UInt8) {
    let i = (y * width + x) * 3
    return (pixels[i], pixels[i + 1], pixels[i + 2])
  }
}
