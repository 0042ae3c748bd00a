use crate::declare_rule;
use crate::fix::manifest::{edit_manifest, table_at};
use crate::project::locate;
use crate::rule::{PackageCx, Rule};

declare_rule! {
    /// ## What it does
    /// Finds packages that do not say which Rust version they need: no `rust-version` in
    /// `[package]`, nor `rust-version.workspace = true`. A workspace whose members inherit
    /// `rust-version` but whose `[workspace.package]` has none is reported once, on the
    /// root manifest. The finding is on the `[package]` (or `[workspace]`) header.
    ///
    /// ## Why is this bad?
    /// Without `rust-version`, users on an older toolchain get a wall of confusing compile
    /// errors instead of one clear message, and the dependency resolver cannot pick
    /// dependency versions that still build on the toolchain the project supports. It is
    /// also the version every contributor can rely on when choosing language features.
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
    /// rust-version = "1.85"
    /// ```
    ///
    /// ## Fix safety
    /// Safe, and only offered when the workspace's `[workspace.package]` already names a
    /// `rust-version`: the fix adds `rust-version.workspace = true` to the package, which
    /// states what the workspace already supports. Otherwise the message asks for the
    /// oldest toolchain the code builds with (edition 2024 needs at least 1.85).
    pub struct MissingRustVersion {
        name: "missing_rust_version",
        category: Manifest,
        level: Warn,
        fix: Safe,
        clippy: [],
        summary: "package without `rust-version`",
        kinds: [],
    }
}

impl Rule for MissingRustVersion {
    fn check_package(&self, cx: &mut PackageCx<'_>) {
        let package = cx.package();
        if package.targets.is_empty() || package.rust_version.is_some() {
            return;
        }
        let minimum = match package.edition {
            crate::project::Edition::E2024 => " (edition 2024 needs at least 1.85)",
            crate::project::Edition::E2021 => " (edition 2021 needs at least 1.56)",
            _ => "",
        };
        let help =
            format!("add `rust-version = \"1.xx\"`, the oldest toolchain the code builds with{minimum}");
        let workspace = package.workspace_manifest.as_deref().zip(cx.workspace_manifest_text());
        if package.rust_version_inherited {
            // `rust-version.workspace = true` with nothing to inherit.
            let Some((_, text)) = workspace else { return };
            let Some(span) = locate(text, &["workspace", "package"]).or_else(|| locate(text, &["workspace"]))
            else {
                return;
            };
            cx.report_in_workspace(
                span,
                "members inherit `rust-version.workspace = true` but `[workspace.package]` has no `rust-version`",
            )
            .help(format!("{help}, in `[workspace.package]`"));
            return;
        }
        let text = &package.manifest_text;
        let Some(span) = locate(text, &["package"]) else { return };
        let message =
            format!("package `{}` does not say which Rust version it needs: no `rust-version`", package.name);
        let shared =
            workspace.filter(|(_, ws)| locate(ws, &["workspace", "package", "rust-version"]).is_some());
        if shared.is_none() {
            cx.report(span, message).help(help);
            return;
        }
        let path = package.manifest_path.clone();
        let edit = edit_manifest(&path, text, |doc| {
            let Some(package) = table_at(doc.as_table_mut(), &["package"]) else { return false };
            let mut inherit = toml_edit::Table::new();
            inherit.set_dotted(true);
            inherit.insert("workspace", toml_edit::value(true));
            package.insert("rust-version", toml_edit::Item::Table(inherit));
            true
        });
        let report = cx
            .report(span, message)
            .help("inherit the workspace's `rust-version` with `rust-version.workspace = true`");
        report.safe_fix("inherit the workspace's `rust-version`".to_owned(), edit);
    }
}
