#!/usr/bin/env bash
# Wall time, CPU time and peak memory over the real-world corpus, in one run:
#   parse_only   rustpro reading and parsing every file (same discovery and editions, no rules)
#   rustpro      `rustpro check` with every default rule
#   ast_grep     `ast-grep scan` with five rules equivalent to five rustpro rules
#                (scripts/bench/ast-grep-rules; installed from the npm registry into target/tools)
# Usage: scripts/bench-corpus.sh [RUNS]   (default 5; runs are interleaved so that drift on a
#                                          shared machine hits every mode alike; medians shown)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
ast_grep_version=0.41.1
corpus=$(../shared/corpus/fetch.sh)
cargo build --release -q -p rustpro
tools=target/tools
sg=$tools/node_modules/.bin/ast-grep
if ! "$sg" --version 2>/dev/null | grep -q "$ast_grep_version"; then
  npm install --prefix "$tools" --no-audit --no-fund --silent "@ast-grep/cli@$ast_grep_version" >/dev/null
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
modes=(parse_only rustpro ast_grep)
cmd_parse_only=(target/release/rustpro check "$corpus" --parse-only --exit-zero)
cmd_rustpro=(target/release/rustpro check "$corpus" --exit-zero)
cmd_ast_grep=("$sg" scan --config scripts/bench/sgconfig.yml "$corpus")
for _ in $(seq "$runs"); do
  for mode in "${modes[@]}"; do
    declare -n cmd="cmd_$mode"
    /usr/bin/time -f '%e %U %S %M' -o "$tmp/last" "${cmd[@]}" >/dev/null 2>&1 || true
    tail -1 "$tmp/last" >> "$tmp/$mode"
  done
done
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "corpus: $corpus ($(find "$corpus" -name '*.rs' | wc -l) .rs files), $(nproc) cores, $runs interleaved runs, $("$sg" --version)"
for mode in "${modes[@]}"; do
  wall=$(awk '{print $1}' "$tmp/$mode" | median)
  cpu=$(awk '{print $2 + $3}' "$tmp/$mode" | median)
  mem=$(awk '{print $4}' "$tmp/$mode" | median)
  printf '%-12s wall %6.2f s   cpu %6.2f s   peak RSS %4d MB   (wall runs: %s)\n' \
    "$mode" "$wall" "$cpu" $((mem / 1024)) "$(awk '{printf "%s ", $1}' "$tmp/$mode")"
  printf -v "wall_$mode" '%s' "$wall"
  printf -v "cpu_$mode" '%s' "$cpu"
done
awk -v pw="$wall_parse_only" -v rw="$wall_rustpro" -v aw="$wall_ast_grep" \
  -v pc="$cpu_parse_only" -v rc="$cpu_rustpro" -v ac="$cpu_ast_grep" 'BEGIN {
    printf "rustpro / parse-only: wall %.2fx, cpu %.2fx\n", rw / pw, rc / pc
    printf "ast-grep / rustpro:   wall %.2fx, cpu %.2fx (how many times faster rustpro is)\n", aw / rw, ac / rc
  }'
