// C API over libtorch. Every function returns 0 on success and 1 on failure;
// on failure ct_last_error() holds libtorch's message (thread-local, owned by the shim).
// Functions writing a ct_tensor* out-parameter hand over a new handle (+1) that the
// caller must release with ct_tensor_free.
#ifndef CTORCH_H
#define CTORCH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ct_tensor_s *ct_tensor;

// Device: type 0 = CPU, 1 = CUDA; index ignored for CPU.
typedef struct { int32_t type; int32_t index; } ct_device;

// Element types. The values are c10::ScalarType's codes (static_assert in ctorch_core.cpp).
typedef enum ct_dtype {
  CT_UINT8 = 0,
  CT_INT8 = 1,
  CT_INT16 = 2,
  CT_INT32 = 3,
  CT_INT64 = 4,
  CT_FLOAT16 = 5,
  CT_FLOAT32 = 6,
  CT_FLOAT64 = 7,
  CT_BOOL = 11,
  CT_BFLOAT16 = 15
} ct_dtype;

// Elementwise binary ops of ct_binary, ct_binary_scalar and their in-place forms.
typedef enum ct_binary_op {
  CT_BINARY_ADD = 0,
  CT_BINARY_SUB,
  CT_BINARY_MUL,
  CT_BINARY_DIV,
  CT_BINARY_POW,
  CT_BINARY_MAXIMUM,
  CT_BINARY_MINIMUM,
  CT_BINARY_EQ,
  CT_BINARY_NE,
  CT_BINARY_LT,
  CT_BINARY_LE,
  CT_BINARY_GT,
  CT_BINARY_GE,
  CT_BINARY_LOGICAL_AND,
  CT_BINARY_LOGICAL_OR,
  CT_BINARY_REMAINDER,
  CT_BINARY_FLOOR_DIVIDE,
  CT_BINARY_REVERSE_SUB  // REVERSE_SUB: other - self
} ct_binary_op;

// Elementwise unary ops of ct_unary.
typedef enum ct_unary_op {
  CT_UNARY_NEG = 0,
  CT_UNARY_ABS,
  CT_UNARY_EXP,
  CT_UNARY_LOG,
  CT_UNARY_SQRT,
  CT_UNARY_RELU,
  CT_UNARY_RELU6,
  CT_UNARY_SIGMOID,
  CT_UNARY_TANH,
  CT_UNARY_SIGN,
  CT_UNARY_SQUARE,
  CT_UNARY_LOGICAL_NOT,
  CT_UNARY_RECIPROCAL,
  CT_UNARY_FLOOR,
  CT_UNARY_CEIL,
  CT_UNARY_SIN,
  CT_UNARY_COS,
  CT_UNARY_RSQRT,
  CT_UNARY_LOG1P,
  CT_UNARY_ROUND,
  CT_UNARY_ISNAN,
  CT_UNARY_ISFINITE
} ct_unary_op;

// Loss reductions (at::Reduction's values).
typedef enum ct_reduction { CT_REDUCTION_NONE = 0, CT_REDUCTION_MEAN = 1, CT_REDUCTION_SUM = 2 } ct_reduction;

const char *ct_last_error(void);

// Process groups (c10d over Gloo, TCPStore rendezvous at host:port served by rank 0). A group
// handle is owned by one Swift object, freed with ct_pg_free. Collectives block until every rank
// has joined or the timeout passes (then they fail with c10d's message).
typedef struct ct_process_group_s *ct_process_group;
int32_t ct_pg_available(void);
// interface_name (NULL or empty: chosen from host) is the network interface Gloo's pairs bind to.
int ct_pg_create(const char *host, int32_t port, int32_t rank, int32_t world_size, int64_t timeout_ms,
                 const char *interface_name, ct_process_group *out);
// Sums one contiguous CPU tensor over the ranks, in place.
int ct_pg_allreduce_sum(ct_process_group g, ct_tensor tensor);
// A new tensor: the sum of `tensor` over the ranks, recorded by autograd (its backward sums the
// ranks' gradients with another all-reduce, so every rank must run backward through it).
int ct_pg_allreduce_sum_differentiable(ct_process_group g, ct_tensor tensor, ct_tensor *out);
int ct_pg_broadcast(ct_process_group g, ct_tensor tensor, int32_t root);
int ct_pg_barrier(ct_process_group g);
void ct_pg_free(ct_process_group g);
void ct_init(void);
int64_t ct_live_tensor_count(void);
void ct_manual_seed(uint64_t seed);
void ct_set_num_threads(int32_t n);
int32_t ct_get_num_threads(void);
int32_t ct_cuda_device_count(void);
int32_t ct_set_grad_enabled(int32_t enabled);  // returns the previous mode
int32_t ct_is_grad_enabled(void);

