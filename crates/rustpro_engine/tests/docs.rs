//! Every rule's documentation has the fixed headings, and its examples are executed: the
//! `## Example` code must get a finding of the rule, the `## Use instead` code must not. A
//! ```toml block there is the package's manifest (for manifest rules), or, when its first
//! line is `# file: PATH`, another file of the project (`# file: deny.toml`).

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::fs;

use rustpro_engine::config::CliSettings;
use rustpro_engine::{CheckRequest, check, registry};

const HEADINGS: [&str; 5] =
    ["## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Fix safety"];

/// The first ```rust (or ```toml) block after `heading`.
fn code_after(docs: &str, heading: &str, language: &str) -> Option<String> {
    let section = &docs[docs.find(heading)? + heading.len()..];
    let section = &section[..section.find("\n## ").unwrap_or(section.len())];
    let start = section.find(&format!("```{language}"))?;
    let body = &section[start..];
    let body = &body[body.find('\n')? + 1..];
    Some(body[..body.find("```")?].to_owned())
}

/// A `## Example` or `## Use instead` section as a project: its ```toml block is the
/// manifest, or a part of it, and its ```rust block the library.
fn example_of(docs: &str, heading: &str) -> Option<(Option<String>, String)> {
    let manifest = code_after(docs, heading, "toml");
    let code = code_after(docs, heading, "rust");
    if manifest.is_none() && code.is_none() {
        return None;
    }
    Some((manifest, code.unwrap_or_default()))
}

fn findings_of(rule: &str, (manifest, code): &(Option<String>, String)) -> usize {
    let dir = tempfile::tempdir().expect("tempdir");
    let default_manifest = "[package]\nname = \"example\"\nversion = \"0.1.0\"\nedition = \"2021\"\n";
    // A block with its own `[package]` or `[workspace]` is the whole manifest (manifest
    // rules); any other block (a `[dependencies]` table) is added to the default one.
    let other_file = manifest.as_deref().and_then(|m| {
        let (first, rest) = m.split_once('\n')?;
        Some((first.strip_prefix("# file: ")?.trim(), rest))
    });
    if let Some((path, text)) = other_file {
        fs::write(dir.path().join(path), text).expect("other file");
    }
    let manifest = if other_file.is_some() { &None } else { manifest };
    let whole = manifest.as_deref().filter(|m| m.contains("[package]") || m.contains("[workspace]"));
    let text = match (whole, manifest) {
        (Some(whole), _) => whole.to_owned(),
        (None, Some(part)) => format!("{default_manifest}\n{part}"),
        (None, None) => default_manifest.to_owned(),
    };
    fs::write(dir.path().join("Cargo.toml"), text).expect("manifest");
    fs::create_dir_all(dir.path().join("src")).expect("src");
    fs::write(dir.path().join("src/lib.rs"), code).expect("lib");
    if whole.is_some() {
        fs::write(dir.path().join("src/main.rs"), "fn main() {}\n").expect("main");
    }
    let request = CheckRequest {
        paths: vec![dir.path().to_path_buf()],
        cli: CliSettings { select: Some(vec![rule.to_owned()]), ..Default::default() },
        threads: 1,
        ..Default::default()
    };
    check(&request).expect("check").findings.iter().filter(|f| f.rule == rule).count()
}

#[test]
fn docs_have_the_headings_and_their_examples_hold() {
    let mut failures = Vec::new();
    for rule in registry::all() {
        let meta = rule.meta();
        let docs = meta.docs_text();
        for heading in HEADINGS {
            if !docs.contains(heading) {
                failures.push(format!("{}: docs lack `{heading}`", meta.name));
            }
        }
        if meta.summary.is_empty() || meta.summary.ends_with('.') {
            failures.push(format!("{}: the summary must be a phrase without a trailing period", meta.name));
        }
        match example_of(&docs, "## Example") {
            Some(code) if findings_of(meta.name, &code) == 0 => {
                failures.push(format!("{}: the `## Example` code gets no finding", meta.name))
            }
            Some(_) => {}
            None => failures.push(format!("{}: `## Example` has no ```rust or ```toml block", meta.name)),
        }
        match example_of(&docs, "## Use instead") {
            Some(code) if findings_of(meta.name, &code) > 0 => {
                failures.push(format!("{}: the `## Use instead` code gets a finding", meta.name))
            }
            Some(_) => {}
            None => failures.push(format!("{}: `## Use instead` has no ```rust or ```toml block", meta.name)),
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn messages_are_lower_case_without_a_trailing_period() {
    // Messages are checked on the fixture snapshots: every finding line starts lower-case.
    let snapshots = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    let mut failures = Vec::new();
    for entry in fs::read_dir(snapshots).expect("snapshots") {
        let path = entry.expect("entry").path();
        let text = fs::read_to_string(&path).expect("snapshot");
        // Fixed files follow the findings; their lines are code, not messages.
        for line in text.lines().take_while(|l| !(l.starts_with("--- ") && l.ends_with(" after fixes ---"))) {
            let Some((_, message)) = line.split_once("] ") else { continue };
            let first = message.chars().next().unwrap_or('a');
            if first.is_uppercase() || message.ends_with('.') {
                failures.push(format!("{}: `{message}`", path.display()));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
