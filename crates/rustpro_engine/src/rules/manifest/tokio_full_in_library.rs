use crate::declare_rule;
use crate::project::{DependencyKind, workspace_dependencies};
use crate::rule::{PackageCx, Rule};

declare_rule! {
    /// ## What it does
    /// Finds packages with a library target whose normal dependency on tokio (also renamed
    /// with `package = "tokio"`, or limited to a `[target.'cfg(..)'.dependencies]` table)
    /// enables the `full` feature, directly or through `[workspace.dependencies]` when it
    /// says `workspace = true`. Development dependencies are not flagged: tests may use the
    /// whole runtime. The finding is on the dependency's key.
    ///
    /// ## Why is this bad?
    /// Features add up across the dependency graph: every crate that depends on the library
    /// compiles all of tokio (multi-threaded runtime, networking, processes, signals, file
    /// system, macros), whether it needs them or not, and cannot turn them off. A library
    /// should ask for what it uses (`sync`, `time`, `io-util`, ...) and leave the choice of
    /// runtime to the binary.
    ///
    /// ## Example
    /// ```toml
    /// [package]
    /// name = "example"
    /// version = "0.1.0"
    /// edition = "2024"
    ///
    /// [dependencies]
    /// tokio = { version = "1", features = ["full"] }
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
    /// tokio = { version = "1", features = ["sync", "time"] }
    ///
    /// [dev-dependencies]
    /// tokio = { version = "1", features = ["full"] }
    /// ```
    ///
    /// ## Fix safety
    /// No fix: which features the library needs depends on the tokio items it uses, and
    /// removing one it needs breaks the build.
    pub struct TokioFullInLibrary {
        name: "tokio_full_in_library",
        category: Manifest,
        level: Warn,
        fix: None,
        clippy: [],
        summary: "library enabling tokio's `full` feature",
        kinds: [],
    }
}

impl Rule for TokioFullInLibrary {
    fn check_package(&self, cx: &mut PackageCx<'_>) {
        let package = cx.package();
        if !package.has_lib() {
            return;
        }
        let shared = cx.workspace_manifest_text().map(workspace_dependencies).unwrap_or_default();
        let mut found = Vec::new();
        for dep in package.dependencies.iter().filter(|d| d.kind == DependencyKind::Normal) {
            let from_workspace = dep.workspace.then(|| shared.iter().find(|w| w.name == dep.name)).flatten();
            let package_name =
                dep.package.as_deref().or(from_workspace.map(|w| w.package_name())).unwrap_or(&dep.name);
            if package_name != "tokio" {
                continue;
            }
            // A dependency's features include those it inherits from the workspace.
            let full_inherited = from_workspace.is_some_and(|w| w.features.iter().any(|f| f == "full"));
            let full_here = !full_inherited && dep.features.iter().any(|f| f == "full");
            if !full_here && !full_inherited {
                continue;
            }
            let Some(span) = dep.span.clone() else { continue };
            found.push((span, full_here));
        }
        let name = package.name.clone();
        for (span, full_here) in found {
            let via = if full_here { "" } else { " (through `[workspace.dependencies]`)" };
            let message = format!(
                "library `{}` enables tokio's `full` feature{via}: every crate that depends on it compiles \
                 all of tokio, needed or not",
                name
            );
            cx.report(span, message).help(
                "list the features the library uses (for example `sync`, `time`, `io-util`, `net`), leave \
                 `rt-multi-thread` and `macros` to binaries, and keep `full` in `[dev-dependencies]` for tests",
            );
        }
    }
}
