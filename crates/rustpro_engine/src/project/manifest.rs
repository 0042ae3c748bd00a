//! Reading one `Cargo.toml` into the facts rustpro needs, with byte spans for locating
//! findings. Unknown or malformed keys are tolerated the way cargo tolerates them: a value
//! of the wrong type is treated as absent.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Range;
use std::rc::Rc;

use toml_edit::{ImDocument, Item, TableLike};

/// A byte range in a manifest.
pub type TomlSpan = Range<usize>;

thread_local! {
    /// Manifests parsed on this thread lately, by a hash of their text: discovery, the
    /// configuration, the file walk and the package rules read the same manifests.
    static PARSED: RefCell<HashMap<u64, Vec<Rc<ImDocument<String>>>>> = RefCell::new(HashMap::new());
}

/// How many parsed texts a thread keeps (outside [`KeepAllParsed`]).
const MAX_PARSED: usize = 8;

/// The manifest (or any TOML) `text` parsed; `None` when it does not parse. The texts a thread
/// parsed last (up to [`MAX_PARSED`]) are parsed once until [`forget_parsed`].
pub(crate) fn parsed(text: &str) -> Option<Rc<ImDocument<String>>> {
    let key = xxhash_rust::xxh3::xxh3_64(text.as_bytes());
    if let Some(doc) =
        PARSED.with_borrow(|memo| memo.get(&key)?.iter().find(|doc| doc.raw() == text).cloned())
    {
        return Some(doc);
    }
    let doc = Rc::new(ImDocument::parse(text.to_owned()).ok()?);
    PARSED.with_borrow_mut(|memo| {
        // A parsed manifest takes many times its text: the memo holds those in use now (files
        // are checked package by package), not every manifest of the run.
        if memo.len() >= LIMIT.get() {
            memo.clear();
        }
        memo.entry(key).or_default().push(doc.clone());
    });
    Some(doc)
}

/// Drops the manifests [`parsed`] kept on this thread (at the end of a check).
pub(crate) fn forget_parsed() {
    PARSED.with_borrow_mut(HashMap::clear);
}

thread_local! {
    /// How many parsed texts [`PARSED`] holds on this thread.
    static LIMIT: std::cell::Cell<usize> = const { std::cell::Cell::new(MAX_PARSED) };
}

/// While alive, this thread keeps every manifest it parses (discovery and then the
/// configuration read each manifest of the run); then it forgets them.
pub(crate) struct KeepAllParsed(());

impl KeepAllParsed {
    pub(crate) fn new() -> KeepAllParsed {
        LIMIT.set(usize::MAX);
        KeepAllParsed(())
    }
}

impl Drop for KeepAllParsed {
    fn drop(&mut self) {
        LIMIT.set(MAX_PARSED);
        forget_parsed();
    }
}

/// A manifest as written, before workspace inheritance is resolved.
#[derive(Debug, Default, Clone)]
pub(crate) struct RawManifest {
    pub package: Option<RawPackage>,
    pub workspace: Option<RawWorkspace>,
    pub lib: Option<RawTarget>,
    pub bins: Vec<RawTarget>,
    pub tests: Vec<RawTarget>,
    pub examples: Vec<RawTarget>,
    pub benches: Vec<RawTarget>,
    pub lints: RawLints,
    pub dependencies: Vec<Dependency>,
    /// The features that the `default` feature turns on, directly or through others.
    pub default_features: Vec<String>,
}

