//! One JSON document per run, with a versioned schema documented in `docs/json-schema.md`.
//! Adding fields keeps [`SCHEMA_VERSION`]; renaming, removing or retyping one bumps it.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use super::{RenderOptions, display_path};
use crate::Outcome;
use crate::diagnostic::{Applicability, Finding, Problem, ProblemKind, ProblemSeverity, Severity};
use crate::registry;
use crate::source::LineCol;

/// The `version` field of the document.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    tool: Tool,
    findings: Vec<JsonFinding<'a>>,
    problems: Vec<JsonProblem<'a>>,
    summary: Summary<'a>,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'static str,
    category: Option<&'static str>,
    severity: Severity,
    message: &'a str,
    help: Option<&'a str>,
    file: String,
    range: ByteRange,
    start: Position,
    end: Position,
    fix: Option<JsonFix<'a>>,
    origin: Option<JsonOrigin<'a>>,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    title: &'a str,
    applicability: Applicability,
    edits: Vec<JsonEdit<'a>>,
}

#[derive(Serialize)]
struct JsonEdit<'a> {
    file: String,
    range: ByteRange,
    replacement: &'a str,
}

#[derive(Serialize)]
struct ByteRange {
    start: usize,
    end: usize,
}

#[derive(Serialize)]
struct Position {
    line: usize,
    column: usize,
}

impl From<LineCol> for Position {
    fn from(at: LineCol) -> Self {
        Position { line: at.line, column: at.column }
    }
}

#[derive(Serialize)]
struct JsonOrigin<'a> {
    package: &'a str,
    version: Option<&'a str>,
    manifest_path: String,
    edition: &'static str,
    target: JsonTarget<'a>,
}

#[derive(Serialize)]
struct JsonTarget<'a> {
    kind: &'static str,
    name: &'a str,
}

#[derive(Serialize)]
struct JsonProblem<'a> {
    severity: ProblemSeverity,
    kind: ProblemKind,
    file: String,
    location: Option<Position>,
    message: &'a str,
}

#[derive(Serialize)]
struct Summary<'a> {
    files_checked: usize,
    packages_checked: usize,
    findings: usize,
    errors: usize,
    warnings: usize,
    problems: usize,
    problem_errors: usize,
    by_rule: BTreeMap<&'static str, usize>,
    public_fns: Vec<JsonCoverage<'a>>,
}

/// How many public functions of a library test code names (`--statistics` shows it too).
#[derive(Serialize)]
struct JsonCoverage<'a> {
    package: &'a str,
    manifest_path: String,
    total: usize,
    named_by_tests: usize,
}

pub(super) fn render(outcome: &Outcome, options: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let document = document(outcome, options);
    // Through a buffer of a known type: serializing straight into `dyn Write` costs a call per
    // token, and the whole document in memory would cost as much as the findings.
    let mut buffered = io::BufWriter::with_capacity(1 << 16, out);
    serde_json::to_writer_pretty(&mut buffered, &document)?;
    writeln!(buffered)?;
    buffered.flush()
}

fn document<'a>(outcome: &'a Outcome, options: &RenderOptions) -> Document<'a> {
    let errors = outcome.findings.iter().filter(|f| f.severity == Severity::Error).count();
    let mut by_rule = BTreeMap::new();
    for finding in &outcome.findings {
        *by_rule.entry(finding.rule).or_default() += 1;
    }
    Document {
        version: SCHEMA_VERSION,
        tool: Tool { name: "rustpro", version: env!("CARGO_PKG_VERSION") },
        findings: outcome.findings.iter().map(|f| finding(f, options)).collect(),
        problems: outcome.problems.iter().map(|p| problem(p, options)).collect(),
        summary: Summary {
            files_checked: outcome.files_checked,
            packages_checked: outcome.packages_checked,
            findings: outcome.findings.len(),
            errors,
            warnings: outcome.findings.len() - errors,
            problems: outcome.problems.len(),
            problem_errors: outcome.problems.iter().filter(|p| p.severity == ProblemSeverity::Error).count(),
            by_rule,
            public_fns: outcome
                .test_coverage
                .iter()
                .map(|c| JsonCoverage {
                    package: &c.package,
                    manifest_path: display_path(&c.manifest_path, options.base.as_deref()),
                    total: c.public_fns,
                    named_by_tests: c.named_by_tests,
                })
                .collect(),
        },
    }
}

fn finding<'a>(finding: &'a Finding, options: &RenderOptions) -> JsonFinding<'a> {
    let base = options.base.as_deref();
    JsonFinding {
        rule: finding.rule,
        category: registry::find(finding.rule).map(|r| r.meta().category.as_str()),
        severity: finding.severity,
        message: &finding.message,
        help: finding.help.as_deref(),
        file: display_path(&finding.path, base),
        range: ByteRange { start: finding.range.start, end: finding.range.end },
        start: finding.start.into(),
        end: finding.end.into(),
        fix: finding.fix.as_ref().map(|fix| JsonFix {
            title: &fix.title,
            applicability: fix.applicability,
            edits: fix
                .edits
                .iter()
                .map(|edit| JsonEdit {
                    file: display_path(&edit.path, base),
                    range: ByteRange { start: edit.range.start, end: edit.range.end },
                    replacement: &edit.replacement,
                })
                .collect(),
        }),
        origin: finding.origin.as_deref().map(|o| JsonOrigin {
            package: &o.package,
            version: o.version.as_deref(),
            manifest_path: display_path(&o.manifest_path, base),
            edition: o.edition,
            target: JsonTarget { kind: o.target_kind.as_str(), name: &o.target_name },
        }),
    }
}

