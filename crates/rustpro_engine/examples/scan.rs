//! Development helper: `cargo run --release -p rustpro_engine --example scan -- [--select RULE]...
//! [--edition 2015|2018|2021|2024] [--parse-only] PATH...`
//! prints findings one per line (`path:line:col: rule: message`) and problems, then counts.

use std::path::PathBuf;

use rustpro_engine::config::CliSettings;
use rustpro_engine::{CheckRequest, check};

// Syntax trees allocate many small nodes; mimalloc makes that markedly cheaper.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let mut select = Vec::new();
    let mut paths = Vec::new();
    let mut parse_only = false;
    let mut edition_override = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--select" => select.extend(args.next()),
            "--parse-only" => parse_only = true,
            "--edition" => {
                edition_override = args.next().and_then(|e| rustpro_engine::project::Edition::parse(&e))
            }
            _ => paths.push(PathBuf::from(arg)),
        }
    }
    let request = CheckRequest {
        paths,
        cli: CliSettings { select: (!select.is_empty()).then_some(select), ..Default::default() },
        parse_only,
        edition_override,
        ..Default::default()
    };
    match check(&request) {
        Ok(outcome) => {
            for f in &outcome.findings {
                println!(
                    "{}:{}:{}: {}: {}",
                    f.path.display(),
                    f.start.line,
                    f.start.column,
                    f.rule,
                    f.message
                );
            }
            for p in &outcome.problems {
                eprintln!("problem: {}: {}", p.path.display(), p.message);
            }
            eprintln!(
                "{} findings, {} problems, {} files, {} packages",
                outcome.findings.len(),
                outcome.problems.len(),
                outcome.files_checked,
                outcome.packages_checked
            );
        }
        Err(err) => eprintln!("configuration error: {err}"),
    }
}
