//! `rustpro rules`.

use std::process::ExitCode;

use rustpro_engine::registry;
use rustpro_engine::rule::{DefaultLevel, FixAvailability};

use super::write_stdout;
use crate::EXIT_ERROR;
use crate::cli::RulesArgs;

pub(crate) fn run(args: &RulesArgs) -> ExitCode {
    let result = write_stdout(|out| {
        if args.json {
            let rules: Vec<serde_json::Value> = registry::all()
                .iter()
                .map(|rule| {
                    let meta = rule.meta();
                    serde_json::json!({
                        "name": meta.name,
                        "category": meta.category,
                        "level": meta.default_level,
                        "fix": meta.fix,
                        "clippy": meta.clippy,
                        "summary": meta.summary,
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &rules).map_err(std::io::Error::other)?;
            return writeln!(out);
        }
        writeln!(
            out,
            "{:<30} {:<9} {:<9} {:<7} {:<28} summary",
            "rule", "category", "level", "fix", "clippy twin"
        )?;
        for rule in registry::all() {
            let meta = rule.meta();
            let twin = if meta.clippy.is_empty() {
                "-".to_owned()
            } else {
                meta.clippy.iter().map(|t| format!("clippy::{t}")).collect::<Vec<_>>().join(", ")
            };
            writeln!(
                out,
                "{:<30} {:<9} {:<9} {:<7} {:<28} {}",
                meta.name,
                meta.category.as_str(),
                level(meta.default_level),
                fix(meta.fix),
                twin,
                meta.summary
            )?;
        }
        Ok(())
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

pub(crate) fn level(level: DefaultLevel) -> &'static str {
    match level {
        DefaultLevel::Warn => "warn",
        DefaultLevel::Pedantic => "pedantic",
    }
}

pub(crate) fn fix(fix: FixAvailability) -> &'static str {
    match fix {
        FixAvailability::None => "-",
        FixAvailability::Safe => "safe",
        FixAvailability::Unsafe => "unsafe",
        FixAvailability::DisplayOnly => "display",
    }
}
