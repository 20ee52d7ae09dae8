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

// Keep in sync with BinaryOp in Sources/Torch/ElementwiseOps.swift.
static at::Tensor ct_binary_impl(int32_t op, const at::Tensor &a, const at::Tensor &b) {
  switch (op) {
  case 0: return at::add(a, b);
  case 1: return at::sub(a, b);
  case 2: return at::mul(a, b);
  case 3: return at::div(a, b);
  case 4: return at::pow(a, b);
  case 5: return at::maximum(a, b);
  case 6: return at::minimum(a, b);
  case 7: return at::eq(a, b);
  case 8: return at::ne(a, b);
  case 9: return at::lt(a, b);
  case 10: return at::le(a, b);
  case 11: return at::gt(a, b);
  case 12: return at::ge(a, b);
  case 13: return at::logical_and(a, b);
  case 14: return at::logical_or(a, b);
  case 15: return at::remainder(a, b);
  case 16: return at::floor_divide(a, b);
  case 17: return at::rsub(a, b);  // b - a
  }
  throw std::runtime_error("unknown binary op code " + std::to_string(op));
}
static at::Tensor ct_binary_scalar_impl(int32_t op, const at::Tensor &a, double s) {
  switch (op) {
  case 0: return at::add(a, s);
  case 1: return at::sub(a, s);
  case 2: return at::mul(a, s);
  case 3: return at::div(a, s);
  case 4: return at::pow(a, s);
  case 5: return at::clamp_min(a, s);
  case 6: return at::clamp_max(a, s);
  case 7: return at::eq(a, s);
  case 8: return at::ne(a, s);
  case 9: return at::lt(a, s);
  case 10: return at::le(a, s);
  case 11: return at::gt(a, s);
  case 12: return at::ge(a, s);
  case 15: return at::remainder(a, s);
  case 16: return at::floor_divide(a, s);
  case 17: return at::rsub(a, s);  // s - a
  }
  throw std::runtime_error("binary op code " + std::to_string(op) + " has no scalar form");
}
int ct_binary(int32_t op, ct_tensor a, ct_tensor b, ct_tensor *out) {
  CT_TRY({
    at::Tensor r;
    if (!ct_fast_binary(op, a->t, b->t, r)) {
      CT_BELOW_AUTOGRAD_IF(ct_autograd_free(a->t) && ct_autograd_free(b->t));
      r = ct_binary_impl(op, a->t, b->t);
    }
    *out = ct_wrap(std::move(r));
  })
}
int ct_binary_scalar(int32_t op, ct_tensor a, double s, ct_tensor *out) {
  CT_TRY({
    at::Tensor r;
    if (!ct_fast_binary_scalar(op, a->t, s, r)) {
      CT_BELOW_AUTOGRAD_IF(ct_autograd_free(a->t));
      r = ct_binary_scalar_impl(op, a->t, s);
    }
    *out = ct_wrap(std::move(r));
  })
}

// Keep in sync with UnaryOp in Sources/Torch/ElementwiseOps.swift.
static at::Tensor ct_unary_impl(int32_t op, const at::Tensor &a) {
  switch (op) {
  case 0: return at::neg(a);
  case 1: return at::abs(a);
  case 2: return at::exp(a);
  case 3: return at::log(a);
  case 4: return at::sqrt(a);
  case 5: return at::relu(a);
  case 6: return at::hardtanh(a, 0.0, 6.0);
  case 7: return at::sigmoid(a);
  case 8: return at::tanh(a);
  case 9: return at::sign(a);
  case 10: return at::square(a);
  case 11: return at::logical_not(a);
  case 12: return at::reciprocal(a);
  case 13: return at::floor(a);
  case 14: return at::ceil(a);
  case 15: return at::sin(a);
  case 16: return at::cos(a);
  case 17: return at::rsqrt(a);
  case 18: return at::log1p(a);
  case 19: return at::round(a);
  case 20: return at::isnan(a);
  case 21: return at::isfinite(a);
  }
  throw std::runtime_error("unknown unary op code " + std::to_string(op));
}
int ct_unary(int32_t op, ct_tensor a, ct_tensor *out) {
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
