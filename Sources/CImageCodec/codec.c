// Format detection and dispatch.
#include "image_codec.h"
#include "codec_internal.h"

#include <stdlib.h>
#include <string.h>

ic_format ic_sniff_format(const uint8_t *data, size_t size) {
  static const uint8_t png_signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  if (data == NULL) return IC_FORMAT_UNKNOWN;
  if (size >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) return IC_FORMAT_JPEG;
  if (size >= 8 && memcmp(data, png_signature, 8) == 0) return IC_FORMAT_PNG;
  return IC_FORMAT_UNKNOWN;
}

int ic_decode_rgb(const uint8_t *data, size_t size, int min_width, int min_height, int64_t max_pixels,
                  uint8_t **out_pixels, int *out_width, int *out_height, char *err, size_t err_size) {
  if (out_pixels == NULL || out_width == NULL || out_height == NULL) {
    return ic_fail(err, err_size, "null output pointer");
  }
  *out_pixels = NULL;
  *out_width = 0;
  *out_height = 0;
  switch (ic_sniff_format(data, size)) {
  case IC_FORMAT_JPEG:
    return ic_decode_jpeg(data, size, min_width, min_height, max_pixels, out_pixels, out_width, out_height,
                          err, err_size);
  case IC_FORMAT_PNG:
    return ic_decode_png(data, size, max_pixels, out_pixels, out_width, out_height, err, err_size);
  default:
    if (size == 0) return ic_fail(err, err_size, "empty file");
    return ic_fail(err, err_size, "not a JPEG or PNG file (first bytes %02x %02x %02x)",
                   size > 0 ? data[0] : 0, size > 1 ? data[1] : 0, size > 2 ? data[2] : 0);
  }
}

int ic_image_size(const uint8_t *data, size_t size, int *out_width, int *out_height, char *err, size_t err_size) {
  if (out_width == NULL || out_height == NULL) return ic_fail(err, err_size, "null output pointer");
  switch (ic_sniff_format(data, size)) {
  case IC_FORMAT_JPEG: return ic_jpeg_size(data, size, out_width, out_height, err, err_size);
  case IC_FORMAT_PNG: return ic_png_size(data, size, out_width, out_height, err, err_size);
  default: return ic_fail(err, err_size, "not a JPEG or PNG file");
  }
}

void ic_free(void *p) { free(p); }
