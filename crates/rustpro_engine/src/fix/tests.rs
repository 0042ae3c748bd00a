#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::{Path, PathBuf};

use super::manifest::{edit_manifest, set_string, text_edit};
use super::*;
use crate::config::CliSettings;

fn edit(range: std::ops::Range<usize>, text: &str) -> Edit {
    Edit { path: PathBuf::from("f.rs"), range, replacement: text.to_owned() }
}

#[test]
fn edits_apply_back_to_front_and_keep_everything_else() {
    let text = "fn a() {}\nfn b() {}\n";
    let fixed =
        apply_edits(text, &[edit(0..2, "async fn"), edit(10..12, "pub fn"), edit(20..20, "// end\n")]);
    assert_eq!(fixed, "async fn a() {}\npub fn b() {}\n// end\n");
}

#[test]
fn edits_off_the_text_or_off_char_boundaries_are_skipped() {
    let text = "é = 1;";
    assert_eq!(apply_edits(text, &[edit(1..2, "x"), edit(3..99, "y")]), text);
}

#[test]
fn overlapping_edits_wait_for_the_next_pass() {
    assert!(overlaps(&edit(0..5, ""), &edit(4..8, "")));
    assert!(overlaps(&edit(3..3, "a"), &edit(3..3, "b")));
    assert!(overlaps(&edit(4..4, "a"), &edit(3..6, "b")));
    assert!(!overlaps(&edit(0..4, ""), &edit(4..8, "")));
    assert!(!overlaps(&edit(4..4, "a"), &edit(4..8, "")));
    let other_file = Edit { path: PathBuf::from("g.rs"), ..edit(0..5, "") };
    assert!(!overlaps(&edit(0..5, ""), &other_file));
}

#[test]
fn fixes_that_make_the_same_edit_go_together() {
    let text = "[package]\n";
    let lines = crate::source::LineIndex::new(text);
    let finding = |edits: Vec<Edit>| {
        let mut finding = Finding::locate(
            "r",
            crate::diagnostic::Severity::Warning,
            "m".to_owned(),
            None,
            Path::new("f.rs"),
            text,
            &lines,
            0..1,
            None,
        );
        finding.fix = Some(crate::diagnostic::Fix {
            title: "t".to_owned(),
            applicability: Applicability::Unsafe,
            edits,
        });
        finding
    };
    let dependency = edit(10..10, "[dependencies]\n");
    let a = finding(vec![edit(0..1, "a"), dependency.clone()]);
    let b = finding(vec![edit(2..3, "b"), dependency.clone()]);
    let c = finding(vec![edit(10..10, "other\n")]);
    let chosen = non_overlapping(&[&a, &b, &c]);
    assert_eq!(chosen.len(), 2, "the equal edit is no clash; a different one at the same point is");
}

#[test]
fn a_text_edit_is_the_smallest_changed_range() {
    let e = text_edit(Path::new("Cargo.toml"), "a = 1\nb = 2\n", "a = 1\nc = 3\nb = 2\n").unwrap();
    assert_eq!((e.range, e.replacement.as_str()), (6..6, "c = 3\n"));
    assert!(text_edit(Path::new("x"), "same", "same").is_none());
    // Multi-byte characters are never split.
    let e = text_edit(Path::new("x"), "é", "è").unwrap();
    assert_eq!((e.range, e.replacement.as_str()), (0..2, "è"));
}

#[test]
fn manifest_edits_keep_comments_and_crlf() {
    let text =
        "[package] # the package\r\nname = \"p\"\r\n\r\n[lints.rust]\r\nmissing_docs = \"warn\" # keep\r\n";
    let e = edit_manifest(Path::new("Cargo.toml"), text, |doc| {
        set_string(doc, &["lints", "rust"], "unsafe_code", "forbid")
    })
    .unwrap();
    let fixed = apply_edits(text, &[e]);
    assert_eq!(
        fixed,
        "[package] # the package\r\nname = \"p\"\r\n\r\n[lints.rust]\r\nmissing_docs = \"warn\" # keep\r\nunsafe_code = \"forbid\"\r\n"
    );
    let none = "[package]\nname = \"p\"\n";
    let e = edit_manifest(Path::new("Cargo.toml"), none, |doc| {
        set_string(doc, &["lints", "rust"], "unsafe_code", "forbid")
    })
    .unwrap();
    assert_eq!(
        apply_edits(none, &[e]),
        "[package]\nname = \"p\"\n\n[lints.rust]\nunsafe_code = \"forbid\"\n"
    );
    // A comment that ends the file stays after what it followed, before a new table.
    let trailing = "[package]\nname = \"p\"\n\n[dependencies]\n# none yet\n";
    let e = edit_manifest(Path::new("Cargo.toml"), trailing, |doc| {
        set_string(doc, &["lints", "rust"], "unsafe_code", "forbid")
    })
    .unwrap();
    assert_eq!(
        apply_edits(trailing, &[e]),
        "[package]\nname = \"p\"\n\n[dependencies]\n# none yet\n\n[lints.rust]\nunsafe_code = \"forbid\"\n"
    );
}

