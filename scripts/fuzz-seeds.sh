#!/usr/bin/env bash
# Builds the seed corpus of the fuzz target from the rule fixtures: every fixture twice, its
# first byte choosing the package (see `fix::sandbox::Input::from_bytes`):
#   0x02  edition 2021, library, safe fixes, bare manifest
#   0x1f  edition 2024, binary, unsafe fixes too, complete manifest
# Usage: scripts/fuzz-seeds.sh   (writes fuzz/corpus/pipeline, which is not committed)
set -euo pipefail
cd "$(dirname "$0")/.."
out=fuzz/corpus/pipeline
mkdir -p "$out"
find crates/rustpro_engine/tests/fixtures crates/rustpro_engine/tests/robustness -name '*.rs' 2>/dev/null |
  sort | while read -r file; do
    name=$(echo "$file" | tr '/' '_')
    { printf '\002'; cat "$file"; } > "$out/a_$name"
    { printf '\037'; cat "$file"; } > "$out/b_$name"
  done
echo "$(ls "$out" | wc -l) seeds in $out"
