#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

//! Rule fixtures: `fixtures/<category>/<rule>/{invalid*,valid*}` run through the whole engine.
//!
//! A fixture is a `.rs` file (checked as `src/lib.rs` of a fresh package) or a folder holding
//! a whole project (`Cargo.toml` and sources). Header lines set up a single-file fixture:
//! `//@ path: tests/it.rs` (where the file goes), `//@ edition: 2018`, `//@ rust-version: 1.70`,
//! `//@ bin` (the file is `src/main.rs`), `//@ also: rule_a, rule_b` (rules selected besides
//! the one under test). Every line that must get a finding ends with `//~ rule_name` (several
//! names may follow, comma-separated); every other line must get none from the rule under
//! test. `valid*` fixtures must have no finding at all; `invalid*` ones must have at least
//! one. In the `Cargo.toml` of a folder fixture, a line that must get a finding ends with
//! `#~ rule_name`. The rendered findings of each fixture are also kept as an insta snapshot.

use std::fs;
use std::path::{Path, PathBuf};

use rustpro_engine::config::CliSettings;
use rustpro_engine::diagnostic::Applicability;
use rustpro_engine::fix::{self, FixRequest};
use rustpro_engine::rule::FixAvailability;
use rustpro_engine::{CheckRequest, check, registry};

fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// A fixture laid out as a project in a temporary folder.
struct Laid {
    dir: tempfile::TempDir,
    /// (relative path, text) of every Rust file and manifest, for annotations.
    sources: Vec<(String, String)>,
    /// Rules selected besides the rule under test (`//@ also: rule_a, rule_b`).
    also: Vec<String>,
}

fn lay_out(fixture: &Path) -> Laid {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut sources = Vec::new();
    let mut also = Vec::new();
    if fixture.is_dir() {
        copy_dir(fixture, dir.path(), dir.path(), &mut sources);
    } else {
        let text = fs::read_to_string(fixture).expect("fixture text");
        let mut path = "src/lib.rs".to_owned();
        let mut edition = "2021".to_owned();
        let mut rust_version = String::new();
        for line in text.lines().take_while(|l| l.starts_with("//@")) {
            let directive = line.trim_start_matches("//@").trim();
            if let Some(p) = directive.strip_prefix("path:") {
                path = p.trim().to_owned();
            } else if let Some(e) = directive.strip_prefix("edition:") {
                edition = e.trim().to_owned();
            } else if let Some(v) = directive.strip_prefix("rust-version:") {
                rust_version = format!("rust-version = \"{}\"\n", v.trim());
            } else if let Some(rules) = directive.strip_prefix("also:") {
                also.extend(rules.split(',').map(|r| r.trim().to_owned()));
            } else if directive == "bin" {
                path = "src/main.rs".to_owned();
            } else {
                panic!("{}: unknown directive `{line}`", fixture.display());
            }
        }
        fs::write(
            dir.path().join("Cargo.toml"),
            format!(
                "[package]\nname = \"fixture\"\nversion = \"0.1.0\"\nedition = \"{edition}\"\n{rust_version}"
            ),
        )
        .expect("manifest");
        let target = dir.path().join(&path);
        fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
        fs::write(&target, &text).expect("write");
        // A library root so that files elsewhere have a package to belong to.
        if !dir.path().join("src/lib.rs").exists() && !dir.path().join("src/main.rs").exists() {
            fs::create_dir_all(dir.path().join("src")).expect("src");
            fs::write(dir.path().join("src/lib.rs"), "").expect("lib");
        }
        sources.push((path, text));
    }
    Laid { dir, sources, also }
}

fn copy_dir(from: &Path, to: &Path, root: &Path, sources: &mut Vec<(String, String)>) {
    fs::create_dir_all(to).expect("mkdir");
    for entry in fs::read_dir(from).expect("read fixture dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target, root, sources);
        } else {
            fs::copy(entry.path(), &target).expect("copy");
            if target.extension().is_some_and(|e| e == "rs") || entry.file_name() == "Cargo.toml" {
                let relative = target.strip_prefix(root).expect("inside").to_string_lossy().into_owned();
                sources.push((relative, fs::read_to_string(&target).expect("text")));
            }
        }
    }
}

