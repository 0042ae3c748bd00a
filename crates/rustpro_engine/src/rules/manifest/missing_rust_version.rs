use std::path::Path;

use crate::declare_rule;
use crate::fix::manifest::{edit_manifest, insert_string_after, table_at};
use crate::project::{NewerManifestKeys, Package, locate, newer_manifest_keys};
use crate::rule::{FileCx, FileFacts, PackageCx, RequiredRust, Rule};
use crate::rules::manifest::rust_version_too_low::manifest_uses;
use crate::rules::util::feature_use::{
    FEATURE_KINDS, FEATURE_MARKS, feature_use, feature_words, features_apply, may_use_feature, newer_at,
};
use crate::rules::util::rust_features::{Detect, edition_minor, feature};
use crate::source::parse::{GreenRef, SyntaxKind, SyntaxNode};

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
    /// Safe. When the workspace's `[workspace.package]` names a `rust-version`, the fix adds
    /// `rust-version.workspace = true` to the package. Otherwise it adds `rust-version =
    /// "1.NN"` to `[package]`, right after `edition` (every other byte of the manifest
    /// stays), where 1.NN is the oldest release that has everything rustpro sees the package
    /// use: its edition (2018: 1.31, 2021: 1.56, 2024: 1.85), the language and library
    /// features of its library and binaries (the table of `rust_version_too_low`; tests,
    /// examples and opt-in features do not count), and the manifest keys it uses (`dep:`
    /// features, workspace inheritance, `resolver = "3"`).
    /// When members inherit `rust-version.workspace = true` from a `[workspace.package]`
    /// that has none, the fix goes there, with the newest release any of those members
    /// needs. The help names the feature that sets the version and where it is used.
    ///
    /// The version is a lower bound: rustpro cannot see what dependencies need, nor
    /// library items outside its table. Building on that toolchain (`cargo +1.NN check`)
    /// tells; raise it where that fails. The declared version also steers the dependency
    /// resolver towards versions that support it, which is the point of declaring it.
    pub struct MissingRustVersion {
        name: "missing_rust_version",
        category: Manifest,
        level: Warn,
        fix: Safe,
        clippy: [],
        summary: "package without `rust-version`",
        kinds: FEATURE_KINDS,
    }
}

/// The oldest release a package needs, and what sets it (for the help).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Need {
    minor: u32,
    reason: String,
}

impl Need {
    fn raise(&mut self, minor: u32, reason: impl FnOnce() -> String) {
        if minor > self.minor {
            *self = Need { minor, reason: reason() };
        }
    }
}

/// What `package` needs: its edition, the features of its code (`facts`), the keys of its
/// manifest, and the keys of the workspace's root manifest (`root`) that every member builds with.
fn need_of(package: &Package, facts: &FileFacts, root: Option<&str>) -> Need {
    let mut need = Need { minor: 0, reason: String::new() };
    let edition = feature(Detect::Edition(package.edition));
    need.raise(edition_minor(package.edition), || format!("{} (package `{}`)", edition.name, package.name));
    if let Some(RequiredRust { minor, feature, path, line }) = &facts.required_rust {
        let at = path.strip_prefix(&package.dir).unwrap_or(path);
        need.raise(*minor, || format!("{feature} (package `{}`, {}:{line})", package.name, at.display()));
    }
    let own_is_root = package.workspace_manifest.as_ref().is_none_or(|ws| *ws == package.manifest_path);
    let mut keys = manifest_uses(newer_manifest_keys(&package.manifest_text, own_is_root), 0);
    if let Some(root) = root.filter(|_| !own_is_root).map(|t| newer_manifest_keys(t, true)) {
        let root = NewerManifestKeys {
            resolver_v3: root.resolver_v3,
            profile_strip: root.profile_strip,
            ..Default::default()
        };
        keys.extend(manifest_uses(root, 0));
    }
    for (_, found) in keys {
        need.raise(found.minor, || format!("{} (`Cargo.toml` of package `{}`)", found.name, package.name));
    }
    need
}

