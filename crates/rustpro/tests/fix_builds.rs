//! Fixes must leave a project building. These tests build real workspaces with cargo
//! (dependencies come from the registry) before and after `rustpro fix`.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn projects() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/projects")
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// One build folder for every run, so that dependencies build once.
fn target_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/fix-builds");
    fs::create_dir_all(&dir).unwrap();
    fs::canonicalize(dir).unwrap()
}

fn cargo_check(dir: &Path) -> Output {
    Command::new(env!("CARGO"))
        .args(["check", "--workspace", "--all-targets", "--quiet"])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target_dir())
        .output()
        .expect("run cargo")
}

fn rustpro(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rustpro"))
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target_dir())
        .output()
        .expect("run rustpro")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn async_trait_conversion_keeps_the_workspace_building() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("async-service");
    copy_dir(&projects().join("async-service"), &dir);
    let before = cargo_check(&dir);
    assert!(before.status.success(), "the project must build before fixing:\n{}", text(&before.stderr));

    let fixed = rustpro(&dir, &["fix", "--unsafe-fixes", "--allow-no-vcs", "--select", "async_trait_macro"]);
    let report = format!("{}{}", text(&fixed.stdout), text(&fixed.stderr));
    // `Hook` is used as `dyn Hook`: it stays, with its impls; the rest is converted.
    assert_eq!(fixed.status.code(), Some(1), "{report}");
    assert!(report.contains("Fixed 3 findings"), "{report}");
    assert!(report.contains("used as `dyn Hook`"), "{report}");
    let lib = fs::read_to_string(dir.join("store/src/lib.rs")).unwrap();
    assert!(
        lib.contains("fn get(&self, key: &str) -> impl std::future::Future<Output = Option<String>> + Send;")
    );
    assert_eq!(lib.matches("#[async_trait]").count(), 1, "only `Hook` keeps the macro:\n{lib}");
    let main = fs::read_to_string(dir.join("src/main.rs")).unwrap();
    assert_eq!(main.matches("#[async_trait").count(), 1, "only the `Hook` impl keeps the macro:\n{main}");

    let after = cargo_check(&dir);
    assert!(after.status.success(), "the fixed project must build:\n{}\n{main}\n{lib}", text(&after.stderr));
    let again = rustpro(&dir, &["fix", "--unsafe-fixes", "--allow-no-vcs", "--select", "async_trait_macro"]);
    assert!(
        !text(&again.stderr).contains("Fixed"),
        "a second run has nothing to fix: {}",
        text(&again.stderr)
    );
}

#[test]
fn verify_reverts_the_fixes_that_break_the_build() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("boxed-caller");
    fs::create_dir_all(dir.join("src")).unwrap();
    fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"boxed-caller\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nasync-trait = \"0.1\"\n\n[workspace]\n",
    )
    .unwrap();
    // The caller names the boxed future type the macro produced: converting the trait
    // breaks it, which no rule can see without types. `--verify` catches it.
    fs::write(
        dir.join("src/lib.rs"),
        "use std::future::Future;\nuse std::pin::Pin;\n\nuse async_trait::async_trait;\n\n\
         #[async_trait]\ntrait Source {\n    async fn next(&self) -> u8;\n}\n\n\
         struct One;\n\n#[async_trait]\nimpl Source for One {\n    async fn next(&self) -> u8 {\n        1\n    }\n}\n\n\
         pub fn boxed() -> Pin<Box<dyn Future<Output = u8> + Send + 'static>> {\n    \
         static ONE: One = One;\n    ONE.next()\n}\n",
    )
    .unwrap();
    let before = cargo_check(&dir);
    assert!(before.status.success(), "{}", text(&before.stderr));
    let original = fs::read_to_string(dir.join("src/lib.rs")).unwrap();
    let out = rustpro(&dir, &["fix", "--verify", "--allow-no-vcs", "--select", "async_trait_macro"]);
    let stderr = text(&out.stderr);
    assert!(stderr.contains("the fixes of `async_trait_macro` break `cargo check`"), "{stderr}");
    assert_eq!(fs::read_to_string(dir.join("src/lib.rs")).unwrap(), original, "{stderr}");
    assert!(cargo_check(&dir).status.success());
}

fn cargo_run(dir: &Path) -> Output {
    Command::new(env!("CARGO"))
        .args(["run", "--quiet"])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target_dir())
        .output()
        .expect("run cargo")
}

#[test]
fn derived_error_types_print_what_the_hand_written_ones_did() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("error-types");
    copy_dir(&projects().join("error-types"), &dir);
    // The program prints the message and the `source()` chain of every error value.
    let before = cargo_run(&dir);
    assert!(before.status.success(), "the project must run before fixing:\n{}", text(&before.stderr));
    let printed = text(&before.stdout);
    assert_eq!(printed.lines().count(), 13, "{printed}");

    let select = ["--select", "manual_error_impl,manual_from_error"];
    let fixed = rustpro(&dir, &[&["fix", "--unsafe-fixes", "--allow-no-vcs"][..], &select].concat());
    let report = format!("{}{}", text(&fixed.stdout), text(&fixed.stderr));
    assert_eq!(fixed.status.code(), Some(0), "{report}");
    let errors = fs::read_to_string(dir.join("src/errors.rs")).unwrap();
    let store = fs::read_to_string(dir.join("src/store.rs")).unwrap();
    let main = fs::read_to_string(dir.join("src/main.rs")).unwrap();
    assert_eq!(errors.matches("thiserror::Error)]").count(), 4, "{errors}");
    assert!(!errors.contains("impl Display for") && !errors.contains("impl From<"), "{errors}");
    assert!(errors.contains("Io(#[from] io::Error)"), "{errors}");
    assert!(store.contains("thiserror::Error)]"), "{store}");
    assert!(!main.contains("impl fmt::Display for StoreError"), "{main}");
    let manifest = fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    assert!(manifest.contains("thiserror = \"2\""), "{manifest}");

    let after = cargo_run(&dir);
    assert!(after.status.success(), "the fixed project must run:\n{}\n{errors}\n{main}", text(&after.stderr));
    assert_eq!(text(&after.stdout), printed, "the messages and sources must not change");
    let again = rustpro(&dir, &[&["check"][..], &select].concat());
    assert_eq!(again.status.code(), Some(0), "nothing is left to report: {}", text(&again.stdout));
}