#[derive(Debug, Default, Clone)]
pub(crate) struct RawPackage {
    pub name: Option<String>,
    pub version: Option<Inheritable>,
    pub edition: Option<Inheritable>,
    pub rust_version: Option<Inheritable>,
    /// `edition.workspace = true` / `rust-version.workspace = true` as written (the values
    /// above are resolved in place later).
    pub edition_inherited: bool,
    pub rust_version_inherited: bool,
    /// `build = "path"`, `build = false`, or absent (then `build.rs` if it exists).
    pub build: Option<BuildSetting>,
    pub autobins: bool,
    pub autotests: bool,
    pub autoexamples: bool,
    pub autobenches: bool,
    pub span: Option<TomlSpan>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Inheritable {
    Value(String),
    Workspace,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BuildSetting {
    Path(String),
    Disabled,
}

#[derive(Debug, Default, Clone)]
pub(crate) struct RawWorkspace {
    pub members: Vec<String>,
    pub exclude: Vec<String>,
    pub edition: Option<String>,
    pub rust_version: Option<String>,
    pub version: Option<String>,
    pub lints: Lints,
    /// `[workspace.dependencies]`, which members inherit with `workspace = true`.
    pub dependencies: Vec<Dependency>,
}

#[derive(Debug, Clone)]
pub(crate) struct RawTarget {
    pub name: Option<String>,
    pub path: Option<String>,
    /// `proc-macro = true` (only meaningful on `[lib]`).
    pub proc_macro: bool,
    /// `harness = false`: the target brings its own `main` (libtest does not run it).
    pub harness: bool,
    /// `doctest = false` turns off the doc tests of a library.
    pub doctest: bool,
}

#[derive(Debug, Default, Clone)]
pub(crate) enum RawLints {
    #[default]
    Absent,
    Workspace,
    Table(Lints),
}

/// A lint level from a `[lints]` table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LintLevel {
    Allow,
    Expect,
    Warn,
    Deny,
    Forbid,
}

impl LintLevel {
    fn parse(text: &str) -> Option<LintLevel> {
        Some(match text {
            "allow" => LintLevel::Allow,
            "expect" => LintLevel::Expect,
            "warn" => LintLevel::Warn,
            "deny" => LintLevel::Deny,
            "forbid" => LintLevel::Forbid,
            _ => return None,
        })
    }
}

/// A `[lints]` table: `tool.lint = level`.
#[derive(Debug, Default, Clone)]
pub struct Lints {
    entries: Vec<(String, String, LintLevel)>,
}

impl Lints {
    /// The level of `tool::name` (tool `rust` for rustc's lints).
    pub fn level(&self, tool: &str, name: &str) -> Option<LintLevel> {
        self.entries.iter().find(|(t, n, _)| t == tool && n == name).map(|(_, _, level)| *level)
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn read(table: &dyn TableLike) -> Lints {
        let mut entries = Vec::new();
        for (tool, lints) in table.iter() {
            let Some(lints) = lints.as_table_like() else { continue };
            for (name, value) in lints.iter() {
                let level = match value.as_str() {
                    Some(level) => LintLevel::parse(level),
                    None => value
                        .as_table_like()
                        .and_then(|t| t.get("level"))
                        .and_then(Item::as_str)
                        .and_then(LintLevel::parse),
                };
                if let Some(level) = level {
                    entries.push((tool.to_owned(), name.to_owned(), level));
                }
            }
        }
        Lints { entries }
    }
}

/// Which table a dependency was declared in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DependencyKind {
    Normal,
    Dev,
    Build,
}

/// One dependency declaration.
#[derive(Debug, Clone)]
pub struct Dependency {
    /// The name the code uses (the key).
    pub name: String,
    /// The package on the registry when renamed with `package = ".."`.
    pub package: Option<String>,
    pub version: Option<String>,
    pub path: Option<String>,
    pub workspace: bool,
    pub kind: DependencyKind,
    pub features: Vec<String>,
    pub default_features: bool,
    /// `optional = true`: only built when a feature enables it.
    pub optional: bool,
    /// `target.'cfg(..)'` the dependency is limited to, if any.
    pub target: Option<String>,
    pub span: Option<TomlSpan>,
}

impl Dependency {
    /// The registry package name.
    pub fn package_name(&self) -> &str {
        self.package.as_deref().unwrap_or(&self.name)
    }
}

/// Where the item at `keys` is written in the manifest `text`: the `[header]` of a table
/// that has one, else the last key (`edition` in `edition = "2021"` or
/// `edition.workspace = true`). `None` when the text does not parse or the item is absent.
pub fn locate(text: &str, keys: &[&str]) -> Option<TomlSpan> {
    let doc = parsed(text)?;
    let (last, parents) = keys.split_last()?;
    let table = table_at(doc.as_table(), parents)?;
    let item = table.get(last)?;
    if let Some(span) = item.as_table().filter(|t| !t.is_implicit() && !t.is_dotted()).and_then(|t| t.span())
    {
        let header = text.get(span.clone()).filter(|t| t.starts_with('['))?;
        let end = header.find(']').map_or(span.end, |end| span.start + end + 1);
        return Some(span.start..end);
    }
    table.key(last).and_then(|k| k.span())
}

/// The string at `keys` in the manifest `text`, if there is one.
pub fn string_at(text: &str, keys: &[&str]) -> Option<String> {
    let doc = parsed(text)?;
    let (last, parents) = keys.split_last()?;
    string(table_at(doc.as_table(), parents)?, last)
}

/// The table at `keys` below `root`, if every key holds a table.
fn table_at<'d>(root: &'d dyn TableLike, keys: &[&str]) -> Option<&'d dyn TableLike> {
    keys.iter().try_fold(root, |table, key| table.get(key)?.as_table_like())
}

