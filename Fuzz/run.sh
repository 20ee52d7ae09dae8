#!/bin/sh
# Fuzzes one parser with libFuzzer: Fuzz/run.sh TARGET [libFuzzer options], e.g.
#   Fuzz/run.sh csv -runs=1000000        Fuzz/run.sh image -max_total_time=60
# Targets: safetensors checkpoint cifar-pickle csv config-json config-yaml image (or "all").
# New inputs go to .fuzz-work/TARGET, crashes to .fuzz-work/crashes/; the committed seeds in
# Fuzz/corpus/TARGET are read, never written. Exits non-zero when a crash, leak-free OOM or
# timeout is found.
set -eu
cd "$(dirname "$0")/.."
target=${1:?usage: Fuzz/run.sh TARGET [libFuzzer options]}
shift
# Release with testing enabled: the harness reaches internal parsers through @testable import.
FAIRPRUNE_FUZZ=1 swift build -c release --build-path .build-fuzz --product fairprune-fuzz \
  -Xswiftc -sanitize=fuzzer -Xswiftc -parse-as-library -Xswiftc -enable-testing >&2
if [ "$target" = all ]; then
  set -- "$@"
  for t in safetensors checkpoint cifar-pickle csv config-json config-yaml image; do
    "$0" "$t" "$@"
  done
  exit 0
fi
mkdir -p ".fuzz-work/$target" .fuzz-work/crashes
# libFuzzer, not the Swift runtime, must handle a crash so that it saves the input.
SWIFT_BACKTRACE=enable=no FAIRPRUNE_FUZZ_TARGET="$target" .build-fuzz/release/fairprune-fuzz ".fuzz-work/$target" "Fuzz/corpus/$target" \
  -artifact_prefix=".fuzz-work/crashes/$target-" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 "$@"
