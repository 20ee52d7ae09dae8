// JPEG decoding and encoding with libjpeg(-turbo). libjpeg reports fatal errors through
// error_exit, which by default calls exit(); ours longjmps back into the function that
// started the libjpeg call, which cleans up and returns -1 with libjpeg's message.
#include "image_codec.h"
#include "codec_internal.h"

#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

typedef struct {
  struct jpeg_error_mgr pub;
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
} ic_jpeg_error;

static void ic_jpeg_error_exit(j_common_ptr cinfo) {
  ic_jpeg_error *e = (ic_jpeg_error *)cinfo->err;
  (*cinfo->err->format_message)(cinfo, e->message);
  longjmp(e->jump, 1);
}

/// Warnings that mean the pixels are wrong (truncated or damaged entropy-coded data) are fatal;
/// benign ones (extraneous bytes between markers) are ignored. Nothing is printed.
static void ic_jpeg_emit_message(j_common_ptr cinfo, int level) {
  if (level >= 0) return;  // trace messages
  int code = cinfo->err->msg_code;
  if (code == JWRN_JPEG_EOF || code == JWRN_HIT_MARKER || code == JWRN_HUFF_BAD_CODE) {
    ic_jpeg_error_exit(cinfo);
  }
  cinfo->err->num_warnings++;
}

static void ic_jpeg_output_message(j_common_ptr cinfo) { (void)cinfo; }

static void ic_jpeg_install_errors(ic_jpeg_error *e, struct jpeg_error_mgr **slot) {
  *slot = jpeg_std_error(&e->pub);
  e->pub.error_exit = ic_jpeg_error_exit;
  e->pub.emit_message = ic_jpeg_emit_message;
  e->pub.output_message = ic_jpeg_output_message;
  e->message[0] = 0;
}

/// Smallest n in 1...8 such that the image scaled by n/8 is at least min_w x min_h.
static int ic_jpeg_scale(int width, int height, int min_w, int min_h) {
  if (min_w <= 0 && min_h <= 0) return 8;
  for (int n = 1; n < 8; n++) {
    int w = (int)(((int64_t)width * n + 7) / 8);
    int h = (int)(((int64_t)height * n + 7) / 8);
    if (w >= min_w && h >= min_h) return n;
  }
  return 8;
}