/// The `[workspace.dependencies]` of a workspace root manifest `text`.
pub fn workspace_dependencies(text: &str) -> Vec<Dependency> {
    let mut out = Vec::new();
    let Some(doc) = parsed(text) else { return out };
    if let Some(workspace) = doc.as_table().get("workspace").and_then(Item::as_table_like) {
        read_dependency_tables(workspace, None, &mut out);
    }
    out.retain(|d| d.kind == DependencyKind::Normal);
    out
}

/// Which whole-program optimisation keys `[profile.release]` of a manifest sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReleaseProfile {
    /// `lto` is written (any value).
    pub lto_set: bool,
    /// `codegen-units` is written (any value).
    pub codegen_units_set: bool,
}

/// The `[profile.release]` of the manifest `text` (nothing set when absent or unreadable).
pub fn release_profile(text: &str) -> ReleaseProfile {
    let Some(doc) = parsed(text) else { return ReleaseProfile::default() };
    let Some(release) =
        doc.as_table().get("profile").and_then(|p| p.get("release")).and_then(Item::as_table_like)
    else {
        return ReleaseProfile::default();
    };
    ReleaseProfile {
        lto_set: release.contains_key("lto"),
        codegen_units_set: release.contains_key("codegen-units"),
    }
}

/// Where a manifest uses Cargo features that older toolchains reject: the first key of each.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct NewerManifestKeys {
    /// `strip` in a `[profile.*]` table (only read in a workspace's root manifest).
    pub profile_strip: Option<TomlSpan>,
    /// A `"dep:name"` or `"name?/feature"` value in `[features]`: the feature's key.
    pub namespaced_features: Option<TomlSpan>,
    /// `key.workspace = true` in `[package]` or a dependency table.
    pub workspace_inheritance: Option<TomlSpan>,
    /// `resolver = "3"` in `[package]` or `[workspace]`: the value.
    pub resolver_v3: Option<TomlSpan>,
}

/// The [`NewerManifestKeys`] of the manifest `text`; `root` says whether it is the manifest
/// whose profiles apply (a workspace root, or a package outside any workspace).
pub fn newer_manifest_keys(text: &str, root: bool) -> NewerManifestKeys {
    let mut out = NewerManifestKeys::default();
    let Some(doc) = parsed(text) else { return out };
    let top = doc.as_table();
    if root {
        let profiles = top.get("profile").and_then(Item::as_table_like);
        out.profile_strip = profiles.into_iter().flat_map(|p| p.iter()).find_map(|(_, profile)| {
            let profile = profile.as_table_like()?;
            profile.get("strip")?;
            profile.key("strip").and_then(|k| k.span())
        });
    }
    if let Some(features) = top.get("features").and_then(Item::as_table_like) {
        out.namespaced_features = features.iter().find_map(|(name, values)| {
            let values = values.as_array()?;
            let newer =
                values.iter().filter_map(|v| v.as_str()).any(|v| v.starts_with("dep:") || v.contains("?/"));
            newer.then(|| features.key(name).and_then(|k| k.span())).flatten()
        });
    }
    let inherits = |table: &dyn TableLike| {
        table.iter().find_map(|(key, item)| {
            let workspace = item.as_table_like()?.get("workspace")?.as_bool()?;
            workspace.then(|| table.key(key).and_then(|k| k.span())).flatten()
        })
    };
    let mut tables: Vec<&dyn TableLike> = Vec::new();
    tables.extend(top.get("package").and_then(Item::as_table_like));
    for key in ["dependencies", "dev-dependencies", "build-dependencies"] {
        tables.extend(top.get(key).and_then(Item::as_table_like));
    }
    let targets = top.get("target").and_then(Item::as_table_like);
    for (_, target) in targets.into_iter().flat_map(|t| t.iter()) {
        for key in ["dependencies", "dev-dependencies", "build-dependencies"] {
            tables.extend(target.get(key).and_then(Item::as_table_like));
        }
    }
    out.workspace_inheritance = tables.into_iter().find_map(inherits);
    out.resolver_v3 = ["package", "workspace"].iter().find_map(|section| {
        let resolver = top.get(section)?.get("resolver")?;
        (resolver.as_str() == Some("3")).then(|| resolver.span()).flatten()
    });
    out
}

