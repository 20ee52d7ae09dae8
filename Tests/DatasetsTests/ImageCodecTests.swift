import Datasets
import Foundation
import XCTest

/// JPEG / PNG decoding and encoding through libjpeg-turbo and libpng, and Pillow-exact resizing.
final class ImageCodecTests: DatasetsTestCase {
  func testPNGRoundTripIsExact() throws {
    let image = patternImage(width: 13, height: 7)
    let png = try ImageCodec.encodePNG(image)
    XCTAssertEqual(Array(png.prefix(4)), [0x89, 0x50, 0x4E, 0x47])
    XCTAssertEqual(try ImageCodec.decode(png), image)
    let size = try ImageCodec.size(of: png)
    XCTAssertEqual(size.width, 13)
    XCTAssertEqual(size.height, 7)
  }

  func testJPEGRoundTripIsClose() throws {
    let image = testImage(width: 40, height: 24, seed: 3)
    let jpeg = try ImageCodec.encodeJPEG(image, quality: 95)
    XCTAssertEqual(Array(jpeg.prefix(3)), [0xFF, 0xD8, 0xFF])
    let decoded = try ImageCodec.decode(jpeg)
    XCTAssertEqual(decoded.width, 40)
    XCTAssertEqual(decoded.height, 24)
    let maxDiff = zip(decoded.pixels, image.pixels).map { abs(Int($0) - Int($1)) }.max()!
    XCTAssertLessThanOrEqual(maxDiff, 8)
  }

  func testJPEGDecodesAtReducedScaleWhenAllowed() throws {
    let jpeg = try ImageCodec.encodeJPEG(testImage(width: 200, height: 200, seed: 1))
    // 3/8 of 200 is 75, the smallest scale n/8 that is still >= 64.
    let small = try ImageCodec.decode(jpeg, minimumSize: (64, 64))
    XCTAssertEqual(small.width, 75)
    XCTAssertEqual(small.height, 75)
    XCTAssertEqual(try ImageCodec.decode(jpeg, minimumSize: (200, 200)).width, 200)
  }

  /// Pillow 9.4 wrote this 8x8 grayscale JPEG (`Image.fromarray(a, "L").save(b, "JPEG", quality=90)`
  /// with a[y][x] = (30x + 5y) % 256); `convert("RGB")` of its decode gives the rows checked here.
  func testGrayscaleJPEGBecomesRGBAsPillowDecodesIt() throws {
    let base64 = "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAMCAgMCAgMDAwMEAwMEBQgFBQQEBQoHBwYIDAoMDAsKCwsNDhIQDQ4RDgsLEBYQERMUFRUVDA8XGBYUGBIUFRT/wAALCAAIAAgBAREA/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/9oACAEBAAA/AKH/AATu8I/8gz5P7vav/9k="
    let image = try ImageCodec.decode(Data(base64Encoded: base64)!)
    XCTAssertEqual(image.width, 8)
    XCTAssertEqual(Array(image.pixels[0..<48]), [
      0, 0, 0, 29, 29, 29, 60, 60, 60, 89, 89, 89, 120, 120, 120, 149, 149, 149, 180, 180, 180, 209, 209, 209,
      5, 5, 5, 35, 35, 35, 66, 66, 66, 94, 94, 94, 126, 126, 126, 154, 154, 154, 186, 186, 186, 215, 215, 215,
    ])
  }

  /// A 3x2 RGBA PNG written by Pillow; `convert("RGB")` drops alpha without compositing.
  func testRGBAPNGDropsAlphaLikePillow() throws {
    let base64 = "iVBORw0KGgoAAAANSUhEUgAAAAMAAAACCAYAAACddGYaAAAAHUlEQVR4nGNkYDBiSGFgtElhYLRhYTjBYMPAAMEAJ3wC9qS8o30AAAAASUVORK5CYII="
    let image = try ImageCodec.decode(Data(base64Encoded: base64)!)
    XCTAssertEqual(image.pixels, [0, 0, 50, 100, 0, 51, 200, 0, 52, 0, 200, 50, 100, 200, 51, 200, 200, 52])
  }

