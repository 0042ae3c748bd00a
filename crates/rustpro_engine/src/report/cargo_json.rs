//! cargo's `--message-format json` stream: one `compiler-message` object per line for each
//! finding (and each problem), then `build-finished`. Tools that read cargo's output, such as
//! rust-analyzer's `check.overrideCommand`, show rustpro's findings like compiler warnings.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::human::render_finding;
use super::sarif::file_uri;
use super::{RenderOptions, display_path};
use crate::Outcome;
use crate::diagnostic::{Finding, Origin, Problem, ProblemKind, ProblemSeverity, Severity};
use crate::project::TargetKind;

pub(super) fn render(outcome: &Outcome, options: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let origins = known_origins(outcome);
    let plain = RenderOptions { color: false, ..options.clone() };
    for finding in &outcome.findings {
        let package = match finding.origin.as_deref() {
            Some(origin) => PackageInfo::of(origin),
            None => PackageInfo::guess(&finding.path, &origins),
        };
        write_line(out, &package.compiler_message(finding_message(finding, &plain)))?;
    }
    for problem in &outcome.problems {
        let package = PackageInfo::guess(&problem.path, &origins);
        write_line(out, &package.compiler_message(problem_message(problem, options)))?;
    }
    let failed = outcome.has_errors() || outcome.findings.iter().any(|f| f.severity == Severity::Error);
    write_line(out, &BuildFinished { reason: "build-finished", success: !failed })
}

fn write_line(out: &mut dyn Write, value: &impl Serialize) -> io::Result<()> {
    serde_json::to_writer(&mut *out, value)?;
    writeln!(out)
}

// The records below follow cargo's field order, so the stream reads like cargo's own.

#[derive(Serialize)]
struct CompilerMessage<'a> {
    reason: &'static str,
    package_id: &'a str,
    manifest_path: String,
    target: &'a Target,
    message: Diagnostic<'a>,
}

#[derive(Serialize)]
struct BuildFinished {
    reason: &'static str,
    success: bool,
}

#[derive(Serialize)]
struct Target {
    kind: Vec<&'static str>,
    crate_types: Vec<&'static str>,
    name: String,
    src_path: String,
    edition: &'static str,
    doc: bool,
    doctest: bool,
    test: bool,
}

/// rustc's JSON diagnostic; it borrows the source lines of its finding, which are written
/// whole for each finding on them.
#[derive(Serialize)]
struct Diagnostic<'a> {
    /// Set on top-level diagnostics only, as rustc does.
    #[serde(rename = "$message_type", skip_serializing_if = "Option::is_none")]
    message_type: Option<&'static str>,
    message: String,
    code: Option<Code>,
    level: &'static str,
    spans: Vec<Span<'a>>,
    children: Vec<Diagnostic<'a>>,
    rendered: Option<String>,
}

#[derive(Serialize)]
struct Code {
    code: String,
    explanation: Option<String>,
}

#[derive(Serialize)]
struct Span<'a> {
    file_name: String,
    byte_start: usize,
    byte_end: usize,
    line_start: usize,
    line_end: usize,
    column_start: usize,
    column_end: usize,
    is_primary: bool,
    text: Vec<SpanLine<'a>>,
    label: Option<String>,
    suggested_replacement: Option<String>,
    suggestion_applicability: Option<String>,
    expansion: Option<()>,
}

#[derive(Serialize, Debug, PartialEq)]
struct SpanLine<'a> {
    text: &'a str,
    highlight_start: usize,
    highlight_end: usize,
}

/// Every distinct origin of the findings, to place findings and problems that have none.
fn known_origins(outcome: &Outcome) -> Vec<&Origin> {
    let mut origins: Vec<&Origin> = Vec::new();
    for origin in outcome.findings.iter().filter_map(|f| f.origin.as_deref()) {
        let seen = origins.iter().any(|o| {
            o.manifest_path == origin.manifest_path
                && o.target_kind == origin.target_kind
                && o.target_name == origin.target_name
        });
        if !seen {
            origins.push(origin);
        }
    }
    origins
}