#[test]
fn a_syntax_error_introduced_by_an_edit_is_found() {
    let path = Path::new("src/lib.rs");
    assert!(apply::new_syntax_error(path, "fn a() {}", "fn a() {", Edition::E2021).is_some());
    assert!(apply::new_syntax_error(path, "fn a() {}", "fn b() {}", Edition::E2021).is_none());
    // A file that was broken may stay as broken.
    assert!(apply::new_syntax_error(path, "fn a( {}", "fn b( {}", Edition::E2021).is_none());
    let manifest = Path::new("Cargo.toml");
    assert!(apply::new_syntax_error(manifest, "a = 1", "a = ", Edition::E2021).is_some());
}

#[cfg(unix)]
#[test]
fn atomic_writes_keep_permissions_and_leave_no_temporary_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.sh");
    fs::write(&path, "old").unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o751)).unwrap();
    write_atomic(&path, "new").unwrap();
    assert_eq!(fs::read_to_string(&path).unwrap(), "new");
    assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o751);
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
}

fn package(dir: &Path, manifest: &str, lib: &str) -> PathBuf {
    fs::create_dir_all(dir.join("src")).unwrap();
    fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    fs::write(dir.join("src/lib.rs"), lib).unwrap();
    fs::canonicalize(dir).unwrap()
}

fn request(dir: &Path) -> FixRequest {
    FixRequest {
        check: CheckRequest {
            paths: vec![dir.to_path_buf()],
            cli: CliSettings { select: Some(vec!["unsafe_not_forbidden".into()]), ..Default::default() },
            ..Default::default()
        },
        unsafe_fixes: false,
    }
}

#[test]
fn the_loop_fixes_in_memory_and_a_second_run_finds_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let manifest = "[package]\r\nname = \"p\"\r\nversion = \"0.1.0\"\r\nedition = \"2021\"\r\n";
    let dir = package(tmp.path(), manifest, "pub fn f() {}\n");
    let outcome = fix(&request(&dir)).unwrap();
    assert!(outcome.converged);
    assert_eq!(outcome.applied.len(), 1);
    assert!(outcome.remaining.findings.is_empty());
    assert_eq!(outcome.files.len(), 1);
    // Nothing was written yet.
    assert_eq!(fs::read_to_string(dir.join("Cargo.toml")).unwrap(), manifest);
    assert!(write(&outcome.files).is_empty());
    let written = fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    assert!(
        written.starts_with(manifest) && written.ends_with("[lints.rust]\r\nunsafe_code = \"forbid\"\r\n")
    );
    let again = fix(&request(&dir)).unwrap();
    assert!(again.files.is_empty() && again.applied.is_empty());
}

#[test]
fn inherited_lints_are_forbidden_in_the_workspace_only_when_no_heir_uses_unsafe() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    fs::write(root.join("Cargo.toml"), "[workspace]\nmembers = [\"a\", \"b\"]\n\n[workspace.lints.rust]\n")
        .unwrap();
    let member = |name: &str, lib: &str| {
        let manifest = format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[lints]\nworkspace = true\n"
        );
        package(&root.join(name), &manifest, lib);
    };
    member("a", "pub fn f() {}\n");
    member("b", "pub fn g() {}\n");
    let root = fs::canonicalize(root).unwrap();
    let outcome = fix(&request(&root)).unwrap();
    // Both members ask for the same edit: both fixes go in one pass, the edit is made once.
    assert_eq!(outcome.applied.len(), 2);
    assert!(outcome.remaining.findings.is_empty());
    assert_eq!(
        outcome.files[0].fixed,
        "[workspace]\nmembers = [\"a\", \"b\"]\n\n[workspace.lints.rust]\nunsafe_code = \"forbid\"\n"
    );
    // With `unsafe` in `b`, forbidding it for the workspace would break `b`.
    fs::write(root.join("b/src/lib.rs"), "// SAFETY: none needed\npub fn g() { unsafe {} }\n").unwrap();
    let outcome = fix(&request(&root)).unwrap();
    assert!(outcome.files.is_empty());
    assert_eq!(outcome.remaining.findings.len(), 1);
}

/// Random non-overlapping edits on random text: the result is the original's bytes between
/// the edits, in order, with each replacement in its place: nothing else moves or goes.
#[test]
fn edits_keep_every_byte_outside_their_ranges() {
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move |bound: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        usize::try_from(seed % bound.max(1) as u64).unwrap_or(0)
    };
    let alphabet: Vec<char> = "ab \n{}é\r".chars().collect();
    for _ in 0..500 {
        let text: String = (0..next(80)).map(|_| alphabet[next(alphabet.len())]).collect();
        let boundaries: Vec<usize> = (0..=text.len()).filter(|&i| text.is_char_boundary(i)).collect();
        let mut cuts: Vec<usize> = (0..next(8) * 2).map(|_| boundaries[next(boundaries.len())]).collect();
        cuts.sort_unstable();
        let mut edits = Vec::new();
        let mut expected = String::new();
        let mut at = 0;
        for pair in cuts.chunks(2) {
            let (start, end) = (pair[0], pair[1]);
            // Two insertions at one point would overlap: the fix loop never applies both.
            if start < at || (start == end && edits.iter().any(|e: &Edit| e.range.start == start)) {
                continue;
            }
            let replacement = "X".repeat(next(3));
            expected.push_str(&text[at..start]);
            expected.push_str(&replacement);
            at = end;
            edits.push(edit(start..end, &replacement));
        }
        expected.push_str(&text[at..]);
        assert_eq!(apply_edits(&text, &edits), expected, "text {text:?}, edits {edits:?}");
    }
}