fn problem<'a>(problem: &'a Problem, options: &RenderOptions) -> JsonProblem<'a> {
    JsonProblem {
        severity: problem.severity,
        kind: problem.kind,
        file: display_path(&problem.path, options.base.as_deref()),
        location: problem.location.map(Position::from),
        message: &problem.message,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::Value;

    use super::super::sample;
    use super::*;

    /// The schema documentation, read at build time so that the test follows it.
    const SCHEMA_DOC: &str = include_str!("../../../../docs/json-schema.md");

    /// Objects whose keys are data (rule names), not fields.
    const MAPS: &[&str] = &["summary.by_rule"];

    fn rendered() -> Value {
        let mut out = Vec::new();
        render(&sample::outcome(), &sample::options(), &mut out).unwrap_or_default();
        serde_json::from_slice(&out).unwrap_or(Value::Null)
    }

    /// Field paths of the documentation's tables: the first cell of a row, in backticks,
    /// such as `findings[].origin.target.kind`.
    fn documented_fields() -> BTreeSet<String> {
        SCHEMA_DOC
            .lines()
            .filter_map(|line| line.trim().strip_prefix("| `"))
            .filter_map(|rest| rest.split_once('`'))
            .map(|(field, _)| field.to_owned())
            .collect()
    }

    /// The values at `path` (`a[].b`): every array element is visited, a `null` on the way
    /// ends that branch, and a missing key is reported.
    fn values_at<'v>(value: &'v Value, path: &str) -> Result<Vec<&'v Value>, String> {
        let mut current = vec![value];
        for part in path.split('.') {
            let (key, each) = match part.strip_suffix("[]") {
                Some(key) => (key, true),
                None => (part, false),
            };
            let mut next = Vec::new();
            for value in current {
                if value.is_null() {
                    continue;
                }
                let Some(field) = value.get(key) else {
                    return Err(format!("`{path}`: `{key}` missing in {value}"));
                };
                if each {
                    let Some(items) = field.as_array() else { return Err(format!("`{path}`: not an array")) };
                    next.extend(items);
                } else {
                    next.push(field);
                }
            }
            current = next;
        }
        Ok(current)
    }

    fn actual_fields(value: &Value, prefix: &str, out: &mut BTreeSet<String>) {
        match value {
            Value::Object(map) => {
                for (key, field) in map {
                    let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
                    out.insert(path.clone());
                    if !MAPS.contains(&path.as_str()) {
                        actual_fields(field, &path, out);
                    }
                }
            }
            Value::Array(items) => {
                let path = format!("{prefix}[]");
                for item in items {
                    actual_fields(item, &path, out);
                }
            }
            _ => {}
        }
    }

    #[test]
    fn every_documented_field_is_present() {
        let value = rendered();
        let fields = documented_fields();
        assert!(fields.len() > 30, "the schema documentation lists too few fields: {fields:?}");
        for field in &fields {
            let path = field.trim_end_matches("[]");
            match values_at(&value, path) {
                Ok(found) => assert!(!found.is_empty(), "`{field}` is documented but never present"),
                Err(err) => panic!("{err}"),
            }
        }
    }

    #[test]
    fn every_field_present_is_documented() {
        let mut actual = BTreeSet::new();
        actual_fields(&rendered(), "", &mut actual);
        let documented: BTreeSet<String> =
            documented_fields().iter().map(|f| f.trim_end_matches("[]").to_owned()).collect();
        let normalized: BTreeSet<String> =
            actual.iter().map(|f| f.trim_end_matches("[]").to_owned()).collect();
        let undocumented: Vec<_> = normalized.difference(&documented).collect();
        assert!(undocumented.is_empty(), "fields missing from docs/json-schema.md: {undocumented:?}");
    }

    /// The example document at the top of the documentation shows every field too.
    #[test]
    fn documented_example_is_complete() {
        let example = SCHEMA_DOC
            .split_once("```json\n")
            .and_then(|(_, rest)| rest.split_once("```"))
            .map_or("", |(block, _)| block);
        let example: Value = serde_json::from_str(example).unwrap_or(Value::Null);
        assert_eq!(example["version"], SCHEMA_VERSION);
        let mut shown = BTreeSet::new();
        actual_fields(&example, "", &mut shown);
        let mut actual = BTreeSet::new();
        actual_fields(&rendered(), "", &mut actual);
        assert_eq!(shown, actual);
    }

    #[test]
    fn version_and_values() {
        let value = rendered();
        assert_eq!(value["version"], 1);
        assert_eq!(value["tool"]["name"], "rustpro");
        let first = &value["findings"][0];
        assert_eq!(first["rule"], "unwrap_in_production");
        assert_eq!(first["category"], "errors");
        assert_eq!(first["severity"], "warning");
        assert_eq!(first["file"], "src/lib.rs");
        assert_eq!(first["start"], serde_json::json!({"line": 2, "column": 14}));
        assert_eq!(
            first["range"]["end"].as_u64().zip(first["range"]["start"].as_u64()).map(|(e, s)| e - s),
            Some(9)
        );
        assert_eq!(first["fix"], Value::Null);
        assert_eq!(first["origin"]["target"], serde_json::json!({"kind": "lib", "name": "demo"}));
        assert_eq!(value["findings"][2]["origin"], Value::Null);
        assert_eq!(value["problems"][0]["kind"], "syntax-error");
        assert_eq!(value["problems"][1]["location"], Value::Null);
        assert_eq!(value["summary"]["errors"], 1);
        assert_eq!(value["summary"]["by_rule"]["unwrap_in_production"], 1);
        assert_eq!(
            value["summary"]["public_fns"],
            serde_json::json!([{"package": "demo", "manifest_path": "Cargo.toml", "total": 2, "named_by_tests": 1}])
        );
    }
}
