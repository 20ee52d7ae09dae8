// Lifecycle, creation, conversion, runtime settings and autograd.
#include "ctorch_internal.h"
#include <torch/csrc/autograd/autograd.h>
#include <c10/core/GradMode.h>
#include <ATen/Parallel.h>
#include <dlfcn.h>
#include <malloc.h>
#include <cstdlib>
#include <cstring>
#include <sstream>

static std::atomic<int64_t> g_live{0};
static thread_local std::string g_error;

ct_tensor_s::ct_tensor_s(at::Tensor x) : t(std::move(x)) { g_live.fetch_add(1, std::memory_order_relaxed); }
ct_tensor_s::~ct_tensor_s() { g_live.fetch_sub(1, std::memory_order_relaxed); }

void ct_set_error(const char *msg) { g_error = msg ? msg : "(null)"; }
const char *ct_last_error(void) { return g_error.c_str(); }
int64_t ct_live_tensor_count(void) { return g_live.load(); }

void ct_init(void) {
  static std::atomic<bool> done{false};
  if (done.exchange(true)) return;
  // A pthread OpenBLAS spins its own pool against libtorch's OpenMP threads; keep it at one thread.
  typedef int (*get_parallel_t)(void);
  typedef void (*set_threads_t)(int);
  auto get_parallel = (get_parallel_t)dlsym(RTLD_DEFAULT, "openblas_get_parallel");
  auto set_threads = (set_threads_t)dlsym(RTLD_DEFAULT, "openblas_set_num_threads");
  if (get_parallel && set_threads && get_parallel() == 1) set_threads(1);
  // glibc returns freed activation buffers to the OS and page-faults them back each batch;
  // fixed thresholds keep them in the heap (FAIRPRUNE_MALLOC_TUNING=0 turns this off).
  const char *tuning = std::getenv("FAIRPRUNE_MALLOC_TUNING");
  if (!tuning || std::strcmp(tuning, "0") != 0) {
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    mallopt(M_TOP_PAD, 64 << 20);
  }
}

void ct_manual_seed(uint64_t seed) { at::manual_seed(seed); }
void ct_set_num_threads(int32_t n) { at::set_num_threads(n); }
int32_t ct_get_num_threads(void) { return at::get_num_threads(); }
int32_t ct_cuda_device_count(void) { return at::hasCUDA() ? (int32_t)at::detail::getCUDAHooks().getNumGPUs() : 0; }
int32_t ct_set_grad_enabled(int32_t enabled) {
  bool prev = c10::GradMode::is_enabled();
  c10::GradMode::set_enabled(enabled != 0);
  return prev ? 1 : 0;
}
int32_t ct_is_grad_enabled(void) { return c10::GradMode::is_enabled() ? 1 : 0; }

void ct_tensor_free(ct_tensor t) { delete t; }
int ct_tensor_shallow_copy(ct_tensor t, ct_tensor *out) { CT_TRY(*out = ct_wrap(t->t)) }
int64_t ct_tensor_ndim(ct_tensor t) { return t->t.dim(); }
void ct_tensor_shape(ct_tensor t, int64_t *dims) {
  auto s = t->t.sizes();
  for (size_t i = 0; i < s.size(); i++) dims[i] = s[i];
}
int64_t ct_tensor_numel(ct_tensor t) { return t->t.numel(); }
// ct_dtype's values are c10::ScalarType's, so dtypes cross the boundary by cast.
static_assert(CT_UINT8 == (int)at::kByte && CT_INT8 == (int)at::kChar && CT_INT16 == (int)at::kShort &&
              CT_INT32 == (int)at::kInt && CT_INT64 == (int)at::kLong && CT_FLOAT16 == (int)at::kHalf &&
              CT_FLOAT32 == (int)at::kFloat && CT_FLOAT64 == (int)at::kDouble && CT_BOOL == (int)at::kBool &&
              CT_BFLOAT16 == (int)at::kBFloat16, "ct_dtype must mirror c10::ScalarType");
