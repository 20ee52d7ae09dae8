// Pixel kernels of the input pipeline: Pillow-compatible bilinear resize, layout conversion,
// and the per-sample crop + flip + normalize that fills a float batch.
#include "image_codec.h"
#include "codec_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

// --- Resize: Pillow's ImagingResample with the BILINEAR (triangle) filter, 8-bit path. ---

#define IC_PRECISION_BITS (32 - 8 - 2)

static double ic_bilinear_filter(double x) {
  if (x < 0.0) x = -x;
  return x < 1.0 ? 1.0 - x : 0.0;
}

/// Fixed-point filter taps per output index: bounds[2i] = first input, bounds[2i+1] = count.
static int ic_precompute(int in_size, int out_size, int **bounds_out, int **coeffs_out, int *ksize_out) {
  double scale = (double)in_size / out_size;
  double filterscale = scale < 1.0 ? 1.0 : scale;
  double support = 1.0 * filterscale;
  int ksize = (int)ceil(support) * 2 + 1;
  double *kk = (double *)malloc(sizeof(double) * (size_t)out_size * ksize);
  int *bounds = (int *)malloc(sizeof(int) * (size_t)out_size * 2);
  int *coeffs = (int *)malloc(sizeof(int) * (size_t)out_size * ksize);
  if (kk == NULL || bounds == NULL || coeffs == NULL) {
    free(kk); free(bounds); free(coeffs);
    return -1;
  }
  for (int xx = 0; xx < out_size; xx++) {
    double center = (xx + 0.5) * scale;
    double ww = 0.0, ss = 1.0 / filterscale;
    int xmin = (int)(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    int xmax = (int)(center + support + 0.5);
    if (xmax > in_size) xmax = in_size;
    xmax -= xmin;
    double *k = &kk[(size_t)xx * ksize];
    int x;
    for (x = 0; x < xmax; x++) {
      double w = ic_bilinear_filter((x + xmin - center + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    for (x = 0; x < xmax; x++) {
      if (ww != 0.0) k[x] /= ww;
    }
    for (; x < ksize; x++) k[x] = 0;
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  for (size_t i = 0; i < (size_t)out_size * ksize; i++) {
    double v = kk[i] * (1 << IC_PRECISION_BITS);
    coeffs[i] = (int)(v < 0 ? v - 0.5 : v + 0.5);
  }
  free(kk);
  *bounds_out = bounds;
  *coeffs_out = coeffs;
  *ksize_out = ksize;
  return 0;
}

static inline uint8_t ic_clip8(int in) {
  int v = in >> IC_PRECISION_BITS;
  return (uint8_t)(v < 0 ? 0 : (v > 255 ? 255 : v));
}

int ic_resize_bilinear(const uint8_t *src, int src_width, int src_height, int c,
                       uint8_t *dst, int dst_width, int dst_height, char *err, size_t err_size) {
  if (src == NULL || dst == NULL) return ic_fail(err, err_size, "null pointer");
  if (src_width <= 0 || src_height <= 0 || dst_width <= 0 || dst_height <= 0 || c <= 0) {
    return ic_fail(err, err_size, "cannot resize %dx%d to %dx%d", src_width, src_height, dst_width, dst_height);
  }
  size_t src_row = (size_t)src_width * c;
  // Horizontal pass into tmp (src_height x dst_width), unless the width is unchanged.
  uint8_t *tmp = NULL;
  const uint8_t *mid = src;
  if (dst_width != src_width) {
    int *bounds, *coeffs, ksize;
    if (ic_precompute(src_width, dst_width, &bounds, &coeffs, &ksize) != 0) return ic_fail(err, err_size, "out of memory");
    tmp = (uint8_t *)malloc((size_t)src_height * dst_width * c + 1);
    if (tmp == NULL) { free(bounds); free(coeffs); return ic_fail(err, err_size, "out of memory"); }
    for (int y = 0; y < src_height; y++) {
      const uint8_t *row = src + src_row * y;
      uint8_t *out = tmp + (size_t)dst_width * c * y;
      for (int xx = 0; xx < dst_width; xx++) {
        int xmin = bounds[xx * 2], xmax = bounds[xx * 2 + 1];
        const int *k = &coeffs[(size_t)xx * ksize];
        for (int ch = 0; ch < c; ch++) {
          int ss = 1 << (IC_PRECISION_BITS - 1);
          for (int x = 0; x < xmax; x++) ss += row[(size_t)(x + xmin) * c + ch] * k[x];
          out[(size_t)xx * c + ch] = ic_clip8(ss);
        }
      }
    }
    free(bounds);
    free(coeffs);
    mid = tmp;
  }
  size_t mid_row = (size_t)dst_width * c;
  if (dst_height == src_height) {
    memcpy(dst, mid, mid_row * dst_height);
  } else {
    int *bounds, *coeffs, ksize;
    if (ic_precompute(src_height, dst_height, &bounds, &coeffs, &ksize) != 0) {
      free(tmp);
      return ic_fail(err, err_size, "out of memory");
    }
    for (int yy = 0; yy < dst_height; yy++) {
      int ymin = bounds[yy * 2], ymax = bounds[yy * 2 + 1];
      const int *k = &coeffs[(size_t)yy * ksize];
      uint8_t *out = dst + mid_row * yy;
      for (size_t i = 0; i < mid_row; i++) {
        int ss = 1 << (IC_PRECISION_BITS - 1);
        for (int y = 0; y < ymax; y++) ss += mid[mid_row * (size_t)(y + ymin) + i] * k[y];
        out[i] = ic_clip8(ss);
      }
    }
    free(bounds);
    free(coeffs);
  }
  free(tmp);
  return 0;
}

void ic_hwc_to_chw(const uint8_t *src, int width, int height, int c, uint8_t *dst) {
  size_t plane = (size_t)width * height;
  for (size_t p = 0; p < plane; p++) {
    for (int ch = 0; ch < c; ch++) dst[plane * ch + p] = src[p * c + ch];
  }
}

void ic_crop_flip_normalize(const uint8_t *src, int c, int src_h, int src_w,
                            int top, int left, int out_h, int out_w, int flip, uint8_t pad_value,
                            const float *lut, float *dst) {
  for (int ch = 0; ch < c; ch++) {
    const uint8_t *plane = src + (size_t)src_h * src_w * ch;
    const float *map = lut + 256 * ch;
    float pad = map[pad_value];
    float *out_plane = dst + (size_t)out_h * out_w * ch;
    for (int y = 0; y < out_h; y++) {
      int sy = top + y;
      float *out = out_plane + (size_t)out_w * y;
      if (sy < 0 || sy >= src_h) {
        for (int x = 0; x < out_w; x++) out[x] = pad;
        continue;
      }
      const uint8_t *row = plane + (size_t)src_w * sy;
      for (int x = 0; x < out_w; x++) {
        // Output column x reads source column left + x, or its mirror image when flipping.
        int sx = left + (flip ? out_w - 1 - x : x);
        out[x] = (sx < 0 || sx >= src_w) ? pad : map[row[sx]];
      }
    }
  }
}
