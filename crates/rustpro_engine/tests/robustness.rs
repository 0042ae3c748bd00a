//! Hostile input never stops a run: every file below gets at most one problem, no rule or
//! parser failure, and the findings that exist are still found at the right place.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::fs;

use rustpro_engine::config::CliSettings;
use rustpro_engine::diagnostic::ProblemKind;
use rustpro_engine::{CheckRequest, check};

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