  func testCorruptInputsThrowWithTheFileName() throws {
    let jpeg = try ImageCodec.encodeJPEG(testImage(width: 32, height: 32, seed: 2))
    let truncated = try write(jpeg.prefix(jpeg.count / 2), to: "truncated.jpg")
    assertThrows(DatasetError.self, "truncated.jpg", "corrupt JPEG") { try ImageCodec.decode(contentsOf: truncated) }
    let headerOnly = try write(jpeg.prefix(20), to: "header.jpg")
    assertThrows(DatasetError.self, "header.jpg", "corrupt JPEG") { try ImageCodec.decode(contentsOf: headerOnly) }
    let garbage = try write(Data("hello, not an image".utf8), to: "garbage.jpg")
    assertThrows(DatasetError.self, "garbage.jpg", "not a JPEG or PNG") { try ImageCodec.decode(contentsOf: garbage) }
    let empty = try write(Data(), to: "empty.png")
    assertThrows(DatasetError.self, "empty.png", "empty file") { try ImageCodec.decode(contentsOf: empty) }
    var png = try ImageCodec.encodePNG(patternImage(width: 8, height: 8))
    png[png.count - 20] ^= 0xFF  // damage the image data (its CRC no longer matches)
    let badPNG = try write(png, to: "bad.png")
    assertThrows(DatasetError.self, "bad.png", "corrupt PNG") { try ImageCodec.decode(contentsOf: badPNG) }
    assertThrows(DatasetError.self, "missing.jpg", "no such file") {
      try ImageCodec.decode(contentsOf: self.tempDir.appendingPathComponent("missing.jpg"))
    }
  }

  func testTooLargeImagesAreRefusedBeforeDecoding() throws {
    let jpeg = try ImageCodec.encodeJPEG(testImage(width: 64, height: 64, seed: 0))
    assertThrows(DatasetError.self, "exceeds the limit of 1000 pixels") { try ImageCodec.decode(jpeg, maxPixels: 1000) }
    let png = try ImageCodec.encodePNG(testImage(width: 64, height: 64, seed: 0))
    assertThrows(DatasetError.self, "exceeds the limit of 1000 pixels") { try ImageCodec.decode(png, maxPixels: 1000) }
  }

  func testEncodersRejectBadArguments() throws {
    assertThrows(DatasetError.self, "quality 0") { try ImageCodec.encodeJPEG(testImage(width: 4, height: 4, seed: 0), quality: 0) }
    XCTAssertThrowsError(try RGBImage(width: 2, height: 2, pixels: [1, 2, 3]))
  }

