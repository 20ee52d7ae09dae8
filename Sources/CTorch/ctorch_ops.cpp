// Shape, indexing, elementwise and reduction ops: one libtorch call each.
#include "ctorch_internal.h"

static std::vector<at::Tensor> ct_list(const ct_tensor *ts, int64_t n) {
  std::vector<at::Tensor> v;
  v.reserve((size_t)n);
  for (int64_t i = 0; i < n; i++) v.push_back(ts[i]->t);
  return v;
}

int ct_reshape(ct_tensor t, const int64_t *shape, int64_t ndim, ct_tensor *out) {
  CT_TRY(*out = ct_wrap(t->t.reshape(ct_dims(shape, ndim))))
}
int ct_view(ct_tensor t, const int64_t *shape, int64_t ndim, ct_tensor *out) {
  CT_TRY(*out = ct_wrap(t->t.view(ct_dims(shape, ndim))))
}
int ct_permute(ct_tensor t, const int64_t *dims, int64_t ndim, ct_tensor *out) {
  CT_TRY(*out = ct_wrap(t->t.permute(ct_dims(dims, ndim))))
}
int ct_transpose(ct_tensor t, int64_t d0, int64_t d1, ct_tensor *out) { CT_TRY(*out = ct_wrap(t->t.transpose(d0, d1))) }
int ct_expand(ct_tensor t, const int64_t *shape, int64_t ndim, ct_tensor *out) {
  CT_TRY(*out = ct_wrap(t->t.expand(ct_dims(shape, ndim))))
}
int ct_squeeze(ct_tensor t, int64_t dim, ct_tensor *out) { CT_TRY(*out = ct_wrap(t->t.squeeze(dim))) }
int ct_unsqueeze(ct_tensor t, int64_t dim, ct_tensor *out) { CT_TRY(*out = ct_wrap(t->t.unsqueeze(dim))) }
int ct_flatten(ct_tensor t, int64_t start, int64_t end, ct_tensor *out) { CT_TRY(*out = ct_wrap(t->t.flatten(start, end))) }
int ct_cat(const ct_tensor *ts, int64_t n, int64_t dim, ct_tensor *out) { CT_TRY(*out = ct_wrap(at::cat(ct_list(ts, n), dim))) }
int ct_stack(const ct_tensor *ts, int64_t n, int64_t dim, ct_tensor *out) {
  CT_TRY(*out = ct_wrap(at::stack(ct_list(ts, n), dim)))
}
int ct_slice(ct_tensor t, int64_t dim, int64_t start, int64_t end, int64_t step, ct_tensor *out) {
  CT_TRY(*out = ct_wrap(t->t.slice(dim, start, end, step)))
}
int ct_select(ct_tensor t, int64_t dim, int64_t index, ct_tensor *out) { CT_TRY(*out = ct_wrap(t->t.select(dim, index))) }
int ct_as_strided(ct_tensor t, const int64_t *size, const int64_t *stride, int64_t ndim, int64_t offset, ct_tensor *out) {
  CT_TRY(*out = ct_wrap(t->t.as_strided(ct_dims(size, ndim), ct_dims(stride, ndim), offset)))
}
int ct_index_select(ct_tensor t, int64_t dim, ct_tensor index, ct_tensor *out) {
  CT_TRY(*out = ct_wrap(t->t.index_select(dim, index->t)))
}
int ct_masked_select(ct_tensor t, ct_tensor mask, ct_tensor *out) { CT_TRY(*out = ct_wrap(t->t.masked_select(mask->t))) }
int ct_gather(ct_tensor t, int64_t dim, ct_tensor index, ct_tensor *out) { CT_TRY(*out = ct_wrap(t->t.gather(dim, index->t))) }
int ct_scatter_add(ct_tensor t, int64_t dim, ct_tensor index, ct_tensor src, ct_tensor *out) {
  CT_TRY(*out = ct_wrap(t->t.scatter_add(dim, index->t, src->t)))
}
int ct_index_put_(ct_tensor t, ct_tensor index, ct_tensor values, int32_t accumulate) {
  CT_TRY({
    c10::List<c10::optional<at::Tensor>> idx;
    idx.push_back(index->t);
    t->t.index_put_(idx, values->t, accumulate != 0);
  })
}
int ct_masked_fill(ct_tensor t, ct_tensor mask, double value, ct_tensor *out) {
  CT_TRY(*out = ct_wrap(t->t.masked_fill(mask->t, value)))
}
int ct_where(ct_tensor cond, ct_tensor a, ct_tensor b, ct_tensor *out) { CT_TRY(*out = ct_wrap(at::where(cond->t, a->t, b->t))) }
int ct_nonzero(ct_tensor t, ct_tensor *out) { CT_TRY(*out = ct_wrap(t->t.nonzero())) }

