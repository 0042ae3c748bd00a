#!/usr/bin/env bash
# Wall time, CPU time and peak memory, in one run, of:
#   over the real-world corpus (every package in it):
#     parse_only    rustpro reading and parsing every file (same discovery and editions, no rules)
#     rustpro_cold  `rustpro check --no-cache` with every default rule
#     rustpro_warm  `rustpro check` again over the unchanged corpus, its result cache filled
#                   (the human report of every finding: ~38,000 of them, rendered each time)
#     warm_stats    the same with `--statistics`: the check without printing every finding
#     ast_grep      `ast-grep scan` with five rules equivalent to five rustpro rules
#                   (scripts/bench/ast-grep-rules; installed from the npm registry into target/tools)
#   over one mid-size crate (axum 0.8.9 from the corpus), process start included:
#     axum_cold     `rustpro check --no-cache`
#     axum_warm     `rustpro check`, its cache filled
#     clippy_cold   `cargo clippy` of a copy of the crate in a fresh target folder (its
#                   dependencies fetched once by cargo, then built by every run)
#     clippy_relint `cargo clippy` again after touching src/lib.rs
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
rustpro=$PWD/target/release/rustpro
# The corpus has no target/ folders: the cache goes to the user's cache folder, here a
# private one so that the runs start from a known state.
export RUSTPRO_CACHE_DIR=$tmp/rustpro-cache

axum=$corpus/axum
if ! grep -q '^version = "0.8.9"' "$axum/Cargo.toml"; then
  echo "the corpus has no axum 0.8.9 in $axum" >&2
  exit 2
fi
# clippy writes into the crate's folder (Cargo.lock) and needs its dependencies: a copy,
# fetched once.
cp -r "$axum" "$tmp/axum"
(cd "$tmp/axum" && cargo fetch -q)
clippy_target=$tmp/clippy-target

modes=(parse_only rustpro_cold rustpro_warm warm_stats ast_grep axum_cold axum_warm clippy_cold clippy_relint)
cmd_parse_only=("$rustpro" check "$corpus" --parse-only --exit-zero)
cmd_rustpro_cold=("$rustpro" check "$corpus" --no-cache --exit-zero)
cmd_rustpro_warm=("$rustpro" check "$corpus" --exit-zero)
cmd_warm_stats=("$rustpro" check "$corpus" --exit-zero --statistics)
cmd_ast_grep=("$sg" scan --config scripts/bench/sgconfig.yml "$corpus")
cmd_axum_cold=("$rustpro" check "$axum" --no-cache --exit-zero)
cmd_axum_warm=("$rustpro" check "$axum" --exit-zero)
cmd_clippy_cold=(cargo clippy -q --manifest-path "$tmp/axum/Cargo.toml" --offline)
cmd_clippy_relint=(cargo clippy -q --manifest-path "$tmp/axum/Cargo.toml" --offline)
# What runs before a mode's timed command (not timed).
before_clippy_cold() { rm -rf "$clippy_target"; }
before_clippy_relint() { touch "$tmp/axum/src/lib.rs"; }

# Fill the caches the warm modes use: the entries of a run that reports test coverage
# (--statistics) serve both warm modes, those of a plain run only plain runs.
"${cmd_warm_stats[@]}" >/dev/null 2>&1 || true
"${cmd_axum_warm[@]}" >/dev/null 2>&1 || true
for _ in $(seq "$runs"); do
  for mode in "${modes[@]}"; do
    declare -n cmd="cmd_$mode"
    if declare -F "before_$mode" >/dev/null; then "before_$mode"; fi
    CARGO_TARGET_DIR=$clippy_target /usr/bin/time -f '%e %U %S %M' -o "$tmp/last" "${cmd[@]}" >/dev/null 2>&1 || true
    tail -1 "$tmp/last" >> "$tmp/$mode"
  done
done
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "corpus: $corpus ($(find "$corpus" -name '*.rs' | wc -l) .rs files), $(nproc) cores, $runs interleaved runs, $("$sg" --version), $(cargo clippy --version)"
echo "axum 0.8.9: $(find "$axum" -name '*.rs' | wc -l) .rs files, $(find "$axum" -name '*.rs' -exec cat {} + | wc -c) bytes"
for mode in "${modes[@]}"; do
  wall=$(awk '{print $1}' "$tmp/$mode" | median)
  cpu=$(awk '{print $2 + $3}' "$tmp/$mode" | median)
  mem=$(awk '{print $4}' "$tmp/$mode" | median)
  printf '%-14s wall %7.3f s   cpu %7.3f s   peak RSS %5d MB   (wall runs: %s)\n' \
    "$mode" "$wall" "$cpu" $((mem / 1024)) "$(awk '{printf "%s ", $1}' "$tmp/$mode")"
  printf -v "wall_$mode" '%s' "$wall"
  printf -v "cpu_$mode" '%s' "$cpu"
done
ratio() { awk -v a="$2" -v b="$3" -v c="$4" -v d="$5" -v what="$1" 'BEGIN {
  printf "%-36s wall %7.2fx   cpu %7.2fx\n", what, (b > 0 ? a / b : 0), (d > 0 ? c / d : 0) }'; }
ratio "rustpro cold / parse-only:" "$wall_rustpro_cold" "$wall_parse_only" "$cpu_rustpro_cold" "$cpu_parse_only"
# The same ratio taken run by run: each round runs parse-only and the cold check one after
# the other, so a round that the machine's load slows slows both, and the median of the
# rounds' ratios moves less with the load than the ratio of the medians above.
paired() { paste "$tmp/$1" "$tmp/$2" | awk -v col="$3" '{ a = (col == 1 ? $1 : $2 + $3); b = (col == 1 ? $5 : $6 + $7); if (b > 0) print a / b }' | median; }
printf '%-36s wall %7.2fx   cpu %7.2fx   (median of the runs'"'"' ratios)\n' "rustpro cold / parse-only, by run:" \
  "$(paired rustpro_cold parse_only 1)" "$(paired rustpro_cold parse_only 2)"
ratio "rustpro cold / rustpro warm:" "$wall_rustpro_cold" "$wall_rustpro_warm" "$cpu_rustpro_cold" "$cpu_rustpro_warm"
ratio "ast-grep / rustpro cold:" "$wall_ast_grep" "$wall_rustpro_cold" "$cpu_ast_grep" "$cpu_rustpro_cold"
ratio "rustpro cold / warm --statistics:" "$wall_rustpro_cold" "$wall_warm_stats" "$cpu_rustpro_cold" "$cpu_warm_stats"
ratio "ast-grep / rustpro warm:" "$wall_ast_grep" "$wall_rustpro_warm" "$cpu_ast_grep" "$cpu_rustpro_warm"
ratio "axum: clippy cold / rustpro cold:" "$wall_clippy_cold" "$wall_axum_cold" "$cpu_clippy_cold" "$cpu_axum_cold"
ratio "axum: clippy re-lint / rustpro warm:" "$wall_clippy_relint" "$wall_axum_warm" "$cpu_clippy_relint" "$cpu_axum_warm"
echo "(ratios are how many times longer the first takes; targets: corpus warm <= 0.5 s, axum <= 0.1 s cold and warm)"