/// A manifest that does not parse as TOML.
#[derive(Debug, Clone)]
pub(crate) struct ManifestError {
    pub message: String,
    pub span: Option<TomlSpan>,
}

pub(crate) fn parse_manifest(text: &str) -> Result<RawManifest, ManifestError> {
    let Some(doc) = parsed(text) else {
        let err = ImDocument::parse(text).err();
        return Err(ManifestError {
            message: err.as_ref().map(|e| e.message().trim_end().to_owned()).unwrap_or_default(),
            span: err.and_then(|e| e.span()),
        });
    };
    let root = doc.as_table();
    let mut manifest = RawManifest::default();
    if let Some(package) = root.get("package").and_then(Item::as_table_like) {
        manifest.package = Some(read_package(package, root.get("package").and_then(Item::span)));
    }
    if let Some(workspace) = root.get("workspace").and_then(Item::as_table_like) {
        manifest.workspace = Some(read_workspace(workspace));
    }
    manifest.lib = root.get("lib").and_then(Item::as_table_like).map(read_target);
    manifest.bins = read_targets(root.get("bin"));
    manifest.tests = read_targets(root.get("test"));
    manifest.examples = read_targets(root.get("example"));
    manifest.benches = read_targets(root.get("bench"));
    manifest.lints = match root.get("lints").and_then(Item::as_table_like) {
        None => RawLints::Absent,
        Some(lints) if lints.get("workspace").and_then(Item::as_bool) == Some(true) => RawLints::Workspace,
        Some(lints) => RawLints::Table(Lints::read(lints)),
    };
    read_dependency_tables(root, None, &mut manifest.dependencies);
    if let Some(features) = root.get("features").and_then(Item::as_table_like) {
        manifest.default_features = default_features(features);
    }
    if let Some(targets) = root.get("target").and_then(Item::as_table_like) {
        for (cfg, table) in targets.iter() {
            if let Some(table) = table.as_table_like() {
                read_dependency_tables(table, Some(cfg), &mut manifest.dependencies);
            }
        }
    }
    Ok(manifest)
}

/// The closure of the `default` feature: features it names, the features those name, and so on
/// (`dep:x` and `x/y` entries enable no feature of this package; optional dependencies named
/// plainly count as features).
fn default_features(features: &dyn TableLike) -> Vec<String> {
    let mut out = vec!["default".to_owned()];
    let mut next = 0;
    while let Some(name) = out.get(next).cloned() {
        next += 1;
        for value in strings(features, &name) {
            let is_feature = !value.starts_with("dep:") && !value.contains('/');
            if is_feature && !out.contains(&value) {
                out.push(value);
            }
        }
    }
    out
}

fn string(table: &dyn TableLike, key: &str) -> Option<String> {
    table.get(key).and_then(Item::as_str).map(str::to_owned)
}