/// (file, line, rule) triples expected from `//~` annotations (`#~` in manifests).
fn expected(sources: &[(String, String)]) -> Vec<(String, usize, String)> {
    let mut out = Vec::new();
    for (path, text) in sources {
        let marker = if path.ends_with("Cargo.toml") { "#~" } else { "//~" };
        for (index, line) in text.lines().enumerate() {
            if let Some((_, names)) = line.split_once(marker) {
                for name in names.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                    out.push((path.clone(), index + 1, name.to_owned()));
                }
            }
        }
    }
    out.sort();
    out
}

/// Items of `a` not matched one-to-one in `b` (both sorted).
fn missing_from<T: PartialEq + Clone>(a: &[T], b: &[T]) -> Vec<T> {
    let mut rest = b.to_vec();
    let mut out = Vec::new();
    for item in a {
        match rest.iter().position(|r| r == item) {
            Some(i) => {
                rest.remove(i);
            }
            None => out.push(item.clone()),
        }
    }
    out
}

/// Runs one fixture with only `rule` (and `unused_suppression`) selected.
fn run_fixture(rule: &str, fixture: &Path) -> Result<String, String> {
    let laid = lay_out(fixture);
    let root = fs::canonicalize(laid.dir.path()).expect("canonical");
    let request = CheckRequest {
        paths: vec![root.clone()],
        cli: CliSettings {
            select: Some(
                [rule.to_owned(), "unused_suppression".to_owned()]
                    .into_iter()
                    .chain(laid.also.clone())
                    .collect(),
            ),
            ..Default::default()
        },
        threads: 1,
        ..Default::default()
    };
    let outcome = check(&request).map_err(|e| format!("configuration error: {e}"))?;
    let name = fixture.file_name().expect("name").to_string_lossy().into_owned();
    let mut rendered = String::new();
    let mut actual = Vec::new();
    for finding in &outcome.findings {
        let path = finding.path.strip_prefix(&root).unwrap_or(&finding.path).to_string_lossy().into_owned();
        actual.push((path.clone(), finding.start.line, finding.rule.to_owned()));
        rendered.push_str(&format!(
            "{path}:{}:{}-{}:{} {}[{}] {}\n",
            finding.start.line,
            finding.start.column,
            finding.end.line,
            finding.end.column,
            finding.severity.as_str(),
            finding.rule,
            finding.message
        ));
        if let Some(help) = &finding.help {
            rendered.push_str(&format!("    help: {help}\n"));
        }
    }
    for problem in &outcome.problems {
        let path = problem.path.strip_prefix(&root).unwrap_or(&problem.path).to_string_lossy().into_owned();
        rendered.push_str(&format!("problem {path}: {}\n", problem.message));
    }
    let wanted = expected(&laid.sources);
    actual.sort();
    let mut errors = Vec::new();
    for missing in missing_from(&wanted, &actual) {
        errors.push(format!("{name}: expected a finding {missing:?}"));
    }
    for extra in missing_from(&actual, &wanted) {
        errors.push(format!("{name}: unexpected finding {extra:?}"));
    }
    if name.starts_with("valid") && !outcome.findings.is_empty() {
        errors.push(format!("{name}: a valid fixture must have no finding"));
    }
    if name.starts_with("invalid") && !outcome.findings.iter().any(|f| f.rule == rule) {
        errors.push(format!("{name}: an invalid fixture must have a finding of `{rule}`"));
    }
    errors.extend(check_fixes(rule, &name, &request, &outcome, &root, &mut rendered));
    if errors.is_empty() {
        Ok(rendered)
    } else {
        Err(format!("{}\nfindings:\n{rendered}", errors.join("\n")))
    }
}

