import Foundation

/// The part of preprocessing applied once, when an image file is decoded: it brings every image
/// to the stored size (resize, then center crop). Its `cacheKey` is part of the decoded-image
/// cache key, so changing it never reuses images decoded the old way.
public struct DecodeTransform: Sendable, Equatable, Hashable, Codable {
  /// How images are resized (Pillow-exact bilinear).
  public enum Resize: Sendable, Equatable, Hashable, Codable {
    /// Exactly `height` x `width` (the aspect ratio is not kept).
    case exact(height: Int, width: Int)
    /// The shorter side to `size`, the longer to `int(size * long / short)`: torchvision's
    /// `Resize(size)`.
    case shorterSide(Int)
  }

  /// nil: keep the decoded size.
  public var resize: Resize?
  /// A center crop (height, width) after the resize.
  public var centerCrop: Size?
  /// Let JPEGs decode at a reduced DCT scale (n/8) that is still at least the resize target.
  /// Much faster for large downscales, but the pixels then differ slightly from Pillow's.
  public var fastJPEGDownscale: Bool

  /// A height and width.
  public struct Size: Sendable, Equatable, Hashable, Codable {
    public var height: Int
    public var width: Int
    public init(height: Int, width: Int) {
      self.height = height
      self.width = width
    }
  }

  public init(resize: Resize? = nil, centerCrop: Size? = nil, fastJPEGDownscale: Bool = false) {
    self.resize = resize
    self.centerCrop = centerCrop
    self.fastJPEGDownscale = fastJPEGDownscale
  }

  /// Keep images as they are (they must then all have the same size).
  public static let none = DecodeTransform()
  /// SPEC.md 7.2: FairFace resizes the shorter side to 224; the center crop makes the rare
  /// non-square image 224x224 too (a no-op on the square release images).
  public static let fairFace = DecodeTransform(resize: .shorterSide(224), centerCrop: Size(height: 224, width: 224))

  /// Throws when a size is not positive.
  public func validate() throws {
    switch resize {
    case .exact(let h, let w)? where h <= 0 || w <= 0: throw DatasetError("resize to \(w)x\(h) is not a size")
    case .shorterSide(let s)? where s <= 0: throw DatasetError("resize of the shorter side to \(s) is not a size")
    default: break
    }
    if let c = centerCrop, c.height <= 0 || c.width <= 0 { throw DatasetError("center crop \(c.width)x\(c.height) is not a size") }
  }

  /// A stable text form, part of the cache key.
  public var cacheKey: String {
    var parts: [String] = []
    switch resize {
    case nil: parts.append("resize=none")
    case .exact(let h, let w)?: parts.append("resize=exact:\(h)x\(w)")
    case .shorterSide(let s)?: parts.append("resize=shorter:\(s)")
    }
    parts.append(centerCrop.map { "crop=\($0.height)x\($0.width)" } ?? "crop=none")
    parts.append("fastjpeg=\(fastJPEGDownscale)")
    return parts.joined(separator: ";")
  }

  /// The size after the resize, for an image of `height` x `width`.
  public func resizedSize(height: Int, width: Int) -> (height: Int, width: Int) {
    switch resize {
    case nil: return (height, width)
    case .exact(let h, let w)?: return (h, w)
    case .shorterSide(let s)?:
      if height <= width { return (s, Int(Double(s) * Double(width) / Double(height))) }
      return (Int(Double(s) * Double(height) / Double(width)), s)
    }
  }

  /// Applies the resize and crop to a decoded image.
  public func apply(_ image: RGBImage) throws -> RGBImage {
    var out = image
    let target = resizedSize(height: image.height, width: image.width)
    if target.height != image.height || target.width != image.width {
      out = try out.resized(width: target.width, height: target.height)
    }
    if let c = centerCrop { out = try out.centerCropped(width: c.width, height: c.height) }
    return out
  }

  /// Decodes `data` and applies the transform; `source` names the file in errors.
  public func decode(_ data: Data, source: String) throws -> RGBImage {
    var minimum: (width: Int, height: Int)?
    if fastJPEGDownscale, let resize {
      switch resize {
      case .exact(let h, let w): minimum = (w, h)
      case .shorterSide(let s): minimum = (s, s)
      }
    }
    let image = try ImageCodec.decode(data, source: source, minimumSize: minimum)
    do {
      return try apply(image)
    } catch let error as DatasetError {
      throw DatasetError(error.message, file: source)
    }
  }
}
