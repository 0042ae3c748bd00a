//! Finding the packages to check from the paths a user names: the enclosing workspace of a
//! path inside a project, or every package and workspace below a folder that holds many.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::manifest::{
    BuildSetting, Inheritable, ManifestError, RawLints, RawManifest, RawTarget, RawWorkspace, parse_manifest,
};
use super::{Edition, Overlay, Package, ProjectProblem, Target, TargetKind, normalize};
use crate::source::LineIndex;

/// The packages found for a set of paths, and what went wrong on the way.
#[derive(Debug, Default)]
pub struct Discovery {
    pub packages: Vec<Package>,
    pub problems: Vec<ProjectProblem>,
    /// When a path names a part of a package (a folder or a file), only files under these
    /// paths are checked. Empty means everything.
    pub filters: Vec<PathBuf>,
    /// What the walks of folders that hold many packages saw, so that the files under the
    /// packages' `src/` need not be listed again.
    pub walked: Vec<Walked>,
}

/// The Rust files a folder walk found (it honours ignore files and skips hidden entries and
/// folders named `target`, as the file walk of a package does).
#[derive(Debug, Default)]
pub struct Walked {
    root: PathBuf,
    /// Every `.rs` file (symbolic links not followed), sorted.
    rust_files: Vec<PathBuf>,
    /// The folders that hold a `Cargo.toml` (a file, or a link to one).
    manifest_dirs: HashSet<PathBuf>,
    /// The folders named `target` that the walk did not enter.
    skipped: Vec<PathBuf>,
}

impl Walked {
    /// The files under `src` (a package's `src/` folder) outside nested packages, sorted;
    /// `None` when the walk did not see all of them.
    pub fn files_under(&self, src: &Path) -> Option<Vec<PathBuf>> {
        if !src.starts_with(&self.root)
            || self.skipped.iter().any(|s| s.starts_with(src) || src.starts_with(s))
        {
            return None;
        }
        let start = self.rust_files.partition_point(|f| walk_order(f, src).is_lt());
        Some(
            self.rust_files[start..]
                .iter()
                .take_while(|f| f.starts_with(src))
                .filter(|f| {
                    // A folder with its own manifest below `src` is another package.
                    !f.ancestors()
                        .skip(1)
                        .take_while(|dir| *dir != src)
                        .any(|dir| self.manifest_dirs.contains(dir))
                })
                .cloned()
                .collect(),
        )
    }
}

/// The order of [`Path`]'s `Ord` (component by component) for the paths a folder walk gives,
/// computed on their bytes, several times faster: they have no `.` components and no
/// repeated or trailing separators, so a separator, where a component ends, sorts before
/// any other byte.
fn walk_order(a: &Path, b: &Path) -> std::cmp::Ordering {
    let (a, b) = (a.as_os_str().as_encoded_bytes(), b.as_os_str().as_encoded_bytes());
    let same = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let rank = |byte: &u8| if std::path::is_separator(char::from(*byte)) { 0 } else { u16::from(*byte) + 1 };
    a.get(same).map(rank).cmp(&b.get(same).map(rank))
}

#[derive(Clone)]
struct Loaded {
    dir: PathBuf,
    path: PathBuf,
    text: String,
    manifest: RawManifest,
    /// The workspace root manifest and its `[workspace.lints]`, for members.
    workspace: Option<(PathBuf, super::Lints)>,
}

#[derive(Default)]
struct Discoverer {
    overlay: Arc<Overlay>,
    out: Discovery,
    seen_manifests: HashSet<PathBuf>,
    /// Workspace roots whose members were loaded already.
    loaded_workspaces: HashSet<PathBuf>,
    /// Manifests that a folder walk read and parsed as it found them (in parallel), by path.
    prefetched: HashMap<PathBuf, Result<Loaded, Unloaded>>,
}

/// Why a manifest gave no package.
#[derive(Clone)]
enum Unloaded {
    /// It cannot be read (the error's message).
    Unreadable(String),
    /// It does not parse.
    Invalid { text: String, error: ManifestError },
}

