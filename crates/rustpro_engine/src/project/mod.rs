//! The project model: Cargo manifests read directly (no `cargo metadata`, no network),
//! workspaces and their members, targets, and the files that belong to each package.
//! This module and `fix/` are the only places that touch the file system.

mod discover;
mod manifest;
mod modules;
mod overlay;

pub use discover::{Discovery, Walked, discover, discover_with};
pub use manifest::{
    Dependency, DependencyKind, LintLevel, Lints, NewerManifestKeys, ReleaseProfile, TomlSpan, locate,
    newer_manifest_keys, release_profile, string_at, workspace_dependencies,
};
pub(crate) use manifest::{KeepAllParsed, forget_parsed, parsed as parsed_manifest};
pub use modules::{
    FileRead, FileStamp, ModuleDecl, ModuleFile, read_source_bytes, read_source_file, resolve_module,
    source_text,
};
pub use overlay::Overlay;

use std::path::{Component, Path, PathBuf};

/// A Rust edition; parsing depends on it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize, serde::Deserialize,
)]
pub enum Edition {
    /// Cargo's default when a manifest names none.
    #[default]
    E2015,
    E2018,
    E2021,
    E2024,
}

impl Edition {
    pub fn parse(text: &str) -> Option<Edition> {
        Some(match text {
            "2015" => Edition::E2015,
            "2018" => Edition::E2018,
            "2021" => Edition::E2021,
            "2024" => Edition::E2024,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Edition::E2015 => "2015",
            Edition::E2018 => "2018",
            Edition::E2021 => "2021",
            Edition::E2024 => "2024",
        }
    }

    pub const ALL: [Edition; 4] = [Edition::E2015, Edition::E2018, Edition::E2021, Edition::E2024];
}

/// What a target is built as. Everything but `Lib` and `Bin` is non-production code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TargetKind {
    Lib,
    Bin,
    Test,
    Bench,
    Example,
    BuildScript,
}

impl TargetKind {
    /// Code that ships: libraries and binaries.
    pub fn is_production(self) -> bool {
        matches!(self, TargetKind::Lib | TargetKind::Bin)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::Lib => "lib",
            TargetKind::Bin => "bin",
            TargetKind::Test => "test",
            TargetKind::Bench => "bench",
            TargetKind::Example => "example",
            TargetKind::BuildScript => "custom-build",
        }
    }
}

/// A compilation target of a package.
#[derive(Debug, Clone)]
pub struct Target {
    pub kind: TargetKind,
    pub name: String,
    /// The crate root file.
    pub root: PathBuf,
    /// `harness = false`: a test target with its own `main`, whatever it runs.
    pub harness: bool,
    /// Doc tests run (`doctest = false` turns them off; only libraries have them).
    pub doctest: bool,
}

impl Target {
    /// A target with cargo's defaults (`harness` and `doctest` on).
    pub fn new(kind: TargetKind, name: impl Into<String>, root: PathBuf) -> Target {
        Target { kind, name: name.into(), root, harness: true, doctest: true }
    }
}

/// A package with everything the rules need to know about it.
#[derive(Debug)]
pub struct Package {
    pub name: String,
    pub version: Option<String>,
    /// The folder holding `Cargo.toml`.
    pub dir: PathBuf,
    pub manifest_path: PathBuf,
    /// The manifest text, kept for locating manifest findings.
    pub manifest_text: String,
    pub edition: Edition,
    /// `edition.workspace = true`: the edition is the workspace's `[workspace.package]` one.
    pub edition_inherited: bool,
    pub rust_version: Option<String>,
    /// `rust-version.workspace = true`.
    pub rust_version_inherited: bool,
    pub targets: Vec<Target>,
    /// The library is a procedural macro crate (`[lib] proc-macro = true`): its panics are
    /// compile errors of the crates that use it, the way proc macros report them.
    pub is_proc_macro: bool,
    /// The effective `[lints]` (the workspace table when the package inherits it).
    pub lints: Lints,
    /// Whether `[lints]` says `workspace = true`.
    pub lints_inherited: bool,
    pub dependencies: Vec<Dependency>,
    /// The features a default build turns on (`default` and what it enables, transitively).
    pub default_features: Vec<String>,
    /// The workspace root manifest when the package is a member of a workspace.
    pub workspace_manifest: Option<PathBuf>,
    /// Where `[package]` starts in the manifest, for findings about the package as a whole.
    pub package_span: Option<TomlSpan>,
}

impl Package {
    pub fn has_lib(&self) -> bool {
        self.targets.iter().any(|t| t.kind == TargetKind::Lib)
    }

    /// Whether `path` (a file of this package) is under the package's folder.
    pub fn contains(&self, path: &Path) -> bool {
        path.starts_with(&self.dir)
    }
}

/// A problem met while reading the project: a broken manifest, an unreadable path.
#[derive(Debug, Clone)]
pub struct ProjectProblem {
    pub path: PathBuf,
    pub line_col: Option<(usize, usize)>,
    pub message: String,
    /// Worth knowing but no error (a path with no package in it).
    pub warning: bool,
}

/// Lexically resolves `.` and `..` (the path may not exist, so no `canonicalize`); `None`
/// when `..` climbs above the root. `tests/../src/x.rs` and `src/x.rs` must be one file.
pub(crate) fn normalize(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    Some(out)
}
