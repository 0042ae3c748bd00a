use crate::declare_rule;
use crate::fix::manifest::{edit_manifest, table_at};
use crate::project::{TargetKind, locate, release_profile};
use crate::rule::{PackageCx, Rule};

declare_rule! {
    /// ## What it does
    /// Finds projects with binaries whose `[profile.release]` does not say `lto` or
    /// `codegen-units`. Cargo reads profiles only from the workspace's root manifest, so the
    /// finding is there, once per workspace: on the `[profile.release]` header, or on the
    /// `[workspace]` (or `[package]`) header when the profile is missing. Values written
    /// explicitly (`lto = false`, `codegen-units = 16`) are a decision and are left alone.
    ///
    /// ## Why is this bad?
    /// By default a release build splits each crate into 16 code generation units and
    /// optimizes only inside one crate at a time (thin local LTO). Binaries shipped to users
    /// usually run faster and are smaller with link-time optimization across crates and a
    /// single codegen unit, at the price of a slower release build.
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
    /// [profile.release]
    /// lto = "thin"
    /// codegen-units = 1
    /// ```
    ///
    /// ## Fix safety
    /// Safe: the fix adds the missing `lto = "thin"` and `codegen-units = 1` to
    /// `[profile.release]` of the root manifest (creating the table). The program's behaviour
    /// is unchanged; release builds take longer. Formatting and comments are kept.
    pub struct ReleaseProfileUnoptimized {
        name: "release_profile_unoptimized",
        category: Manifest,
        level: Pedantic,
        fix: Safe,
        clippy: [],
        summary: "binaries built without `lto` and `codegen-units = 1` in release",
        kinds: [],
    }
}

impl Rule for ReleaseProfileUnoptimized {
    fn check_package(&self, cx: &mut PackageCx<'_>) {
        let package = cx.package();
        if !package.targets.iter().any(|t| t.kind == TargetKind::Bin) {
            return;
        }
        let (path, text, in_workspace) = match (&package.workspace_manifest, cx.workspace_manifest_text()) {
            (Some(path), Some(text)) => (path.clone(), text.to_owned(), true),
            _ => (package.manifest_path.clone(), package.manifest_text.clone(), false),
        };
        let profile = release_profile(&text);
        let missing: Vec<&str> = [("lto", profile.lto_set), ("codegen-units", profile.codegen_units_set)]
            .into_iter()
            .filter(|(_, set)| !set)
            .map(|(key, _)| key)
            .collect();
        if missing.is_empty() {
            return;
        }
        let owner =
            if in_workspace && locate(&text, &["workspace"]).is_some() { "workspace" } else { "package" };
        let Some(span) = locate(&text, &["profile", "release"]).or_else(|| locate(&text, &[owner])) else {
            return;
        };
        let message = format!(
            "release builds of the binaries are not fully optimized: `[profile.release]` does not set {}",
            missing.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(" or ")
        );
        let edit = edit_manifest(&path, &text, |doc| {
            let Some(release) = table_at(doc.as_table_mut(), &["profile", "release"]) else { return false };
            if !profile.lto_set {
                release.insert("lto", toml_edit::value("thin"));
            }
            if !profile.codegen_units_set {
                release.insert("codegen-units", toml_edit::value(1));
            }
            true
        });
        let help = "set `lto = \"thin\"` (or `true`) and `codegen-units = 1` in `[profile.release]` of the root \
                    `Cargo.toml`";
        let report =
            if in_workspace { cx.report_in_workspace(span, message) } else { cx.report(span, message) };
        let report = report.help(help);
        report.safe_fix("optimize release builds across crates".to_owned(), edit);
    }
}