// Lifecycle and metadata
void ct_tensor_free(ct_tensor t);
int ct_tensor_shallow_copy(ct_tensor t, ct_tensor *out);  // new handle aliasing the same tensor
int64_t ct_tensor_ndim(ct_tensor t);
void ct_tensor_shape(ct_tensor t, int64_t *dims);  // dims has ct_tensor_ndim entries
int64_t ct_tensor_numel(ct_tensor t);
ct_dtype ct_tensor_dtype(ct_tensor t);
ct_device ct_tensor_device(ct_tensor t);
int32_t ct_tensor_defined(ct_tensor t);
int ct_tensor_to_string(ct_tensor t, char **out);  // free with ct_string_free
void ct_string_free(char *s);
int ct_tensor_copy_to(ct_tensor t, void *dst, size_t nbytes);  // contiguous CPU bytes
int ct_item_double(ct_tensor t, double *out);
int ct_item_int64(ct_tensor t, int64_t *out);
int ct_equal(ct_tensor a, ct_tensor b, int32_t *out);
int ct_data_ptr_is_same(ct_tensor a, ct_tensor b, int32_t *out);

// Creation
int ct_from_data(const void *data, const int64_t *shape, int64_t ndim, ct_dtype dtype, ct_tensor *out);
int ct_full(const int64_t *shape, int64_t ndim, double value, ct_dtype dtype, ct_device dev, ct_tensor *out);
int ct_randn(const int64_t *shape, int64_t ndim, ct_dtype dtype, ct_device dev, ct_tensor *out);
int ct_rand(const int64_t *shape, int64_t ndim, ct_dtype dtype, ct_device dev, ct_tensor *out);
int ct_randint(int64_t low, int64_t high, const int64_t *shape, int64_t ndim, ct_device dev, ct_tensor *out);
int ct_randperm(int64_t n, ct_device dev, ct_tensor *out);
int ct_arange(double start, double end, double step, ct_dtype dtype, ct_device dev, ct_tensor *out);
int ct_empty_like(ct_tensor t, ct_tensor *out);

// Conversion
int ct_to(ct_tensor t, ct_dtype dtype, ct_device dev, ct_tensor *out);
// A copy to `dev` that may return before the copy finishes (from pinned memory to CUDA).
int ct_to_non_blocking(ct_tensor t, ct_device dev, ct_tensor *out);
// A copy in page-locked host memory (needs a CUDA build of libtorch).
int ct_pin_memory(ct_tensor t, ct_tensor *out);
int32_t ct_is_pinned(ct_tensor t);  // 1 when in page-locked host memory
int ct_clone(ct_tensor t, ct_tensor *out);
int ct_contiguous(ct_tensor t, ct_tensor *out);
// A 4-D tensor in channels-last memory format (NHWC strides, NCHW shape); oneDNN's native layout.
int ct_contiguous_channels_last(ct_tensor t, ct_tensor *out);
int32_t ct_is_channels_last(ct_tensor t);
int ct_detach(ct_tensor t, ct_tensor *out);

// Shape
int ct_reshape(ct_tensor t, const int64_t *shape, int64_t ndim, ct_tensor *out);
int ct_view(ct_tensor t, const int64_t *shape, int64_t ndim, ct_tensor *out);
int ct_permute(ct_tensor t, const int64_t *dims, int64_t ndim, ct_tensor *out);
int ct_transpose(ct_tensor t, int64_t d0, int64_t d1, ct_tensor *out);
int ct_expand(ct_tensor t, const int64_t *shape, int64_t ndim, ct_tensor *out);
int ct_squeeze(ct_tensor t, int64_t dim, ct_tensor *out);
int ct_unsqueeze(ct_tensor t, int64_t dim, ct_tensor *out);
int ct_flatten(ct_tensor t, int64_t start, int64_t end, ct_tensor *out);
int ct_cat(const ct_tensor *ts, int64_t n, int64_t dim, ct_tensor *out);
int ct_stack(const ct_tensor *ts, int64_t n, int64_t dim, ct_tensor *out);
int ct_slice(ct_tensor t, int64_t dim, int64_t start, int64_t end, int64_t step, ct_tensor *out);
int ct_select(ct_tensor t, int64_t dim, int64_t index, ct_tensor *out);
int ct_as_strided(ct_tensor t, const int64_t *size, const int64_t *stride, int64_t ndim, int64_t offset, ct_tensor *out);
int ct_index_select(ct_tensor t, int64_t dim, ct_tensor index, ct_tensor *out);
int ct_masked_select(ct_tensor t, ct_tensor mask, ct_tensor *out);
int ct_gather(ct_tensor t, int64_t dim, ct_tensor index, ct_tensor *out);
int ct_scatter_add(ct_tensor t, int64_t dim, ct_tensor index, ct_tensor src, ct_tensor *out);
int ct_index_put_(ct_tensor t, ct_tensor index, ct_tensor values, int32_t accumulate);
int ct_masked_fill(ct_tensor t, ct_tensor mask, double value, ct_tensor *out);
int ct_where(ct_tensor cond, ct_tensor a, ct_tensor b, ct_tensor *out);
int ct_nonzero(ct_tensor t, ct_tensor *out);

// Elementwise.
int ct_binary(ct_binary_op op, ct_tensor a, ct_tensor b, ct_tensor *out);
int ct_binary_scalar(ct_binary_op op, ct_tensor a, double s, ct_tensor *out);
int ct_unary(ct_unary_op op, ct_tensor a, ct_tensor *out);
int ct_clamp(ct_tensor t, double lo, double hi, int32_t has_lo, int32_t has_hi, ct_tensor *out);
int ct_pow_scalar(ct_tensor t, double e, ct_tensor *out);

