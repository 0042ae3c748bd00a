use std::collections::HashMap;
use std::path::PathBuf;

use crate::declare_rule;
use crate::project::{NewerManifestKeys, TomlSpan, locate, newer_manifest_keys};
use crate::rule::{FileCx, PackageCx, Rule, WorkspaceCx};
use crate::rules::util::feature_use::{
    FEATURE_KINDS, FEATURE_MARKS, feature_use, feature_words, features_apply, may_use_feature, newer_at,
};
use crate::rules::util::rust_features::{
    Detect, Feature, ManifestKey, edition_minor, feature, parse_rust_version,
};
use crate::source::parse::{GreenRef, SyntaxKind, SyntaxNode};

declare_rule! {
    /// ## What it does
    /// Finds code and manifest keys that need a newer Rust than the package's `rust-version`
    /// (its own, or the workspace's with `rust-version.workspace = true`): `LazyLock` (1.80)
    /// under `rust-version = "1.70"`, native `async fn` in traits (1.75), let chains (1.88),
    /// `edition = "2024"` (1.85), `dep:` features (1.60), and the other features of rustpro's
    /// table (`rustpro explain rust_version_too_low` lists the kinds; the table lives in
    /// `rules/util/rust_features.rs`). Code is reported once per feature and file, at its
    /// first use, with the number of further uses; manifest keys at the key.
    ///
    /// Only code a default build compiles counts: the library and binaries, not tests,
    /// examples, benchmarks or `#[cfg(test)]` modules (users never build them, their
    /// dev-dependencies often need a newer toolchain anyway, and projects check the promise
    /// with `cargo check --lib --bins`; on the corpus, 121 of 145 findings were in such
    /// code of crates that test their `rust-version` this way). Code under a `cfg` that a
    /// default build leaves off is skipped too: an opt-in feature (crates document
    /// "feature X needs Rust 1.NN"), `not(feature = "std")`, a condition the crate sets
    /// itself (a build script's version probe such as `#[cfg(has_lazy_lock)]`, or `docsrs`),
    /// and `#[rustversion::..]` items; a module declared under such a `cfg` is skipped
    /// whole, its file and the files of its own modules. A method is not reported in a file
    /// that defines a `fn` of that name (a polyfill trait). Packages without `rust-version` are the
    /// business of `missing_rust_version`.
    ///
    /// ## Why is this bad?
    /// `rust-version` is a promise: the package builds with that toolchain. Cargo holds users
    /// to it (older toolchains get a clear error, the resolver picks dependency versions that
    /// fit it), but it never checks the code against it. Code that uses a newer feature
    /// breaks every user on the promised toolchain with compile errors that point at the
    /// code, not at the broken promise.
    ///
    /// ## Example
    /// ```toml
    /// [package]
    /// name = "example"
    /// version = "0.1.0"
    /// edition = "2021"
    /// rust-version = "1.70"
    /// ```
    ///
    /// ```rust
    /// use std::sync::LazyLock;
    ///
    /// static TABLE: LazyLock<Vec<u32>> = LazyLock::new(|| (0..10).collect());
    /// ```
    ///
    /// ## Use instead
    /// ```toml
    /// [package]
    /// name = "example"
    /// version = "0.1.0"
    /// edition = "2021"
    /// rust-version = "1.80"
    /// ```
    ///
    /// ```rust
    /// use std::sync::LazyLock;
    ///
    /// static TABLE: LazyLock<Vec<u32>> = LazyLock::new(|| (0..10).collect());
    /// ```
    /// Or keep the older `rust-version` and do without the feature (`OnceLock`, 1.70).
    ///
    /// ## Fix safety
    /// No fix: raising `rust-version` drops users, and rewriting the code is a choice only
    /// the maintainers can make. The message names the feature, the version it needs and
    /// the declared one.
    pub struct RustVersionTooLow {
        name: "rust_version_too_low",
        category: Manifest,
        level: Warn,
        fix: None,
        clippy: ["incompatible_msrv"],
        summary: "code or manifest uses a feature newer than `rust-version`",
        kinds: FEATURE_KINDS,
    }
}

/// What a finding in code keeps for the workspace stage: its feature.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Use(String);

