//! The command line as a user meets it: exit codes, formats, configuration errors, bad
//! input, the cargo subcommand form, and the README's rule table.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A temporary project folder.
struct Dir {
    tmp: tempfile::TempDir,
}

impl Dir {
    fn new() -> Dir {
        Dir { tmp: tempfile::tempdir().expect("tempdir") }
    }

    fn path(&self) -> PathBuf {
        fs::canonicalize(self.tmp.path()).expect("canonical")
    }

    fn write(&self, path: &str, text: impl AsRef<[u8]>) -> &Dir {
        let path = self.tmp.path().join(path);
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs::write(path, text).expect("write");
        self
    }

    fn package(&self, lib: &str) -> &Dir {
        self.write("Cargo.toml", "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n")
            .write("src/lib.rs", lib)
    }

    fn run(&self, args: &[&str]) -> Output {
        rustpro(&self.path(), args)
    }
}

/// The result cache of test projects (which have no `target/`), kept out of the user's.
fn cache_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("rustpro-cache")
}

fn rustpro(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rustpro"))
        .args(args)
        .current_dir(cwd)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env("RUSTPRO_CACHE_DIR", cache_dir())
        .output()
        .expect("run rustpro")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

const UNWRAP_LIB: &str = "pub fn f(x: Option<u8>) -> u8 {\n    x.unwrap()\n}\n";

#[test]
fn exit_codes_follow_findings_and_errors() {
    let dir = Dir::new();
    dir.package("pub fn f() {}\n");
    let clean = dir.run(&["check", "--select", "errors"]);
    assert_eq!(clean.status.code(), Some(0), "{}{}", stdout(&clean), stderr(&clean));
    dir.package(UNWRAP_LIB);
    let found = dir.run(&["check", "--format", "concise"]);
    assert_eq!(found.status.code(), Some(1));
    assert!(stdout(&found).contains("src/lib.rs:2:7: warning[unwrap_in_production]"), "{}", stdout(&found));
    assert_eq!(dir.run(&["check", "--exit-zero"]).status.code(), Some(0));
    let usage = dir.run(&["check", "--format", "fancy"]);
    assert_eq!(usage.status.code(), Some(2));
}

#[test]
fn human_output_shows_the_snippet_and_the_help() {
    let dir = Dir::new();
    dir.package(UNWRAP_LIB);
    let out = stdout(&dir.run(&["check", "--color", "never"]));
    assert!(out.contains("warning[unwrap_in_production]: `.unwrap()` panics"), "{out}");
    assert!(out.contains("src/lib.rs:2:7"), "{out}");
    assert!(out.contains("x.unwrap()"), "{out}");
    assert!(out.contains("help:"), "{out}");
    assert!(!out.contains('\u{1b}'), "no colour codes with --color never: {out}");
    let colored = stdout(&dir.run(&["check", "--color", "always"]));
    assert!(colored.contains('\u{1b}'), "colour codes with --color always");
}

#[test]
fn paths_may_be_a_file_or_a_folder_of_packages() {
    let dir = Dir::new();
    dir.write("one/Cargo.toml", "[package]\nname = \"one\"\nversion = \"0.1.0\"\nedition = \"2021\"\n")
        .write("one/src/lib.rs", UNWRAP_LIB)
        .write("one/src/other.rs", UNWRAP_LIB)
        .write("two/Cargo.toml", "[package]\nname = \"two\"\nversion = \"0.1.0\"\nedition = \"2015\"\n")
        .write("two/src/lib.rs", "pub fn async() -> Option<u8> { None }\npub fn g() { async().unwrap(); }\n");
    let all = stdout(&dir.run(&["check", "--format", "concise", "--select", "unwrap_in_production"]));
    assert_eq!(all.lines().filter(|l| l.contains("warning[")).count(), 3, "{all}");
    let one_file = stdout(&dir.run(&[
        "check",
        "--format",
        "concise",
        "--select",
        "unwrap_in_production",
        "one/src/lib.rs",
    ]));
    assert_eq!(one_file.lines().filter(|l| l.contains("warning[")).count(), 1, "{one_file}");
}

#[test]
fn paths_without_a_package_or_that_do_not_exist_say_so() {
    let dir = Dir::new();
    dir.write("notes/readme.txt", "no package here");
    let empty = dir.run(&["check", "notes", "--format", "concise"]);
    assert_eq!(empty.status.code(), Some(0));
    assert!(stdout(&empty).contains("no Cargo package"), "{}", stdout(&empty));
    let missing = dir.run(&["check", "missing", "--format", "concise"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stdout(&missing).contains("missing: error: cannot read this path"), "{}", stdout(&missing));
}

#[test]
fn configuration_errors_name_the_file_line_and_a_suggestion() {
    let dir = Dir::new();
    dir.package(UNWRAP_LIB).write("rustpro.toml", "[rules]\nunwrap_in_prod = \"deny\"\n");
    let out = dir.run(&["check"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("rustpro.toml:2:1"), "{err}");
    assert!(err.contains("did you mean `unwrap_in_production`?"), "{err}");
    let bad_select = dir.run(&["check", "--select", "unwrap_in_prodution", "--config", "/dev/null"]);
    assert_eq!(bad_select.status.code(), Some(2));
    assert!(stderr(&bad_select).contains("did you mean `unwrap_in_production`?"));
}

#[test]
fn deny_level_and_statistics() {
    let dir = Dir::new();
    dir.package(UNWRAP_LIB).write("rustpro.toml", "[rules]\nunwrap_in_production = \"deny\"\n");
    let out = stdout(&dir.run(&["check", "--format", "concise"]));
    assert!(out.contains("error[unwrap_in_production]"), "{out}");
    let stats = stdout(&dir.run(&["check", "--statistics", "--color", "never"]));
    assert!(stats.contains("unwrap_in_production"), "{stats}");
    assert!(!stats.contains("x.unwrap()"), "statistics print counts, not findings: {stats}");
    // Public functions named by tests are counted whatever rules are selected.
    assert!(stats.contains("demo: 0 of 1 public function named by tests (0%)"), "{stats}");
    dir.write("tests/f.rs", "#[test]\nfn f() {\n    demo::f(Some(1));\n}\n");
    let stats = stdout(&dir.run(&["check", "--statistics", "--select", "errors", "--format", "concise"]));
    assert!(stats.contains("demo: 1 of 1 public function named by tests (100%)"), "{stats}");
}

#[test]
fn bad_input_is_reported_and_the_run_goes_on() {
    let dir = Dir::new();
    dir.write("good/Cargo.toml", "[package]\nname = \"good\"\nversion = \"0.1.0\"\nedition = \"2021\"\n")
        .write(
            "good/src/lib.rs",
            "mod broken;\nmod latin1;\nmod binary;\npub fn f(x: Option<u8>) -> u8 { x.unwrap() }\n",
        )
        .write("good/src/broken.rs", "fn a( { let x = ; }\npub fn b(x: Option<u8>) -> u8 { x.unwrap() }\n")
        .write("good/src/latin1.rs", b"// caf\xe9\nfn f() {}\n")
        .write("good/src/binary.rs", b"\x00\x01\x02")
        .write("bad/Cargo.toml", "[package]\nname = \"bad\"\nedition = 2021\"\n");
    #[cfg(unix)]
    std::os::unix::fs::symlink(dir.path().join("good"), dir.path().join("good/src/loop")).expect("symlink");
    let out = dir.run(&["check", "--format", "concise", "--select", "unwrap_in_production"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(2), "a broken manifest is an error: {text}");
    assert!(text.contains("good/src/lib.rs:4:"), "{text}");
    assert!(text.contains("good/src/broken.rs:2:"), "what parses is still checked: {text}");
    assert!(text.contains("bad/Cargo.toml:3:"), "the manifest error has line and column: {text}");
    assert!(text.contains("syntax error"), "{text}");
    assert!(text.contains("UTF-8"), "{text}");
    assert!(text.contains("binary"), "{text}");
}

#[test]
fn machine_formats_parse() {
    let dir = Dir::new();
    dir.package(UNWRAP_LIB);
    let json: serde_json::Value =
        serde_json::from_slice(&dir.run(&["check", "--format", "json"]).stdout).expect("json");
    assert_eq!(json["version"], 1);
    let rules: Vec<&str> =
        json["findings"].as_array().expect("findings").iter().filter_map(|f| f["rule"].as_str()).collect();
    assert!(rules.contains(&"unwrap_in_production"), "{rules:?}");
    assert_eq!(
        json["summary"]["public_fns"],
        serde_json::json!([{"package": "demo", "manifest_path": "Cargo.toml", "total": 1, "named_by_tests": 0}])
    );
    let sarif: serde_json::Value =
        serde_json::from_slice(&dir.run(&["check", "--format", "sarif"]).stdout).expect("sarif");
    assert_eq!(sarif["version"], "2.1.0");
    let cargo = stdout(&dir.run(&["check", "--message-format", "json", "--select", "unwrap_in_production"]));
    let messages: Vec<serde_json::Value> =
        cargo.lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect();
    assert_eq!(messages[0]["reason"], "compiler-message");
    assert_eq!(messages[0]["message"]["spans"][0]["line_start"], 2);
    assert_eq!(messages.last().expect("last")["reason"], "build-finished");
    let github = stdout(&dir.run(&["check", "--format", "github", "--select", "unwrap_in_production"]));
    assert!(github.starts_with("::warning file="), "{github}");
}

#[test]
fn cargo_subcommand_form() {
    let dir = Dir::new();
    dir.package(UNWRAP_LIB);
    let out = Command::new(env!("CARGO_BIN_EXE_cargo-rustpro"))
        .args(["rustpro", "check", "--format", "concise"])
        .current_dir(dir.path())
        .env("RUSTPRO_CACHE_DIR", cache_dir())
        .output()
        .expect("run cargo-rustpro");
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("warning[unwrap_in_production]"));
}

#[test]
fn rules_and_explain() {
    let dir = Dir::new();
    let rules = stdout(&dir.run(&["rules"]));
    assert!(rules.contains("unwrap_in_production") && rules.contains("clippy::unwrap_used"), "{rules}");
    let explain = dir.run(&["explain", "unwrap_in_production"]);
    assert_eq!(explain.status.code(), Some(0));
    assert!(stdout(&explain).contains("## Why is this bad?"));
    let unknown = dir.run(&["explain", "unwrap_in_prod"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).contains("did you mean `unwrap_in_production`?"));
}

/// The README's rule table, as generated from the registry.
fn rule_table() -> String {
    let mut out =
        String::from("| rule | category | level | fix | clippy twin | finds |\n|---|---|---|---|---|---|\n");
    for rule in rustpro_engine::registry::all() {
        let meta = rule.meta();
        let twin = if meta.clippy.is_empty() {
            "—".to_owned()
        } else {
            meta.clippy.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", ")
        };
        let level = match meta.default_level {
            rustpro_engine::rule::DefaultLevel::Warn => "warn",
            rustpro_engine::rule::DefaultLevel::Pedantic => "pedantic",
        };
        let fix = match meta.fix {
            rustpro_engine::rule::FixAvailability::None => "—",
            rustpro_engine::rule::FixAvailability::Safe => "safe",
            rustpro_engine::rule::FixAvailability::Unsafe => "unsafe",
            rustpro_engine::rule::FixAvailability::DisplayOnly => "display",
        };
        out.push_str(&format!(
            "| `{}` | {} | {level} | {fix} | {twin} | {} |\n",
            meta.name,
            meta.category.as_str(),
            meta.summary.replace('|', "\\|")
        ));
    }
    out
}

/// Set `RUSTPRO_UPDATE_README=1` to rewrite the table after adding or changing a rule.
#[test]
fn readme_rule_table_matches_the_registry() {
    let readme_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
    let readme = fs::read_to_string(&readme_path).expect("README.md");
    let start_marker = "<!-- rules:start";
    let end_marker = "<!-- rules:end -->";
    let start = readme.find(start_marker).expect("rules:start marker");
    let start = start + readme[start..].find('\n').expect("line end") + 1;
    let end = readme.find(end_marker).expect("rules:end marker");
    let table = rule_table();
    if readme[start..end] != table {
        if std::env::var_os("RUSTPRO_UPDATE_README").is_some() {
            fs::write(&readme_path, format!("{}{table}{}", &readme[..start], &readme[end..]))
                .expect("write README");
        } else {
            panic!("the README rule table is out of date; run the tests with RUSTPRO_UPDATE_README=1");
        }
    }
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args(["-c", "user.email=ci@example.invalid", "-c", "user.name=ci", "-c", "commit.gpgsign=false"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run git");
    assert!(status.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&status.stderr));
}

const CRLF_MANIFEST: &str = "[package]\r\nname = \"demo\" # the name\r\nversion = \"0.1.0\"\r\nedition = \"2024\"\r\nrust-version = \"1.85\"\r\n";

#[test]
fn diff_prints_the_fixes_and_writes_nothing() {
    let dir = Dir::new();
    dir.write("Cargo.toml", CRLF_MANIFEST).write("src/lib.rs", "pub fn f() {}\n");
    let out = dir.run(&["check", "--diff", "--select", "unsafe_not_forbidden"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stdout(&out).contains("+++ Cargo.toml\n"), "{}", stdout(&out));
    assert!(stdout(&out).contains("+unsafe_code = \"forbid\"\r\n"), "{}", stdout(&out));
    assert!(stderr(&out).contains("nothing was written"));
    assert_eq!(fs::read_to_string(dir.path().join("Cargo.toml")).unwrap(), CRLF_MANIFEST);
}

#[test]
fn fix_refuses_a_folder_outside_version_control_and_a_dirty_work_tree() {
    let dir = Dir::new();
    // A doc test, so that nothing but the manifest's lints is left to report.
    dir.write("Cargo.toml", CRLF_MANIFEST)
        .write("src/lib.rs", "/// ```\n/// demo::f();\n/// ```\npub fn f() {}\n");
    let out = dir.run(&["fix"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--allow-no-vcs"), "{}", stderr(&out));
    git(&dir.path(), &["init", "-q"]);
    let out = dir.run(&["check", "--fix"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("uncommitted changes") && stderr(&out).contains("src/lib.rs"));
    assert_eq!(fs::read_to_string(dir.path().join("Cargo.toml")).unwrap(), CRLF_MANIFEST);
    git(&dir.path(), &["add", "-A"]);
    git(&dir.path(), &["commit", "-qm", "start"]);
    let out = dir.run(&["fix", "--select", "unsafe_not_forbidden"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("Fixed 1 finding in 1 file: unsafe_not_forbidden (1)"), "{}", stderr(&out));
    let fixed = fs::read_to_string(dir.path().join("Cargo.toml")).unwrap();
    assert_eq!(fixed, format!("{CRLF_MANIFEST}\r\n[lints.rust]\r\nunsafe_code = \"forbid\"\r\n"));
    // Now dirty: only with --allow-dirty, and there is nothing left to fix.
    let out = dir.run(&["fix", "--allow-dirty"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(fs::read_to_string(dir.path().join("Cargo.toml")).unwrap(), fixed);
}

#[test]
fn fix_without_vcs_when_allowed_keeps_unfixable_findings() {
    let dir = Dir::new();
    dir.package(UNWRAP_LIB);
    let out = dir.run(&["fix", "--allow-no-vcs", "--format", "concise"]);
    // `unwrap` has no fix; it remains, so the exit code says findings remain.
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stdout(&out).contains("unwrap_in_production"));
    assert!(!stdout(&out).contains("unsafe_not_forbidden"));
    assert!(fs::read_to_string(dir.path().join("Cargo.toml")).unwrap().contains("unsafe_code = \"forbid\""));
}

#[test]
fn fixes_keep_a_byte_order_mark_and_crlf_line_endings() {
    let dir = Dir::new();
    let lib = "\u{feff}use async_trait::async_trait;\r\n\r\n#[async_trait]\r\ntrait Job {\r\n    async fn run(&self) -> u8 {\r\n        1\r\n    }\r\n}\r\n";
    dir.write("Cargo.toml", "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nasync-trait = \"0.1\"\n")
        .write("src/lib.rs", lib);
    let out = dir.run(&["fix", "--allow-no-vcs", "--select", "async_trait_macro"]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    let fixed = fs::read_to_string(dir.path().join("src/lib.rs")).unwrap();
    assert!(fixed.starts_with('\u{feff}'), "{fixed:?}");
    assert!(!fixed.replace("\r\n", "").contains('\n'), "every line break stays CRLF: {fixed:?}");
    assert_eq!(
        fixed,
        "\u{feff}trait Job {\r\n    fn run(&self) -> impl std::future::Future<Output = u8> + Send where Self: Sync {\r\n        async move {\r\n            1\r\n        }\r\n    }\r\n}\r\n"
    );
    // The dependency went too, since nothing names `async_trait` any more.
    assert!(!fs::read_to_string(dir.path().join("Cargo.toml")).unwrap().contains("async-trait"));
}

#[test]
fn fixing_one_file_still_needs_a_clean_workspace() {
    let dir = Dir::new();
    dir.write("Cargo.toml", CRLF_MANIFEST).write("src/lib.rs", "pub fn f() {}\n");
    git(&dir.path(), &["init", "-q"]);
    git(&dir.path(), &["add", "-A"]);
    git(&dir.path(), &["commit", "-qm", "start"]);
    // The manifest is outside `src/`, but fixes may edit it.
    dir.write("Cargo.toml", format!("{CRLF_MANIFEST}# edited\r\n"));
    let out = dir.run(&["fix", "src/lib.rs"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("Cargo.toml"), "{}", stderr(&out));
}

#[test]
fn the_cache_lives_in_target_and_no_cache_bypasses_it() {
    let dir = Dir::new();
    dir.package(UNWRAP_LIB);
    fs::create_dir_all(dir.path().join("target")).expect("target");
    let cache = dir.path().join("target/rustpro/check-cache.bin");
    let cold = dir.run(&["check", "--format", "concise", "--no-cache"]);
    assert!(!cache.exists(), "--no-cache wrote a cache");
    let first = dir.run(&["check", "--format", "concise"]);
    assert!(cache.exists(), "no cache in target/rustpro");
    let warm = dir.run(&["check", "--format", "concise"]);
    assert_eq!(stdout(&cold), stdout(&first));
    assert_eq!(stdout(&cold), stdout(&warm));
    assert!(stdout(&warm).contains("src/lib.rs:2:7: warning[unwrap_in_production]"), "{}", stdout(&warm));
    // An edit is seen at once.
    dir.write("src/lib.rs", "pub fn f(x: Option<u8>) -> u8 {\n    x.unwrap_or(0)\n}\n");
    let edited = dir.run(&["check", "--format", "concise", "--select", "errors"]);
    assert_eq!(edited.status.code(), Some(0), "{}", stdout(&edited));
    let help = stdout(&dir.run(&["check", "--help"]));
    assert!(help.contains("--no-cache"), "{help}");
}
