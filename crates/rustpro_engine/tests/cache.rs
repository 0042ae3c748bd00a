//! The result cache never changes a result: after random edits of a small workspace (file
//! texts, a cross-file `dyn` use, the configuration, an edition, a `rust-version`, added,
//! deleted and renamed modules, tests added and removed), a run that uses the cache reports
//! exactly what a run without it reports, test coverage included; a
//! damaged cache file is ignored and rewritten; runs racing on one cache agree; another
//! program key invalidates everything; a file whose stamp has not changed is not read, and a
//! file rewritten with its size and modification time kept is still seen to change.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::fs;
use std::path::PathBuf;

use rustpro_engine::config::CliSettings;
use rustpro_engine::{CacheOptions, CacheStats, CheckRequest, Outcome, check};

/// A small deterministic generator (xorshift64*), so that a failing sequence can be replayed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n
    }
}

/// A workspace of two packages in a temporary folder, and a folder for its cache.
struct Workspace {
    dir: tempfile::TempDir,
    cache_dir: tempfile::TempDir,
}

const CORE_MANIFEST: &str = "[package]\nname = \"core_pkg\"\nversion = \"0.1.0\"\nedition = \"EDITION\"\n";
const APP_MANIFEST: &str = "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
                            [dependencies]\ncore_pkg = { path = \"../core\" }\n";

impl Workspace {
    fn new() -> Workspace {
        let ws = Workspace {
            dir: tempfile::tempdir().expect("tempdir"),
            cache_dir: tempfile::tempdir().expect("tempdir"),
        };
        ws.write("Cargo.toml", "[workspace]\nmembers = [\"core\", \"app\"]\nresolver = \"2\"\n");
        ws.write("core/Cargo.toml", &CORE_MANIFEST.replace("EDITION", "2021"));
        ws.write(
            "core/src/lib.rs",
            "pub mod shapes;\nmod helpers;\n#[cfg(test)]\nmod tests;\n\npub fn parse(s: &str) -> u8 {\n    s.parse().unwrap()\n}\n",
        );
        ws.write(
            "core/src/shapes.rs",
            "pub trait Shapes {\n    fn items(&self) -> Box<dyn Iterator<Item = u8> + '_>;\n}\n\n\
             pub struct Row(pub Vec<u8>);\n\nimpl Shapes for Row {\n    fn items(&self) -> Box<dyn Iterator<Item = u8> + '_> {\n        Box::new(self.0.iter().copied())\n    }\n}\n",
        );
        ws.write(
            "core/src/helpers.rs",
            "use std::sync::Arc;\n\npub fn shared(s: String) -> Arc<String> {\n    Arc::new(s)\n}\n\npub fn first(v: &[u8]) -> u8 {\n    *v.first().expect(\"empty\")\n}\n",
        );
        ws.write(
            "core/src/tests.rs",
            "#[test]\nfn t() {\n    assert_eq!(super::parse(\"1\"), 1);\n    Some(1).unwrap();\n}\n",
        );
        ws.write("app/Cargo.toml", APP_MANIFEST);
        ws.write(
            "app/src/lib.rs",
            "pub mod run;\n\npub fn start() -> Result<(), String> {\n    let x: Option<u8> = None;\n    x.unwrap();\n    Ok(())\n}\n",
        );
        ws.write("app/src/run.rs", "pub unsafe fn raw(p: *const u8) -> u8 {\n    unsafe { *p }\n}\n");
        ws.write("app/src/main.rs", "fn main() {\n    app::start().unwrap();\n}\n");
        ws
    }

    fn root(&self) -> PathBuf {
        fs::canonicalize(self.dir.path()).expect("canonical")
    }

    fn write(&self, path: &str, text: &str) {
        let path = self.dir.path().join(path);
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs::write(path, text).expect("write");
    }

    fn read(&self, path: &str) -> String {
        fs::read_to_string(self.dir.path().join(path)).unwrap_or_default()
    }

    fn remove(&self, path: &str) {
        let _ = fs::remove_file(self.dir.path().join(path));
    }

    fn exists(&self, path: &str) -> bool {
        self.dir.path().join(path).exists()
    }

    /// The cache, with stamps never trusted: every file is read and hashed, whatever the
    /// timing of the test (stamps are tested on their own below).
    fn options(&self, program_key: u128) -> CacheOptions {
        CacheOptions {
            settle: std::time::Duration::from_secs(24 * 3600),
            ..CacheOptions::new(program_key, Some(self.cache_dir.path().to_path_buf()))
        }
    }

    fn run(&self, cache: Option<CacheOptions>) -> (String, CacheStats) {
        self.run_on(self.root(), cache)
    }

    fn run_on(&self, path: PathBuf, cache: Option<CacheOptions>) -> (String, CacheStats) {
        let request = CheckRequest {
            paths: vec![path],
            cli: CliSettings::default(),
            threads: 2,
            cache,
            ..CheckRequest::default()
        };
        let outcome = check(&request).expect("check");
        (render(&outcome), outcome.cache)
    }

    fn reference(&self) -> String {
        self.run(None).0
    }

    fn cache_files(&self) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = fs::read_dir(self.cache_dir.path())
            .map(|entries| entries.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        let target = self.dir.path().join("target/rustpro");
        if let Ok(entries) = fs::read_dir(target) {
            out.extend(entries.filter_map(Result::ok).map(|e| e.path()));
        }
        out.retain(|p| p.extension().is_some_and(|x| x == "bin"));
        // The stages' memo is not a cache of files.
        out.retain(|p| !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("stages-")));
        out
    }
}

