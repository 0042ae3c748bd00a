//! The editor budget: one typical file checked in memory within 2 ms.
//!
//! `cargo run --release -p rustpro_engine --example editor_budget -- [--runs R] [--limit N]
//! [--mode both|check|parse] [DIR]`
//!
//! Takes the `.rs` files of 10 to 50 KB below DIR (default `~/.cache/rustpro-corpus`), opens
//! one [`Session`] over DIR (packages and configuration read once, as an editor holds them)
//! and checks every file from memory with the default rules, R times (default 5); then the
//! same with a parse-only session (parse and module declarations, no rules). A file's time is
//! the median of its runs; printed are the median, p90, p99 and maximum over the files. Under
//! `valgrind --tool=callgrind`, use `--runs 1 --mode check` (or `parse`) and divide the
//! instruction count by the number of files.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rustpro_engine::{CheckRequest, Session};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const MIN_SIZE: u64 = 10 * 1024;
const MAX_SIZE: u64 = 50 * 1024;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for path in entries.filter_map(Result::ok).map(|e| e.path()) {
        if path.is_dir() {
            if path.file_name().is_none_or(|n| n != "target") {
                rust_files(&path, out);
            }
        } else if path.extension().is_some_and(|x| x == "rs")
            && path.metadata().is_ok_and(|m| (MIN_SIZE..=MAX_SIZE).contains(&m.len()))
        {
            out.push(path);
        }
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(index).copied().unwrap_or_default()
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    percentile(times, 0.5)
}

fn report(what: &str, mut times: Vec<Duration>) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "{what:<10} {} files: median {:.3} ms, p90 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        times.len(),
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.9)),
        ms(percentile(&times, 0.99)),
        ms(times.last().copied().unwrap_or_default()),
    );
}

fn main() {
    let mut runs = 5usize;
    let mut limit = usize::MAX;
    let mut mode = "both".to_owned();
    let mut dir = std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache/rustpro-corpus"));
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--runs" => runs = args.next().and_then(|r| r.parse().ok()).unwrap_or(runs).max(1),
            "--limit" => limit = args.next().and_then(|l| l.parse().ok()).unwrap_or(limit),
            "--mode" => mode = args.next().unwrap_or(mode),
            _ => dir = Some(PathBuf::from(arg)),
        }
    }
    let Some(dir) = dir.and_then(|d| d.canonicalize().ok()) else {
        eprintln!("no corpus folder: pass one");
        std::process::exit(2);
    };
    let mut files = Vec::new();
    rust_files(&dir, &mut files);
    files.sort();
    // Spread a limited sample over the whole corpus rather than its first crates.
    if files.len() > limit {
        let step = files.len() as f64 / limit as f64;
        files = (0..limit).filter_map(|i| files.get((i as f64 * step) as usize).cloned()).collect();
    }
    let texts: Vec<(PathBuf, String)> = files
        .into_iter()
        .filter_map(|path| Some((path.clone(), std::fs::read_to_string(&path).ok()?)))
        .collect();
    let bytes: usize = texts.iter().map(|(_, text)| text.len()).sum();
    println!("{} files of 10 to 50 KB ({:.1} MB) below {}", texts.len(), bytes as f64 / 1e6, dir.display());

    let open = |parse_only: bool| {
        let started = Instant::now();
        let request = CheckRequest { paths: vec![dir.clone()], parse_only, ..CheckRequest::default() };
        match Session::open(request) {
            Ok(session) => {
                println!(
                    "session ({}) opened in {:.2} s",
                    if parse_only { "parse only" } else { "check" },
                    started.elapsed().as_secs_f64()
                );
                session
            }
            Err(err) => {
                eprintln!("configuration error: {err}");
                std::process::exit(2);
            }
        }
    };
    let modes: Vec<bool> = match mode.as_str() {
        "check" => vec![false],
        "parse" => vec![true],
        _ => vec![false, true],
    };
    let sessions: Vec<(bool, Session)> =
        modes.iter().map(|&parse_only| (parse_only, open(parse_only))).collect();
    let mut per_mode: Vec<Vec<Duration>> = vec![Vec::new(); sessions.len()];
    let (mut findings, mut slowest) = (0usize, (Duration::ZERO, PathBuf::new()));
    for (path, text) in &texts {
        let mut times: Vec<Vec<Duration>> = vec![Vec::new(); sessions.len()];
        // Modes interleaved, so that drift on a shared machine hits both alike.
        for _ in 0..runs {
            for (index, (parse_only, session)) in sessions.iter().enumerate() {
                let text = text.clone();
                let started = Instant::now();
                let outcome = session.check_file(path, text);
                times[index].push(started.elapsed());
                if !parse_only && index == 0 {
                    findings += outcome.findings.len();
                }
            }
        }
        for (index, mut times) in times.into_iter().enumerate() {
            let time = median(&mut times);
            if !sessions[index].0 && time > slowest.0 {
                slowest = (time, path.clone());
            }
            per_mode[index].push(time);
        }
    }
    for ((parse_only, _), times) in sessions.iter().zip(per_mode) {
        report(if *parse_only { "parse only" } else { "check" }, times);
    }
    if !slowest.1.as_os_str().is_empty() {
        println!(
            "slowest check: {:.3} ms {}; {} findings per run",
            slowest.0.as_secs_f64() * 1e3,
            slowest.1.display(),
            findings / runs
        );
    }
}
