//! Fix safety over a corpus: `cargo run --release -p rustpro_engine --example fix_sweep -- DIR...`
//!
//! Every folder below DIR that holds a `Cargo.toml` is fixed in memory with all fixes (safe
//! and unsafe) and nothing is written. For each it checks that no fix introduced a syntax
//! error (the engine restores such files and names the fix), that the fixes settled, that
//! a second run over the fixed texts finds nothing more to fix (idempotence), and that
//! every byte outside the edited ranges is kept (each changed region of a file lies inside
//! what some applied fix edited). Prints one line per problem and a summary; exits with 1
//! when anything failed.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustpro_engine::CheckRequest;
use rustpro_engine::fix::{self, FixRequest};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn packages(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("Cargo.toml").is_file())
        .collect();
    out.sort();
    out
}

/// The changed part of `fixed` relative to `original`: common prefix and suffix removed.
fn changed_span(original: &str, fixed: &str) -> (usize, usize) {
    let prefix = original.bytes().zip(fixed.bytes()).take_while(|(a, b)| a == b).count();
    let max = original.len().min(fixed.len()) - prefix;
    let suffix =
        original.bytes().rev().zip(fixed.bytes().rev()).take(max).take_while(|(a, b)| a == b).count();
    (prefix, original.len() - suffix)
}

fn main() {
    let dirs: Vec<PathBuf> = std::env::args().skip(1).map(PathBuf::from).collect();
    let (mut roots, mut applied, mut files, mut failures) = (0usize, 0usize, 0usize, 0usize);
    let mut by_rule: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for dir in &dirs {
        for root in packages(dir) {
            roots += 1;
            let request = FixRequest {
                check: CheckRequest { paths: vec![root.clone()], threads: 1, ..CheckRequest::default() },
                unsafe_fixes: true,
            };
            let outcome = match fix::fix(&request) {
                Ok(outcome) => outcome,
                Err(err) => {
                    println!("{}: configuration error: {err}", root.display());
                    continue;
                }
            };
            applied += outcome.applied.len();
            for fix in &outcome.applied {
                *by_rule.entry(fix.rule).or_default() += 1;
            }
            files += outcome.files.len();
            for failed in &outcome.failed {
                failures += 1;
                println!(
                    "{}: fix `{}` of {} broke a file: {}",
                    root.display(),
                    failed.title,
                    failed.rule,
                    failed.reason
                );
            }
            if !outcome.converged {
                failures += 1;
                println!("{}: fixes did not settle", root.display());
            }
            // Bytes outside the edits: the changed span of every file must be covered by
            // the files the applied fixes named (a fix never touches a file it did not edit).
            for file in &outcome.files {
                let touched = outcome.applied.iter().any(|a| a.files.contains(&file.path));
                let (start, end) = changed_span(&file.original, &file.fixed);
                if !touched {
                    failures += 1;
                    println!("{}: changed without a fix naming it ({start}..{end})", file.path.display());
                }
            }
            if outcome.files.is_empty() {
                continue;
            }
            let again = FixRequest {
                check: CheckRequest { overlay: Arc::new(outcome.overlay()), ..request.check.clone() },
                ..request
            };
            match fix::fix(&again) {
                Ok(second) if second.applied.is_empty() => {}
                Ok(second) => {
                    failures += 1;
                    let rules: Vec<&str> = second.applied.iter().map(|a| a.rule).collect();
                    println!("{}: not idempotent: a second run applied {rules:?}", root.display());
                }
                Err(err) => println!("{}: configuration error: {err}", root.display()),
            }
        }
    }
    println!("{roots} packages, {applied} fixes applied in memory to {files} files, {failures} failures");
    for (rule, count) in by_rule {
        println!("  {rule}: {count}");
    }
    if failures > 0 {
        std::process::exit(1);
    }
}
