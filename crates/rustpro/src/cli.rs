//! Command-line arguments, each documented where it is defined.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// A senior Rust reviewer as a tool: reads a Cargo workspace without compiling it and
/// reports what an expert would flag.
#[derive(Debug, Parser)]
#[command(name = "rustpro", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the workspaces, packages or files at PATH (default: the current folder).
    Check(CheckArgs),
    /// Apply the safe fixes (`rustpro check --fix`); takes every `check` option.
    Fix(CheckArgs),
    /// List every rule: name, category, default level, fix, clippy twin.
    Rules(RulesArgs),
    /// Show the documentation of a rule: what it finds, why, an example, fix safety.
    Explain(ExplainArgs),
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files or folders to check. A folder inside a workspace checks that workspace's
    /// packages under it; a folder holding many packages checks each of them.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Run only these rules: names, categories (errors, unsafe, ...), `pedantic` or `all`.
    /// Comma-separated or repeated; replaces the configured selection.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub select: Option<Vec<String>>,

    /// Do not run these rules (names, categories, `pedantic`, `all`); added to the configured ones.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub ignore: Vec<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,

    /// Cargo-compatible output: `json` prints cargo's `compiler-message` stream (usable as
    /// rust-analyzer's `check.overrideCommand`); `short` is `--format concise`.
    #[arg(long, value_enum, value_name = "FMT")]
    pub message_format: Option<MessageFormat>,

    /// Exit with 0 even when findings remain (errors still exit with 2).
    #[arg(long)]
    pub exit_zero: bool,

    /// Print the number of findings per rule instead of each finding.
    #[arg(long)]
    pub statistics: bool,

    /// When to use colours (NO_COLOR is honoured by `auto`).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,

    /// Use this configuration file instead of looking for rustpro.toml at the workspace root.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Check every file afresh: neither read nor write the result cache (kept in the
    /// workspace's `target/rustpro/`, or the user's cache folder when there is no `target/`;
    /// RUSTPRO_CACHE_DIR names another folder for that). Fixing never uses the cache.
    #[arg(long)]
    pub no_cache: bool,

    /// Worker threads (default: one per core).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub threads: usize,

    /// Apply the safe fixes, then report what remains. Refuses a git work tree with
    /// uncommitted changes (see --allow-dirty).
    #[arg(long, help_heading = "Fixes")]
    pub fix: bool,

    /// Also apply unsafe fixes: they may change behaviour or a public API (review them).
    #[arg(long, help_heading = "Fixes")]
    pub unsafe_fixes: bool,

    /// Print the fixes as a unified diff and write nothing. Exits with 1 when there is
    /// something to fix.
    #[arg(long, help_heading = "Fixes")]
    pub diff: bool,

    /// Fix even when the git work tree has uncommitted changes.
    #[arg(long, help_heading = "Fixes")]
    pub allow_dirty: bool,

    /// Fix even when the project is not under version control (git).
    #[arg(long, help_heading = "Fixes")]
    pub allow_no_vcs: bool,

    /// Run `cargo check --all-targets` before and after fixing, and revert the fixes of
    /// each rule that break a build that passed. Runs the project's build scripts and
    /// procedural macros.
    #[arg(long, help_heading = "Fixes")]
    pub verify: bool,

    /// Only read and parse the files, run no rule (a baseline for benchmarks).
    #[arg(long, hide = true)]
    pub parse_only: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// rustc-style messages with source snippets.
    Human,
    /// One line per finding: `path:line:col: warning[rule] message`.
    Concise,
    /// One JSON document (schema: docs/json-schema.md).
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF consumers.
    Sarif,
    /// GitHub Actions workflow annotations.
    Github,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MessageFormat {
    /// cargo's JSON message stream.
    Json,
    /// One line per finding.
    Short,
    /// rustc-style messages.
    Human,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Print the catalog as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The rule's name, e.g. `unwrap_in_production`.
    pub rule: String,
}
