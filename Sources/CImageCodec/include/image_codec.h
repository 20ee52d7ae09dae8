// CImageCodec: JPEG / PNG decoding and encoding (libjpeg-turbo, libpng) and the pixel kernels
// of the input pipeline (resize, crop + flip + normalize into a float batch).
//
// Rules: no function ever exits or longjmps out to the caller. Every fallible function returns
// 0 on success and -1 on failure, with a NUL-terminated message in the caller's `err` buffer.
// Buffers returned through `out` pointers are allocated with malloc; free them with ic_free.
#ifndef IMAGE_CODEC_H
#define IMAGE_CODEC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The container format of an encoded image, found from its first bytes.
typedef enum { IC_FORMAT_UNKNOWN = 0, IC_FORMAT_JPEG = 1, IC_FORMAT_PNG = 2 } ic_format;

/// The format of `data` from its signature bytes.
ic_format ic_sniff_format(const uint8_t *data, size_t size);

/// Decodes a JPEG or PNG into 8-bit RGB, rows top to bottom, pixels interleaved (HWC).
/// Grayscale, palette, 16-bit and alpha images are converted to RGB (alpha is dropped).
/// `min_width` / `min_height` (0 = full size) let a JPEG decode at a reduced DCT scale n/8
/// whose result is still at least that large; PNGs always decode at full size.
/// Images with more than `max_pixels` pixels are refused before any pixel buffer is allocated.
/// A truncated or corrupt file fails with a message; *out_pixels is then NULL.
int ic_decode_rgb(const uint8_t *data, size_t size, int min_width, int min_height, int64_t max_pixels,
                  uint8_t **out_pixels, int *out_width, int *out_height, char *err, size_t err_size);

/// Reads only the width and height of a JPEG or PNG.
int ic_image_size(const uint8_t *data, size_t size, int *out_width, int *out_height, char *err, size_t err_size);

/// Encodes 8-bit RGB (HWC) as a baseline JPEG of the given quality (1...100).
int ic_encode_jpeg(const uint8_t *rgb, int width, int height, int quality,
                   uint8_t **out_data, size_t *out_size, char *err, size_t err_size);

/// Encodes 8-bit RGB (HWC) as a PNG.
int ic_encode_png(const uint8_t *rgb, int width, int height,
                  uint8_t **out_data, size_t *out_size, char *err, size_t err_size);

/// Frees a buffer returned by this module.
void ic_free(void *p);

/// Resizes 8-bit HWC images with channels `c` by separable bilinear (triangle) filtering with
/// antialiasing on downscale, the way Pillow's `Image.resize(..., BILINEAR)` does.
int ic_resize_bilinear(const uint8_t *src, int src_width, int src_height, int c,
                       uint8_t *dst, int dst_width, int dst_height, char *err, size_t err_size);

/// Converts HWC pixels to CHW (planar) layout.
void ic_hwc_to_chw(const uint8_t *src, int width, int height, int c, uint8_t *dst);

/// Writes one sample of a float batch: from the CHW uint8 image `src` (c x src_h x src_w), the
/// window of out_h x out_w whose top-left corner is (top, left); the window may reach past the
/// image on any side (top/left negative, or too large), where pixels read as `pad_value`;
/// mirrored left-right when `flip` is nonzero, mapped to float through the per-channel lookup
/// table `lut` (c x 256 entries, e.g. (x / 255 - mean) / std) and stored CHW in `dst`
/// (c x out_h x out_w).
void ic_crop_flip_normalize(const uint8_t *src, int c, int src_h, int src_w,
                            int top, int left, int out_h, int out_w, int flip, uint8_t pad_value,
                            const float *lut, float *dst);

#ifdef __cplusplus
}
#endif

#endif
