//! Every rule's documentation has the fixed headings, and its examples are executed: the
//! `## Example` code must get a finding of the rule, the `## Use instead` code must not.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::fs;

use rustpro_engine::config::CliSettings;
use rustpro_engine::{CheckRequest, check, registry};

const HEADINGS: [&str; 5] =
    ["## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Fix safety"];

/// The first ```rust block after `heading`.
fn code_after(docs: &str, heading: &str) -> Option<String> {
    block_after(docs, heading, "```rust")
}

/// The first block fenced with `fence` in the section under `heading`.
fn block_after(docs: &str, heading: &str, fence: &str) -> Option<String> {
    let section = &docs[docs.find(heading)? + heading.len()..];
    let section = &section[..section.find("\n## ").unwrap_or(section.len())];
    let start = section.find(fence)?;
    let body = &section[start..];
    let body = &body[body.find('\n')? + 1..];
    Some(body[..body.find("```")?].to_owned())
}

/// The findings of `rule` on `code` as `src/lib.rs`; `manifest` (a ```toml block of the same
/// section, such as a `[dependencies]` table) is added to the package's `Cargo.toml`.
fn findings_of(rule: &str, code: &str, manifest: Option<String>) -> usize {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(
        dir.path().join("Cargo.toml"),
        format!(
            "[package]\nname = \"example\"\nversion = \"0.1.0\"\nedition = \"2021\"\n{}",
            manifest.unwrap_or_default()
        ),
    )
    .expect("manifest");
    fs::create_dir_all(dir.path().join("src")).expect("src");
    fs::write(dir.path().join("src/lib.rs"), code).expect("lib");
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
        match code_after(&docs, "## Example") {
            Some(code) if findings_of(meta.name, &code, block_after(&docs, "## Example", "```toml")) == 0 => {
                failures.push(format!("{}: the `## Example` code gets no finding", meta.name))
            }
            Some(_) => {}
            None => failures.push(format!("{}: `## Example` has no ```rust block", meta.name)),
        }
        match code_after(&docs, "## Use instead") {
            Some(code)
                if findings_of(meta.name, &code, block_after(&docs, "## Use instead", "```toml")) > 0 =>
            {
                failures.push(format!("{}: the `## Use instead` code gets a finding", meta.name))
            }
            Some(_) => {}
            None => failures.push(format!("{}: `## Use instead` has no ```rust block", meta.name)),
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
        for line in text.lines() {
            let Some((_, message)) = line.split_once("] ") else { continue };
            let first = message.chars().next().unwrap_or('a');
            if first.is_uppercase() || message.ends_with('.') {
                failures.push(format!("{}: `{message}`", path.display()));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
