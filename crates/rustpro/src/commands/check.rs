//! `rustpro check`.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use rustpro_engine::config::CliSettings;
use rustpro_engine::report::{self, Format, RenderOptions};
use rustpro_engine::{CacheOptions, CheckRequest, Outcome, check};

use super::write_stdout;
use crate::cli::{CheckArgs, ColorChoice, MessageFormat, OutputFormat};
use crate::{EXIT_ERROR, EXIT_FINDINGS};

pub(crate) fn run(args: CheckArgs) -> ExitCode {
    let mut request = request(&args);
    if !args.no_cache {
        request.cache = cache_options();
    }
    let outcome = match check(&request) {
        Ok(outcome) => outcome,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let code = report_and_exit(&args, &outcome);
    // The process ends now: freeing every finding one by one would only delay the exit.
    std::mem::forget(outcome);
    code
}

/// The engine request for `args`.
pub(crate) fn request(args: &CheckArgs) -> CheckRequest {
    let paths = if args.paths.is_empty() { vec![PathBuf::from(".")] } else { args.paths.clone() };
    CheckRequest {
        paths,
        cli: CliSettings {
            config_file: args.config.clone(),
            select: args.select.clone(),
            ignore: args.ignore.clone(),
        },
        threads: args.threads,
        parse_only: args.parse_only,
        // Only JSON and `--statistics` show how many public functions tests name.
        skip_test_coverage: format(args) != Format::Json && !args.statistics,
        ..CheckRequest::default()
    }
}

/// The output format `args` ask for.
fn format(args: &CheckArgs) -> Format {
    match args.message_format {
        Some(MessageFormat::Json) => Format::CargoJson,
        Some(MessageFormat::Short) => Format::Concise,
        Some(MessageFormat::Human) => Format::Human,
        None => match args.format {
            OutputFormat::Human => Format::Human,
            OutputFormat::Concise => Format::Concise,
            OutputFormat::Json => Format::Json,
            OutputFormat::Sarif => Format::Sarif,
            OutputFormat::Github => Format::Github,
        },
    }
}

/// The result cache's settings: keyed by this very executable, so that results of another
/// build are never used; `None` (no cache) when the executable cannot be read.
fn cache_options() -> Option<CacheOptions> {
    let exe = std::fs::read(std::env::current_exe().ok()?).ok()?;
    let mut program = xxhash_rust::xxh3::Xxh3::new();
    program.update(env!("CARGO_PKG_VERSION").as_bytes());
    program.update(&exe);
    Some(CacheOptions::new(program.digest128(), user_cache_dir()))
}

/// `RUSTPRO_CACHE_DIR`, else the platform's cache folder for rustpro.
fn user_cache_dir() -> Option<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(dir) = var("RUSTPRO_CACHE_DIR") {
        return Some(dir);
    }
    if cfg!(windows) {
        return var("LOCALAPPDATA").map(|dir| dir.join("rustpro").join("cache"));
    }
    if cfg!(target_os = "macos") {
        return var("HOME").map(|home| home.join("Library/Caches/rustpro"));
    }
    var("XDG_CACHE_HOME")
        .or_else(|| var("HOME").map(|home| home.join(".cache")))
        .map(|dir| dir.join("rustpro"))
}

/// Prints the outcome in the chosen format and returns the exit code it calls for.
pub(crate) fn report_and_exit(args: &CheckArgs, outcome: &Outcome) -> ExitCode {
    let format = format(args);
    let options =
        RenderOptions { color: use_color(args.color), base: current_dir(), statistics: args.statistics };
    if let Err(err) = write_stdout(|out| report::render(format, outcome, &options, out)) {
        eprintln!("error: cannot write the report: {err}");
        return ExitCode::from(EXIT_ERROR);
    }
    if outcome.has_errors() {
        ExitCode::from(EXIT_ERROR)
    } else if !outcome.findings.is_empty() && !args.exit_zero {
        ExitCode::from(EXIT_FINDINGS)
    } else {
        ExitCode::SUCCESS
    }
}

/// The current folder, canonical like finding paths, so that paths print relative to it.
pub(crate) fn current_dir() -> Option<PathBuf> {
    std::env::current_dir().ok().map(|dir| std::fs::canonicalize(&dir).unwrap_or(dir))
}

pub(crate) fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
            let forced = std::env::var_os("CLICOLOR_FORCE").is_some_and(|v| !v.is_empty() && v != "0");
            forced || (!no_color && std::io::stdout().is_terminal())
        }
    }
}
