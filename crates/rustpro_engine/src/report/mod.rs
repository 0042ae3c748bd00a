//! Output formats: each emitter turns an [`Outcome`] into text written to a `Write` the
//! frontend hands in (the engine itself never prints).
//!
//! | format | file | for |
//! |---|---|---|
//! | [`Format::Human`] | `human.rs` | people: rustc-style messages with source snippets |
//! | [`Format::Concise`] | `concise.rs` | people and line-based tools: one line per finding |
//! | [`Format::Json`] | `json.rs` | programs: one versioned document (`docs/json-schema.md`) |
//! | [`Format::Sarif`] | `sarif.rs` | code scanning services: SARIF 2.1.0 |
//! | [`Format::Github`] | `github.rs` | GitHub Actions: workflow-command annotations |
//! | [`Format::CargoJson`] | `cargo_json.rs` | cargo tooling, rust-analyzer: cargo's JSON message stream |

mod cargo_json;
mod concise;
mod github;
mod human;
mod json;
mod sarif;

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::Outcome;
use crate::diagnostic::{Applicability, ProblemSeverity, Severity};

pub use human::render_finding;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Human,
    Concise,
    Json,
    Sarif,
    Github,
    /// cargo's `--message-format json` stream.
    CargoJson,
}

impl Format {
    pub const ALL: [Format; 6] =
        [Format::Human, Format::Concise, Format::Json, Format::Sarif, Format::Github, Format::CargoJson];

    /// The name used on the command line and in configuration.
    pub fn name(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Concise => "concise",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Github => "github",
            Format::CargoJson => "cargo-json",
        }
    }

    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// How to render.
#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    /// ANSI colors (human and concise formats only).
    pub color: bool,
    /// Paths under this folder are shown relative to it (and become `%SRCROOT%`-relative
    /// URIs in SARIF). Paths are compared as given, without resolving symbolic links, so
    /// pass the same kind of path the check was given (both canonical or both not).
    pub base: Option<PathBuf>,
    /// Human and concise formats: a count per rule instead of every finding.
    pub statistics: bool,
}

/// Writes `outcome` in `format`.
pub fn render(
    format: Format,
    outcome: &Outcome,
    options: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Human => human::render(outcome, options, out),
        Format::Concise => concise::render(outcome, options, out),
        Format::Json => json::render(outcome, options, out),
        Format::Sarif => sarif::render(outcome, options, out),
        Format::Github => github::render(outcome, options, out),
        Format::CargoJson => cargo_json::render(outcome, options, out),
    }
}

/// The path relative to `base` when it lies under it (with `/` separators), else as given.
pub fn display_path(path: &Path, base: Option<&Path>) -> String {
    match relative_to(path, base) {
        Some(relative) if relative.as_os_str().is_empty() => ".".to_owned(),
        Some(relative) => slashed(relative),
        None => path.to_string_lossy().into_owned(),
    }
}

/// `path` relative to `base`, when it lies under it.
fn relative_to<'p>(path: &'p Path, base: Option<&Path>) -> Option<&'p Path> {
    path.strip_prefix(base?).ok()
}

/// The path's components joined with `/`, whatever the platform's separator.
fn slashed(path: &Path) -> String {
    let parts: Vec<_> = path.components().map(|c| c.as_os_str().to_string_lossy()).collect();
    parts.join("/")
}