/// The value in `mutex`, even if a thread panicked holding it.
fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Reads and parses the manifest at `path`.
fn read_manifest(overlay: &Overlay, path: &Path) -> Result<Loaded, Unloaded> {
    let text = overlay.read_to_string(path).map_err(|err| Unloaded::Unreadable(err.to_string()))?;
    match parse_manifest(&text) {
        Ok(manifest) => Ok(Loaded {
            dir: path.parent().map(Path::to_path_buf).unwrap_or_default(),
            path: path.to_path_buf(),
            text,
            manifest,
            workspace: None,
        }),
        Err(error) => Err(Unloaded::Invalid { text, error }),
    }
}

/// Finds the packages for `paths` (files or folders). Never fails: unreadable paths and
/// broken manifests become problems and the other packages are still returned.
pub fn discover(paths: &[PathBuf]) -> Discovery {
    discover_with(paths, Arc::default())
}

/// [`discover`], reading manifests from `overlay` where it holds them.
pub fn discover_with(paths: &[PathBuf], overlay: Arc<Overlay>) -> Discovery {
    let mut d = Discoverer { overlay, ..Discoverer::default() };
    for path in paths {
        match fs::canonicalize(path) {
            Ok(canonical) => {
                let (packages, problems) = (d.out.packages.len(), d.out.problems.len());
                d.discover_path(&canonical);
                let nothing_found = d.out.packages.len() == packages && d.out.problems.len() == problems;
                let already_covered = d.out.packages.iter().any(|p| canonical.starts_with(&p.dir));
                if nothing_found && !already_covered {
                    d.out.problems.push(ProjectProblem {
                        path: path.clone(),
                        line_col: None,
                        message: "no Cargo package at, above or below this path; nothing was checked"
                            .to_owned(),
                        warning: true,
                    });
                }
            }
            Err(err) => d.out.problems.push(ProjectProblem {
                path: path.clone(),
                line_col: None,
                message: format!("cannot read this path: {err}"),
                warning: false,
            }),
        }
    }
    d.out.packages.sort_by(|a, b| a.manifest_path.cmp(&b.manifest_path));
    d.out
}

impl Discoverer {
    fn discover_path(&mut self, path: &Path) {
        let dir = if path.is_dir() { path } else { path.parent().unwrap_or(path) };
        match self.enclosing_manifest(dir) {
            Some(manifest) => self.discover_enclosed(path, &manifest),
            None => self.discover_below(path),
        }
    }

    /// The nearest `Cargo.toml` at or above `dir` that declares a package or a workspace.
    fn enclosing_manifest(&mut self, dir: &Path) -> Option<PathBuf> {
        dir.ancestors().map(|d| d.join("Cargo.toml")).find(|m| m.is_file())
    }

    /// `path` lies inside a package or workspace: check that project (or the part named).
    fn discover_enclosed(&mut self, path: &Path, manifest_path: &Path) {
        let Some(loaded) = self.load(manifest_path) else { return };
        let package_dir = loaded.dir.clone();
        let (members, ws_root) = if loaded.manifest.workspace.is_some() {
            let ws_dir = loaded.dir.clone();
            (self.workspace_members(loaded), Some(ws_dir))
        } else if let Some(root) = self.enclosing_workspace(&loaded) {
            let ws_dir = root.dir.clone();
            (self.workspace_members(root), Some(ws_dir))
        } else {
            (vec![loaded], None)
        };
        let whole_project =
            path.is_dir() && (ws_root.as_deref() == Some(path) || (ws_root.is_none() && package_dir == path));
        for member in members {
            let is_named = whole_project || member.dir.starts_with(path) || path.starts_with(&member.dir);
            if !is_named {
                continue;
            }
            if path.starts_with(&member.dir) && path != member.dir {
                self.out.filters.push(path.to_path_buf());
            }
            self.add_package(member);
        }
        // A folder inside a project that is no member and holds other packages.
        if path.is_dir()
            && !whole_project
            && self.out.packages.iter().all(|p| !p.dir.starts_with(path) && !path.starts_with(&p.dir))
        {
            self.discover_below(path);
        }
    }

