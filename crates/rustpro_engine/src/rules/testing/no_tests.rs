use crate::declare_rule;
use crate::project::{TargetKind, locate};
use crate::rule::{PackageCx, Rule};

declare_rule! {
    /// ## What it does
    /// Finds packages that have no test at all: no `#[test]`-like function (`#[test]`,
    /// `#[tokio::test]`, `#[rstest]`, `#[test_case(..)]`, `proptest!`, `quickcheck!`, ..)
    /// in a library, a binary or an integration test under `tests/`, no test target with
    /// `harness = false` (which runs whatever it likes), and no doc test that runs in the
    /// library's doc comments (or in a file they include with `#![doc = include_str!(..)]`).
    /// A package whose only tests are doc tests has tests: `cargo test` runs them. So has a
    /// package whose library is named by the tests of another package of the workspace
    /// that depends on it (integration tests kept in a separate test-only package).
    ///
    /// Every package with a target is checked, libraries, binaries, proc-macro and
    /// example-only packages alike: all of them can have tests. A virtual workspace root
    /// is no package and is not checked. The finding is on the `[package]` header of the
    /// package's `Cargo.toml`.
    ///
    /// Packages downloaded from a registry often ship without their `tests/` folder (and
    /// sometimes without their doc files): this rule is for a project's own packages, and
    /// says little about a vendored copy.
    ///
    /// ## Why is this bad?
    /// Without tests, `cargo test` passes whatever the code does: every change, refactoring
    /// and dependency update is checked by users in production. Even one test of the main
    /// path catches the worst regressions, and shows how the code is meant to be used.
    ///
    /// ## Example
    /// ```rust
    /// pub fn add(a: u32, b: u32) -> u32 {
    ///     a + b
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```rust
    /// pub fn add(a: u32, b: u32) -> u32 {
    ///     a + b
    /// }
    ///
    /// #[cfg(test)]
    /// mod tests {
    ///     #[test]
    ///     fn adds() {
    ///         assert_eq!(super::add(2, 3), 5);
    ///     }
    /// }
    /// ```
    ///
    /// ## Fix safety
    /// No automatic fix: tests have to say what the code must do.
    pub struct NoTests {
        name: "no_tests",
        category: Testing,
        level: Warn,
        fix: None,
        clippy: [],
        summary: "package with no test at all",
        kinds: [],
    }
}

impl Rule for NoTests {
    fn check_package(&self, cx: &mut PackageCx<'_>) {
        let package = cx.package();
        if package.targets.is_empty() || cx.facts().has_tests || cx.tested_from().is_some() {
            return;
        }
        if package.targets.iter().any(|t| t.kind == TargetKind::Test && !t.harness) {
            return;
        }
        let Some(span) = locate(&package.manifest_text, &["package"]) else { return };
        let message =
            format!("package `{}` has no tests: `cargo test` passes whatever its code does", package.name);
        let help = if package.has_lib() {
            "add unit tests in a `#[cfg(test)] mod tests` with `#[test]` functions, integration tests \
             under `tests/`, or doc examples that run"
        } else {
            "add unit tests in a `#[cfg(test)] mod tests` with `#[test]` functions, or integration tests \
             under `tests/` that run the binary"
        };
        cx.report(span, message).help(help);
    }
}
