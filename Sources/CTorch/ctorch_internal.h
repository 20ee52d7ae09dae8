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
inline at::TensorOptions ct_options(int32_t dtype, ct_device dev) {
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