impl Rule for RustVersionTooLow {
    fn words(&self) -> Option<&'static [&'static str]> {
        Some(feature_words())
    }

    fn marks(&self) -> &'static [&'static str] {
        FEATURE_MARKS
    }

    fn applies_to_file(&self, cx: &FileCx<'_>) -> bool {
        cx.declared_rust_minor().is_some_and(|declared| features_apply(cx, declared))
    }

    fn looks_at_kind(&self, kind: SyntaxKind, cx: &FileCx<'_>) -> bool {
        cx.declared_rust_minor().is_some_and(|declared| newer_at(kind, declared))
    }

    fn accepts(&self, node: GreenRef<'_>) -> bool {
        may_use_feature(node)
    }

    /// Features used in test code do not count.
    fn looks_in_test_code(&self, _kind: SyntaxKind) -> bool {
        false
    }

    fn check_node(&self, node: &SyntaxNode, cx: &mut FileCx<'_>) {
        let Some(declared) = cx.declared_rust_minor() else { return };
        let Some(found) = feature_use(node, cx, declared) else { return };
        let text = cx.package().rust_version.clone().unwrap_or_default();
        let inherited = cx.package().rust_version_inherited;
        let (message, help) = describe(found.feature, &text, inherited);
        cx.report(found.range, message).help(help).defer(Use(found.feature.name.to_owned()));
    }

    /// One finding per feature and file: the first use, with the number of the others.
    fn finish(&self, cx: &mut WorkspaceCx<'_>) {
        let mut seen: HashMap<(PathBuf, String), usize> = HashMap::new();
        let mut kept = Vec::new();
        for item in cx.take_items() {
            let (Some(finding), Some(Use(name))) = (item.finding, item.data.get::<Use>()) else {
                continue;
            };
            match seen.get(&(item.path.to_path_buf(), name.clone())) {
                Some(&at) => {
                    let (_, more): &mut (_, usize) = &mut kept[at];
                    *more += 1;
                }
                None => {
                    seen.insert((item.path.to_path_buf(), name.clone()), kept.len());
                    kept.push((finding, 0));
                }
            }
        }
        for (mut finding, more) in kept {
            if more > 0 {
                let uses = if more == 1 { "use" } else { "uses" };
                finding.message = format!("{} ({more} more {uses} in this file)", finding.message);
            }
            cx.report(*finding);
        }
    }

    fn check_package(&self, cx: &mut PackageCx<'_>) {
        // Not borrowed from `cx`: findings are reported while the package is read.
        let package = cx.package;
        let Some(text) = package.rust_version.clone() else { return };
        let Some(declared) = parse_rust_version(&text) else { return };
        let inherited = package.rust_version_inherited;
        // The edition, where it is written.
        let edition = feature(Detect::Edition(package.edition));
        if edition_minor(package.edition) > declared {
            let (message, help) = describe(edition, &text, inherited);
            if package.edition_inherited {
                let span = cx
                    .workspace_manifest_text()
                    .and_then(|t| locate(t, &["workspace", "package", "edition"]));
                if let Some(span) = span {
                    cx.report_in_workspace(span, message).help(help);
                }
            } else if let Some(span) = locate(&package.manifest_text, &["package", "edition"]) {
                cx.report(span, message).help(help);
            }
        }
        let own_is_root = package.workspace_manifest.as_ref().is_none_or(|ws| *ws == package.manifest_path);
        for (span, found) in manifest_uses(newer_manifest_keys(&package.manifest_text, own_is_root), declared)
        {
            let (message, help) = describe(found, &text, inherited);
            cx.report(span, message).help(help);
        }
        if own_is_root {
            return;
        }
        // What the workspace's root manifest decides for every member.
        let Some(root) = cx.workspace_manifest_text().map(|t| newer_manifest_keys(t, true)) else { return };
        let root = NewerManifestKeys {
            resolver_v3: root.resolver_v3,
            profile_strip: root.profile_strip,
            ..Default::default()
        };
        for (span, found) in manifest_uses(root, declared) {
            let (message, help) = describe(found, &text, inherited);
            cx.report_in_workspace(span, format!("{message} (of member `{}`)", package.name)).help(help);
        }
    }
}

/// The manifest keys newer than `1.declared`, with their features.
pub(crate) fn manifest_uses(keys: NewerManifestKeys, declared: u32) -> Vec<(TomlSpan, &'static Feature)> {
    let NewerManifestKeys { profile_strip, namespaced_features, workspace_inheritance, resolver_v3 } = keys;
    [
        (profile_strip, ManifestKey::ProfileStrip),
        (namespaced_features, ManifestKey::NamespacedFeatures),
        (workspace_inheritance, ManifestKey::WorkspaceInheritance),
        (resolver_v3, ManifestKey::ResolverV3),
    ]
    .into_iter()
    .filter_map(|(span, key)| Some((span?, feature(Detect::Manifest(key)))))
    .filter(|(_, found)| found.minor > declared)
    .collect()
}

fn describe(found: &Feature, declared: &str, inherited: bool) -> (String, String) {
    let whose = if inherited { "the workspace's `rust-version`" } else { "`rust-version`" };
    let message =
        format!("uses {}, stable since Rust 1.{}, but {whose} is {declared}", found.name, found.minor);
    let place = if inherited { " in `[workspace.package]`" } else { "" };
    let help = format!(
        "raise `rust-version`{place} to \"1.{}\" (and test on that toolchain), or do without {} to keep \
         supporting {declared}",
        found.minor, found.name
    );
    (message, help)
}