/// Everything a run reports, in order: findings with their fixes, problems, counts, and
/// the test coverage of every library (what `--statistics` and JSON summaries show).
fn render(outcome: &Outcome) -> String {
    format!(
        "{:#?}\n{:#?}\nfiles {} packages {}\n{:#?}",
        outcome.findings,
        outcome.problems,
        outcome.files_checked,
        outcome.packages_checked,
        outcome.test_coverage
    )
}

const KEY: u128 = 0x1234_5678_9abc_def0_0fed_cba9_8765_4321;

/// One random edit of the kinds that can change a file's results or a cross-file finding.
fn random_edit(ws: &Workspace, rng: &mut Rng) -> String {
    match rng.below(18) {
        0 => {
            let file =
                ["core/src/lib.rs", "core/src/helpers.rs", "app/src/lib.rs", "app/src/run.rs"][rng.below(4)];
            let n = rng.below(1000);
            let mut text = ws.read(file);
            text.push_str(&format!("\npub fn added_{n}(x: Option<u8>) -> u8 {{\n    x.unwrap()\n}}\n"));
            ws.write(file, &text);
            format!("append a function to {file}")
        }
        1 => {
            let file =
                ["core/src/lib.rs", "core/src/helpers.rs", "app/src/lib.rs", "app/src/main.rs"][rng.below(4)];
            let text = ws.read(file);
            let trimmed = match text.rfind("\npub fn added_") {
                Some(at) => text[..at + 1].to_owned(),
                None => text.replace(".unwrap()", ".unwrap_or_default()"),
            };
            ws.write(file, &trimmed);
            format!("remove code from {file}")
        }
        2 => {
            // A `dyn Shapes` in another package makes the boxed return necessary.
            let text = ws.read("app/src/run.rs");
            let use_ =
                "\npub fn total(s: &dyn core_pkg::shapes::Shapes) -> usize {\n    s.items().count()\n}\n";
            if text.contains(use_) {
                ws.write("app/src/run.rs", &text.replace(use_, ""));
                "drop the dyn use".into()
            } else {
                ws.write("app/src/run.rs", &format!("{text}{use_}"));
                "add a dyn use".into()
            }
        }
        3 => {
            let configs = [
                "",
                "select = [\"all\"]\n",
                "ignore = [\"unwrap_in_production\"]\n",
                "[rules]\nexpect_in_production = \"deny\"\n",
                "[[overrides]]\nfiles = [\"core/**\"]\nrules = { unwrap_in_production = \"allow\" }\n",
                "exclude = [\"app/src/run.rs\"]\n",
                "[rules.blocking_in_async]\nextend-blocking-calls = [\"core_pkg::helpers::first\"]\n",
            ];
            let config = configs[rng.below(configs.len())];
            if config.is_empty() {
                ws.remove("rustpro.toml");
            } else {
                ws.write("rustpro.toml", config);
            }
            format!("configure {config:?}")
        }
        4 => {
            let edition = ["2015", "2018", "2021", "2024"][rng.below(4)];
            let manifest = ws.read("core/Cargo.toml");
            let start = manifest.find("edition = \"").expect("edition") + "edition = \"".len();
            let edited = format!("{}{edition}{}", &manifest[..start], &manifest[start + 4..]);
            ws.write("core/Cargo.toml", &edited);
            format!("core edition {edition}")
        }
        13 => {
            // A unit test in app: `no_tests` for app, and `start` named by tests.
            let lib = ws.read("app/src/lib.rs");
            let unit = "\n#[cfg(test)]\nmod unit {\n    #[test]\n    fn starts() {\n        super::start().unwrap();\n    }\n}\n";
            if lib.contains(unit) {
                ws.write("app/src/lib.rs", &lib.replace(unit, ""));
                "drop app's unit test".into()
            } else {
                ws.write("app/src/lib.rs", &format!("{lib}{unit}"));
                "add a unit test to app".into()
            }
        }
        14 => {
            // An integration test of app (a test target) that names a public function.
            let name = ["raw", "total", "start"][rng.below(3)];
            if ws.exists("app/tests/it.rs") {
                ws.remove("app/tests/it.rs");
                "delete app/tests/it.rs".into()
            } else {
                ws.write(
                    "app/tests/it.rs",
                    &format!("#[test]\nfn it() {{\n    let _ = app::run::{name};\n}}\n"),
                );
                format!("add app/tests/it.rs naming {name}")
            }
        }
        15 => {
            // A std item newer than the edition: `missing_rust_version` computes a newer
            // `rust-version`, `rust_version_too_low` reports it under a low one.
            let text = ws.read("core/src/shapes.rs");
            let use_ = "\npub fn cell() -> &'static std::sync::OnceLock<u8> {\n    static CELL: std::sync::OnceLock<u8> = std::sync::OnceLock::new();\n    &CELL\n}\n";
            if text.contains(use_) {
                ws.write("core/src/shapes.rs", &text.replace(use_, ""));
                "drop the OnceLock use".into()
            } else {
                ws.write("core/src/shapes.rs", &format!("{text}{use_}"));
                "use OnceLock".into()
            }
        }
        16 => {
            let manifest = ws.read("core/Cargo.toml");
            let line = "rust-version = \"1.60\"\n";
            if manifest.contains(line) {
                ws.write("core/Cargo.toml", &manifest.replace(line, ""));
                "drop core's rust-version".into()
            } else {
                ws.write(
                    "core/Cargo.toml",
                    &manifest.replacen("edition = ", &format!("{line}edition = "), 1),
                );
                "core rust-version 1.60".into()
            }
        }
        12 => {
            // `[lints.clippy]` of the package silences rules with a clippy twin.
            let manifest = ws.read("core/Cargo.toml");
            let table = "\n[lints.clippy]\nunwrap_used = \"allow\"\n";
            if manifest.contains(table) {
                ws.write("core/Cargo.toml", &manifest.replace(table, ""));
                "drop core's lints".into()
            } else {
                ws.write("core/Cargo.toml", &format!("{manifest}{table}"));
                "allow unwrap_used in core's lints".into()
            }
        }
        5 => {
            // A new module, declared or not (an orphan), or its removal.
            if ws.exists("core/src/extra.rs") {
                ws.remove("core/src/extra.rs");
                "delete extra.rs".into()
            } else {
                ws.write("core/src/extra.rs", "pub async fn wait() {\n    std::thread::sleep(std::time::Duration::from_millis(1));\n}\n");
                if rng.below(2) == 0 {
                    let lib = ws.read("core/src/lib.rs");
                    if !lib.contains("mod extra;") {
                        ws.write("core/src/lib.rs", &format!("pub mod extra;\n{lib}"));
                    }
                }
                "add extra.rs".into()
            }
        }
        6 => {
            // Rename a module: the declaration and the file.
            let lib = ws.read("core/src/lib.rs");
            let (from, to) =
                if lib.contains("mod helpers;") { ("helpers", "support") } else { ("support", "helpers") };
            let text = ws.read(&format!("core/src/{from}.rs"));
            ws.remove(&format!("core/src/{from}.rs"));
            ws.write(&format!("core/src/{to}.rs"), &text);
            ws.write("core/src/lib.rs", &lib.replace(&format!("mod {from};"), &format!("mod {to};")));
            format!("rename {from} to {to}")
        }
        7 => {
            // Test code or production code: the declaration decides.
            let lib = ws.read("core/src/lib.rs");
            let toggled = if lib.contains("#[cfg(test)]\nmod tests;") {
                lib.replace("#[cfg(test)]\nmod tests;", "mod tests;")
            } else {
                lib.replace("mod tests;", "#[cfg(test)]\nmod tests;")
            };
            ws.write("core/src/lib.rs", &toggled);
            "toggle cfg(test)".into()
        }
        8 => {
            // Public or private module: public API rules depend on it.
            let lib = ws.read("app/src/lib.rs");
            let toggled = if lib.contains("pub mod run;") {
                lib.replace("pub mod run;", "mod run;")
            } else {
                lib.replace("mod run;", "pub mod run;")
            };
            ws.write("app/src/lib.rs", &toggled);
            "toggle pub mod run".into()
        }
        9 => {
            // A mutating use of the shared buffer elsewhere in the package silences
            // `shared_string_buffer` (a package-wide fact).
            let text = ws.read("core/src/shapes.rs");
            let use_ = "\npub fn grow(mut s: std::sync::Arc<String>) {\n    std::sync::Arc::make_mut(&mut s).push('x');\n}\n";
            if text.contains(use_) {
                ws.write("core/src/shapes.rs", &text.replace(use_, ""));
            } else {
                ws.write("core/src/shapes.rs", &format!("{text}{use_}"));
            }
            "toggle make_mut".into()
        }
        17 => {
            // A cargo-deny configuration at the workspace root (read by a package rule, not
            // from any checked file) silences `missing_deny_config`.
            if ws.exists("deny.toml") {
                ws.remove("deny.toml");
                "delete deny.toml".into()
            } else {
                ws.write("deny.toml", "[advisories]\n");
                "add deny.toml".into()
            }
        }
        _ => {
            // The same text written again: nothing changes.
            let text = ws.read("app/src/lib.rs");
            ws.write("app/src/lib.rs", &text);
            "rewrite app/src/lib.rs unchanged".into()
        }
    }
}

