//! SARIF 2.1.0, the format code scanning services (GitHub's among them) read.
//!
//! Every rule of the registry is described in `tool.driver.rules`, so a result's `ruleIndex`
//! is stable across runs. Paths under the base folder become URIs relative to `%SRCROOT%`,
//! others absolute `file://` URIs. Columns count Unicode characters (`columnKind`
//! `unicodeCodePoints`), as everywhere in rustpro. Problems met while reading the project
//! are tool execution notifications of the single invocation.

use std::io::{self, Write};
use std::path::{Component, Path};

use serde_json::{Map, Value, json};

use super::{RenderOptions, relative_to};
use crate::Outcome;
use crate::diagnostic::{Applicability, Finding, Fix, Problem, ProblemKind, ProblemSeverity, Severity};
use crate::registry;
use crate::rule::{DefaultLevel, RuleMeta};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const SRCROOT: &str = "%SRCROOT%";

pub(super) fn render(outcome: &Outcome, options: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &log(outcome, options))?;
    writeln!(out)
}

fn log(outcome: &Outcome, options: &RenderOptions) -> Value {
    let base = options.base.as_deref();
    let mut rules: Vec<Value> = registry::all().iter().map(|r| descriptor(r.meta())).collect();
    // Names the registry does not know (none today) still get a descriptor.
    let mut extra: Vec<&'static str> = Vec::new();
    for finding in &outcome.findings {
        if registry::index_of(finding.rule).is_none() && !extra.contains(&finding.rule) {
            extra.push(finding.rule);
            let text = format!("Findings of `{}`.", finding.rule);
            rules.push(json!({
                "id": finding.rule,
                "name": pascal_case(finding.rule),
                "shortDescription": { "text": text },
                "fullDescription": { "text": text },
                "help": { "text": text, "markdown": text },
                "defaultConfiguration": { "level": "warning" },
            }));
        }
    }
    let rule_index = |name: &str| {
        registry::index_of(name)
            .or_else(|| extra.iter().position(|e| *e == name).map(|i| registry::all().len() + i))
            .unwrap_or(0)
    };
    let results: Vec<Value> = outcome.findings.iter().map(|f| result(f, rule_index(f.rule), base)).collect();
    let notifications: Vec<Value> = outcome.problems.iter().map(|p| notification(p, base)).collect();
    let mut driver = Map::new();
    driver.insert("name".into(), "rustpro".into());
    let repository = env!("CARGO_PKG_REPOSITORY");
    if !repository.is_empty() {
        driver.insert("informationUri".into(), repository.into());
    }
    driver.insert("version".into(), env!("CARGO_PKG_VERSION").into());
    driver.insert("semanticVersion".into(), env!("CARGO_PKG_VERSION").into());
    driver.insert("rules".into(), rules.into());
    let mut run = Map::new();
    run.insert("tool".into(), json!({ "driver": driver }));
    run.insert(
        "invocations".into(),
        json!([{
            "executionSuccessful": !outcome.has_errors(),
            "toolExecutionNotifications": notifications,
        }]),
    );
    if let Some(base) = base.filter(|b| b.is_absolute()) {
        let mut uri = file_uri(base);
        if !uri.ends_with('/') {
            uri.push('/');
        }
        run.insert("originalUriBaseIds".into(), json!({ SRCROOT: { "uri": uri } }));
    }
    run.insert("columnKind".into(), "unicodeCodePoints".into());
    run.insert("results".into(), results.into());
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [run],
    })
}

fn descriptor(meta: &RuleMeta) -> Value {
    let docs = meta.docs_text();
    let mut tags = vec![meta.category.as_str()];
    if meta.default_level == DefaultLevel::Pedantic {
        tags.push("pedantic");
    }
    json!({
        "id": meta.name,
        "name": pascal_case(meta.name),
        "shortDescription": { "text": sentence(meta.summary) },
        "fullDescription": { "text": sentence(&what_it_does(&docs).unwrap_or_else(|| meta.summary.to_owned())) },
        "help": { "text": docs, "markdown": docs },
        "defaultConfiguration": { "level": "warning" },
        "properties": {
            "category": meta.category.as_str(),
            "defaultLevel": match meta.default_level {
                DefaultLevel::Warn => "warn",
                DefaultLevel::Pedantic => "pedantic",
            },
            "tags": tags,
        },
    })
}