    /// The workspace that `package` is a member of, if any (cargo's search: upwards from the
    /// package, the first manifest with `[workspace]`, if its members include the package).
    fn enclosing_workspace(&mut self, package: &Loaded) -> Option<Loaded> {
        let parent = package.dir.parent()?;
        let names_workspace = |text: &str| text.contains("[workspace") || text.contains("workspace.");
        // A manifest the folder walk read already is not read again.
        let manifest =
            parent.ancestors().map(|d| d.join("Cargo.toml")).filter(|m| m.is_file()).find(|m| match self
                .prefetched
                .get(m)
            {
                Some(Ok(Loaded { text, .. }) | Err(Unloaded::Invalid { text, .. })) => names_workspace(text),
                Some(Err(Unloaded::Unreadable(_))) => false,
                None => self.overlay.read_to_string(m).is_ok_and(|t| names_workspace(&t)),
            })?;
        let root = self.load_uncached(&manifest)?;
        let ws = root.manifest.workspace.as_ref()?;
        let members = expand_members(&root.dir, ws);
        members.contains(&package.dir).then_some(root)
    }

    /// Every package and workspace below `dir`.
    fn discover_below(&mut self, dir: &Path) {
        // Walked in parallel (a vendor folder has thousands of folders), each manifest read
        // and parsed where it is found; then sorted.
        let found = std::sync::Mutex::new(Vec::new());
        let seen = std::sync::Mutex::new(Walked { root: dir.to_path_buf(), ..Walked::default() });
        let overlay = &self.overlay;
        let skipped = Arc::new(std::sync::Mutex::new(Vec::new()));
        let skipped_by_filter = Arc::clone(&skipped);
        ignore::WalkBuilder::new(dir)
            .hidden(true)
            .git_ignore(true)
            .follow_links(false)
            .filter_entry(move |e| {
                let skip = e.file_name() == "target";
                if skip && e.file_type().is_some_and(|t| t.is_dir()) {
                    lock(&skipped_by_filter).push(e.path().to_path_buf());
                }
                !skip
            })
            .build_parallel()
            .run(|| {
                Box::new(|entry| {
                    let Ok(e) = entry else { return ignore::WalkState::Continue };
                    let Some(kind) = e.file_type() else { return ignore::WalkState::Continue };
                    if e.file_name() == "Cargo.toml"
                        && (kind.is_file() || kind.is_symlink() && e.path().is_file())
                    {
                        if let Some(parent) = e.path().parent() {
                            lock(&seen).manifest_dirs.insert(parent.to_path_buf());
                        }
                        if kind.is_file() {
                            let read = read_manifest(overlay, e.path());
                            lock(&found).push((e.into_path(), read));
                        }
                    } else if kind.is_file() && e.path().extension().is_some_and(|x| x == "rs") {
                        lock(&seen).rust_files.push(e.into_path());
                    }
                    ignore::WalkState::Continue
                })
            });
        let mut walked = seen.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
        walked.rust_files.sort_unstable_by(|a, b| walk_order(a, b));
        walked.skipped = std::mem::take(&mut *lock(&skipped));
        self.out.walked.push(walked);
        let found = found.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut manifests: Vec<PathBuf> = found.iter().map(|(path, _)| path.clone()).collect();
        manifests.sort();
        self.prefetched.extend(found);
        // Workspaces first, so that their members are read with the workspace's settings.
        let mut loaded: Vec<Loaded> = manifests.iter().filter_map(|m| self.load(m)).collect();
        loaded.sort_by_key(|l| l.manifest.workspace.is_none());
        for manifest in loaded {
            if self.seen_manifests.contains(&manifest.path) && manifest.manifest.workspace.is_none() {
                continue;
            }
            if manifest.manifest.workspace.is_some() {
                for member in self.workspace_members(manifest) {
                    self.add_package(member);
                }
            } else if let Some(root) = self.enclosing_workspace(&manifest) {
                for member in self.workspace_members(root) {
                    self.add_package(member);
                }
            } else {
                self.add_package(manifest);
            }
        }
    }

