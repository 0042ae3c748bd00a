use std::collections::{HashMap, HashSet};

use crate::declare_rule;
use crate::project::{Dependency, DependencyKind, Package};
use crate::rule::{FileCx, PackageCx, Rule, WorkspaceCx};
use crate::rules::async_code::async_trait_macro::async_trait_attr;
use crate::rules::util::dyn_trait_names;
use crate::rules::util::rust_features::{Minor, parse_rust_version};
use crate::source::parse::ast::HasName;
use crate::source::parse::{AstNode, SyntaxKind, SyntaxNode, ast};

declare_rule! {
    /// ## What it does
    /// Finds dependencies on crates that are deprecated, unmaintained, or replaced by the
    /// standard library. Each entry of the table names what replaces it and, when the
    /// replacement is in the standard library, the Rust version that brought it:
    ///
    /// | crate | instead | since |
    /// |---|---|---|
    /// | `lazy_static` | `std::sync::LazyLock` | Rust 1.80 |
    /// | `once_cell` | `std::sync::OnceLock`, `std::cell::OnceCell` (1.70); `LazyLock`, `LazyCell` (1.80) | Rust 1.70 |
    /// | `async-trait` | `async fn` in traits | Rust 1.75 |
    /// | `atty` | `std::io::IsTerminal` | Rust 1.70 |
    /// | `memoffset` | `std::mem::offset_of!` | Rust 1.77 |
    /// | `matches` | `std::matches!` | Rust 1.42 |
    /// | `structopt` | `clap` with its `derive` feature | |
    /// | `failure`, `error-chain` | `std::error::Error` with `thiserror` (libraries) or `anyhow` (applications) | |
    /// | `async-std` | `smol` or `tokio` | |
    /// | `tempdir` | `tempfile` | |
    /// | `serde_cbor` | `ciborium` or `minicbor` | |
    /// | `dotenv` | `dotenvy` | |
    /// | `ansi_term` | `anstyle`, `nu-ansi-term` or `owo-colors` | |
    /// | `proc-macro-error` | `proc-macro-error2`, or `syn::Error::to_compile_error` | |
    /// | `net2` | `socket2` | |
    /// | `mach` | `mach2` | |
    /// | `instant` | `web-time`, or `std::time::Instant` off the web | |
    /// | `serde_yaml` | a maintained YAML crate, chosen after review | |
    ///
    /// Every dependency table counts (normal, dev, build, target-specific), renamed
    /// dependencies (`x = { package = "lazy_static" }`) and those inherited from
    /// `[workspace.dependencies]` too. A standard-library replacement newer than the
    /// package's `rust-version` is not suggested, nor one for a `no_std` use: `once_cell`
    /// without its `std` feature or with `race`, `lazy_static` with `spin_no_std`. `async-trait` is reported only when every
    /// trait it is used for is defined in the workspace and none is used as `dyn Trait`
    /// (native async traits are not dyn-compatible); a package that only uses it for traits
    /// of other crates still needs it, and an unused `async-trait` is `async_trait_macro`'s
    /// finding. The finding is on the dependency's key.
    ///
    /// ## Why is this bad?
    /// An unmaintained crate gets no fixes, security ones included, and a crate the standard
    /// library replaced is one more dependency to build, audit and keep up to date for
    /// something every toolchain already has.
    ///
    /// ## Example
    /// ```toml
    /// [package]
    /// name = "example"
    /// version = "0.1.0"
    /// edition = "2024"
    ///
    /// [dependencies]
    /// lazy_static = "1"
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
    /// with `static CONFIG: std::sync::LazyLock<Config> = std::sync::LazyLock::new(Config::load);`
    /// in the code.
    ///
    /// ## Fix safety
    /// No fix: replacing a crate means changing the code that uses it.
    pub struct DeprecatedDependency {
        name: "deprecated_dependency",
        category: Manifest,
        level: Warn,
        fix: None,
        clippy: [],
        summary: "dependency on a deprecated crate or one the standard library replaced",
        kinds: [TRAIT, IMPL, DYN_TRAIT_TYPE],
    }
}

/// One crate of the table.
struct Entry {
    package: &'static str,
    /// Why it should go.
    why: &'static str,
    /// What replaces it.
    instead: &'static str,
    /// The Rust release (`1.minor`) whose standard library replaces it.
    since: Option<Minor>,
}