#[test]
fn random_edits_never_make_cached_results_differ() {
    for seed in [1_u64, 7, 42, 1234, 99_991] {
        let ws = Workspace::new();
        if seed % 2 == 0 {
            // The cache then lives in the workspace's own `target/`.
            fs::create_dir_all(ws.dir.path().join("target")).expect("target");
        }
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let mut history = Vec::new();
        let mut hits = 0;
        for step in 0..24 {
            let expected = ws.reference();
            let (cached, stats) = ws.run(Some(ws.options(KEY)));
            assert_eq!(cached, expected, "seed {seed}, step {step}, after: {history:#?}");
            // Nothing changed since: every file comes from the cache, with the same results.
            let (warm, warm_stats) = ws.run(Some(ws.options(KEY)));
            assert_eq!(warm, expected, "seed {seed}, step {step} (warm), after: {history:#?}");
            assert_eq!(warm_stats.misses, 0, "seed {seed}, step {step}: {warm_stats:?} after {stats:?}");
            assert_eq!(
                warm_stats.files_written, 0,
                "seed {seed}, step {step}: an unchanged run rewrote the cache"
            );
            assert!(warm_stats.stages_reused, "seed {seed}, step {step}: the stages ran again unchanged");
            hits += stats.hits;
            // A path inside a package: the whole package is checked, findings are kept
            // for that path only.
            let part = ws.root().join(["core/src/lib.rs", "core/src", "app/src/run.rs"][rng.below(3)]);
            let (filtered, _) = ws.run_on(part.clone(), Some(ws.options(KEY)));
            assert_eq!(filtered, ws.run_on(part.clone(), None).0, "seed {seed}, step {step}, {part:?}");
            history.push(random_edit(&ws, &mut rng));
        }
        assert!(hits > 0, "seed {seed}: the cache was never used after an edit");
        assert_eq!(ws.cache_files().len(), 1, "seed {seed}: {:?}", ws.cache_files());
    }
}

