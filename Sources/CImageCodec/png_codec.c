// PNG decoding and encoding with libpng's simplified API (which handles its own longjmp
// error recovery and reports failures through png_image.message).
#include "image_codec.h"
#include "codec_internal.h"

#include <stdlib.h>
#include <string.h>

#include <png.h>

int ic_decode_png(const uint8_t *data, size_t size, int64_t max_pixels,
                  uint8_t **out_pixels, int *out_width, int *out_height, char *err, size_t err_size) {
  png_image image;
  memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&image, data, size)) {
    int r = ic_fail(err, err_size, "corrupt PNG: %s", image.message);
    png_image_free(&image);
    return r;
  }
  if (max_pixels > 0 && (int64_t)image.width * (int64_t)image.height > max_pixels) {
    int r = ic_fail(err, err_size, "PNG of %ux%u pixels exceeds the limit of %lld pixels", image.width, image.height,
                    (long long)max_pixels);
    png_image_free(&image);
    return r;
  }
  // Read RGBA and drop alpha, as Pillow's convert("RGB") does (no compositing).
  image.format = PNG_FORMAT_RGBA;
  size_t rgba_size = PNG_IMAGE_SIZE(image);
  uint8_t *buffer = (uint8_t *)malloc(rgba_size + 1);
  if (buffer == NULL) {
    png_image_free(&image);
    return ic_fail(err, err_size, "out of memory for a %ux%u PNG", image.width, image.height);
  }
  if (!png_image_finish_read(&image, NULL, buffer, 0, NULL)) {
    int r = ic_fail(err, err_size, "corrupt PNG: %s", image.message);
    png_image_free(&image);
    free(buffer);
    return r;
  }
  size_t n = (size_t)image.width * image.height;
  for (size_t i = 0; i < n; i++) {
    buffer[3 * i] = buffer[4 * i];
    buffer[3 * i + 1] = buffer[4 * i + 1];
    buffer[3 * i + 2] = buffer[4 * i + 2];
  }
  *out_pixels = buffer;
  *out_width = (int)image.width;
  *out_height = (int)image.height;
  return 0;
}

int ic_png_size(const uint8_t *data, size_t size, int *out_width, int *out_height, char *err, size_t err_size) {
  png_image image;
  memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&image, data, size)) {
    int r = ic_fail(err, err_size, "corrupt PNG: %s", image.message);
    png_image_free(&image);
    return r;
  }
  *out_width = (int)image.width;
  *out_height = (int)image.height;
  png_image_free(&image);
  return 0;
}

int ic_encode_png(const uint8_t *rgb, int width, int height,
                  uint8_t **out_data, size_t *out_size, char *err, size_t err_size) {
  if (rgb == NULL || out_data == NULL || out_size == NULL) return ic_fail(err, err_size, "null pointer");
  if (width <= 0 || height <= 0) return ic_fail(err, err_size, "cannot encode a %dx%d PNG", width, height);
  png_image image;
  memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  image.width = (png_uint_32)width;
  image.height = (png_uint_32)height;
  image.format = PNG_FORMAT_RGB;
  png_alloc_size_t size = 0;
  if (!png_image_write_to_memory(&image, NULL, &size, 0, rgb, 0, NULL)) {
    int r = ic_fail(err, err_size, "PNG encoding failed: %s", image.message);
    png_image_free(&image);
    return r;
  }
  uint8_t *buffer = (uint8_t *)malloc(size + 1);
  if (buffer == NULL) return ic_fail(err, err_size, "out of memory for a PNG of %zu bytes", (size_t)size);
  if (!png_image_write_to_memory(&image, buffer, &size, 0, rgb, 0, NULL)) {
    int r = ic_fail(err, err_size, "PNG encoding failed: %s", image.message);
    png_image_free(&image);
    free(buffer);
    return r;
  }
  *out_data = buffer;
  *out_size = (size_t)size;
  return 0;
}