    /// The member packages of a workspace root (which may itself be a package).
    fn workspace_members(&mut self, root: Loaded) -> Vec<Loaded> {
        if !self.loaded_workspaces.insert(root.path.clone()) {
            return Vec::new();
        }
        let Some(ws) = root.manifest.workspace.as_ref() else { return vec![root] };
        let mut dirs: BTreeSet<PathBuf> = expand_members(&root.dir, ws).into_iter().collect();
        let mut members = Vec::new();
        let ws_settings = WorkspaceSettings::from(&root);
        let root_dir = root.dir.clone();
        let mut queue: Vec<Loaded> = Vec::new();
        if root.manifest.package.is_some() {
            dirs.remove(&root.dir);
            queue.push(root);
        }
        for dir in dirs {
            if let Some(member) = self.load_uncached(&dir.join("Cargo.toml")) {
                queue.push(member);
            }
        }
        // Path dependencies inside the workspace folder are members too.
        let mut seen: HashSet<PathBuf> = queue.iter().map(|l| l.dir.clone()).collect();
        while let Some(mut member) = queue.pop() {
            for dep in &member.manifest.dependencies {
                let Some(dep_path) = dep.path.as_deref() else { continue };
                let Some(dep_dir) = normalize(&member.dir.join(dep_path)) else { continue };
                if dep_dir.starts_with(&root_dir)
                    && seen.insert(dep_dir.clone())
                    && let Some(dep) = self.load_uncached(&dep_dir.join("Cargo.toml"))
                {
                    queue.push(dep);
                }
            }
            member.manifest.workspace = None;
            members.push((member, ws_settings.clone()));
        }
        members
            .into_iter()
            .map(|(mut member, settings)| {
                settings.apply(&mut member);
                member
            })
            .collect()
    }

    fn load(&mut self, manifest_path: &Path) -> Option<Loaded> {
        if self.seen_manifests.contains(manifest_path) {
            return None;
        }
        self.load_uncached(manifest_path)
    }

    fn load_uncached(&mut self, manifest_path: &Path) -> Option<Loaded> {
        let read = match self.prefetched.get(manifest_path) {
            Some(read) => read.clone(),
            None => read_manifest(&self.overlay, manifest_path),
        };
        match read {
            Ok(loaded) => Some(loaded),
            Err(Unloaded::Unreadable(err)) => {
                self.problem(manifest_path, None, format!("cannot read manifest: {err}"));
                None
            }
            Err(Unloaded::Invalid { text, error: ManifestError { message, span } }) => {
                if self.seen_manifests.insert(manifest_path.to_path_buf()) {
                    let line_col = span.map(|span| {
                        let index = LineIndex::new(&text);
                        let lc = index.line_col(&text, span.start);
                        (lc.line, lc.column)
                    });
                    let message = format!(
                        "invalid manifest, its package is not checked: {}",
                        message.lines().next().unwrap_or("parse error")
                    );
                    self.problem(manifest_path, line_col, message);
                }
                None
            }
        }
    }

    fn problem(&mut self, path: &Path, line_col: Option<(usize, usize)>, message: String) {
        self.out.problems.push(ProjectProblem {
            path: path.to_path_buf(),
            line_col,
            message,
            warning: false,
        });
    }

