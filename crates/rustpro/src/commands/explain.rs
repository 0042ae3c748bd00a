//! `rustpro explain RULE`.

use std::process::ExitCode;

use rustpro_engine::registry;

use super::rules::{fix, level};
use super::write_stdout;
use crate::EXIT_ERROR;
use crate::cli::ExplainArgs;

pub(crate) fn run(args: &ExplainArgs) -> ExitCode {
    let Some(rule) = registry::find(args.rule.trim()) else {
        eprintln!("error: {}", registry::unknown_rule_message(args.rule.trim()));
        return ExitCode::from(EXIT_ERROR);
    };
    let meta = rule.meta();
    let result = write_stdout(|out| {
        writeln!(out, "# {}\n", meta.name)?;
        writeln!(out, "{}\n", meta.summary)?;
        writeln!(
            out,
            "category: {} | level: {} | fix: {}{}\n",
            meta.category.as_str(),
            level(meta.default_level),
            fix(meta.fix),
            if meta.clippy.is_empty() {
                String::new()
            } else {
                format!(
                    " | clippy twin: {}",
                    meta.clippy.iter().map(|t| format!("clippy::{t}")).collect::<Vec<_>>().join(", ")
                )
            }
        )?;
        writeln!(out, "{}", meta.docs_text())
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}