/// What cargo says about the package and target a message belongs to.
struct PackageInfo {
    id: String,
    manifest_path: PathBuf,
    target: Target,
}

impl PackageInfo {
    fn of(origin: &Origin) -> PackageInfo {
        let kind = origin.target_kind;
        let dir = origin.manifest_path.parent().unwrap_or(Path::new(""));
        PackageInfo {
            id: package_id(dir, &origin.package, origin.version.as_deref()),
            manifest_path: origin.manifest_path.clone(),
            target: Target {
                kind: vec![kind.as_str()],
                crate_types: vec![if kind == TargetKind::Lib { "lib" } else { "bin" }],
                name: origin.target_name.clone(),
                src_path: origin.target_root.to_string_lossy().into_owned(),
                edition: origin.edition,
                doc: matches!(kind, TargetKind::Lib | TargetKind::Bin),
                doctest: kind == TargetKind::Lib,
                test: matches!(kind, TargetKind::Lib | TargetKind::Bin | TargetKind::Test),
            },
        }
    }

    /// The package of a path that came without an origin (a manifest, a problem): the
    /// innermost package of a known origin that holds it (its library when it has one), else
    /// a package named after the folder.
    fn guess(path: &Path, origins: &[&Origin]) -> PackageInfo {
        let dir_of = |o: &&Origin| o.manifest_path.parent().map(Path::to_path_buf).unwrap_or_default();
        let best = origins
            .iter()
            .filter(|o| path.starts_with(dir_of(o)))
            .max_by_key(|o| (dir_of(o).components().count(), o.target_kind == TargetKind::Lib));
        if let Some(origin) = best {
            return PackageInfo::of(origin);
        }
        let dir = if path.file_name().is_some_and(|n| n == "Cargo.toml") || path.extension().is_some() {
            path.parent().unwrap_or(path)
        } else {
            path
        };
        let name = dir.file_name().map_or_else(|| "unknown".to_owned(), |n| n.to_string_lossy().into_owned());
        PackageInfo {
            id: package_id(dir, &name, None),
            manifest_path: dir.join("Cargo.toml"),
            target: Target {
                kind: vec!["lib"],
                crate_types: vec!["lib"],
                name: name.replace('-', "_"),
                src_path: dir.join("src/lib.rs").to_string_lossy().into_owned(),
                edition: "2021",
                doc: true,
                doctest: true,
                test: true,
            },
        }
    }

    fn compiler_message<'a>(&'a self, message: Diagnostic<'a>) -> CompilerMessage<'a> {
        CompilerMessage {
            reason: "compiler-message",
            package_id: &self.id,
            manifest_path: self.manifest_path.to_string_lossy().into_owned(),
            target: &self.target,
            message,
        }
    }
}

/// cargo's package ID spec for a local package: `path+file:///dir#name@version`.
fn package_id(dir: &Path, name: &str, version: Option<&str>) -> String {
    let location = if dir.is_absolute() { file_uri(dir) } else { dir.to_string_lossy().into_owned() };
    match version {
        Some(version) => format!("path+{location}#{name}@{version}"),
        None => format!("path+{location}#{name}"),
    }
}

fn finding_message<'a>(finding: &'a Finding, plain: &RenderOptions) -> Diagnostic<'a> {
    let children = finding
        .help
        .iter()
        .map(|help| Diagnostic {
            message_type: None,
            message: help.clone(),
            code: None,
            level: "help",
            spans: Vec::new(),
            children: Vec::new(),
            rendered: None,
        })
        .collect();
    let mut rendered = render_finding(finding, plain);
    rendered.push('\n');
    Diagnostic {
        message_type: Some("diagnostic"),
        message: finding.message.clone(),
        code: Some(Code { code: format!("rustpro::{}", finding.rule), explanation: None }),
        level: level(finding.severity),
        spans: vec![Span {
            file_name: display_path(&finding.path, plain.base.as_deref()),
            byte_start: finding.range.start,
            byte_end: finding.range.end,
            line_start: finding.start.line,
            line_end: finding.end.line,
            column_start: finding.start.column,
            column_end: finding.end.column,
            is_primary: true,
            text: span_lines(finding),
            label: None,
            suggested_replacement: None,
            suggestion_applicability: None,
            expansion: None,
        }],
        children,
        rendered: Some(rendered),
    }
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Warning => "warning",
        Severity::Error => "error",
    }
}

