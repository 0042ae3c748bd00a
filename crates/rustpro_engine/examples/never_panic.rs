//! The never-panic sweep: `cargo run --release -p rustpro_engine --example never_panic -- DIR...`
//!
//! 1. Every package below DIR is checked with every rule (pedantic ones too), once with
//!    each package's own edition and once parsed as each edition (2015, 2018, 2021, 2024).
//! 2. Mutated inputs: every 10th file of the corpus is cut short at a third and at two
//!    thirds, loses every closing brace, loses every 7th opening one, and gets garbage
//!    injected; each mutant is checked as a package of its own, and all its fixes are
//!    applied in memory.
//!
//! 3. Hostile files (`fix::sandbox::hostile_texts`: 10,000 levels of every kind of nesting,
//!    unterminated literals and comments, a BOM alone, line breaks alone; and 10,000 nested
//!    parentheses and blocks, a 10 MB single line, a 50 MB file, NUL bytes, invalid UTF-8):
//!    checked as one package with every file timed, then each text run through the whole
//!    pipeline (`fix::sandbox::Sandbox`: every rule, every fix, re-parse).
//!
//! Fails (exit 1) on any internal error (a panic in the parser or a rule), on any broken
//! pipeline invariant, and on any file that takes longer than one second; prints the slowest
//! file of each run.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rustpro_engine::config::CliSettings;
use rustpro_engine::diagnostic::ProblemKind;
use rustpro_engine::fix::sandbox::{Input, Sandbox, hostile_texts};
use rustpro_engine::fix::{self, FixRequest};
use rustpro_engine::project::Edition;
use rustpro_engine::{CheckRequest, Outcome, check};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const LIMIT: Duration = Duration::from_secs(1);

fn request(paths: Vec<PathBuf>, edition: Option<Edition>) -> CheckRequest {
    CheckRequest {
        paths,
        cli: CliSettings { select: Some(vec!["all".to_owned()]), ..CliSettings::default() },
        edition_override: edition,
        slow_file_limit: Some(LIMIT),
        ..CheckRequest::default()
    }
}