static_assert(CT_REDUCTION_NONE == at::Reduction::None && CT_REDUCTION_MEAN == at::Reduction::Mean &&
              CT_REDUCTION_SUM == at::Reduction::Sum, "ct_reduction must mirror at::Reduction");
ct_dtype ct_tensor_dtype(ct_tensor t) { return (ct_dtype)t->t.scalar_type(); }
ct_device ct_tensor_device(ct_tensor t) {
  auto d = t->t.device();
  return ct_device{d.is_cuda() ? 1 : 0, d.is_cuda() ? (int32_t)d.index() : 0};
}
int32_t ct_tensor_defined(ct_tensor t) { return t->t.defined() ? 1 : 0; }
int ct_tensor_to_string(ct_tensor t, char **out) {
  CT_TRY({
    std::ostringstream s;
    s << t->t;
    *out = strdup(s.str().c_str());
  })
}
void ct_string_free(char *s) { free(s); }
int ct_tensor_copy_to(ct_tensor t, void *dst, size_t nbytes) {
  CT_TRY({
    at::Tensor c = t->t.detach().to(at::kCPU).contiguous();
    if ((size_t)c.nbytes() != nbytes)
      throw std::runtime_error("copy_to: tensor has " + std::to_string(c.nbytes()) + " bytes, buffer has " +
                               std::to_string(nbytes));
    if (nbytes) std::memcpy(dst, c.data_ptr(), nbytes);
  })
}
int ct_item_double(ct_tensor t, double *out) { CT_TRY(*out = t->t.item<double>()) }
int ct_item_int64(ct_tensor t, int64_t *out) { CT_TRY(*out = t->t.item<int64_t>()) }
int ct_equal(ct_tensor a, ct_tensor b, int32_t *out) { CT_TRY(*out = at::equal(a->t, b->t) ? 1 : 0) }
int ct_data_ptr_is_same(ct_tensor a, ct_tensor b, int32_t *out) {
  CT_TRY(*out = a->t.data_ptr() == b->t.data_ptr() ? 1 : 0)
}

int ct_from_data(const void *data, const int64_t *shape, int64_t ndim, ct_dtype dtype, ct_tensor *out) {
  CT_TRY({
    at::Tensor t = at::empty(ct_dims(shape, ndim), at::TensorOptions().dtype((at::ScalarType)dtype));
    if (t.nbytes()) std::memcpy(t.data_ptr(), data, t.nbytes());
    *out = ct_wrap(t);
  })
}
int ct_full(const int64_t *shape, int64_t ndim, double value, ct_dtype dtype, ct_device dev, ct_tensor *out) {
  CT_TRY(*out = ct_wrap(at::full(ct_dims(shape, ndim), value, ct_options(dtype, dev))))
}
int ct_randn(const int64_t *shape, int64_t ndim, ct_dtype dtype, ct_device dev, ct_tensor *out) {
  CT_TRY(*out = ct_wrap(at::randn(ct_dims(shape, ndim), ct_options(dtype, dev))))
}
int ct_rand(const int64_t *shape, int64_t ndim, ct_dtype dtype, ct_device dev, ct_tensor *out) {
  CT_TRY(*out = ct_wrap(at::rand(ct_dims(shape, ndim), ct_options(dtype, dev))))
}
int ct_randint(int64_t low, int64_t high, const int64_t *shape, int64_t ndim, ct_device dev, ct_tensor *out) {
  CT_TRY(*out = ct_wrap(at::randint(low, high, ct_dims(shape, ndim), ct_options(CT_INT64, dev))))
}
int ct_randperm(int64_t n, ct_device dev, ct_tensor *out) {
  CT_TRY(*out = ct_wrap(at::randperm(n, ct_options(CT_INT64, dev))))
}
int ct_arange(double start, double end, double step, ct_dtype dtype, ct_device dev, ct_tensor *out) {
  CT_TRY(*out = ct_wrap(at::arange(start, end, step, ct_options(dtype, dev))))
}
int ct_empty_like(ct_tensor t, ct_tensor *out) { CT_TRY(*out = ct_wrap(at::empty_like(t->t))) }