static at::Tensor ct_binary_impl(ct_binary_op op, const at::Tensor &a, const at::Tensor &b) {
  switch (op) {
  case CT_BINARY_ADD: return at::add(a, b);
  case CT_BINARY_SUB: return at::sub(a, b);
  case CT_BINARY_MUL: return at::mul(a, b);
  case CT_BINARY_DIV: return at::div(a, b);
  case CT_BINARY_POW: return at::pow(a, b);
  case CT_BINARY_MAXIMUM: return at::maximum(a, b);
  case CT_BINARY_MINIMUM: return at::minimum(a, b);
  case CT_BINARY_EQ: return at::eq(a, b);
  case CT_BINARY_NE: return at::ne(a, b);
  case CT_BINARY_LT: return at::lt(a, b);
  case CT_BINARY_LE: return at::le(a, b);
  case CT_BINARY_GT: return at::gt(a, b);
  case CT_BINARY_GE: return at::ge(a, b);
  case CT_BINARY_LOGICAL_AND: return at::logical_and(a, b);
  case CT_BINARY_LOGICAL_OR: return at::logical_or(a, b);
  case CT_BINARY_REMAINDER: return at::remainder(a, b);
  case CT_BINARY_FLOOR_DIVIDE: return at::floor_divide(a, b);
  case CT_BINARY_REVERSE_SUB: return at::rsub(a, b);  // b - a
  }
  throw std::runtime_error("unknown binary op code " + std::to_string(op));
}
static at::Tensor ct_binary_scalar_impl(ct_binary_op op, const at::Tensor &a, double s) {
  switch (op) {
  case CT_BINARY_ADD: return at::add(a, s);
  case CT_BINARY_SUB: return at::sub(a, s);
  case CT_BINARY_MUL: return at::mul(a, s);
  case CT_BINARY_DIV: return at::div(a, s);
  case CT_BINARY_POW: return at::pow(a, s);
  case CT_BINARY_MAXIMUM: return at::clamp_min(a, s);
  case CT_BINARY_MINIMUM: return at::clamp_max(a, s);
  case CT_BINARY_EQ: return at::eq(a, s);
  case CT_BINARY_NE: return at::ne(a, s);
  case CT_BINARY_LT: return at::lt(a, s);
  case CT_BINARY_LE: return at::le(a, s);
  case CT_BINARY_GT: return at::gt(a, s);
  case CT_BINARY_GE: return at::ge(a, s);
  case CT_BINARY_REMAINDER: return at::remainder(a, s);
  case CT_BINARY_FLOOR_DIVIDE: return at::floor_divide(a, s);
  case CT_BINARY_REVERSE_SUB: return at::rsub(a, s);  // s - a
  case CT_BINARY_LOGICAL_AND:
  case CT_BINARY_LOGICAL_OR: break;
  }
  throw std::runtime_error("binary op code " + std::to_string(op) + " has no scalar form");
}
int ct_binary(ct_binary_op op, ct_tensor a, ct_tensor b, ct_tensor *out) {
  CT_TRY({
    at::Tensor r;
    if (!ct_fast_binary(op, a->t, b->t, r)) {
      CT_BELOW_AUTOGRAD_IF(ct_autograd_free(a->t) && ct_autograd_free(b->t));
      r = ct_binary_impl(op, a->t, b->t);
    }
    *out = ct_wrap(std::move(r));
  })
}
int ct_binary_scalar(ct_binary_op op, ct_tensor a, double s, ct_tensor *out) {
  CT_TRY({
    at::Tensor r;
    if (!ct_fast_binary_scalar(op, a->t, s, r)) {
      CT_BELOW_AUTOGRAD_IF(ct_autograd_free(a->t));
      r = ct_binary_scalar_impl(op, a->t, s);
    }
    *out = ct_wrap(std::move(r));
  })
}

