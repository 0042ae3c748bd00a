//! Hostile input never stops a run: every file below gets at most one problem, no rule or
//! parser failure, and the findings that exist are still found at the right place.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::fs;
use std::path::{Path, PathBuf};

use rustpro_engine::config::CliSettings;
use rustpro_engine::diagnostic::ProblemKind;
use rustpro_engine::fix::sandbox::{Input, Sandbox, hostile_texts};
use rustpro_engine::project::Edition;
use rustpro_engine::{CheckRequest, Outcome, check};

#[test]
fn hostile_files_are_survived_and_reported_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let write = |path: &str, bytes: &[u8]| {
        let path = root.join(path);
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs::write(path, bytes).expect("write");
    };
    write("Cargo.toml", b"[package]\nname = \"hostile\"\nversion = \"0.1.0\"\nedition = \"2021\"\n");
    let modules =
        ["parens", "blocks", "macros", "huge", "long_line", "nul", "latin1", "truncated", "garbage", "crlf"];
    let lib: String = modules.iter().map(|m| format!("mod {m};\n")).collect();
    write("src/lib.rs", lib.as_bytes());
    write(
        "src/parens.rs",
        format!("pub fn f() -> u32 {{ {}1{} }}\n", "(".repeat(10_000), ")".repeat(10_000)).as_bytes(),
    );
    write(
        "src/blocks.rs",
        format!("pub fn f(x: Option<u8>) {{ {}x.unwrap();{} }}\n", "{ ".repeat(10_000), " }".repeat(10_000))
            .as_bytes(),
    );
    write(
        "src/macros.rs",
        format!("pub fn f() {{ {}1{}; }}\n", "vec![".repeat(3_000), "]".repeat(3_000)).as_bytes(),
    );
    write("src/huge.rs", "pub fn f() { let x = Some(1).unwrap(); }\n".repeat(300_000).as_bytes());
    write("src/long_line.rs", format!("pub fn f() {{ let v = [{}]; }}\n", "1, ".repeat(400_000)).as_bytes());
    write("src/nul.rs", b"pub fn f() {}\0\n");
    write("src/latin1.rs", b"// caf\xe9\npub fn f() {}\n");
    write("src/truncated.rs", b"pub fn f(x: Option<u8>) { x.unwrap(); \npub struct S { a: u8,");
    write("src/garbage.rs", "fn \u{1} ~~~ ]]] }}} unsafe { @#$%^&* \n".repeat(500).as_bytes());
    write(
        "src/crlf.rs",
        b"\xef\xbb\xbf// first\r\npub fn f(x: Option<u8>) -> u8 {\r\n    x.unwrap()\r\n}\r\n",
    );
    // Over the limit to keep the test quick; the limit is what a 50 MB file meets.
    write("rustpro.toml", b"max-file-size = 5_000_000\n");

    let request = CheckRequest {
        paths: vec![root.to_path_buf()],
        cli: CliSettings { select: Some(vec!["all".into()]), ..Default::default() },
        ..Default::default()
    };
    let outcome = check(&request).expect("check");
    let internal: Vec<_> = outcome.problems.iter().filter(|p| p.kind == ProblemKind::Internal).collect();
    assert!(internal.is_empty(), "{internal:?}");
    for module in modules {
        let file = format!("{module}.rs");
        let problems = outcome.problems.iter().filter(|p| p.path.ends_with(&file)).count();
        assert!(problems <= 1, "{file}: one message at most, got {problems}");
    }
    let problem_of = |file: &str| {
        outcome
            .problems
            .iter()
            .find(|p| p.path.ends_with(file))
            .map(|p| p.message.clone())
            .unwrap_or_default()
    };
    assert!(problem_of("huge.rs").contains("limit"), "{}", problem_of("huge.rs"));
    assert!(problem_of("nul.rs").contains("binary"), "{}", problem_of("nul.rs"));
    assert!(problem_of("latin1.rs").contains("UTF-8"), "{}", problem_of("latin1.rs"));
    assert!(problem_of("truncated.rs").contains("syntax error"), "{}", problem_of("truncated.rs"));
    let unwrap_in = |file: &str| {
        outcome.findings.iter().filter(|f| f.rule == "unwrap_in_production" && f.path.ends_with(file)).count()
    };
    // Deep inside 10,000 blocks, in a truncated file: still found.
    assert_eq!(unwrap_in("blocks.rs"), 1);
    assert_eq!(unwrap_in("truncated.rs"), 1);
    // A BOM and CRLF line ends: the position is that of the bytes on disk.
    let crlf = outcome
        .findings
        .iter()
        .find(|f| f.rule == "unwrap_in_production" && f.path.ends_with("crlf.rs"))
        .expect("finding in crlf.rs");
    assert_eq!((crlf.start.line, crlf.start.column), (3, 7));
    let text = fs::read(root.join("src/crlf.rs")).expect("read");
    assert_eq!(&text[crlf.range.clone()], b"unwrap()");
}

