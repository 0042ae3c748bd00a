#!/usr/bin/env bash
# Wall time and peak memory of `rustpro check` over the real-world corpus, against a
# parse-only run of the same files (same discovery, same editions, no rules).
#   scripts/bench-corpus.sh [RUNS]      (default 5 runs each; prints medians)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
corpus=$(../shared/corpus/fetch.sh)
cargo build --release -q -p rustpro
bin=target/release/rustpro
measure() { # label, args...
  local label=$1; shift
  local times=() mems=()
  for _ in $(seq "$runs"); do
    local out
    out=$( { /usr/bin/time -f '%e %M' "$bin" "$@" >/dev/null 2>/dev/null; } 2>&1 | tail -1)
    times+=("${out% *}"); mems+=("${out#* }")
  done
  local t m
  t=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  m=$(printf '%s\n' "${mems[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  printf '%-28s median %6.2f s   peak RSS %5d MB   (runs: %s)\n' "$label" "$t" $((m / 1024)) "${times[*]}"
  eval "${label//[^a-z]/_}=$t"
}
echo "corpus: $corpus ($(find "$corpus" -name '*.rs' | wc -l) .rs files), $(nproc) cores"
measure parse_only check "$corpus" --parse-only --exit-zero
measure full_check check "$corpus" --select all --exit-zero
measure default_check check "$corpus" --exit-zero
awk -v p="$parse_only" -v f="$full_check" -v d="$default_check" \
  'BEGIN { printf "ratio full / parse-only: %.2f   default rules / parse-only: %.2f\n", f / p, d / p }'