fn plural(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

/// The closing line of the human and concise formats.
fn summary_line(outcome: &Outcome) -> String {
    let findings = outcome.findings.len();
    let errors = outcome.findings.iter().filter(|f| f.severity == Severity::Error).count();
    let files = plural(outcome.files_checked, "file", "files");
    let mut line = match (findings, errors) {
        (0, _) => format!("No findings in {files}"),
        (_, 0) => format!("Found {} in {files}", plural(findings, "finding", "findings")),
        _ => format!(
            "Found {} ({}) in {files}",
            plural(findings, "finding", "findings"),
            plural(errors, "error", "errors")
        ),
    };
    let problems = outcome.problems.len();
    if problems > 0 {
        let problem_errors = outcome.problems.iter().filter(|p| p.severity == ProblemSeverity::Error).count();
        line.push_str("; ");
        line.push_str(&plural(problems, "problem", "problems"));
        if problem_errors > 0 {
            line.push_str(&format!(" ({})", plural(problem_errors, "error", "errors")));
        }
        line.push_str(" reading the project");
    }
    line
}

/// How many findings `rustpro fix` can fix, for the end of the human and concise formats.
fn fixable_line(outcome: &Outcome) -> Option<String> {
    let fixable = |applicability| {
        outcome
            .findings
            .iter()
            .filter(|f| f.fix.as_ref().is_some_and(|x| x.applicability == applicability))
            .count()
    };
    let (safe, unsafe_fixes) = (fixable(Applicability::Safe), fixable(Applicability::Unsafe));
    match (safe, unsafe_fixes) {
        (0, 0) => None,
        (_, 0) => Some(format!("{safe} fixable with `rustpro fix`")),
        (0, _) => Some(format!(
            "{unsafe_fixes} fixable with `rustpro fix --unsafe-fixes` (may change behaviour or a public API)"
        )),
        _ => Some(format!(
            "{safe} fixable with `rustpro fix`, {unsafe_fixes} more with `--unsafe-fixes` (may change \
             behaviour or a public API)"
        )),
    }
}

/// Per package whose library has public functions: `name: 34 of 51 public functions named
/// by tests (67%)`, with the version when two packages share the name. The percentage is
/// rounded, but only all of them make 100% and only none makes 0%.
fn coverage_lines(outcome: &Outcome) -> Vec<String> {
    let all = &outcome.test_coverage;
    all.iter()
        .filter(|c| c.public_fns > 0)
        .map(|c| {
            let shared_name = all.iter().filter(|other| other.package == c.package).count() > 1;
            let package = match (&c.version, shared_name) {
                (Some(version), true) => format!("{} {version}", c.package),
                _ => c.package.clone(),
            };
            let (named, total) = (c.named_by_tests, c.public_fns);
            let rounded = (named * 100 + total / 2) / total;
            let percent = match named {
                0 => 0,
                _ if named == total => 100,
                _ => rounded.clamp(1, 99),
            };
            let noun = if total == 1 { "public function" } else { "public functions" };
            format!("{package}: {named} of {total} {noun} named by tests ({percent}%)")
        })
        .collect()
}

/// How many findings each rule has, most first (ties by name).
fn rule_counts(outcome: &Outcome) -> Vec<(&'static str, usize)> {
    let mut counts: HashMap<&'static str, usize> = HashMap::new();
    for finding in &outcome.findings {
        *counts.entry(finding.rule).or_default() += 1;
    }
    let mut counts: Vec<_> = counts.into_iter().collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    counts
}

/// Shared by the emitters' tests: a small outcome built by hand, as the driver would build it.
#[cfg(test)]
pub(crate) mod sample {
    use std::io::{self, Write};
    use std::path::{Path, PathBuf};
    use std::sync::Arc;

    use crate::Outcome;
    use crate::diagnostic::{
        Applicability, Edit, Finding, Fix, Origin, Problem, ProblemKind, ProblemSeverity, Severity,
    };
    use crate::project::TargetKind;
    use crate::source::{LineCol, LineIndex};

    pub(crate) const BASE: &str = "/work/demo";

    pub(crate) const LIB: &str = "pub fn port(v: &str) -> u16 {\n    v.parse().unwrap()\n}\n\npub fn raw(p: *const u8) -> u8 {\n    unsafe { *p }\n}\n";

    pub(crate) const MANIFEST: &str = "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n";

    pub(crate) fn options() -> super::RenderOptions {
        super::RenderOptions { color: false, base: Some(PathBuf::from(BASE)), statistics: false }
    }

    pub(crate) fn origin() -> Arc<Origin> {
        Arc::new(Origin {
            package: "demo".to_owned(),
            version: Some("0.1.0".to_owned()),
            manifest_path: Path::new(BASE).join("Cargo.toml"),
            target_kind: TargetKind::Lib,
            target_name: "demo".to_owned(),
            target_root: Path::new(BASE).join("src/lib.rs"),
            edition: "2021",
        })
    }

    /// A finding on `range` of `text`, located like the driver does.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn finding(
        rule: &'static str,
        severity: Severity,
        message: &str,
        help: Option<&str>,
        path: &Path,
        text: &str,
        range: std::ops::Range<usize>,
        origin: Option<Arc<Origin>>,
    ) -> Finding {
        let lines = LineIndex::new(text);
        Finding::locate(
            rule,
            severity,
            message.to_owned(),
            help.map(str::to_owned),
            path,
            text,
            &lines,
            range,
            origin,
        )
    }

    /// What an emitter writes for `outcome`, as a string.
    pub(crate) fn rendered(
        render: fn(&Outcome, &super::RenderOptions, &mut dyn Write) -> io::Result<()>,
        outcome: &Outcome,
        options: &super::RenderOptions,
    ) -> String {
        let mut out = Vec::new();
        render(outcome, options, &mut out).unwrap_or_default();
        String::from_utf8(out).unwrap_or_default()
    }

    pub(crate) fn range_of(text: &str, needle: &str) -> std::ops::Range<usize> {
        let start = text.find(needle).unwrap_or(0);
        start..start + needle.len()
    }

    /// Three findings (one an error, one on the manifest without origin) and two problems.
    pub(crate) fn outcome() -> Outcome {
        let lib = Path::new(BASE).join("src/lib.rs");
        let manifest = Path::new(BASE).join("Cargo.toml");
        let unsafe_block = LIB.find("unsafe {").unwrap_or(0);
        Outcome {
            findings: vec![
                finding(
                    "unwrap_in_production",
                    Severity::Warning,
                    "`.unwrap()` panics on failure in production code",
                    Some("propagate the error with `?`"),
                    &lib,
                    LIB,
                    range_of(LIB, ".unwrap()"),
                    Some(origin()),
                ),
                finding(
                    "undocumented_unsafe_block",
                    Severity::Error,
                    "`unsafe` block without a `// SAFETY:` comment",
                    None,
                    &lib,
                    LIB,
                    unsafe_block..unsafe_block + "unsafe { *p }".len(),
                    Some(origin()),
                ),
                finding(
                    "unsafe_not_forbidden",
                    Severity::Warning,
                    "the package has no `unsafe` code but does not forbid it",
                    Some("add `[lints.rust] unsafe_code = \"forbid\"`"),
                    &manifest,
                    MANIFEST,
                    0..9,
                    None,
                )
                .with_fix(Fix {
                    title: "forbid `unsafe_code` in the manifest's lints".to_owned(),
                    applicability: Applicability::Safe,
                    edits: vec![Edit {
                        path: manifest.clone(),
                        range: MANIFEST.len()..MANIFEST.len(),
                        replacement: "\n[lints.rust]\nunsafe_code = \"forbid\"\n".to_owned(),
                    }],
                }),
            ],
            problems: vec![
                Problem {
                    severity: ProblemSeverity::Warning,
                    kind: ProblemKind::SyntaxError,
                    path: Path::new(BASE).join("src/broken.rs"),
                    location: Some(LineCol { line: 3, column: 7 }),
                    message: "1 syntax error (first: expected `;`); the rest of the file was still checked"
                        .to_owned(),
                },
                Problem {
                    severity: ProblemSeverity::Error,
                    kind: ProblemKind::Io,
                    path: PathBuf::from("/elsewhere/data, 100%.rs"),
                    location: None,
                    message: "cannot read the file: permission denied".to_owned(),
                },
            ],
            files_checked: 3,
            packages_checked: 1,
            slow_files: Vec::new(),
            cache: Default::default(),
            test_coverage: vec![crate::PackageCoverage {
                package: "demo".to_owned(),
                version: Some("0.1.0".to_owned()),
                manifest_path: manifest.clone(),
                public_fns: 2,
                named_by_tests: 1,
            }],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_under_base_are_relative() {
        let base = Path::new("/work/demo");
        assert_eq!(display_path(Path::new("/work/demo/src/lib.rs"), Some(base)), "src/lib.rs");
        assert_eq!(display_path(Path::new("/work/demo"), Some(base)), ".");
        assert_eq!(display_path(Path::new("/work/demolition/a.rs"), Some(base)), "/work/demolition/a.rs");
        assert_eq!(display_path(Path::new("/work/demo/a.rs"), None), "/work/demo/a.rs");
    }

    #[test]
    fn formats_round_trip_by_name() {
        for format in Format::ALL {
            assert_eq!(Format::from_name(format.name()), Some(format));
        }
        assert_eq!(Format::from_name("xml"), None);
    }

    #[test]
    fn summary_counts_findings_errors_and_problems() {
        let mut outcome = sample::outcome();
        assert_eq!(
            summary_line(&outcome),
            "Found 3 findings (1 error) in 3 files; 2 problems (1 error) reading the project"
        );
        outcome.problems.clear();
        outcome.findings.truncate(1);
        outcome.files_checked = 1;
        assert_eq!(summary_line(&outcome), "Found 1 finding in 1 file");
        outcome.findings.clear();
        assert_eq!(summary_line(&outcome), "No findings in 1 file");
    }

    #[test]
    fn coverage_lines_round_but_never_to_all_or_none() {
        let mut outcome = sample::outcome();
        assert_eq!(coverage_lines(&outcome), ["demo: 1 of 2 public functions named by tests (50%)"]);
        let cases = [(34, 51, "67%"), (199, 200, "99%"), (1, 300, "1%"), (0, 3, "0%"), (1, 1, "100%")];
        for (named, total, percent) in cases {
            outcome.test_coverage[0].named_by_tests = named;
            outcome.test_coverage[0].public_fns = total;
            let line = coverage_lines(&outcome).concat();
            assert!(line.ends_with(&format!("({percent})")), "{line}");
        }
        let mut other = outcome.test_coverage[0].clone();
        other.version = Some("0.2.0".to_owned());
        outcome.test_coverage.push(other);
        assert!(coverage_lines(&outcome)[1].starts_with("demo 0.2.0: 1 of 1 public function named"));
        outcome.test_coverage[0].public_fns = 0;
        outcome.test_coverage[1].public_fns = 0;
        assert!(coverage_lines(&outcome).is_empty());
    }

    #[test]
    fn rule_counts_sort_by_count_then_name() {
        let mut outcome = sample::outcome();
        outcome.findings.push(outcome.findings[2].clone());
        assert_eq!(
            rule_counts(&outcome),
            vec![("unsafe_not_forbidden", 2), ("undocumented_unsafe_block", 1), ("unwrap_in_production", 1)]
        );
    }
}