fn strings(table: &dyn TableLike, key: &str) -> Vec<String> {
    table
        .get(key)
        .and_then(Item::as_array)
        .map(|array| array.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

fn inheritable(table: &dyn TableLike, key: &str) -> Option<Inheritable> {
    let item = table.get(key)?;
    if let Some(text) = item.as_str() {
        return Some(Inheritable::Value(text.to_owned()));
    }
    let inherits = item.as_table_like()?.get("workspace").and_then(Item::as_bool) == Some(true);
    inherits.then_some(Inheritable::Workspace)
}

fn flag(table: &dyn TableLike, key: &str) -> bool {
    table.get(key).and_then(Item::as_bool).unwrap_or(true)
}

fn read_package(package: &dyn TableLike, span: Option<TomlSpan>) -> RawPackage {
    let build = match package.get("build") {
        Some(item) if item.as_bool() == Some(false) => Some(BuildSetting::Disabled),
        Some(item) => item.as_str().map(|p| BuildSetting::Path(p.to_owned())),
        None => None,
    };
    RawPackage {
        name: string(package, "name"),
        version: inheritable(package, "version"),
        edition: inheritable(package, "edition"),
        rust_version: inheritable(package, "rust-version"),
        edition_inherited: inheritable(package, "edition") == Some(Inheritable::Workspace),
        rust_version_inherited: inheritable(package, "rust-version") == Some(Inheritable::Workspace),
        build,
        autobins: flag(package, "autobins"),
        autotests: flag(package, "autotests"),
        autoexamples: flag(package, "autoexamples"),
        autobenches: flag(package, "autobenches"),
        span,
    }
}

fn read_workspace(workspace: &dyn TableLike) -> RawWorkspace {
    let package = workspace.get("package").and_then(Item::as_table_like);
    RawWorkspace {
        members: strings(workspace, "members"),
        exclude: strings(workspace, "exclude"),
        edition: package.and_then(|p| string(p, "edition")),
        rust_version: package.and_then(|p| string(p, "rust-version")),
        version: package.and_then(|p| string(p, "version")),
        lints: workspace.get("lints").and_then(Item::as_table_like).map(Lints::read).unwrap_or_default(),
        dependencies: {
            let mut dependencies = Vec::new();
            read_dependency_tables(workspace, None, &mut dependencies);
            dependencies
        },
    }
}

fn read_target(table: &dyn TableLike) -> RawTarget {
    let proc_macro =
        ["proc-macro", "proc_macro"].iter().any(|key| table.get(key).and_then(Item::as_bool) == Some(true));
    RawTarget {
        name: string(table, "name"),
        path: string(table, "path"),
        proc_macro,
        harness: flag(table, "harness"),
        doctest: flag(table, "doctest"),
    }
}

fn read_targets(item: Option<&Item>) -> Vec<RawTarget> {
    match item {
        Some(Item::ArrayOfTables(array)) => array.iter().map(|t| read_target(t)).collect(),
        Some(Item::Value(toml_edit::Value::Array(array))) => {
            array.iter().filter_map(|v| v.as_inline_table()).map(|t| read_target(t)).collect()
        }
        _ => Vec::new(),
    }
}

fn read_dependency_tables(table: &dyn TableLike, target: Option<&str>, out: &mut Vec<Dependency>) {
    let tables = [
        ("dependencies", DependencyKind::Normal),
        ("dev-dependencies", DependencyKind::Dev),
        ("dev_dependencies", DependencyKind::Dev),
        ("build-dependencies", DependencyKind::Build),
        ("build_dependencies", DependencyKind::Build),
    ];
    for (key, kind) in tables {
        let Some(deps) = table.get(key).and_then(Item::as_table_like) else { continue };
        for (name, item) in deps.iter() {
            let span = deps.key(name).and_then(|k| k.span());
            let mut dep = Dependency {
                name: name.to_owned(),
                package: None,
                version: None,
                path: None,
                workspace: false,
                kind,
                features: Vec::new(),
                default_features: true,
                optional: false,
                target: target.map(str::to_owned),
                span,
            };
            if let Some(version) = item.as_str() {
                dep.version = Some(version.to_owned());
            } else if let Some(detail) = item.as_table_like() {
                dep.version = string(detail, "version");
                dep.package = string(detail, "package");
                dep.path = string(detail, "path");
                dep.workspace = detail.get("workspace").and_then(Item::as_bool) == Some(true);
                dep.features = strings(detail, "features");
                dep.default_features = detail
                    .get("default-features")
                    .or_else(|| detail.get("default_features"))
                    .and_then(Item::as_bool)
                    .unwrap_or(true);
                dep.optional = detail.get("optional").and_then(Item::as_bool) == Some(true);
            }
            out.push(dep);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_packages_targets_lints_and_dependencies() {
        let text = r#"
[package]
name = "demo"
edition.workspace = true
rust-version = "1.80"
build = false

[lib]
path = "src/my_lib.rs"
proc-macro = true

[[bin]]
name = "tool"
path = "src/tool.rs"

[lints]
workspace = true

[dependencies]
serde = { version = "1", features = ["derive"] }
json = { package = "serde_json", version = "1" }
[target.'cfg(unix)'.dependencies]
libc = "0.2"
"#;
        let manifest = parse_manifest(text).expect("valid manifest");
        let with_features = "[features]\ndefault = [\"std\"]\nstd = [\"alloc\", \"dep:libc\", \"serde?/std\"]\nalloc = []\nextra = []\n";
        let defaults = parse_manifest(with_features).expect("valid").default_features;
        assert_eq!(defaults, ["default", "std", "alloc"]);
        let package = manifest.package.expect("package");
        assert_eq!(package.name.as_deref(), Some("demo"));
        assert_eq!(package.edition, Some(Inheritable::Workspace));
        assert_eq!(package.rust_version, Some(Inheritable::Value("1.80".into())));
        assert_eq!(package.build, Some(BuildSetting::Disabled));
        assert!(manifest.lib.as_ref().is_some_and(|l| l.proc_macro));
        assert_eq!(manifest.lib.and_then(|l| l.path).as_deref(), Some("src/my_lib.rs"));
        assert_eq!(manifest.bins.len(), 1);
        assert!(matches!(manifest.lints, RawLints::Workspace));
        let names: Vec<_> = manifest.dependencies.iter().map(|d| d.package_name()).collect();
        assert_eq!(names, ["serde", "serde_json", "libc"]);
        assert_eq!(manifest.dependencies[2].target.as_deref(), Some("cfg(unix)"));
        let span = manifest.dependencies[0].span.clone().expect("span");
        assert_eq!(&text[span], "serde");
    }

    #[test]
    fn locates_keys_and_table_headers() {
        let text = "[package]\nname = \"x\"\nedition.workspace = true\n\n[profile.release] # fast\nlto = true\n\n[workspace.dependencies]\ntokio = { version = \"1\", features = [\"full\"] }\n";
        let at = |keys: &[&str]| locate(text, keys).map(|span| &text[span]);
        assert_eq!(at(&["package", "edition"]), Some("edition"));
        assert_eq!(at(&["profile", "release"]), Some("[profile.release]"));
        assert_eq!(at(&["profile", "release", "lto"]), Some("lto"));
        assert_eq!(at(&["package"]), Some("[package]"));
        assert_eq!(at(&["package", "rust-version"]), None);
        assert_eq!(string_at(text, &["package", "name"]).as_deref(), Some("x"));
        assert_eq!(string_at(text, &["package", "edition"]), None);
        let deps = workspace_dependencies(text);
        assert_eq!(deps.len(), 1);
        assert_eq!(deps[0].features, ["full"]);
        assert_eq!(release_profile(text), ReleaseProfile { lto_set: true, codegen_units_set: false });
        let raw = parse_manifest(text).expect("valid").package.expect("package");
        assert!(raw.edition_inherited && !raw.rust_version_inherited);
    }

    #[test]
    fn finds_keys_older_toolchains_reject() {
        let text = "[package]\nname = \"x\"\nversion.workspace = true\nresolver = \"3\"\n\n[features]\nplain = []\nserde = [\"dep:serde\"]\n\n[profile.release]\nstrip = true\n\n[dependencies]\nserde = { workspace = true, optional = true }\n";
        let at = |span: Option<TomlSpan>| span.map(|s| &text[s]);
        let keys = newer_manifest_keys(text, true);
        assert_eq!(at(keys.workspace_inheritance.clone()), Some("version"));
        assert_eq!(at(keys.resolver_v3.clone()), Some("\"3\""));
        assert_eq!(at(keys.namespaced_features.clone()), Some("serde"));
        assert_eq!(at(keys.profile_strip.clone()), Some("strip"));
        assert_eq!(newer_manifest_keys(text, false).profile_strip, None);
        assert_eq!(newer_manifest_keys("[package]\nname = \"x\"\n", true), NewerManifestKeys::default());
    }

    #[test]
    fn broken_manifest_has_a_location() {
        let err = parse_manifest("[package]\nname = \"x\nedition = 2021\n").expect_err("broken");
        assert!(err.span.is_some());
        assert!(!err.message.is_empty());
    }
}