#[test]
fn a_damaged_cache_file_is_ignored_and_rewritten() {
    let ws = Workspace::new();
    let expected = ws.reference();
    let (_, first) = ws.run(Some(ws.options(KEY)));
    assert!(first.misses > 0 && first.files_written == 1, "{first:?}");
    let [file] = ws.cache_files().try_into().expect("one cache file");
    let good = fs::read(&file).expect("read");
    let mut flipped = good.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x55;
    let mut wrong_format = good.clone();
    wrong_format[16] ^= 1;
    let damaged: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("truncated", good[..good.len() / 2].to_vec()),
        ("one byte short", good[..good.len() - 1].to_vec()),
        ("header only", good[..52].to_vec()),
        ("a flipped byte", flipped),
        ("another format", wrong_format),
        ("garbage", (0..good.len()).map(|i| (i * 7 % 251) as u8).collect()),
    ];
    for (what, bytes) in damaged {
        fs::write(&file, &bytes).expect("damage");
        let (cached, stats) = ws.run(Some(ws.options(KEY)));
        assert_eq!(cached, expected, "{what}");
        assert_eq!(stats.hits, 0, "{what}: {stats:?}");
        assert_eq!(stats.files_written, 1, "{what}: not rewritten");
        let (warm, stats) = ws.run(Some(ws.options(KEY)));
        assert_eq!(warm, expected, "{what} (rewritten)");
        assert_eq!(stats.misses, 0, "{what}: the rewritten file is not used: {stats:?}");
    }
}

