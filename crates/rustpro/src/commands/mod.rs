//! One module per command.

mod check;
mod explain;
mod fix;
mod rules;
mod vcs;

use std::io::Write;
use std::process::ExitCode;

use crate::cli::{CheckArgs, Cli, Command};

pub(crate) fn dispatch(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Check(args) if args.fix || args.diff => fix::run(args),
        Command::Check(args) => check::run(args),
        Command::Fix(args) => fix::run(CheckArgs { fix: true, ..args }),
        Command::Rules(args) => rules::run(&args),
        Command::Explain(args) => explain::run(&args),
    }
}

/// Writes to stdout; a closed pipe (`rustpro rules | head`) is not an error.
pub(crate) fn write_stdout(
    render: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), std::io::Error> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match render(&mut out).and_then(|()| out.flush()) {
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}