/// The text under the documentation's `## What it does` heading, on one line.
fn what_it_does(docs: &str) -> Option<String> {
    let (_, rest) = docs.split_once("## What it does")?;
    let section = rest.split("\n#").next().unwrap_or(rest);
    let text = section.split_whitespace().collect::<Vec<_>>().join(" ");
    (!text.is_empty()).then_some(text)
}

/// SARIF's convention: descriptions are sentences.
fn sentence(text: &str) -> String {
    let mut text = text.trim().to_owned();
    if let Some(first) = text.chars().next()
        && first.is_lowercase()
    {
        text = first.to_uppercase().chain(text.chars().skip(1)).collect();
    }
    if !text.ends_with(['.', '!', '?']) {
        text.push('.');
    }
    text
}

/// `unwrap_in_production` -> `UnwrapInProduction`: a rule's `name` must differ from its `id`.
fn pascal_case(name: &str) -> String {
    name.split('_')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map(|c| c.to_uppercase().chain(chars).collect::<String>()).unwrap_or_default()
        })
        .collect()
}

fn result(finding: &Finding, rule_index: usize, base: Option<&Path>) -> Value {
    let mut text = sentence(&finding.message);
    if let Some(help) = &finding.help {
        text.push_str("\nHelp: ");
        text.push_str(&sentence(help));
    }
    let mut result = json!({
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": match finding.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        },
        "message": { "text": text },
        "locations": [{
            "physicalLocation": {
                "artifactLocation": artifact_location(&finding.path, base),
                "region": {
                    "startLine": finding.start.line,
                    "startColumn": finding.start.column,
                    "endLine": finding.end.line,
                    "endColumn": finding.end.column,
                },
            },
        }],
    });
    if let Some(fix) = finding.fix.as_ref().filter(|f| f.applicability != Applicability::DisplayOnly) {
        result["fixes"] = json!([sarif_fix(fix, base)]);
    }
    result
}

/// A fix as SARIF's `fix` object: per file, byte-offset replacements.
fn sarif_fix(fix: &Fix, base: Option<&Path>) -> Value {
    let mut files: Vec<&Path> = fix.edits.iter().map(|e| e.path.as_path()).collect();
    files.sort();
    files.dedup();
    let changes: Vec<Value> = files
        .into_iter()
        .map(|path| {
            let replacements: Vec<Value> = fix
                .edits
                .iter()
                .filter(|e| e.path == path)
                .map(|e| {
                    json!({
                        "deletedRegion": { "byteOffset": e.range.start, "byteLength": e.range.len() },
                        "insertedContent": { "text": e.replacement },
                    })
                })
                .collect();
            json!({ "artifactLocation": artifact_location(path, base), "replacements": replacements })
        })
        .collect();
    json!({ "description": { "text": sentence(&fix.title) }, "artifactChanges": changes })
}

fn notification(problem: &Problem, base: Option<&Path>) -> Value {
    let mut physical = Map::new();
    physical.insert("artifactLocation".into(), artifact_location(&problem.path, base));
    if let Some(at) = problem.location {
        physical.insert("region".into(), json!({ "startLine": at.line, "startColumn": at.column }));
    }
    json!({
        "descriptor": { "id": problem_id(problem.kind) },
        "level": match problem.severity {
            ProblemSeverity::Warning => "warning",
            ProblemSeverity::Error => "error",
        },
        "message": { "text": sentence(&problem.message) },
        "locations": [{ "physicalLocation": physical }],
    })
}

fn problem_id(kind: ProblemKind) -> &'static str {
    match kind {
        ProblemKind::SyntaxError => "syntax-error",
        ProblemKind::UnreadableSource => "unreadable-source",
        ProblemKind::Io => "io",
        ProblemKind::Manifest => "manifest",
        ProblemKind::Internal => "internal",
    }
}

fn artifact_location(path: &Path, base: Option<&Path>) -> Value {
    match relative_to(path, base) {
        Some(relative) if !relative.as_os_str().is_empty() => {
            json!({ "uri": uri_path(relative), "uriBaseId": SRCROOT })
        }
        _ if path.is_absolute() => json!({ "uri": file_uri(path) }),
        _ => json!({ "uri": uri_path(path) }),
    }
}

/// An absolute path as a `file:` URI (`file:///C:/x` for a Windows drive path).
pub(super) fn file_uri(path: &Path) -> String {
    format!("file:///{}", uri_path(path))
}