    fn add_package(&mut self, loaded: Loaded) {
        if !self.seen_manifests.insert(loaded.path.clone()) {
            return;
        }
        let Some(raw) = loaded.manifest.package.as_ref() else { return };
        let name = raw.name.clone().unwrap_or_else(|| {
            loaded.dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
        });
        let edition_text = match &raw.edition {
            Some(Inheritable::Value(v)) => Some(v.clone()),
            _ => None,
        };
        let edition = match edition_text.as_deref() {
            None => Edition::E2015,
            Some(text) => Edition::parse(text).unwrap_or_else(|| {
                self.problem(
                    &loaded.path,
                    None,
                    format!("unknown edition `{text}`, reading the code as 2021"),
                );
                Edition::E2021
            }),
        };
        let rust_version = match &raw.rust_version {
            Some(Inheritable::Value(v)) => Some(v.clone()),
            _ => None,
        };
        let version = match &raw.version {
            Some(Inheritable::Value(v)) => Some(v.clone()),
            _ => None,
        };
        let (lints, lints_inherited) = match &loaded.manifest.lints {
            RawLints::Table(lints) => (lints.clone(), false),
            RawLints::Workspace => {
                (loaded.workspace.as_ref().map(|(_, lints)| lints.clone()).unwrap_or_default(), true)
            }
            RawLints::Absent => (Default::default(), false),
        };
        let targets = targets(&loaded.dir, &name, &loaded.manifest);
        let package = Package {
            name,
            version,
            manifest_path: loaded.path.clone(),
            edition,
            edition_inherited: raw.edition_inherited,
            rust_version,
            rust_version_inherited: raw.rust_version_inherited,
            targets,
            is_proc_macro: loaded.manifest.lib.as_ref().is_some_and(|lib| lib.proc_macro),
            lints,
            lints_inherited,
            dependencies: loaded.manifest.dependencies.clone(),
            default_features: loaded.manifest.default_features.clone(),
            workspace_manifest: loaded.workspace.as_ref().map(|(path, _)| path.clone()),
            package_span: raw.span.clone(),
            manifest_text: loaded.text,
            dir: loaded.dir,
        };
        self.out.packages.push(package);
    }
}

/// What members inherit from their workspace root.
#[derive(Clone)]
struct WorkspaceSettings {
    manifest: PathBuf,
    edition: Option<String>,
    rust_version: Option<String>,
    version: Option<String>,
    lints: super::Lints,
    dependencies: Vec<super::Dependency>,
}

impl WorkspaceSettings {
    fn from(root: &Loaded) -> Self {
        let ws = root.manifest.workspace.as_ref();
        WorkspaceSettings {
            manifest: root.path.clone(),
            edition: ws.and_then(|w| w.edition.clone()),
            rust_version: ws.and_then(|w| w.rust_version.clone()),
            version: ws.and_then(|w| w.version.clone()),
            lints: ws.map(|w| w.lints.clone()).unwrap_or_default(),
            dependencies: ws.map(|w| w.dependencies.clone()).unwrap_or_default(),
        }
    }

    /// Resolves `workspace = true` keys of a member in place.
    fn apply(&self, member: &mut Loaded) {
        let Some(package) = member.manifest.package.as_mut() else { return };
        let resolve = |value: &mut Option<Inheritable>, from: &Option<String>| {
            if *value == Some(Inheritable::Workspace) {
                *value = from.clone().map(Inheritable::Value);
            }
        };
        resolve(&mut package.edition, &self.edition);
        resolve(&mut package.rust_version, &self.rust_version);
        resolve(&mut package.version, &self.version);
        // `dep = { workspace = true }`: the version and registry name come from
        // `[workspace.dependencies]`; features add up. A path there is relative to the
        // workspace root, so it is not copied.
        for dep in &mut member.manifest.dependencies {
            if !dep.workspace {
                continue;
            }
            let Some(inherited) = self.dependencies.iter().find(|d| d.name == dep.name) else { continue };
            dep.version = dep.version.take().or_else(|| inherited.version.clone());
            dep.package = dep.package.take().or_else(|| inherited.package.clone());
            for feature in &inherited.features {
                if !dep.features.contains(feature) {
                    dep.features.push(feature.clone());
                }
            }
        }
        member.workspace = Some((self.manifest.clone(), self.lints.clone()));
    }
}