/// The source lines the finding covers (as far as its snippet holds them), each with the
/// 1-based columns highlighted, end exclusive, as rustc reports them.
fn span_lines(finding: &Finding) -> Vec<SpanLine<'_>> {
    let snippet = &finding.snippet;
    snippet
        .text
        .split('\n')
        .enumerate()
        .map(|(i, text)| (snippet.first_line + i, text.strip_suffix('\r').unwrap_or(text)))
        .filter(|(line, _)| (finding.start.line..=finding.end.line).contains(line))
        .map(|(line, text)| {
            let start = if line == finding.start.line { finding.start.column } else { 1 };
            let end = if line == finding.end.line { finding.end.column } else { text.chars().count() + 1 };
            SpanLine { text, highlight_start: start, highlight_end: end.max(start) }
        })
        .collect()
}

/// A problem as a diagnostic. Its byte offsets are not known: they are 0, and editors go by
/// the line and column.
fn problem_message(problem: &Problem, options: &RenderOptions) -> Diagnostic<'static> {
    let file_name = display_path(&problem.path, options.base.as_deref());
    let level = match problem.severity {
        ProblemSeverity::Warning => "warning",
        ProblemSeverity::Error => "error",
    };
    let spans = problem
        .location
        .iter()
        .map(|at| Span {
            file_name: file_name.clone(),
            byte_start: 0,
            byte_end: 0,
            line_start: at.line,
            line_end: at.line,
            column_start: at.column,
            column_end: at.column,
            is_primary: true,
            text: Vec::new(),
            label: None,
            suggested_replacement: None,
            suggestion_applicability: None,
            expansion: None,
        })
        .collect();
    let rendered = match problem.location {
        Some(at) => format!("{level}: {}\n --> {file_name}:{}:{}\n", problem.message, at.line, at.column),
        None => format!("{level}: {}\n --> {file_name}\n", problem.message),
    };
    Diagnostic {
        message_type: Some("diagnostic"),
        message: problem.message.clone(),
        code: Some(Code { code: format!("rustpro::{}", problem_code(problem.kind)), explanation: None }),
        level,
        spans,
        children: Vec::new(),
        rendered: Some(rendered),
    }
}

