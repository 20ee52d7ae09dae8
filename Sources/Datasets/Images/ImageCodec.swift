import CImageCodec
import Foundation

/// JPEG and PNG decoding and encoding through libjpeg-turbo and libpng (the `CImageCodec` module).
///
/// Decoding never traps or exits: a truncated or corrupt file throws a `DatasetError` that names
/// the file and carries the library's message.
///
/// ```swift
/// let image = try ImageCodec.decode(contentsOf: url)          // RGBImage, HWC uint8
/// let jpeg = try ImageCodec.encodeJPEG(image, quality: 90)    // Data
/// ```
public enum ImageCodec {
  /// Images larger than this many pixels are refused before their pixels are allocated.
  public static let defaultMaxPixels = 1 << 28

  /// Decodes a JPEG or PNG held in memory; `source` names it in errors. `minimumSize`
  /// (width, height) lets a JPEG decode at a reduced DCT scale n/8 that is still at least that
  /// large (much faster when the image is resized down afterwards); nil decodes at full size.
  public static func decode(_ data: Data, source: String = "<image>", minimumSize: (width: Int, height: Int)? = nil,
                            maxPixels: Int = defaultMaxPixels) throws -> RGBImage {
    var pixels: UnsafeMutablePointer<UInt8>?
    var width: Int32 = 0
    var height: Int32 = 0
    let minW = Int32(clamping: minimumSize?.width ?? 0)
    let minH = Int32(clamping: minimumSize?.height ?? 0)
    try call(source) { err, errSize in
      data.withUnsafeBytes { raw in
        ic_decode_rgb(raw.bindMemory(to: UInt8.self).baseAddress, raw.count, minW, minH, Int64(maxPixels),
                      &pixels, &width, &height, err, errSize)
      }
    }
    guard let pixels else { throw DatasetError("decoder returned no pixels", file: source) }
    defer { ic_free(pixels) }
    let n = Int(width) * Int(height) * 3
    return try RGBImage(width: Int(width), height: Int(height), pixels: Array(UnsafeBufferPointer(start: pixels, count: n)))
  }

  /// Reads and decodes the image file at `url`.
  public static func decode(contentsOf url: URL, minimumSize: (width: Int, height: Int)? = nil,
                            maxPixels: Int = defaultMaxPixels) throws -> RGBImage {
    try decode(try readFile(url), source: url.path, minimumSize: minimumSize, maxPixels: maxPixels)
  }

  /// The width and height of a JPEG or PNG, read from its header only.
  public static func size(of data: Data, source: String = "<image>") throws -> (width: Int, height: Int) {
    var width: Int32 = 0
    var height: Int32 = 0
    try call(source) { err, errSize in
      data.withUnsafeBytes { raw in
        ic_image_size(raw.bindMemory(to: UInt8.self).baseAddress, raw.count, &width, &height, err, errSize)
      }
    }
    return (Int(width), Int(height))
  }

  /// Encodes `image` as a baseline JPEG; `quality` is 1...100.
  public static func encodeJPEG(_ image: RGBImage, quality: Int = 95) throws -> Data {
    try encode("JPEG") { out, size, err, errSize in
      image.pixels.withUnsafeBufferPointer {
        ic_encode_jpeg($0.baseAddress, Int32(image.width), Int32(image.height), Int32(clamping: quality), out, size, err, errSize)
      }
    }
  }

  /// Encodes `image` as an 8-bit RGB PNG.
  public static func encodePNG(_ image: RGBImage) throws -> Data {
    try encode("PNG") { out, size, err, errSize in
      image.pixels.withUnsafeBufferPointer {
        ic_encode_png($0.baseAddress, Int32(image.width), Int32(image.height), out, size, err, errSize)
      }
    }
  }

  // MARK: helpers

  /// Reads a whole file, turning Foundation's error into a `DatasetError` naming the file.
  static func readFile(_ url: URL) throws -> Data {
    do {
      return try Data(contentsOf: url, options: .mappedIfSafe)
    } catch {
      let exists = FileManager.default.fileExists(atPath: url.path)
      throw DatasetError(exists ? "cannot read the file: \(error.localizedDescription)" : "no such file", file: url.path)
    }
  }

  private static func call(_ source: String, _ body: (UnsafeMutablePointer<CChar>, Int) -> Int32) throws {
    var message = [CChar](repeating: 0, count: 512)
    let status = message.withUnsafeMutableBufferPointer { body($0.baseAddress!, $0.count) }
    if status != 0 {
      let text = message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
      throw DatasetError(text, file: source)
    }
  }

  private static func encode(_ format: String,
                             _ body: (UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>, UnsafeMutablePointer<Int>,
                                      UnsafeMutablePointer<CChar>, Int) -> Int32) throws -> Data {
    var out: UnsafeMutablePointer<UInt8>?
    var size = 0
    try call("<\(format) encoder>") { err, errSize in body(&out, &size, err, errSize) }
    guard let out else { throw DatasetError("\(format) encoder returned no data") }
    defer { ic_free(out) }
    return Data(bytes: out, count: size)
  }
}