const ASYNC_TRAIT: Entry = Entry {
    package: "async-trait",
    why: "native `async fn` in traits replaces it",
    instead: "`async fn` in traits",
    since: Some(75),
};

#[rustfmt::skip]
const TABLE: &[Entry] = &[
    Entry { package: "lazy_static", why: "the standard library has `LazyLock`", instead: "`static X: std::sync::LazyLock<T> = LazyLock::new(|| ..)`", since: Some(80) },
    Entry { package: "once_cell", why: "the standard library has the same cells", instead: "`std::sync::OnceLock` and `std::cell::OnceCell` (Rust 1.70), `std::sync::LazyLock` and `std::cell::LazyCell` (Rust 1.80)", since: Some(70) },
    Entry { package: "atty", why: "it is unmaintained, and the standard library has `IsTerminal`", instead: "`std::io::IsTerminal` (`std::io::stdout().is_terminal()`)", since: Some(70) },
    Entry { package: "memoffset", why: "the standard library has `offset_of!`", instead: "`std::mem::offset_of!`", since: Some(77) },
    Entry { package: "matches", why: "the standard library has `matches!`", instead: "`std::matches!`, in the prelude", since: Some(42) },
    Entry { package: "structopt", why: "it is in maintenance mode: its derive lives on in clap", instead: "`clap` with the `derive` feature (`#[derive(clap::Parser)]`)", since: None },
    Entry { package: "failure", why: "it is deprecated", instead: "`std::error::Error` types, derived with `thiserror` in libraries, and `anyhow` in applications", since: None },
    Entry { package: "error-chain", why: "it is unmaintained", instead: "`std::error::Error` types, derived with `thiserror` in libraries, and `anyhow` in applications", since: None },
    Entry { package: "async-std", why: "it is discontinued", instead: "`smol`, or `tokio`", since: None },
    Entry { package: "tempdir", why: "it is deprecated and merged into `tempfile`", instead: "`tempfile::TempDir` (`tempfile::tempdir()`)", since: None },
    Entry { package: "serde_cbor", why: "it is unmaintained", instead: "`ciborium` or `minicbor`", since: None },
    Entry { package: "dotenv", why: "it is unmaintained", instead: "`dotenvy`, a maintained fork", since: None },
    Entry { package: "ansi_term", why: "it is unmaintained", instead: "`anstyle`, `nu-ansi-term` or `owo-colors`", since: None },
    Entry { package: "proc-macro-error", why: "it is unmaintained", instead: "`proc-macro-error2`, or errors built with `syn::Error::to_compile_error`", since: None },
    Entry { package: "net2", why: "it is deprecated", instead: "`socket2`", since: None },
    Entry { package: "mach", why: "it is unmaintained", instead: "`mach2`", since: None },
    Entry { package: "instant", why: "it is unmaintained", instead: "`web-time`, or `std::time::Instant` when the web is not a target", since: None },
    Entry { package: "serde_yaml", why: "it is deprecated and no longer maintained", instead: "a maintained YAML crate, chosen after review, or another format", since: None },
];

/// What the file walk keeps for the `async-trait` decision.
#[derive(serde::Serialize, serde::Deserialize)]
enum Kept {
    /// A trait carrying `#[async_trait]`.
    Trait(String),
    /// An impl carrying `#[async_trait]`, of the named trait.
    Impl(String),
    /// A `dyn` use of the named trait.
    Dyn(String),
}