/// Suppressions are matched by the line of the text the rules read, and findings located in
/// the bytes on disk: the same text for most files, a different one after a BOM and CRLF line
/// ends are taken away.
#[test]
fn suppressions_and_locations_agree_with_and_without_a_bom_and_crlf() {
    let body = "pub fn f(x: Option<u8>) -> u8 {\n    // rustpro:allow(unwrap_in_production)\n    \
                let y = x.unwrap();\n    y + x.unwrap()\n}\n";
    let crlf = format!("\u{feff}{}", body.replace('\n', "\r\n"));
    let dir = package(&[
        ("Cargo.toml", MANIFEST),
        ("src/lib.rs", b"mod crlf;\nmod lf;\n"),
        ("src/lf.rs", body.as_bytes()),
        ("src/crlf.rs", crlf.as_bytes()),
    ]);
    let outcome = check_all(dir.path());
    for file in ["lf.rs", "crlf.rs"] {
        let text = fs::read(dir.path().join("src").join(file)).expect("read");
        let found: Vec<_> = outcome
            .findings
            .iter()
            .filter(|f| f.path.ends_with(file) && f.rule != "no_tests")
            .map(|f| (f.rule, f.start.line, f.start.column, text[f.range.clone()].to_vec()))
            .collect();
        // The first `unwrap` is suppressed, the second is not, and the suppression is used.
        assert_eq!(found, [("unwrap_in_production", 4, 11, b"unwrap()".to_vec())], "{file}");
    }
}

/// A package holding `files` (relative path, bytes) in a temporary folder.
fn package(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (path, bytes) in files {
        let path = dir.path().join(path);
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs::write(path, bytes).expect("write");
    }
    dir
}

const MANIFEST: &[u8] = b"[package]\nname = \"hostile\"\nversion = \"0.1.0\"\nedition = \"2021\"\n";

fn check_all(root: &Path) -> Outcome {
    let request = CheckRequest {
        paths: vec![root.to_path_buf()],
        cli: CliSettings { select: Some(vec!["all".into()]), ..Default::default() },
        ..Default::default()
    };
    check(&request).expect("check")
}

/// Nesting depth of the hostile texts.
const N: usize = 10_000;

/// Deeply nested and unterminated input ([`hostile_texts`]): no panic, no internal error, at
/// most one message per file.
#[test]
fn deep_and_unterminated_input_is_survived() {
    let files = hostile_texts(N);
    let lib: String = files.iter().map(|(m, _)| format!("mod {m};\n")).collect();
    let mut all: Vec<(String, Vec<u8>)> =
        vec![("Cargo.toml".to_owned(), MANIFEST.to_vec()), ("src/lib.rs".to_owned(), lib.into_bytes())];
    all.extend(files.iter().map(|(m, text)| (format!("src/{m}.rs"), text.clone().into_bytes())));
    let borrowed: Vec<(&str, &[u8])> = all.iter().map(|(p, b)| (p.as_str(), b.as_slice())).collect();
    let dir = package(&borrowed);
    let outcome = check_all(dir.path());
    let internal: Vec<_> = outcome.problems.iter().filter(|p| p.kind == ProblemKind::Internal).collect();
    assert!(internal.is_empty(), "{internal:?}");
    for (module, _) in &files {
        let file = format!("{module}.rs");
        let problems: Vec<_> = outcome.problems.iter().filter(|p| p.path.ends_with(&file)).collect();
        assert!(problems.len() <= 1, "{file}: one message at most, got {problems:?}");
    }
    assert_eq!(outcome.files_checked, files.len() + 1, "every file is read and checked");
    let unwrap_in = |file: &str| {
        outcome.findings.iter().filter(|f| f.rule == "unwrap_in_production" && f.path.ends_with(file)).count()
    };
    // Found 10,000 levels down.
    assert_eq!(unwrap_in("match_arms.rs"), 1);
    assert_eq!(unwrap_in("modules.rs"), 1);
}

