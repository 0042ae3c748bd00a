use crate::declare_rule;
use crate::project::{Package, locate};
use crate::rule::{PackageCx, Rule};

declare_rule! {
    /// ## What it does
    /// Finds workspaces (and packages outside a workspace) with no cargo-deny configuration
    /// at their root: no `deny.toml`, `.deny.toml` or `.cargo/deny.toml`. The finding is on
    /// the `[workspace]` header of the root manifest (or the package's `[package]`), once per
    /// workspace.
    ///
    /// ## Why is this bad?
    /// Compile-time review sees the code, not the dependency graph. cargo-deny checks what
    /// the graph brings in: dependencies with security advisories or that are unmaintained,
    /// licenses the project cannot accept, crates from unknown registries or git
    /// repositories, and duplicate versions. Without a configuration in the repository, no
    /// CI job runs those checks the same way for everyone.
    ///
    /// ## Example
    /// A workspace root with this `Cargo.toml`, and no `deny.toml` beside it:
    /// ```toml
    /// [package]
    /// name = "example"
    /// version = "0.1.0"
    /// edition = "2024"
    /// ```
    ///
    /// ## Use instead
    /// Run `cargo deny init` at the root, review the licenses it allows, commit `deny.toml`,
    /// and run `cargo deny check` in CI. A short `deny.toml`:
    /// ```toml
    /// # file: deny.toml
    /// [advisories]
    /// yanked = "deny"
    ///
    /// [licenses]
    /// allow = ["MIT", "Apache-2.0"]
    ///
    /// [sources]
    /// unknown-registry = "deny"
    /// unknown-git = "deny"
    /// ```
    ///
    /// ## Fix safety
    /// No fix: which licenses and sources a project accepts is a decision for its people.
    pub struct MissingDenyConfig {
        name: "missing_deny_config",
        category: Manifest,
        level: Pedantic,
        fix: None,
        clippy: [],
        summary: "no cargo-deny configuration (`deny.toml`) at the workspace root",
        kinds: [],
    }
}

/// Where cargo-deny finds its configuration, relative to the workspace root.
const CONFIG_FILES: &[&str] = &["deny.toml", ".deny.toml", ".cargo/deny.toml"];

const HELP: &str = "run `cargo deny init` at the workspace root, review the licenses and sources it \
                    allows, commit `deny.toml`, and run `cargo deny check` in CI";

/// Whether cargo-deny's configuration is at the root of the package's workspace; `None`
/// when the root is unknown. This is the one thing a package rule reads from disk: the
/// memo of the package stage's results keys on it.
pub(crate) fn has_deny_config(package: &Package) -> Option<bool> {
    let root = match &package.workspace_manifest {
        Some(manifest) => manifest.parent()?,
        None => package.dir.as_path(),
    };
    Some(CONFIG_FILES.iter().any(|file| root.join(file).is_file()))
}

impl Rule for MissingDenyConfig {
    fn check_package(&self, cx: &mut PackageCx<'_>) {
        let package = cx.package();
        if package.targets.is_empty() {
            return;
        }
        if has_deny_config(package) != Some(false) {
            return;
        }
        let message = "no cargo-deny configuration at the workspace root: nothing checks the \
                       dependencies' advisories, licenses and sources";
        if package.workspace_manifest.is_some() {
            let Some(span) = cx.workspace_manifest_text().and_then(|text| locate(text, &["workspace"]))
            else {
                return;
            };
            cx.report_in_workspace(span, message).help(HELP);
        } else {
            let Some(span) = locate(&package.manifest_text, &["package"]) else { return };
            cx.report(span, message).help(HELP);
        }
    }
}
