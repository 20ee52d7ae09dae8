#!/bin/sh
# Two hosts on one machine: each runs `fairprune launch --nnodes 2` in its own network namespace,
# joined by a veth pair (10.77.0.1 and 10.77.0.2), so ranks talk over a real interface as on
# separate hosts. Needs root and iproute2. Everything after the script's name is the fairprune
# command, e.g.:
#   sudo Examples/two-hosts-netns.sh prune --dense dense.safetensors --threads 1 --output runs/two-hosts
# On real hosts, run the same launch line on each, with its --node-rank and rank 0's address:
#   host A: fairprune launch --nnodes 2 --node-rank 0 --nproc 1 --master-addr A -- prune ...
#   host B: fairprune launch --nnodes 2 --node-rank 1 --nproc 1 --master-addr A -- prune ...
set -eu
FAIRPRUNE=${FAIRPRUNE:-.build/release/fairprune}
PORT=${MASTER_PORT:-29500}
NS=fp$$
cleanup() { ip netns del "${NS}a" 2>/dev/null || true; ip netns del "${NS}b" 2>/dev/null || true; }
trap cleanup EXIT INT TERM
ip netns add "${NS}a"
ip netns add "${NS}b"
ip link add "${NS}va" type veth peer name "${NS}vb"
ip link set "${NS}va" netns "${NS}a"
ip link set "${NS}vb" netns "${NS}b"
ip -n "${NS}a" addr add 10.77.0.1/24 dev "${NS}va"
ip -n "${NS}b" addr add 10.77.0.2/24 dev "${NS}vb"
for side in a b; do
  ip -n "${NS}$side" link set lo up
  ip -n "${NS}$side" link set "${NS}v$side" up
done
# GLOO_SOCKET_IFNAME: the interface each host's ranks use, as with PyTorch.
GLOO_SOCKET_IFNAME="${NS}vb" ip netns exec "${NS}b" "$FAIRPRUNE" launch --nnodes 2 --node-rank 1 --nproc 1 \
  --master-addr 10.77.0.1 --master-port "$PORT" -- "$@" > /dev/null &
second=$!
status=0
GLOO_SOCKET_IFNAME="${NS}va" ip netns exec "${NS}a" "$FAIRPRUNE" launch --nnodes 2 --node-rank 0 --nproc 1 \
  --master-addr 10.77.0.1 --master-port "$PORT" -- "$@" || status=$?
wait "$second" || status=$?
exit "$status"