/// 10,000 nested `unsafe` blocks, on one line and one per line, and an `anyhow::Result`
/// 10,000 generic arguments deep: every block is reported once, from its `unsafe` to the
/// end of its first line (or as far as a scan along a line reaches), and the error type is
/// found through the imports in scope. The lookups that go up the tree and along the line
/// for each of them share their work, else this takes minutes.
#[test]
fn deep_nesting_is_reported_in_full() {
    let one_line =
        format!("pub fn f(p: *const u8) -> u8 {{ {}*p{} }}\n", "unsafe { ".repeat(N), " }".repeat(N));
    let per_line =
        format!("pub fn g(p: *const u8) -> u8 {{\n{}*p\n{}}}\n", "unsafe {\n".repeat(N), "}\n".repeat(N + 1));
    let generics = format!(
        "use anyhow::Result;\npub fn h() -> {}Result<u8>{} {{ todo!() }}\n",
        "Vec<".repeat(N),
        ">".repeat(N)
    );
    let dir = package(&[
        ("Cargo.toml", MANIFEST),
        ("src/lib.rs", b"mod one_line;\nmod per_line;\npub mod generics;\n"),
        ("src/one_line.rs", one_line.as_bytes()),
        ("src/per_line.rs", per_line.as_bytes()),
        ("src/generics.rs", generics.as_bytes()),
    ]);
    let outcome = check_all(dir.path());
    assert!(outcome.problems.iter().all(|p| p.kind != ProblemKind::Internal), "{:?}", outcome.problems);
    let blocks_in = |file: &str| -> Vec<_> {
        outcome
            .findings
            .iter()
            .filter(|f| f.rule == "undocumented_unsafe_block" && f.path.ends_with(file))
            .collect()
    };
    let one = blocks_in("one_line.rs");
    assert_eq!(one.len(), N);
    for (finding, start) in one.iter().zip(one_line.match_indices("unsafe").map(|(at, _)| at)) {
        assert_eq!(finding.range.start, start);
        assert!(!one_line[finding.range.clone()].ends_with(' '), "{:?}", finding.range);
    }
    // The innermost blocks reach their last `}`; the outer ones as far as a scan goes.
    assert_eq!(&one_line[one[N - 1].range.clone()], "unsafe { *p }");
    assert!(one[0].range.len() < 10_000, "{:?}", one[0].range);
    // All on one line: they share one copy of it.
    assert!(one.windows(2).all(|w| std::sync::Arc::ptr_eq(&w[0].snippet.text, &w[1].snippet.text)));
    let per = blocks_in("per_line.rs");
    assert_eq!(per.len(), N);
    assert!(per.iter().all(|f| &per_line[f.range.clone()] == "unsafe {"));
    let anyhow: Vec<_> = outcome.findings.iter().filter(|f| f.rule == "anyhow_in_library_api").collect();
    assert_eq!(anyhow.len(), 1, "{anyhow:?}");
    assert!(anyhow[0].message.contains("anyhow::Result"), "{}", anyhow[0].message);
}

