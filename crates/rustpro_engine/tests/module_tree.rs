//! A file that several `mod` items reach is checked once per package, as the first of them
//! in a fixed order declares it (the shallowest, then its parent's place, then declaration
//! order), never as whichever worker got there first: every run reports the same.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::fs;
use std::path::Path;

use rustpro_engine::config::CliSettings;
use rustpro_engine::{CheckRequest, Outcome, check};

fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    fs::write(path, text).expect("write");
}

fn package(root: &Path, dir: &str, name: &str) {
    write(
        root,
        &format!("{dir}/Cargo.toml"),
        &format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"),
    );
}

fn run(root: &Path) -> Outcome {
    let request = CheckRequest {
        paths: vec![root.to_path_buf()],
        cli: CliSettings { select: Some(vec!["all".into()]), ..Default::default() },
        threads: 4,
        ..Default::default()
    };
    check(&request).expect("check")
}

/// What a run reports, as far as the module tree decides it.
fn summary(outcome: &Outcome) -> String {
    let mut out = String::new();
    for coverage in &outcome.test_coverage {
        out.push_str(&format!("{}: {} public fns\n", coverage.package, coverage.public_fns));
    }
    for finding in &outcome.findings {
        let origin = finding.origin.as_deref().map(|o| o.package.as_str()).unwrap_or_default();
        let file = finding.path.file_name().unwrap_or_default().to_string_lossy();
        out.push_str(&format!("{file}:{} {} ({origin})\n", finding.start.line, finding.rule));
    }
    out
}

/// Twenty runs report the same; returns that.
fn stable(root: &Path) -> String {
    let first = summary(&run(root));
    for round in 1..20 {
        assert_eq!(summary(&run(root)), first, "run {round} differs");
    }
    first
}

/// The coverage line of `package`.
fn public_fns(report: &str, package: &str) -> String {
    report.lines().find(|l| l.starts_with(&format!("{package}:"))).unwrap_or_default().to_owned()
}

#[test]
fn the_first_of_two_declarations_of_one_file_decides() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    package(root, "public_first", "public_first");
    package(root, "private_first", "private_first");
    let ser = "pub fn to_string() -> String {\n    String::new()\n}\n\npub fn to_vec() -> Vec<u8> {\n    Vec::new()\n}\n";
    write(
        root,
        "public_first/src/lib.rs",
        "#[cfg(feature = \"std\")]\npub mod ser;\n#[cfg(not(feature = \"std\"))]\nmod ser;\n",
    );
    write(root, "public_first/src/ser.rs", ser);
    write(
        root,
        "private_first/src/lib.rs",
        "#[cfg(not(feature = \"std\"))]\nmod ser;\n#[cfg(feature = \"std\")]\npub mod ser;\n",
    );
    write(root, "private_first/src/ser.rs", ser);
    let report = stable(root);
    assert_eq!(public_fns(&report, "public_first"), "public_first: 2 public fns", "{report}");
    assert_eq!(public_fns(&report, "private_first"), "private_first: 0 public fns", "{report}");
}

#[test]
fn a_path_module_reached_from_two_files_belongs_to_the_first_parent() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    package(root, "app", "app");
    write(root, "app/src/lib.rs", "pub mod a;\nmod b;\n");
    write(root, "app/src/a.rs", "#[path = \"shared.rs\"]\npub mod shared;\n");
    write(root, "app/src/b.rs", "#[cfg(test)]\n#[path = \"shared.rs\"]\nmod shared;\n");
    write(root, "app/src/shared.rs", "pub fn parse(s: &str) -> u8 {\n    s.parse().unwrap()\n}\n");
    let report = stable(root);
    // Production code of a public module: a public function, and the unwrap is reported.
    assert_eq!(public_fns(&report, "app"), "app: 1 public fns", "{report}");
    assert!(report.contains("shared.rs:2 unwrap_in_production (app)"), "{report}");
}

#[test]
fn a_file_that_two_packages_reach_is_checked_in_each() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    package(root, "one", "one");
    package(root, "two", "two");
    write(root, "one/src/lib.rs", "#[path = \"../../common/util.rs\"]\npub mod util;\n");
    write(root, "two/src/lib.rs", "#[path = \"../../common/util.rs\"]\nmod util;\n");
    write(root, "common/util.rs", "pub fn first(v: &[u8]) -> u8 {\n    *v.first().unwrap()\n}\n");
    let report = stable(root);
    assert_eq!(public_fns(&report, "one"), "one: 1 public fns", "{report}");
    assert_eq!(public_fns(&report, "two"), "two: 0 public fns", "{report}");
    // One finding, whichever package's walk reports it first.
    assert_eq!(report.matches("util.rs:2 unwrap_in_production").count(), 1, "{report}");
    assert!(report.contains("util.rs:2 unwrap_in_production (one)"), "{report}");
}

#[test]
fn files_no_module_declares_belong_to_the_nearest_package_and_ignored_ones_to_none() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let unwraps = "pub fn first(v: &[u8]) -> u8 {\n    *v.first().unwrap()\n}\n";
    package(root, "outer", "outer");
    write(root, "outer/src/lib.rs", "");
    write(root, "outer/src/stray.rs", unwraps);
    write(root, "outer/src/deep/er/stray_too.rs", unwraps);
    // A package inside another's `src/`: its files are its own, not the outer package's.
    package(root, "outer/src/inner", "inner");
    write(root, "outer/src/inner/src/lib.rs", "");
    write(root, "outer/src/inner/src/loose.rs", unwraps);
    write(root, "outer/src/inner/build_helper.rs", unwraps);
    // Ignored by git, hidden, or not Rust: not checked.
    fs::create_dir_all(root.join("outer/.git")).expect("mkdir");
    write(root, "outer/.gitignore", "src/generated.rs\n");
    write(root, "outer/src/generated.rs", unwraps);
    write(root, "outer/src/.hidden/secret.rs", unwraps);
    write(root, "outer/src/notes.txt", unwraps);
    let orphans = |path: &Path| -> Vec<String> {
        let request = CheckRequest {
            paths: vec![path.to_path_buf()],
            cli: CliSettings { select: Some(vec!["unwrap_in_production".into()]), ..Default::default() },
            threads: 4,
            ..Default::default()
        };
        summary(&check(&request).expect("check"))
            .lines()
            .filter(|l| l.contains(".rs:"))
            .map(str::to_owned)
            .collect()
    };
    // Found by the walk of a folder of packages, and by a walk of one package's `src/`.
    assert_eq!(
        orphans(root),
        [
            "stray_too.rs:2 unwrap_in_production (outer)",
            "loose.rs:2 unwrap_in_production (inner)",
            "stray.rs:2 unwrap_in_production (outer)",
        ]
    );
    assert_eq!(
        orphans(&root.join("outer")),
        ["stray_too.rs:2 unwrap_in_production (outer)", "stray.rs:2 unwrap_in_production (outer)"]
    );
    // A folder walk skips folders named `target`; a module folder of that name is still read.
    write(root, "outer/src/target/odd.rs", unwraps);
    assert_eq!(
        orphans(root),
        [
            "stray_too.rs:2 unwrap_in_production (outer)",
            "loose.rs:2 unwrap_in_production (inner)",
            "stray.rs:2 unwrap_in_production (outer)",
            "odd.rs:2 unwrap_in_production (outer)",
        ]
    );
}
