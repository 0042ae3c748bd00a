#![allow(clippy::expect_used, clippy::unwrap_used)]

//! The SARIF output of a real check, validated by Microsoft's SARIF multitool (the reference
//! validator) with its SARIF rules and the rules GitHub code scanning and GitHub Advanced
//! Security apply to what they ingest. Any error-level result fails the test.
//!
//! The validator comes from npm (`@microsoft/sarif-multitool`, which pulls in a self-contained
//! binary for the platform). The test installs it into `target/tools` of the repository the
//! first time, under a file lock so that concurrent test runs install it once. Without `npm`
//! the test is skipped with a loud message, except when `CI` is set: then it fails.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use rustpro_engine::config::CliSettings;
use rustpro_engine::diagnostic::{Applicability, Edit, Finding, Fix, Severity, Snippet};
use rustpro_engine::report::{self, Format, RenderOptions};
use rustpro_engine::source::LineCol;
use rustpro_engine::{CheckRequest, Outcome, check};
use serde_json::Value;

/// The validator's npm package, pinned so that a new release cannot change the verdict.
const MULTITOOL_PACKAGE: &str = "@microsoft/sarif-multitool@5.7.0";

/// The rule kinds to run: SARIF's own rules, and the rules of GitHub code scanning and of
/// GitHub Advanced Security for what they ingest.
const RULE_KINDS: &str = "Sarif;Gh;Ghas";

#[test]
fn sarif_output_passes_the_official_validator() {
    let Some(validator) = validator() else { return };
    let project = tempfile::tempdir().expect("tempdir");
    let root = fs::canonicalize(project.path()).expect("canonical root");
    write_project(&root);
    let mut outcome =
        check(&CheckRequest { paths: vec![root.clone()], cli: CliSettings::default(), ..Default::default() })
            .expect("check");
    let rules: Vec<&str> = outcome.findings.iter().map(|f| f.rule).collect();
    assert!(rules.contains(&"unwrap_in_production"), "{rules:?}");
    assert!(rules.contains(&"undocumented_unsafe_block"), "{rules:?}");
    assert!(!outcome.problems.is_empty(), "no problem reported for the syntax error");
    if !outcome.findings.iter().any(|f| f.origin.is_none()) {
        outcome.findings.push(manifest_finding(&root.join("tidy/Cargo.toml")));
    }

    let work = tempfile::tempdir().expect("tempdir");
    // Paths relative to `%SRCROOT%` (how CI runs it) and absolute `file://` URIs (no base).
    for (name, base) in [("relative", Some(root.clone())), ("absolute", None)] {
        let sarif = work.path().join(format!("{name}.sarif"));
        fs::write(&sarif, render_sarif(&outcome, base)).expect("write sarif");
        let errors = validate(&validator, &sarif, &work.path().join(format!("{name}.result.sarif")));
        assert!(errors.is_empty(), "the validator rejects the {name} SARIF:\n{}", errors.join("\n"));
    }
}

/// Two packages side by side: one with unwraps, an undocumented `unsafe` block, odd file
/// names and a syntax error (a problem), one without `unsafe` that does not forbid it (a
/// finding on its manifest).
fn write_project(root: &Path) {
    let write = |path: &str, text: &str| {
        let path = root.join(path);
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs::write(path, text).expect("write");
    };
    write("app/Cargo.toml", "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n");
    write(
        "app/src/lib.rs",
        "mod odd;\nmod broken;\n\npub fn port(value: &str) -> u16 {\n    value.parse().unwrap()\n}\n\n\
         pub fn first(bytes: &[u8]) -> u8 {\n    unsafe { *bytes.as_ptr() }\n}\n",
    );
    write("app/src/odd.rs", "pub fn größe(v: Option<u32>) -> u32 {\n    /* é */ v.unwrap()\n}\n");
    write("app/src/broken.rs", "pub fn broken( {\n    let x = ;\n}\n");
    write("app/src/with space/x%y.rs", "pub fn f(v: Option<u8>) -> u8 { v.unwrap() }\n");
    write("tidy/Cargo.toml", "[package]\nname = \"tidy\"\nversion = \"0.1.0\"\nedition = \"2021\"\n");
    write("tidy/src/lib.rs", "pub fn add(a: u8, b: u8) -> u8 {\n    a.wrapping_add(b)\n}\n");
}

/// A finding on a manifest (these have no origin), as the package rules report them.
fn manifest_finding(path: &Path) -> Finding {
    let text = fs::read_to_string(path).expect("manifest text");
    Finding {
        rule: "unsafe_not_forbidden",
        severity: Severity::Warning,
        message: "the package has no `unsafe` code but does not forbid it".to_owned(),
        help: Some("add `unsafe_code = \"forbid\"` to `[lints.rust]`".to_owned()),
        path: path.to_path_buf(),
        range: 0.."[package]".len(),
        start: LineCol { line: 1, column: 1 },
        end: LineCol { line: 1, column: 10 },
        snippet: Snippet { first_line: 1, text: text.lines().next().unwrap_or("").into() },
        fix: Some(Fix {
            title: "forbid `unsafe_code` in the manifest's lints".to_owned(),
            applicability: Applicability::Safe,
            edits: vec![Edit {
                path: path.to_path_buf(),
                range: text.len()..text.len(),
                replacement: "\n[lints.rust]\nunsafe_code = \"forbid\"\n".to_owned(),
            }],
        }),
        origin: None,
    }
}

fn render_sarif(outcome: &Outcome, base: Option<PathBuf>) -> Vec<u8> {
    let options = RenderOptions { color: false, base, statistics: false };
    let mut out = Vec::new();
    report::render(Format::Sarif, outcome, &options, &mut out).expect("render");
    out
}