/// The fix contract, checked on every fixture: fixes have the applicability the rule
/// declares; applying all of them (unsafe ones too) breaks no file, settles, and a second
/// run finds nothing more to fix. The fixed files are added to the snapshot.
fn check_fixes(
    rule: &str,
    name: &str,
    request: &CheckRequest,
    outcome: &rustpro_engine::Outcome,
    root: &Path,
    rendered: &mut String,
) -> Vec<String> {
    let mut errors = Vec::new();
    let declared = registry::find(rule).expect("rule").meta().fix;
    for finding in outcome.findings.iter().filter(|f| f.rule == rule) {
        let Some(fix) = &finding.fix else { continue };
        let allowed = match declared {
            FixAvailability::None => false,
            FixAvailability::Safe => fix.applicability == Applicability::Safe,
            FixAvailability::Unsafe => fix.applicability != Applicability::DisplayOnly,
            FixAvailability::DisplayOnly => true,
        };
        if !allowed {
            errors.push(format!(
                "{name}: line {}: a `{}` fix from a rule that declares `{declared:?}`",
                finding.start.line,
                fix.applicability.as_str()
            ));
        }
    }
    let fix_request = FixRequest { check: request.clone(), unsafe_fixes: true };
    let fixed = fix::fix(&fix_request).expect("fix run");
    if !fixed.converged {
        errors.push(format!("{name}: fixes did not settle after {} passes", fix::MAX_PASSES));
    }
    for failed in &fixed.failed {
        errors.push(format!("{name}: the fix `{}` broke a file: {}", failed.title, failed.reason));
    }
    for file in &fixed.files {
        let path = file.path.strip_prefix(root).unwrap_or(&file.path).to_string_lossy().into_owned();
        rendered.push_str(&format!("\n--- {path} after fixes ---\n{}", file.fixed));
    }
    let write_errors = fix::write(&fixed.files);
    if !write_errors.is_empty() {
        errors.push(format!("{name}: writing the fixes failed: {write_errors:?}"));
    }
    let again = fix::fix(&fix_request).expect("second fix run");
    if !again.files.is_empty() {
        errors.push(format!("{name}: a second fix run still changes {} file(s)", again.files.len()));
    }
    errors
}

/// Fixture paths of a rule, sorted.
fn fixtures_of(category: &str, rule: &str) -> Vec<PathBuf> {
    let dir = fixtures_root().join(category).join(rule);
    let Ok(entries) = fs::read_dir(&dir) else { return Vec::new() };
    let mut out: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    out.sort();
    out
}

#[test]
fn every_fixture_gives_exactly_the_annotated_findings() {
    let mut failures = Vec::new();
    for rule in registry::all() {
        let meta = rule.meta();
        for fixture in fixtures_of(meta.category.as_str(), meta.name) {
            match run_fixture(meta.name, &fixture) {
                Ok(rendered) => {
                    let name =
                        format!("{}__{}", meta.name, fixture.file_stem().expect("stem").to_string_lossy());
                    insta::with_settings!({ snapshot_path => "snapshots", prepend_module_to_snapshot => false }, {
                        insta::assert_snapshot!(name, rendered);
                    });
                }
                Err(message) => failures.push(format!("[{}] {message}", meta.name)),
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

#[test]
fn every_rule_has_firing_and_quiet_fixtures() {
    let mut missing = Vec::new();
    for rule in registry::all() {
        let meta = rule.meta();
        let fixtures = fixtures_of(meta.category.as_str(), meta.name);
        let has = |prefix: &str| {
            fixtures.iter().any(|f| f.file_name().is_some_and(|n| n.to_string_lossy().starts_with(prefix)))
        };
        if !has("invalid") || !has("valid") {
            missing.push(format!(
                "{}: needs fixtures/{}/{}/invalid* and valid*",
                meta.name,
                meta.category.as_str(),
                meta.name
            ));
        }
    }
    assert!(missing.is_empty(), "\n{}", missing.join("\n"));
}