int ic_decode_jpeg(const uint8_t *data, size_t size, int min_width, int min_height, int64_t max_pixels,
                   uint8_t **out_pixels, int *out_width, int *out_height, char *err, size_t err_size) {
  struct jpeg_decompress_struct cinfo;
  ic_jpeg_error jerr;
  uint8_t *volatile pixels = NULL;
  uint8_t *volatile row4 = NULL;
  ic_jpeg_install_errors(&jerr, &cinfo.err);
  if (setjmp(jerr.jump)) {
    jpeg_destroy_decompress(&cinfo);
    free(pixels);
    free(row4);
    return ic_fail(err, err_size, "corrupt JPEG: %s", jerr.message);
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, data, (unsigned long)size);
  jpeg_read_header(&cinfo, TRUE);
  if (max_pixels > 0 && (int64_t)cinfo.image_width * (int64_t)cinfo.image_height > max_pixels) {
    int w = (int)cinfo.image_width, h = (int)cinfo.image_height;
    jpeg_destroy_decompress(&cinfo);
    return ic_fail(err, err_size, "JPEG of %dx%d pixels exceeds the limit of %lld pixels", w, h,
                   (long long)max_pixels);
  }
  int cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
  cinfo.out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
  cinfo.scale_num = (unsigned int)ic_jpeg_scale((int)cinfo.image_width, (int)cinfo.image_height, min_width, min_height);
  cinfo.scale_denom = 8;
  jpeg_start_decompress(&cinfo);
  int width = (int)cinfo.output_width, height = (int)cinfo.output_height;
  size_t row_bytes = (size_t)width * 3;
  pixels = (uint8_t *)malloc(row_bytes * (size_t)height + 1);
  if (cmyk) row4 = (uint8_t *)malloc((size_t)width * 4 + 1);
  if (pixels == NULL || (cmyk && row4 == NULL)) {
    jpeg_destroy_decompress(&cinfo);
    free(pixels);
    free(row4);
    return ic_fail(err, err_size, "out of memory for a %dx%d JPEG", width, height);
  }
  int inverted = cmyk && cinfo.saw_Adobe_marker;
  while (cinfo.output_scanline < cinfo.output_height) {
    uint8_t *dst = pixels + row_bytes * cinfo.output_scanline;
    JSAMPROW row = cmyk ? row4 : dst;
    if (jpeg_read_scanlines(&cinfo, &row, 1) != 1) {
      jpeg_destroy_decompress(&cinfo);
      free(pixels);
      free(row4);
      return ic_fail(err, err_size, "corrupt JPEG: no scanline %d", (int)cinfo.output_scanline);
    }
    if (cmyk) {
      // Adobe writes CMYK inverted; RGB = (255 - C)(255 - K) / 255 on the uninverted values.
      for (int x = 0; x < width; x++) {
        int c = row4[4 * x], m = row4[4 * x + 1], y = row4[4 * x + 2], k = row4[4 * x + 3];
        if (!inverted) { c = 255 - c; m = 255 - m; y = 255 - y; k = 255 - k; }
        dst[3 * x] = (uint8_t)((c * k + 127) / 255);
        dst[3 * x + 1] = (uint8_t)((m * k + 127) / 255);
        dst[3 * x + 2] = (uint8_t)((y * k + 127) / 255);
      }
    }
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  free(row4);
  *out_pixels = pixels;
  *out_width = width;
  *out_height = height;
  return 0;
}

int ic_jpeg_size(const uint8_t *data, size_t size, int *out_width, int *out_height, char *err, size_t err_size) {
  struct jpeg_decompress_struct cinfo;
  ic_jpeg_error jerr;
  ic_jpeg_install_errors(&jerr, &cinfo.err);
  if (setjmp(jerr.jump)) {
    jpeg_destroy_decompress(&cinfo);
    return ic_fail(err, err_size, "corrupt JPEG: %s", jerr.message);
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, data, (unsigned long)size);
  jpeg_read_header(&cinfo, TRUE);
  *out_width = (int)cinfo.image_width;
  *out_height = (int)cinfo.image_height;
  jpeg_destroy_decompress(&cinfo);
  return 0;
}

int ic_encode_jpeg(const uint8_t *rgb, int width, int height, int quality,
                   uint8_t **out_data, size_t *out_size, char *err, size_t err_size) {
  if (rgb == NULL || out_data == NULL || out_size == NULL) return ic_fail(err, err_size, "null pointer");
  if (width <= 0 || height <= 0 || width > 65500 || height > 65500) {
    return ic_fail(err, err_size, "cannot encode a %dx%d JPEG", width, height);
  }
  if (quality < 1 || quality > 100) return ic_fail(err, err_size, "JPEG quality %d is outside 1...100", quality);
  struct jpeg_compress_struct cinfo;
  ic_jpeg_error jerr;
  unsigned char *volatile buffer = NULL;
  unsigned long buffer_size = 0;
  ic_jpeg_install_errors(&jerr, &cinfo.err);
  if (setjmp(jerr.jump)) {
    jpeg_destroy_compress(&cinfo);
    free(buffer);
    return ic_fail(err, err_size, "JPEG encoding failed: %s", jerr.message);
  }
  jpeg_create_compress(&cinfo);
  unsigned char *dest = NULL;
  jpeg_mem_dest(&cinfo, &dest, &buffer_size);
  cinfo.image_width = (JDIMENSION)width;
  cinfo.image_height = (JDIMENSION)height;
  cinfo.input_components = 3;
  cinfo.in_color_space = JCS_RGB;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, quality, TRUE);
  jpeg_start_compress(&cinfo, TRUE);
  size_t row_bytes = (size_t)width * 3;
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row = (JSAMPROW)(rgb + row_bytes * cinfo.next_scanline);
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  buffer = dest;
  jpeg_destroy_compress(&cinfo);
  *out_data = (uint8_t *)buffer;
  *out_size = (size_t)buffer_size;
  return 0;
}
