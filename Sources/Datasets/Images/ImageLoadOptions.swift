import Foundation

/// How image files become an in-memory `ImageSplit`.
public struct ImageLoadOptions: Sendable {
  /// Resize / crop applied once at decode time (part of the cache key).
  public var decode: DecodeTransform
  /// What to do with an image that is missing or does not decode.
  public var badImages: BadRecordPolicy
  /// Decoding threads.
  public var threads: Int
  /// Where decoded images are cached (nil: no cache). See `DecodedImageCache`.
  public var cacheDirectory: URL?

  public init(decode: DecodeTransform = .none, badImages: BadRecordPolicy = .fail,
              threads: Int = ProcessInfo.processInfo.activeProcessorCount, cacheDirectory: URL? = nil) {
    self.decode = decode
    self.badImages = badImages
    self.threads = threads
    self.cacheDirectory = cacheDirectory
  }
}
