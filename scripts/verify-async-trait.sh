#!/usr/bin/env bash
# Converts `#[async_trait]` in real crates with `rustpro fix` and builds them before and
# after: every fix rustpro offers must leave the crate compiling.
#
# usage: scripts/verify-async-trait.sh [CORPUS]   (default ~/.cache/rustpro-corpus-async-trait,
#        fetched by ../shared/corpus/fetch.sh --set async-trait)
# Each crate is copied to a temporary folder, made its own workspace, checked with
# `cargo check --lib` and the features that hold its async-trait code, fixed with
# `rustpro fix --unsafe-fixes --select async_trait_macro`, and checked again.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
corpus="${1:-$HOME/.cache/rustpro-corpus-async-trait}"
work="$(mktemp -d)"
cargo build --release -q -p rustpro --manifest-path "$here/Cargo.toml"
rustpro="$here/target/release/rustpro"
# The crates build in their own folder, shared between runs.
export CARGO_TARGET_DIR="$here/target/verify-async-trait"

# crate and the features its async-trait code needs
crates=(
    "axum-login|"
    "lettre|tokio1,tokio1-native-tls,file-transport,sendmail-transport"
    "jsonrpsee-core|server,client,async-client"
    "axum-core|"
    "tower-sessions-core|"
)

printf '%-16s %8s %8s %8s %8s %s\n' crate findings fixed before after notes
for entry in "${crates[@]}"; do
    name="${entry%%|*}"
    features="${entry#*|}"
    src="$corpus/$name"
    [ -d "$src" ] || { echo "$name: not in $corpus (run ../shared/corpus/fetch.sh --set async-trait)"; continue; }
    dir="$work/$name"
    cp -r "$src" "$dir"
    rm -f "$dir/.cargo-checksum.json"
    printf '\n[workspace]\n' >> "$dir/Cargo.toml"
    args=(--lib --quiet)
    [ -n "$features" ] && args+=(--features "$features")
    before=fail
    cargo check --manifest-path "$dir/Cargo.toml" "${args[@]}" >"$work/$name.before.log" 2>&1 && before=ok
    findings=$("$rustpro" check "$dir" --select async_trait_macro --format concise --exit-zero | grep -c 'async_trait_macro' || true)
    "$rustpro" fix "$dir" --unsafe-fixes --allow-no-vcs --select async_trait_macro --format concise --exit-zero \
        >"$work/$name.fix.log" 2>&1 || true
    fixed=$(grep -o 'Fixed [0-9]* finding' "$work/$name.fix.log" | grep -o '[0-9]*' || echo 0)
    after=fail
    cargo check --manifest-path "$dir/Cargo.toml" "${args[@]}" >"$work/$name.after.log" 2>&1 && after=ok
    note=""
    [ "$after" = fail ] && note="see $work/$name.after.log"
    printf '%-16s %8s %8s %8s %8s %s\n' "$name" "$findings" "$fixed" "$before" "$after" "$note"
done
echo
echo "work folder: $work"