impl Rule for DeprecatedDependency {
    /// The kinds it reads, by their keywords.
    fn words(&self) -> Option<&'static [&'static str]> {
        Some(&["trait", "impl", "dyn"])
    }

    fn check_node(&self, node: &SyntaxNode, cx: &mut FileCx<'_>) {
        match node.kind() {
            SyntaxKind::DYN_TRAIT_TYPE => {
                for name in dyn_trait_names(node, cx) {
                    cx.defer(Kept::Dyn(name));
                }
            }
            _ if !cx.file_mentions("async_trait") => {}
            SyntaxKind::TRAIT => {
                let Some(tr) = ast::Trait::cast(node.clone()) else { return };
                let Some(name) = tr.name() else { return };
                if async_trait_attr(&tr).is_some() {
                    cx.defer(Kept::Trait(name.text().to_string()));
                }
            }
            SyntaxKind::IMPL => {
                let Some(im) = ast::Impl::cast(node.clone()) else { return };
                if async_trait_attr(&im).is_none() {
                    return;
                }
                let Some(ast::Type::PathType(path)) = im.trait_() else { return };
                let Some(name) = path.path().and_then(|p| p.segment()).and_then(|s| s.name_ref()) else {
                    return;
                };
                cx.defer(Kept::Impl(name.text().to_string()));
            }
            _ => {}
        }
    }

    fn check_package(&self, cx: &mut PackageCx<'_>) {
        let package = cx.package();
        let mut found = Vec::new();
        for dep in &package.dependencies {
            let Some(entry) = TABLE.iter().find(|e| e.package == dep.package_name()) else { continue };
            if newer_than_rust_version(entry, package) || without_std(dep) {
                continue;
            }
            let Some(span) = dep.span.clone() else { continue };
            found.push((span, message(dep, entry), help(entry)));
        }
        for (span, message, help) in found {
            cx.report(span, message).help(help);
        }
    }

    fn finish(&self, cx: &mut WorkspaceCx<'_>) {
        let items = cx.take_items();
        let mut traits: HashSet<&str> = HashSet::new();
        let mut dyn_used: HashSet<&str> = HashSet::new();
        // Per package: the traits it uses the macro for.
        let mut uses: HashMap<usize, Vec<&str>> = HashMap::new();
        for item in &items {
            match item.data.get::<Kept>() {
                Some(Kept::Trait(name)) => {
                    traits.insert(name);
                    uses.entry(item.package).or_default().push(name);
                }
                Some(Kept::Impl(name)) => uses.entry(item.package).or_default().push(name),
                Some(Kept::Dyn(name)) => {
                    dyn_used.insert(name);
                }
                None => {}
            }
        }
        let mut packages: Vec<(usize, Vec<&str>)> = uses.into_iter().collect();
        packages.sort_unstable_by_key(|(index, _)| *index);
        for (index, names) in packages {
            let Some(package) = cx.packages().get(index) else { continue };
            let Some(dep) = package.dependencies.iter().find(|d| d.package_name() == ASYNC_TRAIT.package)
            else {
                continue;
            };
            // A trait of another crate, or one used as `dyn`, still needs the macro.
            if names.iter().any(|name| !traits.contains(name) || dyn_used.contains(name))
                || newer_than_rust_version(&ASYNC_TRAIT, package)
            {
                continue;
            }
            let Some(span) = dep.span.clone() else { continue };
            let help = "remove `#[async_trait]` from the traits and their impls (`rustpro fix` converts \
                        them, see `async_trait_macro`), then this dependency (Rust 1.75)";
            cx.report_in_manifest(index, span, message(dep, &ASYNC_TRAIT)).help(help);
        }
    }
}

/// The crate is used for what the standard library lacks: `once_cell` without `std` (its
/// `race` module, cells for `no_std`), `lazy_static` on a spin lock.
fn without_std(dep: &Dependency) -> bool {
    let has = |feature: &str| dep.features.iter().any(|f| f == feature);
    match dep.package_name() {
        "once_cell" => has("race") || (!dep.default_features && !has("std")),
        "lazy_static" => has("spin_no_std"),
        _ => false,
    }
}

/// The package's `rust-version` is older than the release whose standard library replaces
/// the crate.
fn newer_than_rust_version(entry: &Entry, package: &Package) -> bool {
    let Some(since) = entry.since else { return false };
    let Some(declared) = package.rust_version.as_deref().and_then(parse_rust_version) else { return false };
    declared < since
}

fn message(dep: &Dependency, entry: &Entry) -> String {
    let table = match dep.kind {
        DependencyKind::Normal => "dependency",
        DependencyKind::Dev => "dev-dependency",
        DependencyKind::Build => "build-dependency",
    };
    let renamed = if dep.package_name() == dep.name { String::new() } else { format!(" (`{}`)", dep.name) };
    format!("{table} on `{}`{renamed}: {}", entry.package, entry.why)
}

fn help(entry: &Entry) -> String {
    match entry.since {
        Some(minor) if !entry.instead.contains("(Rust") => {
            format!("use {} instead (Rust 1.{minor})", entry.instead)
        }
        _ => format!("use {} instead", entry.instead),
    }
}
