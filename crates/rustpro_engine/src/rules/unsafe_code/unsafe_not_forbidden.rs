use crate::declare_rule;
use crate::project::LintLevel;
use crate::rule::{PackageCx, Rule};

declare_rule! {
    /// ## What it does
    /// Finds packages that have no `unsafe` anywhere (library, binaries, tests, examples,
    /// benchmarks, build script, macro input) and yet do not forbid it: neither the
    /// package's `[lints.rust]` table (or the workspace's, when the package inherits it with
    /// `lints.workspace = true`) sets `unsafe_code` to `forbid` or `deny`, nor a crate root
    /// says `#![forbid(unsafe_code)]` or `#![deny(unsafe_code)]`. The finding is on the
    /// `[package]` table of the package's `Cargo.toml`.
    ///
    /// ## Why is this bad?
    /// A crate without `unsafe` is a strong guarantee: memory safety rests on the compiler
    /// and on dependencies alone. Forbidding `unsafe_code` keeps that guarantee visible to
    /// users and auditors, and makes the first `unsafe` block a deliberate, reviewed
    /// decision instead of a line that slips through.
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
    /// #![forbid(unsafe_code)]
    ///
    /// pub fn add(a: u32, b: u32) -> u32 {
    ///     a + b
    /// }
    /// ```
    ///
    /// Or, for every target of the package at once, in `Cargo.toml`:
    ///
    /// ```toml
    /// [lints.rust]
    /// unsafe_code = "forbid"
    /// ```
    ///
    /// ## Fix safety
    /// No automatic fix.
    pub struct UnsafeNotForbidden {
        name: "unsafe_not_forbidden",
        category: Unsafe,
        level: Warn,
        fix: None,
        clippy: [],
        summary: "package with no `unsafe` code that does not forbid it",
        kinds: [],
    }
}

impl Rule for UnsafeNotForbidden {
    fn check_package(&self, cx: &mut PackageCx<'_>) {
        let facts = cx.facts();
        if facts.has_unsafe || facts.forbids_unsafe_code {
            return;
        }
        let package = cx.package();
        if package.targets.is_empty() {
            return;
        }
        if matches!(package.lints.level("rust", "unsafe_code"), Some(LintLevel::Forbid | LintLevel::Deny)) {
            return;
        }
        let Some(span) = package.package_span.clone() else { return };
        // The `[package]` header rather than the whole table.
        let header =
            package.manifest_text.get(span.clone()).filter(|t| t.starts_with('[')).and_then(|table| {
                let line = table.split('\n').next().unwrap_or(table);
                line.find(']').map(|end| span.start..span.start + end + 1)
            });
        let span = header.unwrap_or(span);
        let message = format!(
            "package `{}` has no `unsafe` code but does not forbid it: nothing stops `unsafe` from \
             slipping in unnoticed later",
            package.name
        );
        let help = if package.lints_inherited {
            "this package inherits the workspace's lints: add `unsafe_code = \"forbid\"` to the \
             `[workspace.lints.rust]` table of the workspace's root `Cargo.toml`"
        } else {
            "add `unsafe_code = \"forbid\"` to a `[lints.rust]` table in this `Cargo.toml`"
        };
        cx.report(span, message).help(help);
    }
}