  /// Golden values from Pillow 9.4: `Image.fromarray(a).resize((w, h), Image.BILINEAR)` for the
  /// 7x5 `patternImage`.
  func testResizeMatchesPillowBilinear() throws {
    let image = patternImage(width: 7, height: 5)
    let down = try image.resized(width: 3, height: 4)
    XCTAssertEqual(down.pixels, [18, 120, 112, 42, 151, 124, 66, 167, 159, 61, 163, 155, 85, 188, 142, 109, 165, 141,
                                 105, 142, 167, 129, 152, 115, 153, 144, 99, 148, 140, 118, 172, 100, 133, 196, 77, 142])
    let vertical = try image.resized(width: 7, height: 3)
    XCTAssertEqual(vertical.pixels, [16, 87, 158, 27, 169, 55, 38, 109, 180, 49, 191, 77, 60, 131, 202, 71, 213, 99, 82,
                                     153, 224, 74, 145, 216, 85, 170, 113, 96, 167, 181, 107, 192, 135, 118, 189, 61, 129,
                                     72, 157, 140, 211, 83, 132, 203, 128, 143, 29, 171, 154, 225, 40, 165, 51, 193, 176,
                                     101, 62, 187, 73, 215, 198, 123, 84])
    let horizontal = try image.resized(width: 4, height: 5)
    XCTAssertEqual(horizontal.pixels, [6, 107, 99, 23, 128, 110, 43, 148, 130, 60, 162, 153, 43, 144, 136, 60, 165, 147,
                                       80, 185, 167, 97, 199, 190, 80, 181, 173, 97, 202, 184, 117, 171, 71, 134, 126, 81,
                                       117, 108, 198, 134, 116, 88, 154, 136, 108, 171, 163, 118, 154, 145, 101, 171, 153,
                                       125, 191, 40, 145, 208, 54, 155])
    let up = try image.resized(width: 11, height: 9)
    XCTAssertEqual(up.pixels, [
      0, 71, 142, 5, 108, 95, 12, 148, 50, 19, 109, 130, 26, 123, 127, 33, 175, 61, 40, 137, 141, 47, 137, 158,
      54, 190, 92, 61, 164, 151, 66, 137, 208, 12, 83, 154, 17, 120, 107, 24, 160, 62, 31, 121, 142, 38, 135, 139,
      45, 187, 73, 52, 149, 153, 59, 149, 170, 66, 202, 104, 73, 176, 163, 78, 149, 220, 33, 104, 175, 38, 141, 128,
      45, 181, 83, 52, 142, 163, 59, 156, 160, 66, 208, 94, 73, 170, 174, 80, 170, 191, 87, 223, 125, 94, 197, 184,
      99, 170, 241, 53, 124, 195, 58, 161, 148, 65, 201, 103, 72, 162, 183, 79, 176, 180, 86, 228, 114, 93, 190, 122,
      100, 160, 129, 107, 140, 135, 114, 166, 143, 119, 190, 148, 74, 145, 216, 79, 182, 169, 86, 222, 124, 93, 183, 204,
      100, 197, 201, 107, 249, 135, 114, 211, 52, 121, 142, 46, 128, 31, 143, 135, 122, 86, 140, 211, 26, 95, 166, 237,
      100, 138, 190, 107, 113, 132, 114, 165, 121, 121, 166, 131, 128, 127, 156, 135, 180, 73, 142, 163, 67, 149, 52, 164,
      156, 143, 107, 161, 232, 47, 115, 186, 229, 120, 107, 195, 127, 30, 142, 134, 155, 59, 141, 145, 79, 148, 34, 176,
      155, 141, 93, 162, 162, 87, 169, 70, 184, 176, 148, 127, 181, 224, 67, 136, 207, 107, 141, 128, 138, 148, 51, 163,
      155, 176, 80, 162, 166, 100, 169, 55, 197, 176, 71, 114, 183, 79, 108, 190, 77, 205, 197, 90, 148, 202, 102, 88,
      148, 219, 34, 153, 140, 104, 160, 63, 175, 167, 188, 92, 174, 178, 112, 181, 67, 209, 188, 29, 126, 195, 29, 120,
      202, 82, 217, 209, 56, 160, 214, 29, 100,
    ])
  }

  func testCropsAndPlanarLayout() throws {
    let image = patternImage(width: 6, height: 4)
    let crop = try image.cropped(top: 1, left: 2, width: 3, height: 2)
    XCTAssertEqual(crop[0, 0].r, image[1, 2].r)
    XCTAssertEqual(crop[1, 2].b, image[2, 4].b)
    // torchvision rounds (6 - 3) / 2 = 1.5 to 2 and (4 - 1) / 2 = 1.5 to 2 (half to even).
    let center = try image.centerCropped(width: 3, height: 1)
    XCTAssertEqual(center[0, 0].g, image[2, 2].g)
    assertThrows(DatasetError.self, "does not fit") { try image.cropped(top: 3, left: 0, width: 2, height: 2) }
    let planar = image.planar()
    XCTAssertEqual(planar[0], image[0, 0].r)
    XCTAssertEqual(planar[24 + 7], image[1, 1].g)
    XCTAssertEqual(planar[48 + 23], image[3, 5].b)
  }
}