// Reductions. ndims == 0 reduces over all dimensions.
int ct_sum(ct_tensor t, const int64_t *dims, int64_t ndims, int32_t keepdim, ct_tensor *out);
int ct_mean(ct_tensor t, const int64_t *dims, int64_t ndims, int32_t keepdim, ct_tensor *out);
int ct_max_all(ct_tensor t, ct_tensor *out);
int ct_min_all(ct_tensor t, ct_tensor *out);
int ct_max_dim(ct_tensor t, int64_t dim, int32_t keepdim, ct_tensor *values, ct_tensor *indices);
int ct_min_dim(ct_tensor t, int64_t dim, int32_t keepdim, ct_tensor *values, ct_tensor *indices);
int ct_argmax(ct_tensor t, int64_t dim, int32_t has_dim, int32_t keepdim, ct_tensor *out);
int ct_topk(ct_tensor t, int64_t k, int64_t dim, int32_t largest, int32_t sorted, ct_tensor *values, ct_tensor *indices);
int ct_kthvalue(ct_tensor t, int64_t k, int64_t dim, int32_t keepdim, ct_tensor *values, ct_tensor *indices);
int ct_sort(ct_tensor t, int64_t dim, int32_t descending, ct_tensor *values, ct_tensor *indices);
int ct_bincount(ct_tensor t, ct_tensor weights, int64_t minlength, ct_tensor *out);  // weights may be NULL
int ct_cumsum(ct_tensor t, int64_t dim, ct_tensor *out);
int ct_norm(ct_tensor t, double p, const int64_t *dims, int64_t ndims, int32_t keepdim, ct_tensor *out);

// Neural-network ops
int ct_matmul(ct_tensor a, ct_tensor b, ct_tensor *out);
int ct_linear(ct_tensor x, ct_tensor w, ct_tensor b, ct_tensor *out);  // b may be NULL
int ct_conv2d(ct_tensor x, ct_tensor w, ct_tensor b, const int64_t *stride, const int64_t *padding,
              const int64_t *dilation, int64_t groups, ct_tensor *out);
int ct_batch_norm(ct_tensor x, ct_tensor w, ct_tensor b, ct_tensor rmean, ct_tensor rvar, int32_t training,
                  double momentum, double eps, ct_tensor *out);
int ct_max_pool2d(ct_tensor x, const int64_t *kernel, const int64_t *stride, const int64_t *padding,
                  const int64_t *dilation, int32_t ceil_mode, ct_tensor *out);
int ct_avg_pool2d(ct_tensor x, const int64_t *kernel, const int64_t *stride, const int64_t *padding,
                  int32_t ceil_mode, int32_t count_include_pad, ct_tensor *out);
int ct_adaptive_avg_pool2d(ct_tensor x, const int64_t *size, ct_tensor *out);
int ct_softmax(ct_tensor x, int64_t dim, ct_tensor *out);
int ct_log_softmax(ct_tensor x, int64_t dim, ct_tensor *out);
int ct_dropout(ct_tensor x, double p, int32_t train, ct_tensor *out);
int ct_cross_entropy(ct_tensor logits, ct_tensor target, ct_reduction reduction, double label_smoothing, ct_tensor *out);

// In place (writes through every alias)
int ct_binary_(ct_binary_op op, ct_tensor self, ct_tensor other);
int ct_binary_scalar_(ct_binary_op op, ct_tensor self, double s);
int ct_add_scaled_(ct_tensor self, ct_tensor other, double alpha);
int ct_addcmul_(ct_tensor self, ct_tensor a, ct_tensor b, double value);
int ct_addcdiv_(ct_tensor self, ct_tensor a, ct_tensor b, double value);
int ct_copy_(ct_tensor self, ct_tensor src);
// Replaces the data (storage, dtype, device) behind `self`, keeping its autograd identity.
int ct_set_data(ct_tensor self, ct_tensor src);
int ct_fill_(ct_tensor self, double value);
int ct_zero_(ct_tensor self);
int ct_clamp_min_(ct_tensor self, double lo);
int ct_relu6_(ct_tensor self);
int ct_normal_(ct_tensor self, double mean, double std);
int ct_uniform_(ct_tensor self, double lo, double hi);

// Autograd
int ct_set_requires_grad(ct_tensor t, int32_t flag);
int32_t ct_requires_grad(ct_tensor t);
int ct_backward(ct_tensor t, ct_tensor grad, int32_t retain_graph, int32_t create_graph);  // grad may be NULL
int ct_grad(ct_tensor t, ct_tensor *out);  // *out = NULL when no gradient exists
int ct_set_grad(ct_tensor t, ct_tensor grad);  // grad NULL clears it
int ct_autograd_grad(const ct_tensor *outputs, int64_t nout, const ct_tensor *inputs, int64_t nin,
                     int32_t retain_graph, int32_t create_graph, ct_tensor *grads);  // grads: nin entries, NULL if unused

#ifdef __cplusplus
}
#endif
#endif