/// A 50 MB file is refused with one clear message and the other files are still checked;
/// a 10 MB single line, under the default limit, is checked.
#[test]
fn huge_files_are_refused_once_and_long_lines_are_checked() {
    let long_line =
        format!("pub fn f(x: Option<u8>) {{ x.unwrap(); let v = [{}]; }}\n", "1, ".repeat(3_333_300));
    assert!(long_line.len() > 9_999_000 && long_line.len() < 10_000_100, "{}", long_line.len());
    let dir = package(&[
        ("Cargo.toml", MANIFEST),
        ("src/lib.rs", b"mod huge;\nmod long_line;\npub fn g(x: Option<u8>) { x.unwrap(); }\n"),
        ("src/long_line.rs", long_line.as_bytes()),
    ]);
    // Sparse: 50 MB on disk without writing them (the size is what the check looks at first).
    let huge = fs::File::create(dir.path().join("src/huge.rs")).expect("create");
    huge.set_len(50_000_000).expect("set_len");
    let outcome = check_all(dir.path());
    let huge: Vec<_> = outcome.problems.iter().filter(|p| p.path.ends_with("huge.rs")).collect();
    assert_eq!(huge.len(), 1, "{huge:?}");
    assert!(huge[0].message.contains("50000000 bytes is over the"), "{}", huge[0].message);
    assert!(outcome.problems.iter().all(|p| p.kind != ProblemKind::Internal), "{:?}", outcome.problems);
    let unwraps: Vec<_> = outcome
        .findings
        .iter()
        .filter(|f| f.rule == "unwrap_in_production")
        .map(|f| f.path.file_name().expect("name").to_string_lossy().into_owned())
        .collect();
    assert_eq!(unwraps, ["lib.rs", "long_line.rs"]);
}

/// The fix loop re-parses fixed files on the caller's thread (here a test thread with its
/// small default stack): deeply nested input must not overflow it.
#[test]
fn fixes_in_deeply_nested_input_do_not_overflow_the_callers_stack() {
    let text = format!(
        "pub fn f(x: &String) -> usize {{ g(&x.clone()) + {}1{} }}\nfn g(s: &str) -> usize {{ s.len() }}\n",
        "(".repeat(N),
        ")".repeat(N)
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let sandbox = Sandbox::create(dir.path()).expect("sandbox");
    let input = Input { unsafe_fixes: true, ..Input::library(&text, Edition::E2021) };
    let summary = sandbox.run(&input).unwrap_or_else(|failure| panic!("{failure}"));
    assert!(summary.fixes_applied >= 1, "{summary:?}");
}

fn robustness_inputs() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/robustness");
    let mut inputs: Vec<PathBuf> = fs::read_dir(&dir)
        .map(|entries| entries.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    inputs.sort();
    inputs
}

/// The inputs the fuzz target found problems with (`tests/robustness/`, raw fuzz inputs: the
/// first byte chooses the package, see `Input::from_bytes`) keep every invariant now.
#[test]
fn fuzz_regressions_keep_every_invariant() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sandbox = Sandbox::create(dir.path()).expect("sandbox");
    let mut failures = Vec::new();
    for path in robustness_inputs() {
        let bytes = fs::read(&path).expect("read");
        if let Err(failure) = sandbox.run(&Input::from_bytes(&bytes)) {
            failures.push(format!("{}: {failure}", path.display()));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

fn fixture_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for path in entries.filter_map(Result::ok).map(|e| e.path()) {
        if path.is_dir() {
            fixture_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

/// Every single-file rule fixture keeps every invariant of the pipeline in two package
/// shapes: a 2021 library with safe fixes, and a 2024 binary with unsafe fixes too.
#[test]
fn fixtures_keep_every_invariant() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sandbox = Sandbox::create(dir.path()).expect("sandbox");
    let mut fixtures = Vec::new();
    fixture_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures"), &mut fixtures);
    fixtures.sort();
    assert!(fixtures.len() > 100, "{}", fixtures.len());
    let mut failures = Vec::new();
    for path in fixtures {
        let text = fs::read_to_string(&path).expect("read");
        let shapes = [
            Input::library(&text, Edition::E2021),
            Input { bin: true, unsafe_fixes: true, ..Input::library(&text, Edition::E2024) },
        ];
        for input in shapes {
            if let Err(failure) = sandbox.run(&input) {
                failures.push(format!("{} ({}): {failure}", path.display(), input.edition.as_str()));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