/// Internal errors and slow files of one run, printed; their count.
fn failures(what: &str, outcome: &Outcome) -> usize {
    let mut count = 0;
    for problem in outcome.problems.iter().filter(|p| p.kind == ProblemKind::Internal) {
        println!("{what}: internal error in {}: {}", problem.path.display(), problem.message);
        count += 1;
    }
    for (path, time) in &outcome.slow_files {
        println!("{what}: {} took {:.2} s", path.display(), time.as_secs_f64());
        count += 1;
    }
    count
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

/// The mutants of a file's text.
fn mutants(text: &str, seed: usize) -> Vec<(&'static str, String)> {
    let cut = |fraction: usize| {
        let mut at = text.len() * fraction / 3;
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        text[..at].to_owned()
    };
    let mut every_seventh = String::with_capacity(text.len());
    let mut opening = 0;
    for c in text.chars() {
        if c == '{' {
            opening += 1;
            if opening % 7 == 0 {
                continue;
            }
        }
        every_seventh.push(c);
    }
    let garbage = ["}}} ]] ) fn ( unsafe { @#", "'\\u{", "r#\"", "/*", "impl<T: for<'a> Fn(&'a", "\"\\"];
    let mut injected = text.to_owned();
    let mut at = (seed * 7919) % text.len().max(1);
    for piece in garbage {
        while !injected.is_char_boundary(at) {
            at -= 1;
        }
        injected.insert_str(at, piece);
        at = (at * 31 + 17) % injected.len().max(1);
    }
    vec![
        ("cut at 1/3", cut(1)),
        ("cut at 2/3", cut(2)),
        ("no closing braces", text.replace('}', "")),
        ("every 7th opening brace gone", every_seventh),
        ("garbage injected", injected),
    ]
}

/// Hostile files: one package, every file timed; then every text through the pipeline.
fn hostile(tmp: &Path) -> usize {
    const DEPTH: usize = 10_000;
    let mut files: Vec<(String, Vec<u8>)> =
        hostile_texts(DEPTH).into_iter().map(|(name, text)| (name.to_owned(), text.into_bytes())).collect();
    let line = format!("pub fn f(x: Option<u8>) {{ x.unwrap(); let v = [{}]; }}\n", "1, ".repeat(3_333_300));
    files.extend([
        (
            "parens".to_owned(),
            format!("pub fn f() -> u32 {{ {}1{} }}\n", "(".repeat(DEPTH), ")".repeat(DEPTH)).into_bytes(),
        ),
        (
            "blocks".to_owned(),
            format!("pub fn f() {{ {}{} }}\n", "{ ".repeat(DEPTH), " }".repeat(DEPTH)).into_bytes(),
        ),
        ("long_line".to_owned(), line.into_bytes()),
        ("huge".to_owned(), "pub fn f() { let x = Some(1).unwrap(); }\n".repeat(1_250_000).into_bytes()),
        ("nul".to_owned(), b"pub fn f() {}\0\n".to_vec()),
        ("latin1".to_owned(), b"// caf\xe9\npub fn f() {}\n".to_vec()),
    ]);
    let package = tmp.join(format!("rustpro-never-panic-hostile-{}", std::process::id()));
    let lib: String = files.iter().map(|(name, _)| format!("mod {name};\n")).collect();
    let written = std::fs::create_dir_all(package.join("src")).is_ok()
        && std::fs::write(
            package.join("Cargo.toml"),
            "[package]\nname = \"hostile\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        )
        .is_ok()
        && std::fs::write(package.join("src/lib.rs"), lib).is_ok()
        && files
            .iter()
            .all(|(name, bytes)| std::fs::write(package.join(format!("src/{name}.rs")), bytes).is_ok());
    if !written {
        println!("cannot create {}", package.display());
        return 1;
    }
    let mut failed = 0;
    let started = Instant::now();
    let request =
        CheckRequest { slow_file_limit: Some(Duration::ZERO), ..request(vec![package.clone()], None) };
    match check(&request) {
        Ok(outcome) => {
            for problem in outcome.problems.iter().filter(|p| p.kind == ProblemKind::Internal) {
                println!("hostile: internal error in {}: {}", problem.path.display(), problem.message);
                failed += 1;
            }
            let mut times = outcome.slow_files.clone();
            times.sort_by_key(|(_, time)| std::cmp::Reverse(*time));
            for (path, time) in &times {
                let name = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
                let over = *time > LIMIT;
                println!(
                    "hostile: {name:<28} {:>8.1} ms{}",
                    time.as_secs_f64() * 1e3,
                    if over { "  OVER 1 s" } else { "" }
                );
                failed += usize::from(over);
            }
            for problem in outcome.problems.iter().filter(|p| p.kind != ProblemKind::Internal) {
                let name = problem.path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
                println!("hostile: {name}: {}", problem.message);
            }
            println!(
                "hostile: {} files checked in {:.2} s",
                outcome.files_checked,
                started.elapsed().as_secs_f64()
            );
        }
        Err(err) => println!("hostile: configuration error: {err}"),
    }
    let sandbox = match Sandbox::create(&package.join("sandbox")) {
        Ok(sandbox) => sandbox,
        Err(err) => {
            println!("cannot create the sandbox: {err}");
            return failed + 1;
        }
    };
    for (name, bytes) in &files {
        let Ok(text) = std::str::from_utf8(bytes) else { continue };
        if text.len() > 20_000_000 {
            continue;
        }
        let started = Instant::now();
        let input = Input { unsafe_fixes: true, ..Input::library(text, Edition::E2021) };
        if let Err(failure) = sandbox.run(&input) {
            println!("hostile pipeline: {name}: {failure}");
            failed += 1;
        }
        let time = started.elapsed();
        if time > LIMIT * 4 {
            println!("hostile pipeline: {name}: check, fixes and re-parse took {:.2} s", time.as_secs_f64());
            failed += 1;
        }
    }
    let _removed = std::fs::remove_dir_all(&package);
    failed
}

fn main() {
    let dirs: Vec<PathBuf> = std::env::args().skip(1).map(PathBuf::from).collect();
    let Ok(tmp) = std::env::temp_dir().canonicalize() else { return };
    let mut failed = hostile(&tmp);
    let editions =
        [None, Some(Edition::E2015), Some(Edition::E2018), Some(Edition::E2021), Some(Edition::E2024)];
    for edition in editions {
        let what = edition.map_or("own editions".to_owned(), |e| format!("as {}", e.as_str()));
        let started = Instant::now();
        match check(&request(dirs.clone(), edition)) {
            Ok(outcome) => {
                failed += failures(&what, &outcome);
                println!(
                    "{what}: {} files, {} findings, {} problems in {:.1} s",
                    outcome.files_checked,
                    outcome.findings.len(),
                    outcome.problems.len(),
                    started.elapsed().as_secs_f64()
                );
            }
            Err(err) => println!("{what}: configuration error: {err}"),
        }
    }

    let mut files = Vec::new();
    for dir in &dirs {
        rust_files(dir, &mut files);
    }
    let package = tmp.join(format!("rustpro-never-panic-{}", std::process::id()));
    let src = package.join("src");
    if std::fs::create_dir_all(&src).is_err()
        || std::fs::write(
            package.join("Cargo.toml"),
            "[package]\nname = \"mutant\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        )
        .is_err()
    {
        println!("cannot create {}", package.display());
        std::process::exit(1);
    }
    let (mut runs, mut slowest) = (0usize, (Duration::ZERO, String::new()));
    for (index, file) in files.iter().enumerate().filter(|(i, _)| i % 10 == 0) {
        let Ok(text) = std::fs::read_to_string(file) else { continue };
        for (how, mutant) in mutants(&text, index) {
            if std::fs::write(src.join("lib.rs"), &mutant).is_err() {
                continue;
            }
            runs += 1;
            let started = Instant::now();
            let fix_request = FixRequest { check: request(vec![package.clone()], None), unsafe_fixes: true };
            let what = format!("{} ({how})", file.display());
            match fix::fix(&fix_request) {
                Ok(outcome) => failed += failures(&what, &outcome.remaining),
                Err(err) => println!("{what}: configuration error: {err}"),
            }
            let time = started.elapsed();
            if time > slowest.0 {
                slowest = (time, what.clone());
            }
            if time > LIMIT * 4 {
                println!("{what}: check and fixes took {:.2} s", time.as_secs_f64());
                failed += 1;
            }
        }
    }
    let _removed = std::fs::remove_dir_all(&package);
    println!(
        "mutants: {runs} checked with all fixes; slowest {:.3} s ({})",
        slowest.0.as_secs_f64(),
        slowest.1
    );
    println!("{failed} failures");
    if failed > 0 {
        std::process::exit(1);
    }
}
