// Shared by the shim's translation units: the handle type and the catch-all macro.
#pragma once
#include <ATen/ATen.h>
#include <atomic>
#include <string>
#include "ctorch.h"

struct ct_tensor_s {
  at::Tensor t;
  explicit ct_tensor_s(at::Tensor x);
  ~ct_tensor_s();
};

void ct_set_error(const char *msg);

inline ct_tensor ct_wrap(at::Tensor t) { return new ct_tensor_s(std::move(t)); }
inline at::IntArrayRef ct_dims(const int64_t *p, int64_t n) { return at::IntArrayRef(p, (size_t)n); }
inline at::Device ct_to_device(ct_device d) {
  return d.type == 1 ? at::Device(at::kCUDA, (c10::DeviceIndex)d.index) : at::Device(at::kCPU);
}
inline at::TensorOptions ct_options(ct_dtype dtype, ct_device dev) {
  return at::TensorOptions().dtype((at::ScalarType)dtype).device(ct_to_device(dev));
}
// Swift hands every scalar over as a double, which libtorch treats as a floating-point Scalar.
// In-place ops cannot promote an integral tensor to float, so for an integral tensor a
// whole-number value becomes an integer Scalar (as a Python int would in PyTorch).
inline at::Scalar ct_scalar_for(const at::Tensor &t, double v) {
  if (at::isIntegralType(t.scalar_type(), /*includeBool=*/false) && v > -9.0e18 && v < 9.0e18 &&
      (double)(int64_t)v == v)
    return at::Scalar((int64_t)v);
  return at::Scalar(v);
}
inline c10::optional<at::Tensor> ct_opt(ct_tensor t) {
  return t ? c10::optional<at::Tensor>(t->t) : c10::nullopt;
}

// True when an op on `t` records nothing for autograd (see ctorch_fast.cpp).
bool ct_autograd_free(const at::Tensor &t);
// Small same-shape float/double CPU elementwise ops without libtorch's dispatcher; false (and
// `out` untouched) when the operands do not qualify or the op has no fast form.
bool ct_fast_binary(ct_binary_op op, const at::Tensor &a, const at::Tensor &b, at::Tensor &out);
bool ct_fast_binary_scalar(ct_binary_op op, const at::Tensor &a, double s, at::Tensor &out);

// When `cond` holds, skips the Autograd and ADInplaceOrView dispatch keys for the rest of the
// scope (~0.1 µs per call). Only for functional ops (no views, no in-place): their result is an
// ordinary tensor without history, exactly what the autograd kernel returns when no input needs
// grad, so it can later be used as a leaf or combined with tensors that require grad. Unlike
// c10::InferenceMode, which would forbid saving the result for a later backward.
#define CT_BELOW_AUTOGRAD_IF(cond)                                       \
  c10::optional<at::AutoDispatchBelowADInplaceOrView> ct_below_autograd_; \
  if (cond) ct_below_autograd_.emplace()

// Runs `body`; any C++ exception becomes status 1 with its message saved for ct_last_error.
#define CT_TRY(...)                                                    \
  try {                                                                \
    __VA_ARGS__;                                                            \
    return 0;                                                          \
  } catch (const c10::Error &e) {                                      \
    ct_set_error(e.what_without_backtrace());                          \
    return 1;                                                          \
  } catch (const std::exception &e) {                                  \
    ct_set_error(e.what());                                            \
    return 1;                                                          \
  } catch (...) {                                                      \
    ct_set_error("unknown C++ exception");                             \
    return 1;                                                          \
  }