#[test]
fn another_program_key_invalidates_every_entry() {
    let ws = Workspace::new();
    let expected = ws.reference();
    let (_, first) = ws.run(Some(ws.options(KEY)));
    let files = first.misses;
    assert!(files > 0);
    let (cached, stats) = ws.run(Some(ws.options(KEY + 1)));
    assert_eq!(cached, expected);
    assert_eq!((stats.hits, stats.misses), (0, files), "{stats:?}");
    let (warm, stats) = ws.run(Some(ws.options(KEY + 1)));
    assert_eq!(warm, expected);
    assert_eq!((stats.hits, stats.misses), (files, 0), "{stats:?}");
}

/// A run that leaves the test coverage out reads less of the test code: its entries serve
/// only such runs, while the entries of a run that reports the coverage serve both.
#[test]
fn entries_without_test_names_serve_only_runs_without_test_coverage() {
    let ws = Workspace::new();
    let run = |skip_test_coverage| {
        let request = CheckRequest {
            paths: vec![ws.root()],
            threads: 2,
            cache: Some(ws.options(KEY)),
            skip_test_coverage,
            ..CheckRequest::default()
        };
        let outcome = check(&request).expect("check");
        (render(&outcome), (outcome.cache.hits, outcome.cache.misses))
    };
    let with_coverage = ws.reference();
    let uncached =
        CheckRequest { paths: vec![ws.root()], skip_test_coverage: true, ..CheckRequest::default() };
    let without = render(&check(&uncached).expect("check"));
    assert!(with_coverage.contains("named_by_tests: 1"), "{with_coverage}");
    // The same findings, problems and counts; no coverage (which `render` prints last).
    let (head, _) = with_coverage.rsplit_once("\n[\n").expect("coverage printed last");
    assert_eq!(without, format!("{head}\n[]"));
    let (_, (_, files)) = run(true);
    assert!(files > 0);
    // Skipping, then reporting: the entries lack names, so every file is checked again.
    assert_eq!(run(true), (without.clone(), (files, 0)));
    assert_eq!(run(false), (with_coverage.clone(), (0, files)));
    // Entries with names serve both.
    assert_eq!(run(true), (without, (files, 0)));
    assert_eq!(run(false), (with_coverage, (files, 0)));
}

