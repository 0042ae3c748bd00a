//! `rustpro fix`, `rustpro check --fix` and `--diff`: the engine's fix loop, then writing
//! (or printing a diff), optionally verified by building the project before and after.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use rustpro_engine::fix::{self, FixOutcome, FixRequest, FixedFile};
use rustpro_engine::report::display_path;
use rustpro_engine::{CheckRequest, check};

use super::check::{current_dir, report_and_exit, request};
use super::{vcs, write_stdout};
use crate::cli::CheckArgs;
use crate::{EXIT_ERROR, EXIT_FINDINGS};

pub(crate) fn run(args: CheckArgs) -> ExitCode {
    let request = request(&args);
    if !args.diff
        && let Some(message) =
            vcs::refusal(&workspace_roots(&request.paths), args.allow_dirty, args.allow_no_vcs)
    {
        eprintln!("error: {message}");
        return ExitCode::from(EXIT_ERROR);
    }
    let builds = if args.verify && !args.diff { builds_before(&request.paths) } else { Vec::new() };
    let fix_request = FixRequest { check: request.clone(), unsafe_fixes: args.unsafe_fixes };
    let outcome = match fix::fix(&fix_request) {
        Ok(outcome) => outcome,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let base = current_dir();
    report_failures(&outcome, base.as_deref());
    if args.diff {
        return print_diff(&outcome, base.as_deref());
    }
    let write_errors = fix::write(&outcome.files);
    for error in &write_errors {
        eprintln!("error: {}: {}", display_path(&error.path, base.as_deref()), error.message);
    }
    report_applied(&outcome, base.as_deref());
    let mut remaining = outcome.remaining;
    if !builds.is_empty() && !outcome.files.is_empty() {
        let reverted = verify(&builds, &fix_request, &outcome.files, base.as_deref());
        if reverted {
            remaining = match check(&request) {
                Ok(outcome) => outcome,
                Err(err) => {
                    eprintln!("error: {err}");
                    return ExitCode::from(EXIT_ERROR);
                }
            };
        }
    }
    let code = report_and_exit(&args, &remaining);
    if !write_errors.is_empty() { ExitCode::from(EXIT_ERROR) } else { code }
}

fn report_failures(outcome: &FixOutcome, base: Option<&Path>) {
    for failed in &outcome.failed {
        eprintln!(
            "warning: the fix \"{}\" ({} at {}:{}) was not applied: {}",
            failed.title,
            failed.rule,
            display_path(&failed.path, base),
            failed.line,
            failed.reason
        );
    }
    if !outcome.converged {
        eprintln!(
            "warning: fixes kept producing new fixes after {} passes; stopped there (a bug in a rule's fix: please report it)",
            fix::MAX_PASSES
        );
    }
}

fn report_applied(outcome: &FixOutcome, base: Option<&Path>) {
    if outcome.applied.is_empty() {
        return;
    }
    let mut by_rule: BTreeMap<&str, usize> = BTreeMap::new();
    for applied in &outcome.applied {
        *by_rule.entry(applied.rule).or_default() += 1;
    }
    let rules: Vec<String> = by_rule.iter().map(|(rule, n)| format!("{rule} ({n})")).collect();
    eprintln!(
        "Fixed {} finding{} in {} file{}: {}",
        outcome.applied.len(),
        if outcome.applied.len() == 1 { "" } else { "s" },
        outcome.files.len(),
        if outcome.files.len() == 1 { "" } else { "s" },
        rules.join(", ")
    );
    for file in &outcome.files {
        eprintln!("  {}", display_path(&file.path, base));
    }
}

/// Prints every change as a unified diff; exits with 1 when there is one.
fn print_diff(outcome: &FixOutcome, base: Option<&Path>) -> ExitCode {
    let written = write_stdout(|out| {
        for file in &outcome.files {
            let path = display_path(&file.path, base);
            let diff = similar::TextDiff::from_lines(&file.original, &file.fixed);
            write!(out, "{}", diff.unified_diff().context_radius(3).header(&path, &path))?;
        }
        Ok(())
    });
    if let Err(err) = written {
        eprintln!("error: cannot write the diff: {err}");
        return ExitCode::from(EXIT_ERROR);
    }
    let count = outcome.applied.len();
    if count == 0 {
        eprintln!("No fixes to apply");
        return ExitCode::SUCCESS;
    }
    eprintln!(
        "{count} fix{} would change {} file{}; nothing was written",
        if count == 1 { "" } else { "es" },
        outcome.files.len(),
        if outcome.files.len() == 1 { "" } else { "s" }
    );
    ExitCode::from(EXIT_FINDINGS)
}

/// The root folders of the workspaces `paths` select: fixes may edit any file in them (a
/// trait's impls, a manifest), so that is where uncommitted changes matter.
fn workspace_roots(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = rustpro_engine::project::discover(paths)
        .packages
        .iter()
        .map(|p| p.workspace_manifest.clone().unwrap_or_else(|| p.manifest_path.clone()))
        .filter_map(|manifest| manifest.parent().map(Path::to_path_buf))
        .collect();
    if roots.is_empty() {
        return paths.to_vec();
    }
    roots.sort();
    roots.dedup();
    roots
}

/// A workspace to build, and whether it built before the fixes.
struct Build {
    manifest: PathBuf,
    passed: bool,
}

/// Builds every workspace that `paths` select, before fixing.
fn builds_before(paths: &[PathBuf]) -> Vec<Build> {
    let mut manifests: Vec<PathBuf> = rustpro_engine::project::discover(paths)
        .packages
        .iter()
        .map(|p| p.workspace_manifest.clone().unwrap_or_else(|| p.manifest_path.clone()))
        .collect();
    manifests.sort();
    manifests.dedup();
    manifests
        .into_iter()
        .map(|manifest| {
            let passed = cargo_check(&manifest).is_ok();
            if !passed {
                eprintln!(
                    "note: `cargo check` of {} fails before fixing; fixes there are not verified",
                    manifest.display()
                );
            }
            Build { manifest, passed }
        })
        .collect()
}

/// `cargo check --all-targets` of a workspace; the error lines when it fails.
fn cargo_check(manifest: &Path) -> Result<(), String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args(["check", "--workspace", "--all-targets", "--quiet", "--message-format", "short"])
        .arg("--manifest-path")
        .arg(manifest)
        .output()
        .map_err(|err| format!("cannot run cargo: {err}"))?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let errors: Vec<&str> = stderr.lines().filter(|l| l.contains("error")).take(5).collect();
    Err(errors.join("\n"))
}