fn problem_code(kind: ProblemKind) -> &'static str {
    match kind {
        ProblemKind::SyntaxError => "syntax_error",
        ProblemKind::UnreadableSource => "unreadable_source",
        ProblemKind::Io => "io",
        ProblemKind::Manifest => "manifest",
        ProblemKind::Internal => "internal",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::sample;
    use super::*;

    fn lines() -> Vec<Value> {
        let mut out = Vec::new();
        render(&sample::outcome(), &sample::options(), &mut out).unwrap_or_default();
        String::from_utf8(out)
            .unwrap_or_default()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap_or(Value::Null))
            .collect()
    }

    #[test]
    fn fields_in_cargo_order() {
        let mut out = Vec::new();
        render(&sample::outcome(), &sample::options(), &mut out).unwrap_or_default();
        let text = String::from_utf8(out).unwrap_or_default();
        assert!(text.starts_with(r#"{"reason":"compiler-message","package_id":"#), "{text}");
        assert!(text.contains(r#""message":{"$message_type":"diagnostic","message":"#), "{text}");
        assert!(text.ends_with("{\"reason\":\"build-finished\",\"success\":false}\n"), "{text}");
    }

    #[test]
    fn one_compiler_message_per_line_then_build_finished() {
        let lines = lines();
        assert_eq!(lines.len(), 6);
        assert!(lines[..5].iter().all(|l| l["reason"] == "compiler-message"));
        assert_eq!(lines[5], json!({ "reason": "build-finished", "success": false }));
    }

    #[test]
    fn finding_message_shape() {
        let first = &lines()[0];
        assert_eq!(first["package_id"], "path+file:///work/demo#demo@0.1.0");
        assert_eq!(first["manifest_path"], "/work/demo/Cargo.toml");
        assert_eq!(
            first["target"],
            json!({
                "kind": ["lib"], "crate_types": ["lib"], "name": "demo", "src_path": "/work/demo/src/lib.rs",
                "edition": "2021", "doc": true, "doctest": true, "test": true,
            })
        );
        let message = &first["message"];
        assert_eq!(message["$message_type"], "diagnostic");
        assert_eq!(message["code"], json!({ "code": "rustpro::unwrap_in_production", "explanation": null }));
        assert_eq!(message["level"], "warning");
        let span = &message["spans"][0];
        assert_eq!(span["file_name"], "src/lib.rs");
        assert_eq!((span["line_start"].clone(), span["column_start"].clone()), (json!(2), json!(14)));
        assert_eq!((span["line_end"].clone(), span["column_end"].clone()), (json!(2), json!(23)));
        assert_eq!(
            span["text"],
            json!([{ "text": "    v.parse().unwrap()", "highlight_start": 14, "highlight_end": 23 }])
        );
        let start = span["byte_start"].as_u64().unwrap_or(0);
        let end = span["byte_end"].as_u64().unwrap_or(0);
        let (start, end) = (usize::try_from(start).unwrap_or(0), usize::try_from(end).unwrap_or(0));
        assert_eq!(&sample::LIB[start..end], ".unwrap()");
        assert_eq!(message["children"][0]["level"], "help");
        assert_eq!(message["children"][0]["message"], "propagate the error with `?`");
        let rendered = message["rendered"].as_str().unwrap_or("");
        assert!(
            rendered.starts_with("warning[unwrap_in_production]:")
                && rendered.contains("--> src/lib.rs:2:14")
        );
        assert!(!rendered.contains('\u{1b}'));
    }

    #[test]
    fn manifest_finding_borrows_the_package_of_its_manifest() {
        let third = &lines()[2];
        assert_eq!(third["package_id"], "path+file:///work/demo#demo@0.1.0");
        assert_eq!(third["message"]["spans"][0]["file_name"], "Cargo.toml");
        assert_eq!(third["message"]["children"].as_array().map(Vec::len), Some(1));
    }

    #[test]
    fn package_guessed_from_the_folder_without_any_origin() {
        let info = PackageInfo::guess(Path::new("/w/my-pkg/Cargo.toml"), &[]);
        assert_eq!(info.id, "path+file:///w/my-pkg#my-pkg");
        assert_eq!(info.target.name, "my_pkg");
        assert_eq!(info.manifest_path, Path::new("/w/my-pkg/Cargo.toml"));
    }

    #[test]
    fn multi_line_span_text() {
        let path = Path::new(sample::BASE).join("src/lib.rs");
        let start = sample::LIB.find("pub fn raw").unwrap_or(0);
        let finding = sample::finding(
            "unsafe_not_forbidden",
            Severity::Warning,
            "m",
            None,
            &path,
            sample::LIB,
            start..sample::LIB.len() - 1,
            None,
        );
        let line = |text, highlight_start, highlight_end| SpanLine { text, highlight_start, highlight_end };
        assert_eq!(
            span_lines(&finding),
            vec![
                line("pub fn raw(p: *const u8) -> u8 {", 1, 33),
                line("    unsafe { *p }", 1, 18),
                line("}", 1, 2),
            ]
        );
    }

    #[test]
    fn problems_become_messages() {
        let lines = lines();
        assert_eq!(lines[3]["message"]["code"]["code"], "rustpro::syntax_error");
        assert_eq!(lines[3]["message"]["spans"][0]["line_start"], 3);
        assert_eq!(lines[3]["package_id"], "path+file:///work/demo#demo@0.1.0");
        assert_eq!(lines[4]["message"]["level"], "error");
        assert_eq!(lines[4]["message"]["spans"], json!([]));
    }
}