#[test]
fn runs_racing_on_one_cache_all_report_the_truth() {
    let ws = Workspace::new();
    let mut rng = Rng(0x5eed);
    for round in 0..6 {
        let expected = ws.reference();
        std::thread::scope(|scope| {
            let runs: Vec<_> = (0..4)
                .map(|_| {
                    scope.spawn(|| (0..3).map(|_| ws.run(Some(ws.options(KEY))).0).collect::<Vec<String>>())
                })
                .collect();
            for run in runs {
                for result in run.join().expect("run") {
                    assert_eq!(result, expected, "round {round}");
                }
            }
        });
        let (warm, stats) = ws.run(Some(ws.options(KEY)));
        assert_eq!(warm, expected, "round {round}");
        assert_eq!(stats.misses, 0, "round {round}: the cache left by racing runs is not whole: {stats:?}");
        random_edit(&ws, &mut rng);
    }
    // No temporary file is left behind.
    let leftovers: Vec<PathBuf> = fs::read_dir(ws.cache_dir.path())
        .expect("cache dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_none_or(|x| x != "bin"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn overlaid_files_are_neither_read_from_nor_written_to_the_cache() {
    let ws = Workspace::new();
    let _ = ws.run(Some(ws.options(KEY)));
    let lib = ws.root().join("app/src/lib.rs");
    let mut overlay = rustpro_engine::project::Overlay::default();
    overlay.insert(lib.clone(), "pub fn start() {}\n".to_owned());
    let request = |cache| CheckRequest {
        paths: vec![ws.root()],
        overlay: std::sync::Arc::new(overlay.clone()),
        cache,
        ..CheckRequest::default()
    };
    let uncached = check(&request(None)).expect("check");
    let cached = check(&request(Some(ws.options(KEY)))).expect("check");
    assert_eq!(render(&cached), render(&uncached));
    assert!(!cached.findings.iter().any(|f| f.path == lib), "the overlay's text has no finding");
    // The file on disk still has its findings, and its entry is still there. (Without
    // `pub mod run;` in the overlaid text, `run.rs` was an orphan: checked afresh now.)
    let (after, stats) = ws.run(Some(ws.options(KEY)));
    assert_eq!(after, ws.reference());
    assert_eq!(stats.misses, 1, "{stats:?}");
}

/// Sets the modification time of `path` (which changes its status change time, as any write).
fn set_modified(path: &std::path::Path, time: std::time::SystemTime) {
    let file = fs::OpenOptions::new().write(true).open(path).expect("open");
    file.set_modified(time).expect("set mtime");
}

#[test]
fn settled_stamps_spare_reading_and_never_hide_a_rewrite() {
    use std::time::Duration;
    let settle = Duration::from_millis(300);
    let ws = Workspace::new();
    let options = || CacheOptions::new(KEY, Some(ws.cache_dir.path().to_path_buf()));
    let options = || CacheOptions { settle, ..options() };
    let run = || ws.run(Some(options()));
    std::thread::sleep(settle + Duration::from_millis(100));
    let (cold, stats) = run();
    assert_eq!(cold, ws.reference());
    assert!(stats.misses > 0 && stats.hits == 0, "{stats:?}");
    // Unchanged, settled files: all hits, none read.
    let (warm, stats) = run();
    assert_eq!(warm, cold);
    assert_eq!((stats.misses, stats.hashed, stats.files_written), (0, 0, 0), "{stats:?}");

    // The same size and modification time, another text: the change time shows the write.
    let helpers = ws.dir.path().join("core/src/helpers.rs");
    let modified = fs::metadata(&helpers).and_then(|m| m.modified()).expect("mtime");
    let text = ws.read("core/src/helpers.rs");
    let rewritten = text.replace(".expect(\"empty\")", ".unwrap_or(1000)");
    assert_eq!(rewritten.len(), text.len());
    assert_ne!(rewritten, text);
    ws.write("core/src/helpers.rs", &rewritten);
    set_modified(&helpers, modified);
    assert_eq!(fs::metadata(&helpers).and_then(|m| m.modified()).expect("mtime"), modified);
    let (after, stats) = run();
    assert_eq!(after, ws.reference(), "a rewrite with size and mtime kept was not seen");
    assert_ne!(after, cold);
    assert_eq!(stats.misses, 1, "{stats:?}");

    // Changed moments ago: its stamp is not trusted yet, so the file is read, and a second
    // rewrite within the same instant is seen too.
    let again = rewritten.replace(".unwrap_or(1000)", ".unwrap_or(2000)");
    ws.write("core/src/helpers.rs", &again);
    set_modified(&helpers, modified);
    let (after, stats) = run();
    assert_eq!(after, ws.reference());
    assert_eq!(stats.misses, 1, "{stats:?}");
    let (_, stats) = run();
    assert_eq!((stats.misses, stats.hashed, stats.files_written), (0, 1, 0), "{stats:?}");
    // Once it has settled, its stamp is kept (the cache written once more), then trusted.
    std::thread::sleep(settle + Duration::from_millis(100));
    let (_, stats) = run();
    assert_eq!((stats.misses, stats.hashed, stats.files_written), (0, 1, 1), "{stats:?}");
    let (warm, stats) = run();
    assert_eq!(warm, ws.reference());
    assert_eq!((stats.misses, stats.hashed, stats.files_written), (0, 0, 0), "{stats:?}");
}

#[test]
fn the_stage_memo_is_used_only_while_what_the_stages_read_is_unchanged() {
    let ws = Workspace::new();
    ws.write("rustpro.toml", "select = [\"all\"]\n");
    let stage_files = |ws: &Workspace| -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = fs::read_dir(ws.cache_dir.path())
            .map(|entries| entries.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        out.retain(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("stages-")));
        out
    };
    let expected = ws.reference();
    assert!(expected.contains("missing_deny_config"), "{expected}");
    let (cold, stats) = ws.run(Some(ws.options(KEY)));
    assert_eq!(cold, expected);
    assert!(!stats.stages_reused);
    assert_eq!(stage_files(&ws).len(), 1, "the stages' findings were not kept");
    let (warm, stats) = ws.run(Some(ws.options(KEY)));
    assert_eq!(warm, expected);
    assert!(stats.stages_reused, "{stats:?}");

    // Read from disk by a package rule, not from any checked file.
    ws.write("deny.toml", "[advisories]\n");
    let expected = ws.reference();
    assert!(!expected.contains("missing_deny_config"), "{expected}");
    let (after, stats) = ws.run(Some(ws.options(KEY)));
    assert_eq!(after, expected);
    assert!(!stats.stages_reused && stats.misses == 0, "{stats:?}");

    // Only what test code names changes (no fact, no kept item): `untested_public_fn`
    // follows.
    ws.write("app/tests/it.rs", "#[test]\nfn it() {\n    let _ = app::start;\n}\n");
    let names_start = ws.reference();
    assert_eq!(ws.run(Some(ws.options(KEY))).0, names_start);
    ws.write("app/tests/it.rs", "#[test]\nfn it() {\n    let _ = app::run::raw;\n}\n");
    let expected = ws.reference();
    assert_ne!(expected, names_start);
    let (after, stats) = ws.run(Some(ws.options(KEY)));
    assert_eq!(after, expected);
    assert!(!stats.stages_reused, "{stats:?}");

    // Another program's memo, or a damaged one, is not used.
    let (_, stats) = ws.run(Some(ws.options(KEY + 1)));
    assert!(!stats.stages_reused, "{stats:?}");
    for file in stage_files(&ws) {
        let mut bytes = fs::read(&file).expect("read");
        let last = bytes.len() - 1;
        bytes[last] ^= 0x55;
        fs::write(&file, bytes).expect("damage");
    }
    let (damaged, stats) = ws.run(Some(ws.options(KEY + 1)));
    assert_eq!(damaged, expected);
    assert!(!stats.stages_reused, "{stats:?}");
    let (rewritten, stats) = ws.run(Some(ws.options(KEY + 1)));
    assert_eq!(rewritten, expected);
    assert!(stats.stages_reused, "{stats:?}");
}

