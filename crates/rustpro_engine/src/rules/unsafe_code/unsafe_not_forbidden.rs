use crate::declare_rule;
use crate::fix::manifest::{edit_manifest, set_string};
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
    /// Safe: the fix adds `unsafe_code = "forbid"` to the package's `[lints.rust]` table
    /// (creating it), or to `[workspace.lints.rust]` in the workspace's root manifest when
    /// the package inherits the workspace's lints. Nothing in the package uses `unsafe`, so
    /// the build is unchanged. When another member that inherits the workspace's lints does
    /// use `unsafe`, forbidding it for the whole workspace would break that member: no fix
    /// is offered then. Formatting and comments of the manifest are kept.
    pub struct UnsafeNotForbidden {
        name: "unsafe_not_forbidden",
        category: Unsafe,
        level: Warn,
        fix: Safe,
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
        let (help, edit) = match (package.lints_inherited, &package.workspace_manifest) {
            (true, Some(ws_path)) => {
                let edit = cx
                    .workspace_manifest_text()
                    .filter(|_| !cx.workspace_lint_heirs_use_unsafe())
                    .and_then(|text| edit_manifest(ws_path, text, forbid(&["workspace", "lints", "rust"])));
                let help = "this package inherits the workspace's lints: add `unsafe_code = \"forbid\"` \
                            to the `[workspace.lints.rust]` table of the workspace's root `Cargo.toml`";
                (help, edit)
            }
            _ => {
                let path = &package.manifest_path;
                let edit = edit_manifest(path, &package.manifest_text, forbid(&["lints", "rust"]));
                ("add `unsafe_code = \"forbid\"` to a `[lints.rust]` table in this `Cargo.toml`", edit)
            }
        };
        let report = cx.report(span, message).help(help);
        report.safe_fix("forbid `unsafe_code` in the manifest's lints".to_owned(), edit);
    }
}

/// Sets `unsafe_code = "forbid"` in the lints table at `keys`.
fn forbid<'k>(keys: &'k [&'k str]) -> impl FnOnce(&mut toml_edit::DocumentMut) -> bool + 'k {
    move |doc| set_string(doc, keys, "unsafe_code", "forbid")
}