/// Member folders named by `members` globs, minus `exclude`.
fn expand_members(root: &Path, ws: &RawWorkspace) -> Vec<PathBuf> {
    let excluded: Vec<PathBuf> = ws.exclude.iter().filter_map(|e| normalize(&root.join(e))).collect();
    let mut dirs = Vec::new();
    for pattern in &ws.members {
        for dir in expand_glob(root, pattern) {
            if dir.join("Cargo.toml").is_file() && !excluded.iter().any(|e| dir.starts_with(e)) {
                dirs.push(dir);
            }
        }
    }
    dirs.sort();
    dirs.dedup();
    dirs
}

/// Expands a member pattern component by component (`*`, `?`, `[..]` and `**`).
fn expand_glob(root: &Path, pattern: &str) -> Vec<PathBuf> {
    let mut current = vec![root.to_path_buf()];
    for component in pattern.split(['/', '\\']).filter(|c| !c.is_empty() && *c != ".") {
        let mut next = Vec::new();
        if component == ".." {
            next.extend(current.iter().filter_map(|d| d.parent().map(Path::to_path_buf)));
        } else if component == "**" {
            for dir in &current {
                next.extend(
                    ignore::WalkBuilder::new(dir)
                        .standard_filters(false)
                        .filter_entry(|e| e.file_name() != "target")
                        .build()
                        .filter_map(Result::ok)
                        .filter(|e| e.file_type().is_some_and(|t| t.is_dir()))
                        .map(|e| e.into_path()),
                );
            }
        } else if component.contains(['*', '?', '[']) {
            let Ok(glob) = globset::Glob::new(component) else { continue };
            let matcher = glob.compile_matcher();
            for dir in &current {
                let Ok(entries) = fs::read_dir(dir) else { continue };
                let mut found: Vec<PathBuf> = entries
                    .filter_map(Result::ok)
                    .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()) && matcher.is_match(e.file_name()))
                    .map(|e| e.path())
                    .collect();
                found.sort();
                next.extend(found);
            }
        } else {
            next.extend(current.iter().map(|d| d.join(component)).filter(|d| d.is_dir()));
        }
        current = next;
    }
    current
}

/// The package's targets, explicit and auto-discovered, as cargo finds them.
fn targets(dir: &Path, package: &str, manifest: &RawManifest) -> Vec<Target> {
    let mut out = Vec::new();
    let crate_name = package.replace('-', "_");
    let default_lib = dir.join("src/lib.rs");
    match &manifest.lib {
        Some(lib) => out.push(Target {
            kind: TargetKind::Lib,
            name: lib.name.clone().unwrap_or_else(|| crate_name.clone()),
            root: lib.path.as_ref().map_or(default_lib, |p| dir.join(p)),
            harness: lib.harness,
            doctest: lib.doctest,
        }),
        None if default_lib.is_file() => {
            out.push(Target::new(TargetKind::Lib, crate_name.clone(), default_lib))
        }
        None => {}
    }
    let raw = manifest.package.as_ref();
    let kinds = [
        (TargetKind::Bin, &manifest.bins, "src/bin", raw.is_none_or(|p| p.autobins)),
        (TargetKind::Test, &manifest.tests, "tests", raw.is_none_or(|p| p.autotests)),
        (TargetKind::Example, &manifest.examples, "examples", raw.is_none_or(|p| p.autoexamples)),
        (TargetKind::Bench, &manifest.benches, "benches", raw.is_none_or(|p| p.autobenches)),
    ];
    for (kind, explicit, folder, auto) in kinds {
        let mut roots: Vec<PathBuf> = Vec::new();
        for target in explicit {
            let root = explicit_root(dir, folder, package, kind, target);
            if let Some(root) = root {
                roots.push(root.clone());
                out.push(Target {
                    kind,
                    name: target.name.clone().unwrap_or_default(),
                    root,
                    harness: target.harness,
                    doctest: target.doctest,
                });
            }
        }
        if !auto {
            continue;
        }
        let mut found = Vec::new();
        if kind == TargetKind::Bin {
            let main = dir.join("src/main.rs");
            if main.is_file() {
                found.push((package.to_owned(), main));
            }
        }
        found.extend(auto_targets(&dir.join(folder)));
        for (name, root) in found {
            if !roots.contains(&root) {
                out.push(Target::new(kind, name, root));
            }
        }
    }
    let build = match raw.and_then(|p| p.build.as_ref()) {
        Some(BuildSetting::Path(path)) => Some(dir.join(path)),
        Some(BuildSetting::Disabled) => None,
        None => Some(dir.join("build.rs")).filter(|p| p.is_file()),
    };
    if let Some(root) = build {
        out.push(Target::new(TargetKind::BuildScript, "build-script-build", root));
    }
    for target in &mut out {
        if let Some(root) = normalize(&target.root) {
            target.root = root;
        }
    }
    out
}

