// c10d process groups over Gloo with TCPStore rendezvous: libtorch's own collective transport.
// Built only where Gloo's headers are installed (apt-get install libgloo-dev); elsewhere every
// call fails with a message that says so.
#include "ctorch_internal.h"

#if __has_include(<gloo/algorithm.h>)
#define USE_C10D_GLOO 1
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/csrc/autograd/custom_function.h>

struct ct_process_group_s {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group;
};

int ct_pg_create(const char *host, int32_t port, int32_t rank, int32_t world_size, int64_t timeout_ms,
                 const char *interface_name, ct_process_group *out) {
  CT_TRY({
    auto timeout = std::chrono::milliseconds(timeout_ms);
    c10d::TCPStoreOptions store_options;
    store_options.port = (std::uint16_t)port;
    store_options.isServer = rank == 0;
    store_options.numWorkers = (std::size_t)world_size;
    store_options.timeout = timeout;
    auto store = c10::make_intrusive<c10d::TCPStore>(std::string(host), store_options);
    auto options = c10d::ProcessGroupGloo::Options::create(timeout);
    // Gloo's pairs bind to this rank's interface: a named one (GLOO_SOCKET_IFNAME, as PyTorch),
    // else the one that reaches the master's address, which is local only on the master's host
    // or on loopback; elsewhere the interface of this host's name.
    std::string h(host);
    bool local = h == "127.0.0.1" || h == "localhost" || h == "::1" || rank == 0;
    options->devices.push_back(interface_name && *interface_name
                                   ? c10d::ProcessGroupGloo::createDeviceForInterface(interface_name)
                                   : local ? c10d::ProcessGroupGloo::createDeviceForHostname(host)
                                           : c10d::ProcessGroupGloo::createDefaultDevice());
    options->threads = 2;
    auto group = c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, world_size, options);
    *out = new ct_process_group_s{store, group};
  })
}

int ct_pg_allreduce_sum(ct_process_group g, ct_tensor tensor) {
  CT_TRY({
    std::vector<at::Tensor> list{tensor->t};
    g->group->allreduce(list)->wait();
  })
}

namespace {
// Sum over the ranks as an autograd node: the gradient of every rank's input is the sum of the
// ranks' output gradients (what torch.distributed.nn.functional.all_reduce does), so statistics
// computed across ranks, such as synchronized BatchNorm's, backpropagate exactly.
struct AllReduceSum : public torch::autograd::Function<AllReduceSum> {
  static void reduce(int64_t group, at::Tensor &t) {
    std::vector<at::Tensor> list{t};
    reinterpret_cast<c10d::ProcessGroupGloo *>(group)->allreduce(list)->wait();
  }
  static at::Tensor forward(torch::autograd::AutogradContext *ctx, const at::Tensor &input, int64_t group) {
    ctx->saved_data["group"] = group;
    auto out = input.clone(at::MemoryFormat::Contiguous);
    reduce(group, out);
    return out;
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext *ctx, torch::autograd::variable_list grads) {
    auto grad = grads[0].clone(at::MemoryFormat::Contiguous);
    reduce(ctx->saved_data["group"].toInt(), grad);
    return {grad, torch::autograd::Variable()};
  }
};
}  // namespace

int ct_pg_allreduce_sum_differentiable(ct_process_group g, ct_tensor tensor, ct_tensor *out) {
  CT_TRY(*out = ct_wrap(AllReduceSum::apply(tensor->t, reinterpret_cast<int64_t>(g->group.get()))))
}

int ct_pg_broadcast(ct_process_group g, ct_tensor tensor, int32_t root) {
  CT_TRY({
    std::vector<at::Tensor> list{tensor->t};
    c10d::BroadcastOptions options;
    options.rootRank = root;
    g->group->broadcast(list, options)->wait();
  })
}

int ct_pg_barrier(ct_process_group g) { CT_TRY(g->group->barrier()->wait()) }

void ct_pg_free(ct_process_group g) { delete g; }

int32_t ct_pg_available(void) { return 1; }

#else

struct ct_process_group_s {};
static int ct_no_gloo() {
  ct_set_error("FairPrune was built without Gloo's headers: apt-get install libgloo-dev and rebuild");
  return 1;
}
int ct_pg_create(const char *, int32_t, int32_t, int32_t, int64_t, const char *, ct_process_group *) { return ct_no_gloo(); }
int ct_pg_allreduce_sum(ct_process_group, ct_tensor) { return ct_no_gloo(); }
int ct_pg_allreduce_sum_differentiable(ct_process_group, ct_tensor, ct_tensor *) { return ct_no_gloo(); }
int ct_pg_broadcast(ct_process_group, ct_tensor, int32_t) { return ct_no_gloo(); }
int ct_pg_barrier(ct_process_group) { return ct_no_gloo(); }
void ct_pg_free(ct_process_group g) { delete g; }
int32_t ct_pg_available(void) { return 0; }

#endif