impl Rule for MissingRustVersion {
    fn words(&self) -> Option<&'static [&'static str]> {
        Some(feature_words())
    }

    fn marks(&self) -> &'static [&'static str] {
        FEATURE_MARKS
    }

    /// The floor only rises during the walk (with the features found): the edition's is the
    /// lowest.
    fn applies_to_file(&self, cx: &FileCx<'_>) -> bool {
        let package = cx.package();
        package.rust_version.is_none() && features_apply(cx, edition_minor(package.edition))
    }

    /// The edition's floor, the lowest, as above.
    fn looks_at_kind(&self, kind: SyntaxKind, cx: &FileCx<'_>) -> bool {
        newer_at(kind, edition_minor(cx.package().edition))
    }

    fn accepts(&self, node: GreenRef<'_>) -> bool {
        may_use_feature(node)
    }

    /// Features used in test code do not count.
    fn looks_in_test_code(&self, _kind: SyntaxKind) -> bool {
        false
    }

    /// Gathers the newest feature the code of a package without `rust-version` uses.
    fn check_node(&self, node: &SyntaxNode, cx: &mut FileCx<'_>) {
        let package = cx.package();
        if package.rust_version.is_some() {
            return;
        }
        let known = cx.facts.required_rust.as_ref().map_or(0, |r| r.minor);
        let floor = edition_minor(package.edition).max(known);
        let Some(found) = feature_use(node, cx, floor) else { return };
        let line = cx.line_of(found.range.start());
        let required = RequiredRust {
            minor: found.feature.minor,
            feature: found.feature.name.into(),
            path: cx.path().to_path_buf(),
            line,
        };
        cx.facts.require_rust(required);
    }

    fn check_package(&self, cx: &mut PackageCx<'_>) {
        let package = cx.package();
        if package.targets.is_empty() || package.rust_version.is_some() {
            return;
        }
        let workspace = package.workspace_manifest.as_deref().zip(cx.workspace_manifest_text());
        if package.rust_version_inherited {
            // `rust-version.workspace = true` with nothing to inherit.
            let Some((path, text)) = workspace else { return };
            let Some(span) = locate(text, &["workspace", "package"]).or_else(|| locate(text, &["workspace"]))
            else {
                return;
            };
            let need = cx
                .workspace_members()
                .filter(|(member, _)| member.rust_version_inherited && !member.targets.is_empty())
                .map(|(member, facts)| need_of(member, facts, Some(text)))
                .fold(None::<Need>, |best, need| match best {
                    Some(best) if best.minor >= need.minor => Some(best),
                    _ => Some(need),
                })
                .unwrap_or_else(|| need_of(package, cx.facts(), Some(text)));
            let edit = insert_version(path, text, &["workspace", "package"], need.minor);
            let help = add_help(&need, " to `[workspace.package]`");
            let report = cx.report_in_workspace(
                span,
                "members inherit `rust-version.workspace = true` but `[workspace.package]` has no `rust-version`",
            );
            report.help(help).safe_fix(title(&need), edit);
            return;
        }
        let text = &package.manifest_text;
        let Some(span) = locate(text, &["package"]) else { return };
        let message =
            format!("package `{}` does not say which Rust version it needs: no `rust-version`", package.name);
        let shared =
            workspace.filter(|(_, ws)| locate(ws, &["workspace", "package", "rust-version"]).is_some());
        if shared.is_none() {
            let need = need_of(package, cx.facts(), workspace.map(|(_, t)| t));
            let edit = insert_version(&package.manifest_path, text, &["package"], need.minor);
            let help = add_help(&need, "");
            cx.report(span, message).help(help).safe_fix(title(&need), edit);
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

/// `rust-version = "1.NN"` in the table at `keys`, after its `edition`.
fn insert_version(path: &Path, text: &str, keys: &[&str], minor: u32) -> Option<crate::diagnostic::Edit> {
    let version = format!("1.{minor}");
    edit_manifest(path, text, |doc| insert_string_after(doc, keys, "edition", "rust-version", &version))
}

fn title(need: &Need) -> String {
    format!("add `rust-version = \"1.{}\"`", need.minor)
}

/// The help: what to add (`place`: where, when not the package's own table), and why.
fn add_help(need: &Need, place: &str) -> String {
    if need.minor == 0 {
        return format!("add `rust-version = \"1.xx\"`{place}, the oldest toolchain the code builds with");
    }
    format!(
        "add `rust-version = \"1.{minor}\"`{place}: {} needs Rust 1.{minor}, and rustpro sees nothing \
         newer (dependencies may need more: check with `cargo +1.{minor} check`)",
        need.reason,
        minor = need.minor
    )
}