/// The first workspace that built before the fixes and fails now, with its errors.
fn broken_build(builds: &[Build]) -> Option<(PathBuf, String)> {
    builds
        .iter()
        .filter(|b| b.passed)
        .find_map(|b| cargo_check(&b.manifest).err().map(|e| (b.manifest.clone(), e)))
}

/// After the fixes were written: when a build that passed fails, undoes every fix, then
/// re-applies them rule by rule, keeping each rule's fixes only if the builds still pass.
/// Returns whether anything was reverted.
fn verify(builds: &[Build], request: &FixRequest, files: &[FixedFile], base: Option<&Path>) -> bool {
    let Some((manifest, errors)) = broken_build(builds) else {
        eprintln!("Verified: `cargo check --all-targets` still passes");
        return false;
    };
    eprintln!("warning: `cargo check` of {} fails after fixing:\n{errors}", manifest.display());
    revert(files, base);
    let mut rules: Vec<&'static str> = Vec::new();
    match fix::fix(request) {
        Ok(outcome) => {
            for applied in &outcome.applied {
                if !rules.contains(&applied.rule) {
                    rules.push(applied.rule);
                }
            }
        }
        Err(err) => eprintln!("error: {err}"),
    }
    for rule in rules {
        let check = CheckRequest {
            cli: rustpro_engine::config::CliSettings {
                select: Some(vec![rule.to_owned()]),
                ..request.check.cli.clone()
            },
            ..request.check.clone()
        };
        let Ok(outcome) = fix::fix(&FixRequest { check, ..request.clone() }) else { continue };
        if outcome.files.is_empty() {
            continue;
        }
        for error in fix::write(&outcome.files) {
            eprintln!("error: {}: {}", display_path(&error.path, base), error.message);
        }
        match broken_build(builds) {
            None => eprintln!("Verified the fixes of `{rule}`: kept"),
            Some((manifest, errors)) => {
                revert(&outcome.files, base);
                let names: Vec<String> = outcome.files.iter().map(|f| display_path(&f.path, base)).collect();
                eprintln!(
                    "error: the fixes of `{rule}` break `cargo check` of {}; reverted them in {}:\n{errors}",
                    manifest.display(),
                    names.join(", ")
                );
            }
        }
    }
    true
}

/// Puts the texts before the fixes back.
fn revert(files: &[FixedFile], base: Option<&Path>) {
    for file in files {
        if let Err(err) = fix::write_atomic(&file.path, &file.original) {
            eprintln!("error: cannot restore {}: {err}", display_path(&file.path, base));
        }
    }
}
