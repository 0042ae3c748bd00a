//! The command-line frontend of rustpro: argument parsing and rendering only; every
//! analysis goes through `rustpro_engine::check`.

mod cli;
mod commands;

use std::ffi::OsString;
use std::process::ExitCode;
use std::sync::{Mutex, PoisonError};

use clap::Parser;

pub use cli::Cli;

/// Exit code for findings that remain.
pub const EXIT_FINDINGS: u8 = 1;
/// Exit code for usage, configuration and I/O errors.
pub const EXIT_ERROR: u8 = 2;

static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Runs the command line `args` (the program name first) and returns the exit code.
pub fn run<I: IntoIterator<Item = OsString>>(args: I) -> ExitCode {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return if err.use_stderr() { ExitCode::from(EXIT_ERROR) } else { ExitCode::SUCCESS };
        }
    };
    // Rule panics are caught by the engine and reported as internal errors; keep the default
    // hook from printing them a second time, and keep the message for a panic that escapes.
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let location = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
        *LAST_PANIC.lock().unwrap_or_else(PoisonError::into_inner) = Some(format!("{message}{location}"));
    }));
    match std::panic::catch_unwind(|| commands::dispatch(cli)) {
        Ok(code) => code,
        Err(_) => {
            let message =
                LAST_PANIC.lock().unwrap_or_else(PoisonError::into_inner).take().unwrap_or_default();
            eprintln!(
                "error: internal error: {message}\nthis is a bug in rustpro; please report it with the command you ran"
            );
            ExitCode::from(EXIT_ERROR)
        }
    }
}