/// An error type that only an impl in another file names is kept unread, and the workspace
/// stage reads it again. When its file changes but the type keeps its range (a field's
/// type renamed to a name as long), the stages' memo is not used, and the report is the
/// one a run without the cache gives.
#[test]
fn a_type_read_again_by_the_workspace_stage_is_read_from_its_current_text() {
    let ws = Workspace::new();
    ws.write("core/src/lib.rs", "pub mod error;\nmod imp;\n");
    ws.write("core/src/error.rs", "#[derive(Debug)]\npub enum E {\n    Io(std::io::Error),\n}\n");
    ws.write(
        "core/src/imp.rs",
        "use crate::error::E;\n\n\
         impl std::fmt::Display for E {\n    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {\n        \
         match self {\n            E::Io(_) => f.write_str(\"io\"),\n        }\n    }\n}\n\n\
         impl std::error::Error for E {}\n\n\
         impl From<std::io::Error> for E {\n    fn from(e: std::io::Error) -> Self {\n        E::Io(e)\n    }\n}\n",
    );
    let before = ws.reference();
    assert!(before.contains("manual_error_impl") && before.contains("manual_from_error"), "{before}");
    assert_eq!(ws.run(Some(ws.options(KEY))).0, before);
    let (warm, stats) = ws.run(Some(ws.options(KEY)));
    assert_eq!(warm, before);
    assert!(stats.stages_reused, "{stats:?}");

    ws.write("core/src/error.rs", "#[derive(Debug)]\npub enum E {\n    Io(std::io::Erro2),\n}\n");
    let expected = ws.reference();
    assert_ne!(expected, before, "the change must show in the report");
    let (after, stats) = ws.run(Some(ws.options(KEY)));
    assert_eq!(after, expected);
    assert!(!stats.stages_reused, "{stats:?}");
}
