use crate::declare_rule;
use crate::diagnostic::Edit;
use crate::fix::manifest::{edit_manifest, set_string, table_at};
use crate::project::locate;
use crate::rule::{PackageCx, Rule};

/// The lints a new package starts with (`[lints.TOOL] NAME = LEVEL`). Only warnings: adding
/// them never breaks a build that passes.
pub const LINTS_TEMPLATE: &[(&str, &str, &str)] = &[
    ("rust", "unsafe_op_in_unsafe_fn", "warn"),
    ("rust", "unused_qualifications", "warn"),
    ("clippy", "dbg_macro", "warn"),
    ("clippy", "todo", "warn"),
    ("clippy", "unwrap_used", "warn"),
];

declare_rule! {
    /// ## What it does
    /// Finds packages with no `[lints]` table (neither their own nor `lints.workspace =
    /// true`), and workspaces whose members inherit `lints.workspace = true` from a root
    /// manifest that has no `[workspace.lints]`. The finding is on the `[package]` header,
    /// or on the `[workspace]` header of the root manifest (once per workspace).
    ///
    /// ## Why is this bad?
    /// The `[lints]` table is where a project writes down its lint policy once, for every
    /// target and every developer, instead of `#![warn(..)]` attributes scattered over
    /// crate roots or flags that only CI passes. Without it, lints such as
    /// `clippy::unwrap_used` or `clippy::dbg_macro` are simply never asked for.
    ///
    /// ## Example
    /// ```toml
    /// [package]
    /// name = "example"
    /// version = "0.1.0"
    /// edition = "2024"
    /// ```
    ///
    /// ## Use instead
    /// ```toml
    /// [package]
    /// name = "example"
    /// version = "0.1.0"
    /// edition = "2024"
    ///
    /// [lints.rust]
    /// unsafe_op_in_unsafe_fn = "warn"
    ///
    /// [lints.clippy]
    /// unwrap_used = "warn"
    /// ```
    ///
    /// ## Fix safety
    /// Safe: the fix adds `lints.workspace = true` when the workspace has a `[workspace.lints]`
    /// table, and otherwise the template's table (`unsafe_op_in_unsafe_fn`,
    /// `unused_qualifications`, `clippy::dbg_macro`, `clippy::todo`, `clippy::unwrap_used`,
    /// all at `warn`) to the package, or to `[workspace.lints]` when the members already
    /// inherit it. Warnings never break a build that passes (unless the build denies
    /// warnings). Formatting and comments of the manifest are kept.
    pub struct MissingLintsTable {
        name: "missing_lints_table",
        category: Manifest,
        level: Warn,
        fix: Safe,
        clippy: [],
        summary: "package without a `[lints]` table",
        kinds: [],
    }
}

impl Rule for MissingLintsTable {
    fn check_package(&self, cx: &mut PackageCx<'_>) {
        let package = cx.package();
        if package.targets.is_empty() {
            return;
        }
        let workspace = package.workspace_manifest.as_deref().zip(cx.workspace_manifest_text());
        let workspace_has_lints =
            workspace.is_some_and(|(_, text)| locate(text, &["workspace", "lints"]).is_some());
        if package.lints_inherited {
            if workspace_has_lints {
                return;
            }
            let Some((path, text)) = workspace else { return };
            let Some(span) = locate(text, &["workspace"]) else { return };
            let edit = edit_manifest(path, text, template(&["workspace", "lints"]));
            let report = cx
                .report_in_workspace(
                    span,
                    "members inherit `lints.workspace = true` but the workspace has no `[workspace.lints]` \
                     table: no lint policy applies to them",
                )
                .help("add a `[workspace.lints]` table to the workspace's root `Cargo.toml`");
            attach(report, edit, "add the template's `[workspace.lints]` table");
            return;
        }
        let text = &package.manifest_text;
        if locate(text, &["lints"]).is_some() {
            return;
        }
        let Some(span) = locate(text, &["package"]) else { return };
        let path = &package.manifest_path;
        let message =
            format!("package `{}` has no `[lints]` table: no lint policy is written down", package.name);
        if workspace_has_lints {
            let edit = edit_manifest(path, text, |doc| {
                let Some(lints) = table_at(doc.as_table_mut(), &["lints"]) else { return false };
                lints.insert("workspace", toml_edit::value(true));
                true
            });
            let report =
                cx.report(span, message).help("inherit the workspace's lints with `lints.workspace = true`");
            attach(report, edit, "inherit the workspace's lints");
        } else {
            let edit = edit_manifest(path, text, template(&["lints"]));
            let report = cx.report(span, message).help(
                "add a `[lints]` table, for example `[lints.clippy]` with `unwrap_used = \"warn\"` and \
                 `dbg_macro = \"warn\"`",
            );
            attach(report, edit, "add the template's `[lints]` table");
        }
    }
}

/// Writes [`LINTS_TEMPLATE`] under the table at `keys`.
fn template<'k>(keys: &'k [&'k str]) -> impl FnOnce(&mut toml_edit::DocumentMut) -> bool + 'k {
    move |doc| {
        let mut changed = false;
        for (tool, lint, level) in LINTS_TEMPLATE {
            let mut path = keys.to_vec();
            path.push(tool);
            changed |= set_string(doc, &path, lint, level);
        }
        changed
    }
}

fn attach(report: crate::rule::ManifestReport<'_>, edit: Option<Edit>, title: &str) {
    report.safe_fix(title.to_owned(), edit);
}