/// Runs the validator; returns its error-level results and notifications, rendered.
fn validate(validator: &Path, sarif: &Path, result: &Path) -> Vec<String> {
    let output = Command::new(validator)
        .arg("validate")
        .arg(sarif)
        .arg("--output")
        .arg(result)
        .args(["--log", "ForceOverwrite", "--rule-kind", RULE_KINDS])
        // The tool needs no culture data; without this it looks for ICU libraries.
        .env("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1")
        .env("DOTNET_CLI_TELEMETRY_OPTOUT", "1")
        .output()
        .expect("run Sarif.Multitool");
    let console =
        format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "Sarif.Multitool failed ({}):\n{console}", output.status);
    let text =
        fs::read_to_string(result).unwrap_or_else(|e| panic!("no validation result ({e}):\n{console}"));
    let log: Value = serde_json::from_str(&text).expect("the validation result is JSON");
    let mut errors = Vec::new();
    for run in log["runs"].as_array().into_iter().flatten() {
        let rules = run["tool"]["driver"]["rules"].as_array().cloned().unwrap_or_default();
        for found in run["results"].as_array().into_iter().flatten() {
            let rule = found["ruleIndex"].as_u64().and_then(|i| rules.get(usize::try_from(i).ok()?));
            let level = found["level"]
                .as_str()
                .or_else(|| rule.and_then(|r| r["defaultConfiguration"]["level"].as_str()))
                .unwrap_or("warning");
            let line =
                format!("{level} {}: {}", found["ruleId"].as_str().unwrap_or("?"), message(found, rule));
            if level == "error" {
                errors.push(line);
            } else {
                eprintln!("validator {line}");
            }
        }
        for invocation in run["invocations"].as_array().into_iter().flatten() {
            if invocation["executionSuccessful"] == false {
                errors.push(format!("the validator did not run successfully:\n{console}"));
            }
            for key in ["toolExecutionNotifications", "toolConfigurationNotifications"] {
                for note in invocation[key].as_array().into_iter().flatten() {
                    if note["level"] == "error" {
                        errors.push(format!("validator notification: {}", message(note, None)));
                    }
                }
            }
        }
    }
    errors
}

/// A result's message: its text, or the rule's message string with the arguments filled in.
fn message(found: &Value, rule: Option<&Value>) -> String {
    if let Some(text) = found["message"]["text"].as_str() {
        return text.to_owned();
    }
    let id = found["message"]["id"].as_str().unwrap_or("");
    let mut text = rule
        .and_then(|r| r["messageStrings"][id]["text"].as_str())
        .map_or_else(|| id.to_owned(), str::to_owned);
    for (i, argument) in found["message"]["arguments"].as_array().into_iter().flatten().enumerate() {
        text = text.replace(&format!("{{{i}}}"), argument.as_str().unwrap_or(""));
    }
    text
}

/// The validator's binary, installed on first use; `None` when the test has to be skipped.
fn validator() -> Option<PathBuf> {
    let tools = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/tools");
    let (platform, binary) = if cfg!(target_os = "linux") {
        ("linux", "Sarif.Multitool")
    } else if cfg!(target_os = "macos") {
        ("darwin", "Sarif.Multitool")
    } else if cfg!(windows) {
        ("win32", "Sarif.Multitool.exe")
    } else {
        let message = "the SARIF multitool ships no binary for this platform";
        assert!(std::env::var_os("CI").is_none(), "{message} (CI is set: run this test on Linux)");
        skip(message);
        return None;
    };
    let path = tools.join("node_modules/@microsoft").join(format!("sarif-multitool-{platform}")).join(binary);
    if !path.is_file() {
        let npm = if cfg!(windows) { "npm.cmd" } else { "npm" };
        if Command::new(npm).arg("--version").output().is_err() {
            let message = "npm is not installed, so the SARIF output cannot be validated";
            assert!(std::env::var_os("CI").is_none(), "{message} (CI is set: install Node.js and npm)");
            skip(message);
            return None;
        }
        fs::create_dir_all(&tools).expect("create target/tools");
        let lock = fs::File::create(tools.join("sarif-multitool.lock")).expect("lock file");
        lock.lock().expect("lock target/tools");
        // Another test run may have installed it while this one waited for the lock.
        if !path.is_file() {
            let output = Command::new(npm)
                .arg("install")
                .arg("--prefix")
                .arg(&tools)
                .args(["--no-audit", "--no-fund", MULTITOOL_PACKAGE])
                .output()
                .expect("run npm");
            assert!(
                output.status.success(),
                "`npm install {MULTITOOL_PACKAGE}` failed:\n{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        drop(lock);
        assert!(path.is_file(), "npm installed {MULTITOOL_PACKAGE} but {} is missing", path.display());
    }
    make_executable(&path);
    Some(path)
}

/// The package makes its binary executable in an install script, which npm may not run.
#[cfg(unix)]
fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mut permissions = fs::metadata(path).expect("validator metadata").permissions();
    if permissions.mode() & 0o100 == 0 {
        permissions.set_mode(permissions.mode() | 0o755);
        fs::set_permissions(path, permissions).expect("make the validator executable");
    }
}

#[cfg(not(unix))]
fn make_executable(_path: &Path) {}

/// Written straight to the process's stderr: the test harness captures `eprintln!`.
fn skip(reason: &str) {
    let banner = "!".repeat(78);
    let text =
        format!("\n{banner}\nSKIPPED sarif_output_passes_the_official_validator: {reason}\n{banner}\n");
    let _ = std::io::Write::write_all(&mut std::io::stderr(), text.as_bytes());
}
