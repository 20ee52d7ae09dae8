// Small-tensor fast path for the commonest elementwise ops (issue 2: per-op overhead).
//
// On this machine a libtorch call like at::mul on 16 floats costs ~0.85 µs, of which ~0.15 µs is
// the autograd dispatch key, ~0.45 µs TensorIterator set-up and ~0.2 µs allocating the result;
// the arithmetic itself is a few nanoseconds. When no autograd work can be needed and both
// operands are plain, contiguous, same-shape float/double CPU tensors below libtorch's
// parallelization grain, the ops below allocate the result directly and run a plain loop.
// The arithmetic is the same IEEE operation libtorch's kernels perform (a + 1*b fused is a + b,
// scalars are rounded to the tensor's dtype first, as TensorIterator does), so results are
// bitwise identical; Tests/TorchTests/FastPathTests.swift checks that against the slow path.
#include "ctorch_internal.h"
#include <ATen/EmptyTensor.h>
#include <ATen/TensorIterator.h>
#include <c10/core/GradMode.h>

bool ct_autograd_free(const at::Tensor &t) {
  // Without autograd meta a tensor neither requires grad nor carries a forward-mode gradient.
  // With grad mode off, only forward-mode AD would still need the autograd key, and the Swift
  // API exposes no way to create a forward-mode (dual) tensor.
  return t.unsafeGetTensorImpl()->autograd_meta() == nullptr || !c10::GradMode::is_enabled();
}

// A dense strided CPU tensor with no extra dispatch keys (no conjugate/negative bit, no
// zero tensor, no subclass): the key set of a freshly allocated CPU tensor.
static bool ct_plain_small(const at::Tensor &t) {
  static const c10::DispatchKeySet plain = at::detail::empty_cpu({0}, at::kFloat).key_set();
  int64_t n = t.numel();
  return t.key_set() == plain && n > 0 && n <= at::internal::GRAIN_SIZE && t.is_contiguous();
}

template <typename T, typename F>
static at::Tensor ct_map2(const at::Tensor &a, const at::Tensor &b, F f) {
  at::Tensor out = at::detail::empty_cpu(a.sizes(), a.scalar_type());
  const T *pa = static_cast<const T *>(a.data_ptr());
  const T *pb = static_cast<const T *>(b.data_ptr());
  T *po = static_cast<T *>(out.data_ptr());
  for (int64_t i = 0, n = a.numel(); i < n; i++) po[i] = f(pa[i], pb[i]);
  return out;
}

template <typename T, typename F>
static at::Tensor ct_map1(const at::Tensor &a, F f) {
  at::Tensor out = at::detail::empty_cpu(a.sizes(), a.scalar_type());
  const T *pa = static_cast<const T *>(a.data_ptr());
  T *po = static_cast<T *>(out.data_ptr());
  for (int64_t i = 0, n = a.numel(); i < n; i++) po[i] = f(pa[i]);
  return out;
}

template <typename T>
static bool ct_fast_binary_typed(ct_binary_op op, const at::Tensor &a, const at::Tensor &b, at::Tensor &out) {
  switch (op) {
  case CT_BINARY_ADD: out = ct_map2<T>(a, b, [](T x, T y) { return x + y; }); return true;
  case CT_BINARY_SUB: out = ct_map2<T>(a, b, [](T x, T y) { return x - y; }); return true;
  case CT_BINARY_MUL: out = ct_map2<T>(a, b, [](T x, T y) { return x * y; }); return true;
  case CT_BINARY_DIV: out = ct_map2<T>(a, b, [](T x, T y) { return x / y; }); return true;
  }
  return false;
}

template <typename T>
static bool ct_fast_scalar_typed(ct_binary_op op, const at::Tensor &a, T s, at::Tensor &out) {
  switch (op) {
  case CT_BINARY_ADD: out = ct_map1<T>(a, [s](T x) { return x + s; }); return true;
  case CT_BINARY_SUB: out = ct_map1<T>(a, [s](T x) { return x - s; }); return true;
  case CT_BINARY_MUL: out = ct_map1<T>(a, [s](T x) { return x * s; }); return true;
  case CT_BINARY_DIV: out = ct_map1<T>(a, [s](T x) { return x / s; }); return true;
  case CT_BINARY_REVERSE_SUB: out = ct_map1<T>(a, [s](T x) { return s - x; }); return true;
  }
  return false;
}

bool ct_fast_binary(ct_binary_op op, const at::Tensor &a, const at::Tensor &b, at::Tensor &out) {
  if (op > 3 || !ct_plain_small(a) || !ct_plain_small(b) || a.scalar_type() != b.scalar_type() ||
      !a.sizes().equals(b.sizes()) || !ct_autograd_free(a) || !ct_autograd_free(b))
    return false;
  switch (a.scalar_type()) {
  case at::kFloat: return ct_fast_binary_typed<float>(op, a, b, out);
  case at::kDouble: return ct_fast_binary_typed<double>(op, a, b, out);
  default: return false;
  }
}

bool ct_fast_binary_scalar(ct_binary_op op, const at::Tensor &a, double s, at::Tensor &out) {
  if (!ct_plain_small(a) || !ct_autograd_free(a)) return false;
  switch (a.scalar_type()) {
  case at::kFloat: return ct_fast_scalar_typed<float>(op, a, static_cast<float>(s), out);
  case at::kDouble: return ct_fast_scalar_typed<double>(op, a, s, out);
  default: return false;
  }
}
