import CImageCodec

extension RGBImage {
  /// This image resized to `width` x `height` with Pillow's bilinear filter (antialiased when
  /// shrinking), so the pixels match `PIL.Image.resize(size, Image.BILINEAR)` exactly.
  public func resized(width newWidth: Int, height newHeight: Int) throws -> RGBImage {
    guard newWidth > 0, newHeight > 0 else { throw DatasetError("cannot resize to \(newWidth)x\(newHeight)") }
    if newWidth == width, newHeight == height { return self }
    var out = [UInt8](repeating: 0, count: newWidth * newHeight * 3)
    var message = [CChar](repeating: 0, count: 256)
    let status = pixels.withUnsafeBufferPointer { src in
      out.withUnsafeMutableBufferPointer { dst in
        ic_resize_bilinear(src.baseAddress, Int32(width), Int32(height), 3, dst.baseAddress, Int32(newWidth),
                           Int32(newHeight), &message, message.count)
      }
    }
    guard status == 0 else { throw DatasetError(String(cString: message)) }
    return try RGBImage(width: newWidth, height: newHeight, pixels: out)
  }

  /// The `width` x `height` window whose top-left pixel is (`top`, `left`); throws if it does
  /// not lie inside the image.
  public func cropped(top: Int, left: Int, width cropWidth: Int, height cropHeight: Int) throws -> RGBImage {
    guard cropWidth > 0, cropHeight > 0, top >= 0, left >= 0, top + cropHeight <= height, left + cropWidth <= width else {
      throw DatasetError("crop \(cropWidth)x\(cropHeight) at (\(top), \(left)) does not fit a \(width)x\(height) image")
    }
    var out = [UInt8]()
    out.reserveCapacity(cropWidth * cropHeight * 3)
    for y in top..<(top + cropHeight) {
      let start = (y * width + left) * 3
      out.append(contentsOf: pixels[start..<(start + cropWidth * 3)])
    }
    return try RGBImage(width: cropWidth, height: cropHeight, pixels: out)
  }

  /// The central `width` x `height` window, rounded as torchvision's `center_crop` rounds
  /// (top = round((H - h) / 2)); throws if the image is smaller.
  public func centerCropped(width cropWidth: Int, height cropHeight: Int) throws -> RGBImage {
    let top = Int((Double(height - cropHeight) / 2).rounded(.toNearestOrEven))
    let left = Int((Double(width - cropWidth) / 2).rounded(.toNearestOrEven))
    return try cropped(top: top, left: left, width: cropWidth, height: cropHeight)
  }

  /// The pixels in planar CHW layout (all red, then all green, then all blue).
  public func planar() -> [UInt8] {
    var out = [UInt8](repeating: 0, count: pixels.count)
    pixels.withUnsafeBufferPointer { src in
      out.withUnsafeMutableBufferPointer { dst in
        ic_hwc_to_chw(src.baseAddress, Int32(width), Int32(height), 3, dst.baseAddress)
      }
    }
    return out
  }
}