int ct_to(ct_tensor t, ct_dtype dtype, ct_device dev, ct_tensor *out) {
  CT_TRY(*out = ct_wrap(t->t.to(ct_to_device(dev), (at::ScalarType)dtype)))
}
int ct_to_non_blocking(ct_tensor t, ct_device dev, ct_tensor *out) {
  CT_TRY(*out = ct_wrap(t->t.to(ct_to_device(dev), /*non_blocking=*/true)))
}
int ct_pin_memory(ct_tensor t, ct_tensor *out) { CT_TRY(*out = ct_wrap(t->t.pin_memory())) }
int32_t ct_is_pinned(ct_tensor t) {
  try { return t->t.is_pinned() ? 1 : 0; } catch (...) { return 0; }
}
int ct_clone(ct_tensor t, ct_tensor *out) { CT_TRY(*out = ct_wrap(t->t.clone())) }
int ct_contiguous(ct_tensor t, ct_tensor *out) { CT_TRY(*out = ct_wrap(t->t.contiguous())) }
int ct_contiguous_channels_last(ct_tensor t, ct_tensor *out) {
  CT_TRY(*out = ct_wrap(t->t.contiguous(at::MemoryFormat::ChannelsLast)))
}
int32_t ct_is_channels_last(ct_tensor t) { return t->t.is_contiguous(at::MemoryFormat::ChannelsLast) && !t->t.is_contiguous() ? 1 : 0; }
int ct_detach(ct_tensor t, ct_tensor *out) { CT_TRY(*out = ct_wrap(t->t.detach())) }
// PyTorch's `param.data = new`: every alias of `t` sees the new storage, dtype and device.
int ct_set_data(ct_tensor t, ct_tensor src) { CT_TRY(t->t.set_data(src->t)) }

int ct_set_requires_grad(ct_tensor t, int32_t flag) { CT_TRY(t->t.requires_grad_(flag != 0)) }
int32_t ct_requires_grad(ct_tensor t) { return t->t.requires_grad() ? 1 : 0; }
int ct_backward(ct_tensor t, ct_tensor grad, int32_t retain_graph, int32_t create_graph) {
  CT_TRY(t->t.backward(grad ? grad->t : at::Tensor(), c10::optional<bool>(retain_graph != 0), create_graph != 0))
}
int ct_grad(ct_tensor t, ct_tensor *out) {
  CT_TRY({
    const at::Tensor &g = t->t.grad();
    *out = g.defined() ? ct_wrap(g) : nullptr;
  })
}
int ct_set_grad(ct_tensor t, ct_tensor grad) {
  CT_TRY({
    if (grad) {
      // The checks (and messages) of assigning `x.grad` in PyTorch: mutable_grad() itself accepts
      // anything, and a mismatched gradient would be silently broadcast or promoted on accumulation.
      const at::Tensor &g = grad->t;
      TORCH_CHECK(t->t.options().type_equal(g.options()), "assigned grad has data of a different type");
      TORCH_CHECK(g.device() == t->t.device(), "assigned grad has data located on a different device");
      TORCH_CHECK(g.sizes().equals(t->t.sizes()), "assigned grad has data of a different size");
      t->t.mutable_grad() = g;
    } else {
      t->t.mutable_grad().reset();
    }
  })
}
int ct_autograd_grad(const ct_tensor *outputs, int64_t nout, const ct_tensor *inputs, int64_t nin,
                     int32_t retain_graph, int32_t create_graph, ct_tensor *grads) {
  CT_TRY({
    std::vector<at::Tensor> outs, ins;
    for (int64_t i = 0; i < nout; i++) outs.push_back(outputs[i]->t);
    for (int64_t i = 0; i < nin; i++) ins.push_back(inputs[i]->t);
    auto gs = torch::autograd::grad(outs, ins, {}, c10::optional<bool>(retain_graph != 0), create_graph != 0, true);
    for (int64_t i = 0; i < nin; i++) grads[i] = gs[i].defined() ? ct_wrap(gs[i]) : nullptr;
  })
}

// Runs once when the shim is loaded, after libtorch and OpenBLAS (its dependencies) are initialized.
__attribute__((constructor)) static void ct_load_time_init() { ct_init(); }
