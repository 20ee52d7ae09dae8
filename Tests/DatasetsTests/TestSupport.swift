import Datasets
import Foundation
@_exported import TestSupport
import XCTest

/// A fresh temporary directory per test, removed afterwards.
class DatasetsTestCase: XCTestCase {
  var tempDir: URL!

  override func setUpWithError() throws {
    tempDir = FileManager.default.temporaryDirectory.appendingPathComponent("fairprune-datasets-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: tempDir, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws {
    if let tempDir { try? FileManager.default.removeItem(at: tempDir) }
  }

  /// Writes `data` to `relativePath` under the temporary directory, creating folders.
  @discardableResult
  func write(_ data: Data, to relativePath: String, in root: URL? = nil) throws -> URL {
    let url = (root ?? tempDir).appendingPathComponent(relativePath)
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try data.write(to: url)
    return url
  }

  @discardableResult
  func write(_ text: String, to relativePath: String, in root: URL? = nil) throws -> URL {
    try write(Data(text.utf8), to: relativePath, in: root)
  }

}

/// A smooth deterministic test image whose colour encodes `seed` (so images can be told apart
/// after lossy JPEG compression): every pixel is near (seed * 40 % 256, 128, 255 - seed * 40 % 256).
func testImage(width: Int, height: Int, seed: Int) -> RGBImage {
  var pixels = [UInt8](repeating: 0, count: width * height * 3)
  let base = (seed * 40) % 256
  for y in 0..<height {
    for x in 0..<width {
      let i = (y * width + x) * 3
      pixels[i] = UInt8(base)
      pixels[i + 1] = UInt8(96 + (x + 2 * y) * 64 / (width + 2 * height))
      pixels[i + 2] = UInt8(255 - base)
    }
  }
  return try! RGBImage(width: width, height: height, pixels: pixels)
}

/// A pattern image with sharp structure, for exact (PNG) and resize checks.
func patternImage(width: Int, height: Int) -> RGBImage {
  var pixels = [UInt8](repeating: 0, count: width * height * 3)
  for y in 0..<height {
    for x in 0..<width {
      for c in 0..<3 { pixels[(y * width + x) * 3 + c] = UInt8((y * 37 + x * 11 + c * 71 * (x % 2 + 1)) % 256) }
    }
  }
  return try! RGBImage(width: width, height: height, pixels: pixels)
}
