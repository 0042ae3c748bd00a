#!/usr/bin/env bash
# Derives hand-written error types of real crates with `rustpro fix` and builds them before
# and after: every fix of `manual_error_impl` and `manual_from_error` must leave the crate
# compiling (and the new `thiserror` dependency resolving).
#
# usage: scripts/verify-thiserror.sh [CORPUS]   (default ~/.cache/rustpro-corpus, fetched by
#        ../shared/corpus/fetch.sh)
# Each crate is copied to a temporary folder, made its own workspace, checked with
# `cargo check --lib` (and the features its error types need), fixed with
# `rustpro fix --unsafe-fixes --select manual_error_impl,manual_from_error`, and checked
# again. With `--tests`, the fixed crates also run `cargo test --lib`: dotenvy's tests, for
# one, compare the `Display` output and `source()` of every variant of its error type.
# hdrhistogram's tests need GMP (a C library built by a dev-dependency) and are skipped.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
tests=false
if [ "${1:-}" = "--tests" ]; then tests=true; shift; fi
corpus="${1:-$HOME/.cache/rustpro-corpus}"
work="$(mktemp -d)"
cargo build --release -q -p rustpro --manifest-path "$here/Cargo.toml"
rustpro="$here/target/release/rustpro"
# The crates build in their own folder, shared between runs.
export CARGO_TARGET_DIR="$here/target/verify-thiserror"
rules=manual_error_impl,manual_from_error

# crate and the features its error types need (`notest`: do not run its tests)
crates=(
    "httpdate|"
    "dotenvy|"
    "matchit|"
    "hdrhistogram|notest"
    "http|"
    "etcetera|"
    "tempfile|"
    "httparse|"
)

printf '%-14s %8s %8s %8s %8s %s\n' crate findings fixed before after notes
for entry in "${crates[@]}"; do
    name="${entry%%|*}"
    features="${entry#*|}"
    src="$corpus/$name"
    [ -d "$src" ] || { echo "$name: not in $corpus (run ../shared/corpus/fetch.sh)"; continue; }
    dir="$work/$name"
    cp -r "$src" "$dir"
    rm -f "$dir/.cargo-checksum.json"
    printf '\n[workspace]\n' >> "$dir/Cargo.toml"
    args=(--lib --quiet)
    run_tests=$tests
    [ "$features" = notest ] && { features=""; run_tests=false; }
    [ -n "$features" ] && args+=(--features "$features")
    before=fail
    cargo check --manifest-path "$dir/Cargo.toml" "${args[@]}" >"$work/$name.before.log" 2>&1 && before=ok
    findings=$("$rustpro" check "$dir" --select "$rules" --format concise --exit-zero | grep -c "warning\[manual_" || true)
    "$rustpro" fix "$dir" --unsafe-fixes --allow-no-vcs --select "$rules" --format concise --exit-zero \
        >"$work/$name.fix.log" 2>&1 || true
    fixed=$(grep -o 'Fixed [0-9]* finding' "$work/$name.fix.log" | grep -o '[0-9]*' || echo 0)
    after=fail
    cargo check --manifest-path "$dir/Cargo.toml" "${args[@]}" >"$work/$name.after.log" 2>&1 && after=ok
    note=""
    [ "$after" = fail ] && note="see $work/$name.after.log"
    if $run_tests && [ "$after" = ok ]; then
        if cargo test --manifest-path "$dir/Cargo.toml" --lib --quiet >"$work/$name.test.log" 2>&1; then
            note="lib tests pass"
        else
            note="lib tests fail: $work/$name.test.log"
        fi
    fi
    printf '%-14s %8s %8s %8s %8s %s\n' "$name" "$findings" "$fixed" "$before" "$after" "$note"
done
echo
echo "work folder: $work"
