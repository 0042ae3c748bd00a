use crate::declare_rule;
use crate::project::{Edition, locate, string_at};
use crate::rule::{PackageCx, Rule};

declare_rule! {
    /// ## What it does
    /// Finds packages whose edition is older than 2024, the current one, including packages
    /// that name no edition at all (cargo then reads them as 2015). The finding is on the
    /// `edition` key, or on the `[package]` header when the key is missing. A package that
    /// inherits its edition with `edition.workspace = true` is not flagged itself: the
    /// finding is on the `edition` key of `[workspace.package]` in the workspace's root
    /// manifest, once for the whole workspace.
    ///
    /// ## Why is this bad?
    /// Each edition fixes language rough edges and turns on better defaults: disjoint
    /// closure captures and `TryFrom` in the prelude (2021), `unsafe_op_in_unsafe_fn`, `gen`
    /// reserved, RPIT lifetime capture and temporary scopes that drop earlier (2024). Old
    /// editions also make new code and examples from the documentation harder to reuse.
    /// Migrating is mostly mechanical with `cargo fix --edition`.
    ///
    /// ## Example
    /// ```toml
    /// [package]
    /// name = "example"
    /// version = "0.1.0"
    /// edition = "2021"
    /// ```
    ///
    /// ## Use instead
    /// ```toml
    /// [package]
    /// name = "example"
    /// version = "0.1.0"
    /// edition = "2024"
    /// ```
    ///
    /// ## Fix safety
    /// No fix: changing the edition changes what the code means, and the code usually
    /// needs `cargo fix --edition` first. The message gives the steps: one edition at a
    /// time, run `cargo fix --edition --all-targets`, set the next edition, build and test.
    /// Edition 2024 needs Rust 1.85 or newer.
    pub struct EditionOutdated {
        name: "edition_outdated",
        category: Manifest,
        level: Warn,
        fix: None,
        clippy: [],
        summary: "package edition older than 2024",
        kinds: [],
    }
}

impl Rule for EditionOutdated {
    fn check_package(&self, cx: &mut PackageCx<'_>) {
        let package = cx.package();
        let edition = package.edition;
        let Some(next) = next(edition) else { return };
        if package.edition_inherited {
            let written =
                cx.workspace_manifest_text().and_then(|t| string_at(t, &["workspace", "package", "edition"]));
            if written.is_some_and(|e| Edition::parse(&e).is_none()) {
                return;
            }
            let Some(span) =
                cx.workspace_manifest_text().and_then(|t| locate(t, &["workspace", "package", "edition"]))
            else {
                return;
            };
            let message = format!(
                "the workspace's edition {} is older than 2024: its members miss the current language \
                 rules and lints",
                edition.as_str()
            );
            cx.report_in_workspace(span, message).help(steps(next, "--workspace "));
            return;
        }
        let text = &package.manifest_text;
        // An edition this version does not know is newer, not older (reported elsewhere).
        if string_at(text, &["package", "edition"]).is_some_and(|e| Edition::parse(&e).is_none()) {
            return;
        }
        let (span, message) = match locate(text, &["package", "edition"]) {
            Some(span) => (
                span,
                format!(
                    "edition {} is older than 2024: the package misses the current language rules and lints",
                    edition.as_str()
                ),
            ),
            None => {
                let Some(span) = locate(text, &["package"]) else { return };
                (span, "no `edition` in `[package]`: cargo reads the code as edition 2015".to_owned())
            }
        };
        cx.report(span, message).help(steps(next, ""));
    }
}

/// The migration steps towards `next`; `flags` go to `cargo fix`.
fn steps(next: Edition, flags: &str) -> String {
    let rest = if next == Edition::E2024 { "" } else { ", and repeat up to 2024" };
    format!(
        "migrate one edition at a time: run `cargo fix --edition {flags}--all-targets`, set `edition = \"{}\"`, \
         then build and test{rest}; edition 2024 needs Rust 1.85 or newer",
        next.as_str()
    )
}

/// The edition after `edition`; `None` for the newest.
fn next(edition: Edition) -> Option<Edition> {
    let at = Edition::ALL.iter().position(|e| *e == edition)?;
    Edition::ALL.get(at + 1).copied()
}
