// Shared helpers of the CImageCodec translation units (not part of the public header).
#ifndef CODEC_INTERNAL_H
#define CODEC_INTERNAL_H

#include <stdarg.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>

/// Formats a message into the caller's error buffer (if any) and returns -1.
static inline int ic_fail(char *err, size_t err_size, const char *format, ...) {
  if (err != NULL && err_size > 0) {
    va_list args;
    va_start(args, format);
    vsnprintf(err, err_size, format, args);
    va_end(args);
  }
  return -1;
}

int ic_decode_jpeg(const uint8_t *data, size_t size, int min_width, int min_height, int64_t max_pixels,
                   uint8_t **out_pixels, int *out_width, int *out_height, char *err, size_t err_size);
int ic_jpeg_size(const uint8_t *data, size_t size, int *out_width, int *out_height, char *err, size_t err_size);
int ic_decode_png(const uint8_t *data, size_t size, int64_t max_pixels,
                  uint8_t **out_pixels, int *out_width, int *out_height, char *err, size_t err_size);
int ic_png_size(const uint8_t *data, size_t size, int *out_width, int *out_height, char *err, size_t err_size);

#endif
