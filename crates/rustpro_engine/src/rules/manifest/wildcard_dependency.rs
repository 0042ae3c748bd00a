use crate::declare_rule;
use crate::project::{Dependency, DependencyKind, workspace_dependencies};
use crate::rule::{PackageCx, Rule};

declare_rule! {
    /// ## What it does
    /// Finds dependencies that accept any version: `foo = "*"` or `version = "*"`, in every
    /// dependency table (normal, dev, build, and `[target.'cfg(..)'.*]`), and in
    /// `[workspace.dependencies]` of the workspace's root manifest (reported there, once per
    /// workspace). The finding is on the dependency's key.
    ///
    /// ## Why is this bad?
    /// A wildcard says the code works with every release ever made and every one to come,
    /// which is never true: `cargo update`, or a fresh build without a lock file, may pick a
    /// new major version with breaking changes. The registry refuses to publish packages
    /// with wildcard dependencies for that reason.
    ///
    /// ## Example
    /// ```toml
    /// [package]
    /// name = "example"
    /// version = "0.1.0"
    /// edition = "2024"
    ///
    /// [dependencies]
    /// regex = "*"
    /// ```
    ///
    /// ## Use instead
    /// ```toml
    /// [package]
    /// name = "example"
    /// version = "0.1.0"
    /// edition = "2024"
    ///
    /// [dependencies]
    /// regex = "1.11"
    /// ```
    ///
    /// ## Fix safety
    /// No fix: the right requirement is the version the code was built and tested with,
    /// which `Cargo.lock` records (`cargo tree -i NAME --depth 0` shows it).
    pub struct WildcardDependency {
        name: "wildcard_dependency",
        category: Manifest,
        level: Warn,
        fix: None,
        clippy: [],
        summary: "dependency that accepts any version (`*`)",
        kinds: [],
    }
}

impl Rule for WildcardDependency {
    fn check_package(&self, cx: &mut PackageCx<'_>) {
        let package = cx.package();
        // An inherited dependency carries the workspace's version: it is reported once, on
        // `[workspace.dependencies]`.
        let own: Vec<Dependency> =
            package.dependencies.iter().filter(|d| !d.workspace && is_wildcard(d)).cloned().collect();
        for dep in own {
            let Some(span) = dep.span.clone() else { continue };
            let table = match dep.kind {
                DependencyKind::Normal => "dependency",
                DependencyKind::Dev => "dev-dependency",
                DependencyKind::Build => "build-dependency",
            };
            cx.report(span, message(&dep, table)).help(help(&dep));
        }
        let inherited: Vec<Dependency> = cx
            .workspace_manifest_text()
            .map(workspace_dependencies)
            .unwrap_or_default()
            .into_iter()
            .filter(is_wildcard)
            .collect();
        for dep in inherited {
            let Some(span) = dep.span.clone() else { continue };
            cx.report_in_workspace(span, message(&dep, "workspace dependency")).help(help(&dep));
        }
    }
}

fn is_wildcard(dep: &Dependency) -> bool {
    dep.version.as_deref().is_some_and(|v| v.trim() == "*")
}

fn message(dep: &Dependency, table: &str) -> String {
    let renamed = dep.package.as_ref().map(|p| format!(" (package `{p}`)")).unwrap_or_default();
    format!(
        "{table} `{}`{renamed} accepts any version (`*`): an update may bring in a release with breaking \
         changes, and the registry refuses to publish it",
        dep.name
    )
}

fn help(dep: &Dependency) -> String {
    format!(
        "require the version the code is built and tested with, as `Cargo.lock` records it (`cargo tree -i {} \
         --depth 0` shows it)",
        dep.package_name()
    )
}