static at::Tensor ct_unary_impl(ct_unary_op op, const at::Tensor &a) {
  switch (op) {
  case CT_UNARY_NEG: return at::neg(a);
  case CT_UNARY_ABS: return at::abs(a);
  case CT_UNARY_EXP: return at::exp(a);
  case CT_UNARY_LOG: return at::log(a);
  case CT_UNARY_SQRT: return at::sqrt(a);
  case CT_UNARY_RELU: return at::relu(a);
  case CT_UNARY_RELU6: return at::hardtanh(a, 0.0, 6.0);
  case CT_UNARY_SIGMOID: return at::sigmoid(a);
  case CT_UNARY_TANH: return at::tanh(a);
  case CT_UNARY_SIGN: return at::sign(a);
  case CT_UNARY_SQUARE: return at::square(a);
  case CT_UNARY_LOGICAL_NOT: return at::logical_not(a);
  case CT_UNARY_RECIPROCAL: return at::reciprocal(a);
  case CT_UNARY_FLOOR: return at::floor(a);
  case CT_UNARY_CEIL: return at::ceil(a);
  case CT_UNARY_SIN: return at::sin(a);
  case CT_UNARY_COS: return at::cos(a);
  case CT_UNARY_RSQRT: return at::rsqrt(a);
  case CT_UNARY_LOG1P: return at::log1p(a);
  case CT_UNARY_ROUND: return at::round(a);
  case CT_UNARY_ISNAN: return at::isnan(a);
  case CT_UNARY_ISFINITE: return at::isfinite(a);
  }
  throw std::runtime_error("unknown unary op code " + std::to_string(op));
}
int ct_unary(ct_unary_op op, ct_tensor a, ct_tensor *out) {
  CT_TRY({
    CT_BELOW_AUTOGRAD_IF(ct_autograd_free(a->t));
    *out = ct_wrap(ct_unary_impl(op, a->t));
  })
}
int ct_clamp(ct_tensor t, double lo, double hi, int32_t has_lo, int32_t has_hi, ct_tensor *out) {
  CT_TRY(*out = ct_wrap(at::clamp(t->t, has_lo ? c10::optional<at::Scalar>(lo) : c10::nullopt,
                                  has_hi ? c10::optional<at::Scalar>(hi) : c10::nullopt)))
}
int ct_pow_scalar(ct_tensor t, double e, ct_tensor *out) { CT_TRY(*out = ct_wrap(at::pow(t->t, e))) }

int ct_sum(ct_tensor t, const int64_t *dims, int64_t ndims, int32_t keepdim, ct_tensor *out) {
  CT_TRY(*out = ct_wrap(ndims == 0 ? t->t.sum() : t->t.sum(ct_dims(dims, ndims), keepdim != 0)))
}
int ct_mean(ct_tensor t, const int64_t *dims, int64_t ndims, int32_t keepdim, ct_tensor *out) {
  CT_TRY(*out = ct_wrap(ndims == 0 ? t->t.mean() : t->t.mean(ct_dims(dims, ndims), keepdim != 0)))
}
int ct_max_all(ct_tensor t, ct_tensor *out) { CT_TRY(*out = ct_wrap(t->t.max())) }
int ct_min_all(ct_tensor t, ct_tensor *out) { CT_TRY(*out = ct_wrap(t->t.min())) }
int ct_max_dim(ct_tensor t, int64_t dim, int32_t keepdim, ct_tensor *values, ct_tensor *indices) {
  CT_TRY({
    auto r = t->t.max(dim, keepdim != 0);
    *values = ct_wrap(std::get<0>(r));
    *indices = ct_wrap(std::get<1>(r));
  })
}
int ct_min_dim(ct_tensor t, int64_t dim, int32_t keepdim, ct_tensor *values, ct_tensor *indices) {
  CT_TRY({
    auto r = t->t.min(dim, keepdim != 0);
    *values = ct_wrap(std::get<0>(r));
    *indices = ct_wrap(std::get<1>(r));
  })
}
int ct_argmax(ct_tensor t, int64_t dim, int32_t has_dim, int32_t keepdim, ct_tensor *out) {
  CT_TRY(*out = ct_wrap(t->t.argmax(has_dim ? c10::optional<int64_t>(dim) : c10::nullopt, keepdim != 0)))
}
int ct_topk(ct_tensor t, int64_t k, int64_t dim, int32_t largest, int32_t sorted, ct_tensor *values, ct_tensor *indices) {
  CT_TRY({
    auto r = t->t.topk(k, dim, largest != 0, sorted != 0);
    *values = ct_wrap(std::get<0>(r));
    *indices = ct_wrap(std::get<1>(r));
  })
}
int ct_kthvalue(ct_tensor t, int64_t k, int64_t dim, int32_t keepdim, ct_tensor *values, ct_tensor *indices) {
  CT_TRY({
    auto r = t->t.kthvalue(k, dim, keepdim != 0);
    *values = ct_wrap(std::get<0>(r));
    *indices = ct_wrap(std::get<1>(r));
  })
}
int ct_sort(ct_tensor t, int64_t dim, int32_t descending, ct_tensor *values, ct_tensor *indices) {
  CT_TRY({
    auto r = t->t.sort(dim, descending != 0);
    *values = ct_wrap(std::get<0>(r));
    *indices = ct_wrap(std::get<1>(r));
  })
}
int ct_bincount(ct_tensor t, ct_tensor weights, int64_t minlength, ct_tensor *out) {
  CT_TRY(*out = ct_wrap(t->t.bincount(ct_opt(weights), minlength)))
}
int ct_cumsum(ct_tensor t, int64_t dim, ct_tensor *out) { CT_TRY(*out = ct_wrap(t->t.cumsum(dim))) }
int ct_norm(ct_tensor t, double p, const int64_t *dims, int64_t ndims, int32_t keepdim, ct_tensor *out) {
  CT_TRY(*out = ct_wrap(ndims == 0 ? at::norm(t->t, p) : at::norm(t->t, p, ct_dims(dims, ndims), keepdim != 0)))
}
