#!/usr/bin/env bash
# Wall time, CPU time and peak memory of `rustpro check` over the real-world corpus, against a
# parse-only run of the same files (same discovery, same editions, no rules).
#   scripts/bench-corpus.sh [RUNS]      (default 5; runs are interleaved so that drift on a
#                                        shared machine hits every mode alike; medians shown)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
corpus=$(../shared/corpus/fetch.sh)
cargo build --release -q -p rustpro
bin=target/release/rustpro
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
modes=(parse_only full_check)
args_parse_only=(check "$corpus" --parse-only --exit-zero)
args_full_check=(check "$corpus" --exit-zero)
for _ in $(seq "$runs"); do
  for mode in "${modes[@]}"; do
    declare -n args="args_$mode"
    /usr/bin/time -f '%e %U %S %M' -o "$tmp/last" "$bin" "${args[@]}" >/dev/null 2>&1 || true
    tail -1 "$tmp/last" >> "$tmp/$mode"
  done
done
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "corpus: $corpus ($(find "$corpus" -name '*.rs' | wc -l) .rs files), $(nproc) cores, $runs interleaved runs"
for mode in "${modes[@]}"; do
  wall=$(awk '{print $1}' "$tmp/$mode" | median)
  cpu=$(awk '{print $2 + $3}' "$tmp/$mode" | median)
  mem=$(awk '{print $4}' "$tmp/$mode" | median)
  printf '%-12s wall %6.2f s   cpu %6.2f s   peak RSS %4d MB   (wall runs: %s)\n' \
    "$mode" "$wall" "$cpu" $((mem / 1024)) "$(awk '{printf "%s ", $1}' "$tmp/$mode")"
  printf -v "wall_$mode" '%s' "$wall"
  printf -v "cpu_$mode" '%s' "$cpu"
done
awk -v pw="$wall_parse_only" -v fw="$wall_full_check" -v pc="$cpu_parse_only" -v fc="$cpu_full_check" \
  'BEGIN { printf "full check / parse-only: wall %.2fx, cpu %.2fx\n", fw / pw, fc / pc }'