fn explicit_root(
    dir: &Path,
    folder: &str,
    package: &str,
    kind: TargetKind,
    target: &RawTarget,
) -> Option<PathBuf> {
    if let Some(path) = &target.path {
        return Some(dir.join(path));
    }
    let name = target.name.as_deref()?;
    let candidates =
        [dir.join(folder).join(format!("{name}.rs")), dir.join(folder).join(name).join("main.rs")];
    if let Some(found) = candidates.iter().find(|c| c.is_file()) {
        return Some(found.clone());
    }
    (kind == TargetKind::Bin && name == package).then(|| dir.join("src/main.rs"))
}

/// `folder/*.rs` and `folder/*/main.rs`.
fn auto_targets(folder: &Path) -> Vec<(String, PathBuf)> {
    let Ok(entries) = fs::read_dir(folder) else { return Vec::new() };
    let mut found: Vec<(String, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let path = entry.path();
            let name = path.file_stem()?.to_string_lossy().into_owned();
            if path.extension().is_some_and(|e| e == "rs") && path.is_file() {
                Some((name, path))
            } else if path.join("main.rs").is_file() {
                Some((name, path.join("main.rs")))
            } else {
                None
            }
        })
        .collect();
    found.sort();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, path: &str, text: &str) {
        let path = root.join(path);
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs::write(path, text).expect("write");
    }

    /// Paths made of components from a small alphabet (separators, `-`, `.` and bytes
    /// above them inside names), in every pair: the byte order agrees with `Path`'s.
    #[test]
    fn walk_order_is_the_order_of_paths() {
        let parts = ["a", "a-b", "a.rs", "ab", "b", "-", "a~", "é", "a/b", "a/b/c", "ab/c", "a-/b"];
        let mut paths = Vec::new();
        for first in &parts {
            paths.push(PathBuf::from(format!("/r/{first}")));
            for second in &parts {
                paths.push(PathBuf::from(format!("/r/{first}/{second}")));
            }
        }
        for a in &paths {
            for b in &paths {
                assert_eq!(walk_order(a, b), a.cmp(b), "{a:?} {b:?}");
            }
        }
        let mut sorted = paths.clone();
        sorted.sort_by(|a, b| walk_order(a, b));
        paths.sort();
        assert_eq!(sorted, paths);
    }

    #[test]
    fn workspace_members_inherit_and_targets_are_found() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path();
        write(
            root,
            "Cargo.toml",
            "[workspace]\nmembers = [\"crates/*\"]\nexclude = [\"crates/skip\"]\n[workspace.package]\nedition = \"2024\"\n[workspace.lints.rust]\nunsafe_code = \"forbid\"\n",
        );
        write(
            root,
            "crates/a/Cargo.toml",
            "[package]\nname = \"a\"\nedition.workspace = true\n[lints]\nworkspace = true\n[dependencies]\nb = { path = \"../../other/b\" }\n",
        );
        write(root, "crates/a/src/lib.rs", "");
        write(root, "crates/a/src/main.rs", "");
        write(root, "crates/a/src/bin/tool/main.rs", "");
        write(root, "crates/a/tests/it.rs", "");
        write(root, "crates/a/build.rs", "");
        write(root, "crates/skip/Cargo.toml", "[package]\nname = \"skip\"\n");
        write(root, "other/b/Cargo.toml", "[package]\nname = \"b\"\nedition = \"2018\"\n");
        write(root, "other/b/src/lib.rs", "");
        let found = discover(&[root.to_path_buf()]);
        assert!(found.problems.is_empty(), "{:?}", found.problems);
        let names: Vec<_> = found.packages.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        let a = &found.packages[0];
        assert_eq!(a.edition, Edition::E2024);
        assert!(a.lints_inherited);
        assert_eq!(a.lints.level("rust", "unsafe_code"), Some(super::super::LintLevel::Forbid));
        let kinds: Vec<_> = a.targets.iter().map(|t| (t.kind, t.name.as_str())).collect();
        assert_eq!(
            kinds,
            [
                (TargetKind::Lib, "a"),
                (TargetKind::Bin, "a"),
                (TargetKind::Bin, "tool"),
                (TargetKind::Test, "it"),
                (TargetKind::BuildScript, "build-script-build")
            ]
        );
        assert_eq!(found.packages[1].edition, Edition::E2018);
    }

    #[test]
    fn workspace_dependencies_are_inherited() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path();
        write(
            root,
            "Cargo.toml",
            "[workspace]\nmembers = [\"web\"]\n[workspace.dependencies]\naxum = { version = \"0.8.1\", features = [\"ws\"] }\nhttp = { package = \"http-types\", version = \"1\" }\n",
        );
        write(
            root,
            "web/Cargo.toml",
            "[package]\nname = \"web\"\n[dependencies]\naxum = { workspace = true, features = [\"json\"] }\nhttp.workspace = true\nlocal = { workspace = true }\n",
        );
        write(root, "web/src/lib.rs", "");
        let found = discover(&[root.to_path_buf()]);
        let web = found.packages.iter().find(|p| p.name == "web").expect("web");
        let dep = |name: &str| web.dependencies.iter().find(|d| d.name == name).expect("dependency");
        assert_eq!(dep("axum").version.as_deref(), Some("0.8.1"));
        assert_eq!(dep("axum").features, ["json", "ws"]);
        assert_eq!(dep("http").package.as_deref(), Some("http-types"));
        assert_eq!(dep("local").version, None);
    }

    #[test]
    fn a_folder_of_independent_packages_and_a_broken_manifest() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path();
        write(root, "one/Cargo.toml", "[package]\nname = \"one\"\nedition = \"2021\"\n");
        write(root, "two/Cargo.toml", "[package]\nname = \"two\"\nedition = \"2021\n");
        write(root, "three/Cargo.toml", "[package]\nname = \"three\"\n");
        fs::create_dir_all(root.join("four")).expect("mkdir");
        fs::write(root.join("four/Cargo.toml"), b"[package]\nname = \"\xff\"\n").expect("write");
        let found = discover(&[root.to_path_buf()]);
        let names: Vec<_> = found.packages.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["one", "three"]);
        assert_eq!(found.packages[1].edition, Edition::E2015);
        let problems: Vec<_> = found
            .problems
            .iter()
            .map(|p| (p.path.strip_prefix(root).expect("inside").to_owned(), p.line_col.map(|lc| lc.0)))
            .collect();
        assert_eq!(
            problems,
            [(PathBuf::from("four/Cargo.toml"), None), (PathBuf::from("two/Cargo.toml"), Some(3))]
        );
        assert!(
            found.problems[0].message.starts_with("cannot read manifest: "),
            "{}",
            found.problems[0].message
        );
    }

    #[test]
    fn a_path_inside_a_package_checks_only_that_part() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path();
        write(root, "Cargo.toml", "[package]\nname = \"p\"\nedition = \"2021\"\n");
        write(root, "src/lib.rs", "mod a;");
        write(root, "src/a.rs", "");
        let src = fs::canonicalize(root.join("src/a.rs")).expect("canonical");
        let found = discover(std::slice::from_ref(&src));
        assert_eq!(found.packages.len(), 1);
        assert_eq!(found.filters, [src]);
    }
}
