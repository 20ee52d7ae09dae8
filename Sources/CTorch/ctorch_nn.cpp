// Neural-network ops and in-place updates used by layers and optimizers.
#include "ctorch_internal.h"

int ct_matmul(ct_tensor a, ct_tensor b, ct_tensor *out) { CT_TRY(*out = ct_wrap(at::matmul(a->t, b->t))) }
int ct_linear(ct_tensor x, ct_tensor w, ct_tensor b, ct_tensor *out) {
  CT_TRY(*out = ct_wrap(at::linear(x->t, w->t, ct_opt(b))))
}
int ct_conv2d(ct_tensor x, ct_tensor w, ct_tensor b, const int64_t *stride, const int64_t *padding,
              const int64_t *dilation, int64_t groups, ct_tensor *out) {
  CT_TRY(*out = ct_wrap(at::conv2d(x->t, w->t, ct_opt(b), ct_dims(stride, 2), ct_dims(padding, 2),
                                   ct_dims(dilation, 2), groups)))
}
int ct_batch_norm(ct_tensor x, ct_tensor w, ct_tensor b, ct_tensor rmean, ct_tensor rvar, int32_t training,
                  double momentum, double eps, ct_tensor *out) {
  CT_TRY(*out = ct_wrap(at::batch_norm(x->t, ct_opt(w), ct_opt(b), ct_opt(rmean), ct_opt(rvar), training != 0,
                                       momentum, eps, true)))
}
int ct_max_pool2d(ct_tensor x, const int64_t *kernel, const int64_t *stride, const int64_t *padding,
                  const int64_t *dilation, int32_t ceil_mode, ct_tensor *out) {
  CT_TRY(*out = ct_wrap(at::max_pool2d(x->t, ct_dims(kernel, 2), ct_dims(stride, 2), ct_dims(padding, 2),
                                       ct_dims(dilation, 2), ceil_mode != 0)))
}
int ct_avg_pool2d(ct_tensor x, const int64_t *kernel, const int64_t *stride, const int64_t *padding,
                  int32_t ceil_mode, int32_t count_include_pad, ct_tensor *out) {
  CT_TRY(*out = ct_wrap(at::avg_pool2d(x->t, ct_dims(kernel, 2), ct_dims(stride, 2), ct_dims(padding, 2),
                                       ceil_mode != 0, count_include_pad != 0)))
}
int ct_adaptive_avg_pool2d(ct_tensor x, const int64_t *size, ct_tensor *out) {
  CT_TRY(*out = ct_wrap(at::adaptive_avg_pool2d(x->t, ct_dims(size, 2))))
}
int ct_softmax(ct_tensor x, int64_t dim, ct_tensor *out) { CT_TRY(*out = ct_wrap(at::softmax(x->t, dim))) }
int ct_log_softmax(ct_tensor x, int64_t dim, ct_tensor *out) { CT_TRY(*out = ct_wrap(at::log_softmax(x->t, dim))) }
int ct_dropout(ct_tensor x, double p, int32_t train, ct_tensor *out) { CT_TRY(*out = ct_wrap(at::dropout(x->t, p, train != 0))) }
int ct_cross_entropy(ct_tensor logits, ct_tensor target, ct_reduction reduction, double label_smoothing, ct_tensor *out) {
  CT_TRY(*out = ct_wrap(at::cross_entropy_loss(logits->t, target->t, {}, reduction, -100, label_smoothing)))
}

int ct_binary_(ct_binary_op op, ct_tensor self, ct_tensor other) {
  CT_TRY({
    switch (op) {
    case CT_BINARY_ADD: self->t.add_(other->t); break;
    case CT_BINARY_SUB: self->t.sub_(other->t); break;
    case CT_BINARY_MUL: self->t.mul_(other->t); break;
    case CT_BINARY_DIV: self->t.div_(other->t); break;
    case CT_BINARY_MAXIMUM: at::maximum_out(self->t, self->t, other->t); break;
    case CT_BINARY_MINIMUM: at::minimum_out(self->t, self->t, other->t); break;
    default: throw std::runtime_error("binary op code " + std::to_string(op) + " has no in-place form");
    }
  })
}
int ct_binary_scalar_(ct_binary_op op, ct_tensor self, double s) {
  CT_TRY({
    const at::Scalar v = ct_scalar_for(self->t, s);
    switch (op) {
    case CT_BINARY_ADD: self->t.add_(v); break;
    case CT_BINARY_SUB: self->t.sub_(v); break;
    case CT_BINARY_MUL: self->t.mul_(v); break;
    case CT_BINARY_DIV: self->t.div_(v); break;
    case CT_BINARY_POW: self->t.pow_(v); break;
    case CT_BINARY_MAXIMUM: self->t.clamp_min_(v); break;
    case CT_BINARY_MINIMUM: self->t.clamp_max_(v); break;
    default: throw std::runtime_error("binary op code " + std::to_string(op) + " has no in-place scalar form");
    }
  })
}
int ct_add_scaled_(ct_tensor self, ct_tensor other, double alpha) {
  CT_TRY(self->t.add_(other->t, ct_scalar_for(self->t, alpha)))
}
int ct_addcmul_(ct_tensor self, ct_tensor a, ct_tensor b, double value) { CT_TRY(self->t.addcmul_(a->t, b->t, value)) }
int ct_addcdiv_(ct_tensor self, ct_tensor a, ct_tensor b, double value) { CT_TRY(self->t.addcdiv_(a->t, b->t, value)) }
int ct_copy_(ct_tensor self, ct_tensor src) { CT_TRY(self->t.copy_(src->t)) }
int ct_fill_(ct_tensor self, double value) { CT_TRY(self->t.fill_(value)) }
int ct_zero_(ct_tensor self) { CT_TRY(self->t.zero_()) }
int ct_clamp_min_(ct_tensor self, double lo) { CT_TRY(self->t.clamp_min_(ct_scalar_for(self->t, lo))) }
int ct_relu6_(ct_tensor self) { CT_TRY(at::hardtanh_(self->t, 0.0, 6.0)) }
int ct_normal_(ct_tensor self, double mean, double std) { CT_TRY(self->t.normal_(mean, std)) }
int ct_uniform_(ct_tensor self, double lo, double hi) { CT_TRY(self->t.uniform_(lo, hi)) }