/// The path's segments, percent-encoded, joined with `/`; a root is left out and a Windows
/// drive prefix (`C:`) kept as it is.
fn uri_path(path: &Path) -> String {
    let mut segments = Vec::new();
    for component in path.components() {
        match component {
            Component::RootDir => {}
            Component::Prefix(prefix) => segments.push(prefix.as_os_str().to_string_lossy().into_owned()),
            other => segments.push(encode_segment(&other.as_os_str().to_string_lossy())),
        }
    }
    segments.join("/")
}

/// Percent-encodes one path segment: everything but RFC 3986's unreserved characters and
/// the sub-delimiters and `@` that a path may hold (`:` is encoded, so that no segment of a
/// relative reference reads as a scheme).
fn encode_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        let keep = byte.is_ascii_alphanumeric()
            || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'!' | b'$' | b'&' | b'\'' | b'(' | b')')
            || matches!(byte, b'*' | b'+' | b',' | b';' | b'=' | b'@');
        if keep {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::sample;
    use super::*;

    fn rendered() -> Value {
        let mut out = Vec::new();
        render(&sample::outcome(), &sample::options(), &mut out).unwrap_or_default();
        serde_json::from_slice(&out).unwrap_or(Value::Null)
    }

    #[test]
    fn results_point_at_rules_and_relative_uris() {
        let log = rendered();
        assert_eq!(log["version"], "2.1.0");
        let run = &log["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().cloned().unwrap_or_default();
        assert_eq!(rules.len(), registry::all().len());
        let results = run["results"].as_array().cloned().unwrap_or_default();
        assert_eq!(results.len(), 3);
        for result in &results {
            let index =
                result["ruleIndex"].as_u64().and_then(|i| usize::try_from(i).ok()).unwrap_or(usize::MAX);
            assert_eq!(rules[index]["id"], result["ruleId"]);
        }
        assert_eq!(results[1]["level"], "error");
        let location = &results[0]["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"], json!({ "uri": "src/lib.rs", "uriBaseId": "%SRCROOT%" }));
        assert_eq!(
            location["region"],
            json!({ "startLine": 2, "startColumn": 14, "endLine": 2, "endColumn": 23 })
        );
        assert_eq!(run["originalUriBaseIds"]["%SRCROOT%"]["uri"], "file:///work/demo/");
        assert_eq!(
            results[0]["message"]["text"],
            "`.unwrap()` panics on failure in production code.\nHelp: Propagate the error with `?`."
        );
    }

    #[test]
    fn problems_are_notifications() {
        let log = rendered();
        let invocation = &log["runs"][0]["invocations"][0];
        assert_eq!(invocation["executionSuccessful"], false);
        let notes = invocation["toolExecutionNotifications"].as_array().cloned().unwrap_or_default();
        assert_eq!(notes.len(), 2);
        assert_eq!(notes[0]["descriptor"]["id"], "syntax-error");
        assert_eq!(notes[0]["locations"][0]["physicalLocation"]["region"]["startLine"], 3);
        assert_eq!(notes[1]["level"], "error");
        assert_eq!(
            notes[1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "file:///elsewhere/data,%20100%25.rs"
        );
    }

    #[test]
    fn rule_descriptors_carry_docs() {
        let log = rendered();
        let rule = &log["runs"][0]["tool"]["driver"]["rules"][0];
        assert_eq!(rule["id"], registry::all()[0].meta().name);
        assert_eq!(rule["name"], pascal_case(registry::all()[0].meta().name));
        let meta = registry::all()[0].meta();
        assert_eq!(rule["shortDescription"]["text"], sentence(meta.summary));
        let full = rule["fullDescription"]["text"].as_str().unwrap_or("");
        assert!(full.len() > 10 && full.ends_with('.') && !full.contains('\n'), "{full}");
        assert!(rule["help"]["markdown"].as_str().is_some_and(|m| m.contains("## Why is this bad?")));
        assert_eq!(rule["properties"]["category"], registry::all()[0].meta().category.as_str());
        assert_eq!(pascal_case("unwrap_in_production"), "UnwrapInProduction");
    }

    #[test]
    fn uris_are_encoded() {
        assert_eq!(uri_path(Path::new("a b/c:d%.rs")), "a%20b/c%3Ad%25.rs");
        assert_eq!(file_uri(Path::new("/tmp/é x.rs")), "file:///tmp/%C3%A9%20x.rs");
        assert_eq!(artifact_location(Path::new("src/lib.rs"), None), json!({ "uri": "src/lib.rs" }));
    }
}
