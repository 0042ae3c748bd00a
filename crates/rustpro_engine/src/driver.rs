//! The check: discover packages, walk every crate's module tree in parallel (each file read,
//! parsed and walked once, its tree dropped before the next, or its results taken from the
//! cache), then run package rules and the rules' workspace stages.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use rayon::iter::{IntoParallelIterator, IntoParallelRefIterator, ParallelIterator};

use crate::cache::{self, CacheOptions, CacheStats, KeyHasher, Probe, RunCache};
use crate::config::{self, CliSettings, ConfigError, Settings};
use crate::diagnostic::{Edit, Finding, Fix, Origin, Problem, ProblemKind, ProblemSeverity, Severity};
use crate::project::{self, Edition, FileRead, ModuleDecl, Overlay, Package, TargetKind};
use crate::registry;
use crate::rule::tested::{self, PublicFn, TestFacts};
use crate::rule::walk::{Dispatch, Walker, reexports};
use crate::rule::{
    ChildModule, Deferred, DeferredData, FileCx, FileFacts, FileFix, KeptEdits, PackageCx, Rule, RuleMeta,
    TestIndex, WorkspaceCx,
};
use crate::rules::manifest::missing_deny_config::has_deny_config;
use crate::rules::testing::untested_public_fn::UntestedPublicFn;
use crate::source::parse::{
    AstNode, GreenRef, PARSER_STACK_SIZE, Parsed, SyntaxNode, TextRange, TextSize, ast, ast::HasName,
    is_unsafe_keyword, parse_file,
};
use crate::source::text::{text_contains, text_find_all};
use crate::source::{LineCol, LineIndex, SourceText, suppression};

/// What to check and how.
#[derive(Debug, Clone, Default)]
pub struct CheckRequest {
    /// Files or folders; each selects the workspace or packages that hold it.
    pub paths: Vec<PathBuf>,
    pub cli: CliSettings,
    /// Worker threads; 0 picks one per core.
    pub threads: usize,
    /// Only read and parse (a baseline for benchmarks): no rules run.
    pub parse_only: bool,
    /// Parse every file as this edition instead of its package's (for robustness sweeps).
    pub edition_override: Option<Edition>,
    /// Texts read instead of the files on disk (fixes not yet written, unsaved buffers).
    pub overlay: Arc<Overlay>,
    /// Files whose reading, parsing and checking take longer than this are listed in
    /// [`Outcome::slow_files`] (for robustness sweeps).
    pub slow_file_limit: Option<std::time::Duration>,
    /// Use and update the result cache (see [`crate::cache`]); `None` checks every file
    /// afresh. Ignored for parse-only runs, edition overrides and slow-file timing.
    pub cache: Option<CacheOptions>,
    /// Leave [`Outcome::test_coverage`] empty, for output that does not show it: test code
    /// is then read only as far as needed to know whether a package has a test (unless
    /// `untested_public_fn` runs, which needs all it names).
    pub skip_test_coverage: bool,
}

/// What a check found.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Sorted by file, position and rule.
    pub findings: Vec<Finding>,
    pub problems: Vec<Problem>,
    pub files_checked: usize,
    pub packages_checked: usize,
    /// Files over [`CheckRequest::slow_file_limit`], with their time.
    pub slow_files: Vec<(PathBuf, std::time::Duration)>,
    pub cache: CacheStats,
    /// Per package with a library (not a proc macro): its public functions and how many
    /// test code names (see the `untested_public_fn` rule), whatever rules are selected;
    /// empty with [`CheckRequest::skip_test_coverage`].
    pub test_coverage: Vec<PackageCoverage>,
}

/// How many public functions of a library test code names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageCoverage {
    pub package: String,
    pub version: Option<String>,
    pub manifest_path: PathBuf,
    pub public_fns: usize,
    pub named_by_tests: usize,
}

impl Outcome {
    /// Whether a problem (broken manifest, unreadable path, internal error) calls for exit code 2.
    pub fn has_errors(&self) -> bool {
        self.problems.iter().any(|p| p.severity == ProblemSeverity::Error)
    }
}

/// Runs a check. Fails only on invalid configuration; every other problem is reported in the
/// outcome and the rest of the run goes on.
pub fn check(request: &CheckRequest) -> Result<Outcome, ConfigError> {
    let timings = Timings::from_env();
    let _parsed = ForgetParsedManifests;
    let Prepared { mut problems, packages, roots, workspace_texts, settings_of, rules, filters, walked } =
        prepare(request)?;
    timings.mark("discovery and configuration");
    let dispatch =
        Dispatch::new(if request.parse_only { &[] } else { &rules }, gathers_test_names(request, &rules));
    let cache_options = request.cache.as_ref().filter(|_| {
        !request.parse_only && request.edition_override.is_none() && request.slow_file_limit.is_none()
    });
    let threads = if request.threads == 0 {
        std::thread::available_parallelism().map_or(2, |n| n.get())
    } else {
        request.threads
    };
    // Deeply nested input makes the recursive-descent parser recurse deeply: give workers room.
    let pool =
        rayon::ThreadPoolBuilder::new().num_threads(threads).stack_size(PARSER_STACK_SIZE).build().ok();
    let root_dirs: Vec<&Path> = roots.iter().map(|(root, _)| root.as_path()).collect();
    let loaded =
        cache_options.map(|options| in_pool(pool.as_ref(), || cache::Loaded::read(options, &root_dirs)));
    timings.mark("cache read");
    let cache = loaded.as_ref().map(|loaded| {
        let cache = in_pool(pool.as_ref(), || RunCache::new(loaded, dispatch.test_names()));
        let keys = ContextKeys::new(cache.program_key(), &rules, &packages);
        (cache, keys)
    });
    let shared = Shared {
        request,
        dispatch: &dispatch,
        packages: &packages,
        settings: settings_of.iter().map(|&i| &roots[i].1).collect(),
        root_of: &settings_of,
        cache,
        filters,
        walked: &walked,
        visited: packages.iter().map(|_| Mutex::new(HashMap::new())).collect(),
        findings: Mutex::new(Vec::new()),
        deferred: Mutex::new(Vec::new()),
        problems: Mutex::new(Vec::new()),
        facts: packages.iter().map(|_| Mutex::new(FileFacts::default())).collect(),
        tests: packages.iter().map(|_| Mutex::new(TestFacts::default())).collect(),
        files: AtomicUsize::new(0),
        slow: Mutex::new(Vec::new()),
    };
    let run = |shared: &Shared<'_>| {
        rayon::scope(|scope| {
            for (index, package) in packages.iter().enumerate() {
                // A file reached from several targets (`mod common;` in tests, `#[path]`
                // modules) belongs to the first target that reaches it: a package's targets
                // are walked one after another, in order, so that this is the same on every
                // run. Packages, and the files of one level of a module tree, are walked in
                // parallel.
                scope.spawn(move |_| {
                    for target in &package.targets {
                        shared.walk_tree(Job::root(index, package, target));
                    }
                });
            }
        });
        // Files under `src/` that no module tree reached (`mod` inside macros such as
        // `cfg_if!`, or modules not yet declared).
        timings.mark("module trees");
        let orphans = shared.orphans(threads);
        shared.check_level(orphans);
    };
    in_pool(pool.as_ref(), || run(&shared));
    timings.mark("orphan files");
    let mut package_dirs: Vec<Vec<&Path>> = vec![Vec::new(); roots.len()];
    for (package, root) in packages.iter().zip(&settings_of) {
        package_dirs[*root].push(package.dir.as_path());
    }
    // Written once the stages ran: the items they read may turn out unreadable.
    let (run_cache, context_keys) = shared.cache.unzip();
    let mut findings = flatten(shared.findings.into_inner().unwrap_or_else(PoisonError::into_inner));
    problems.extend(shared.problems.into_inner().unwrap_or_else(PoisonError::into_inner));
    let mut stages_reused = false;
    let mut test_coverage = Vec::new();
    if !request.parse_only {
        let mut facts: Vec<FileFacts> = shared
            .facts
            .into_iter()
            .map(|f| f.into_inner().unwrap_or_else(PoisonError::into_inner))
            .collect();
        let tests: Vec<TestFacts> = shared
            .tests
            .into_iter()
            .map(|t| t.into_inner().unwrap_or_else(PoisonError::into_inner))
            .collect();
        let (tests, public_fns) =
            test_index(&packages, &shared.settings, &request.overlay, tests, &mut facts);
        if !request.skip_test_coverage {
            test_coverage = coverage(&packages, &shared.filters, &tests, &public_fns);
        }
        timings.mark("test index");
        let deferred = shared.deferred.into_inner().unwrap_or_else(PoisonError::into_inner);
        let stages = Stages {
            packages: &packages,
            facts: &facts,
            tests: &tests,
            workspace_texts: &workspace_texts,
            workspace_of: &settings_of,
            settings: &shared.settings,
            filters: &shared.filters,
            rules: &rules,
            overlay: &request.overlay,
            edition_override: request.edition_override,
        };
        let memo = cache_options.map(|options| cache::StageMemo::new(options, &root_dirs));
        let key = context_keys
            .as_ref()
            .filter(|_| memo.is_some())
            .and_then(|keys| stages.key(pool.as_ref(), keys, &deferred));
        timings.mark("stage key");
        match memo.as_ref().zip(key).and_then(|(memo, key)| memo.get(key)) {
            Some(kept) => {
                stages_reused = true;
                findings.extend(kept);
            }
            None => {
                let mut staged = stages.package_stage(pool.as_ref());
                timings.mark("package stage");
                // Parallel walks finish in any order; the workspace stage sees files in a
                // stable one.
                let (files, broken) = decode_items(pool.as_ref(), deferred, run_cache.as_ref(), &settings_of);
                timings.mark("decoding kept items");
                let groups = in_file_order(files, &settings_of);
                timings.mark("ordering kept items");
                staged.extend(stages.workspace_stage(pool.as_ref(), groups));
                let complete = broken.is_empty();
                problems.extend(broken);
                if let Some((memo, key)) = memo.as_ref().zip(key).filter(|_| complete) {
                    memo.put(key, &staged);
                }
                findings.extend(staged);
            }
        }
    }
    timings.mark("workspace stage");
    let mut cache_stats = run_cache.map(|cache| cache.save(&package_dirs)).unwrap_or_default();
    cache_stats.stages_reused = stages_reused;
    timings.mark("cache write");
    let mut findings = in_path_order(findings);
    timings.mark("ordering findings");
    findings.dedup_by(|a, b| a.range == b.range && a.rule == b.rule && a.path == b.path);
    problems.sort_by(|a, b| (&a.path, a.location, &a.message).cmp(&(&b.path, b.location, &b.message)));
    problems.dedup_by(|a, b| {
        (&a.path, a.location, &a.message, a.severity, a.kind)
            == (&b.path, b.location, &b.message, b.severity, b.kind)
    });
    timings.mark("ordering");
    let mut slow_files = shared.slow.into_inner().unwrap_or_else(PoisonError::into_inner);
    slow_files.sort();
    Ok(Outcome {
        findings,
        problems,
        files_checked: shared.files.into_inner(),
        packages_checked: packages.len(),
        slow_files,
        cache: cache_stats,
        test_coverage,
    })
}

/// Whether walks gather what test code names (see `Dispatch::test_names`): for the coverage
/// the run reports, or for `untested_public_fn`.
fn gathers_test_names(request: &CheckRequest, rules: &[&'static dyn Rule]) -> bool {
    let untested = crate::rule::RuleDecl::meta(&UntestedPublicFn);
    !request.skip_test_coverage || rules.iter().any(|rule| std::ptr::eq(rule.meta(), untested))
}

/// The test facts of every package as one index. Also reads the files that libraries'
/// doc attributes include (their code blocks are doc tests); returns the names of each
/// package's public functions.
fn test_index(
    packages: &[Package],
    settings: &[&Settings],
    overlay: &Overlay,
    tests: Vec<TestFacts>,
    facts: &mut [FileFacts],
) -> (TestIndex, Vec<Vec<PublicFn>>) {
    let mut names = Vec::with_capacity(tests.len());
    let mut public_types = Vec::with_capacity(tests.len());
    let mut public_fns = Vec::with_capacity(tests.len());
    for (index, mut package_tests) in tests.into_iter().enumerate() {
        package_tests.doc_includes.sort();
        package_tests.doc_includes.dedup();
        for path in &package_tests.doc_includes {
            let max_size = settings.get(index).map_or(u64::MAX, |s| s.max_file_size);
            if let FileRead::Text(text) = project::read_source_file(path, max_size, overlay)
                && tested::scan_doc_tests(&text, true, Some(&mut package_tests.names))
                && let Some(facts) = facts.get_mut(index)
            {
                facts.has_tests = true;
            }
        }
        names.push(package_tests.names);
        public_types.push(package_tests.public_types);
        public_fns.push(package_tests.public_fns);
    }
    (TestIndex::new(packages, names, public_types), public_fns)
}

/// Per package with a library: how many of its public functions test code names.
fn coverage(
    packages: &[Package],
    filters: &[PathBuf],
    index: &TestIndex,
    public_fns: &[Vec<PublicFn>],
) -> Vec<PackageCoverage> {
    packages
        .iter()
        .enumerate()
        .filter(|(_, p)| p.has_lib() && !p.is_proc_macro && !is_filtered_out(filters, &p.manifest_path))
        .map(|(i, package)| {
            let fns: Vec<&PublicFn> =
                public_fns.get(i).into_iter().flatten().filter(|f| index.is_public(i, f)).collect();
            PackageCoverage {
                package: package.name.clone(),
                version: package.version.clone(),
                manifest_path: package.manifest_path.clone(),
                public_fns: fns.len(),
                named_by_tests: fns.iter().filter(|f| index.is_named_by_tests(i, &f.name)).count(),
            }
        })
        .collect()
}

/// Drops, when a check ends however it ends, the manifests parsed for it (see
/// [`project::parsed_manifest`]).
struct ForgetParsedManifests;

impl Drop for ForgetParsedManifests {
    fn drop(&mut self) {
        project::forget_parsed();
    }
}

/// What a check reads before looking at any source file.
struct Prepared {
    /// Problems met finding the packages.
    problems: Vec<Problem>,
    packages: Vec<Package>,
    /// One configuration per workspace root.
    roots: Vec<(PathBuf, Settings)>,
    /// The root manifest text of each workspace, by root folder.
    workspace_texts: HashMap<PathBuf, String>,
    /// Per package, its workspace's index in `roots`.
    settings_of: Vec<usize>,
    /// The rules enabled anywhere.
    rules: Vec<&'static dyn Rule>,
    filters: Vec<PathBuf>,
    /// What folder walks saw of the packages' files.
    walked: Vec<project::Walked>,
}

/// Finds the packages and loads their configuration.
fn prepare(request: &CheckRequest) -> Result<Prepared, ConfigError> {
    let _keep = project::KeepAllParsed::new();
    let discovery = project::discover_with(&request.paths, request.overlay.clone());
    let problems: Vec<Problem> = discovery
        .problems
        .iter()
        .map(|p| Problem {
            severity: if p.warning { ProblemSeverity::Warning } else { ProblemSeverity::Error },
            kind: if p.path.file_name().is_some_and(|n| n == "Cargo.toml") {
                ProblemKind::Manifest
            } else {
                ProblemKind::Io
            },
            path: p.path.clone(),
            location: p.line_col.map(|(line, column)| LineCol { line, column }),
            message: p.message.clone(),
        })
        .collect();
    let packages = discovery.packages;
    let mut roots: Vec<(PathBuf, Settings)> = Vec::new();
    let mut workspace_texts: HashMap<PathBuf, String> = HashMap::new();
    let mut settings_of: Vec<usize> = Vec::with_capacity(packages.len());
    for package in &packages {
        let (root, manifest) = match &package.workspace_manifest {
            Some(ws) => (ws.parent().map(Path::to_path_buf).unwrap_or_default(), ws.clone()),
            None => (package.dir.clone(), package.manifest_path.clone()),
        };
        let index = match roots.iter().position(|(r, _)| *r == root) {
            Some(index) => index,
            None => {
                let manifest_text = request.overlay.read_to_string(&manifest).unwrap_or_default();
                let settings = config::load(&root, Some((&manifest, &manifest_text)), &request.cli)?;
                workspace_texts.insert(root.clone(), manifest_text);
                roots.push((root, settings));
                roots.len() - 1
            }
        };
        settings_of.push(index);
    }
    let rules: Vec<&'static dyn Rule> = registry::all()
        .iter()
        .enumerate()
        .filter(|(index, _)| roots.iter().any(|(_, s)| s.enabled_anywhere(*index)))
        .map(|(_, rule)| *rule)
        .collect();
    Ok(Prepared {
        problems,
        packages,
        roots,
        workspace_texts,
        settings_of,
        rules,
        filters: discovery.filters,
        walked: discovery.walked,
    })
}

/// A project read once whose files are then checked one at a time from texts in memory, as an
/// editor checks the buffer being edited: [`Session::open`] finds the packages, loads their
/// configuration and builds the rule tables; [`Session::check_file`] parses and checks one text
/// and reads nothing. Only the file stage of the rules runs (package rules and the workspace
/// stage need every file), and the file's own modules are not followed.
pub struct Session {
    request: CheckRequest,
    prepared: Prepared,
    dispatch: Dispatch,
    /// One worker with room for deep recursion (the caller's thread may have a small stack).
    pool: Option<rayon::ThreadPool>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("paths", &self.request.paths)
            .field("packages", &self.prepared.packages.len())
            .field("rules", &self.prepared.rules.len())
            .finish_non_exhaustive()
    }
}

impl Session {
    /// Finds the packages of `request.paths` and loads their configuration.
    pub fn open(request: CheckRequest) -> Result<Session, ConfigError> {
        let _parsed = ForgetParsedManifests;
        let prepared = prepare(&request)?;
        // A session keeps no test facts (see `Shared::commit`).
        let dispatch = Dispatch::new(if request.parse_only { &[] } else { &prepared.rules }, false);
        let pool = rayon::ThreadPoolBuilder::new().num_threads(1).stack_size(PARSER_STACK_SIZE).build().ok();
        Ok(Session { request, prepared, dispatch, pool })
    }

    /// Problems met finding the packages.
    pub fn problems(&self) -> &[Problem] {
        &self.prepared.problems
    }

    /// Checks `text` as the content of `path` (a file of one of the session's packages: a
    /// target's root file, or else a module of the package's library or binary).
    pub fn check_file(&self, path: &Path, text: String) -> Outcome {
        let prepared = &self.prepared;
        let package = prepared
            .packages
            .iter()
            .enumerate()
            .filter(|(_, package)| package.contains(path))
            .max_by_key(|(_, package)| package.dir.components().count());
        let Some((index, package)) = package else {
            let problem = Problem {
                severity: ProblemSeverity::Warning,
                kind: ProblemKind::Io,
                path: path.to_path_buf(),
                location: None,
                message: "the file belongs to no package of the project; not checked".to_owned(),
            };
            return Outcome { problems: vec![problem], ..Outcome::default() };
        };
        let job = match package.targets.iter().find(|t| t.root == path) {
            Some(target) => Job::root(index, package, target),
            None => Job::module(index, package, path.to_path_buf(), false),
        };
        let shared = Shared {
            request: &self.request,
            dispatch: &self.dispatch,
            packages: &prepared.packages,
            settings: prepared.settings_of.iter().map(|&i| &prepared.roots[i].1).collect(),
            root_of: &prepared.settings_of,
            cache: None,
            filters: Vec::new(),
            walked: &[],
            visited: Vec::new(),
            findings: Mutex::new(Vec::new()),
            deferred: Mutex::new(Vec::new()),
            problems: Mutex::new(Vec::new()),
            facts: Vec::new(),
            tests: Vec::new(),
            files: AtomicUsize::new(0),
            slow: Mutex::new(Vec::new()),
        };
        let run = || {
            // The session's worker lives on: what it parsed goes with this check.
            let _parsed = ForgetParsedManifests;
            shared.check_text(job, text, std::time::Instant::now(), None);
        };
        match &self.pool {
            Some(pool) => pool.install(run),
            None => run(),
        }
        let mut findings = flatten(shared.findings.into_inner().unwrap_or_else(PoisonError::into_inner));
        findings.sort_by(|a, b| (a.start, a.rule).cmp(&(b.start, b.rule)));
        findings.dedup_by(|a, b| a.range == b.range && a.rule == b.rule);
        let mut problems = shared.problems.into_inner().unwrap_or_else(PoisonError::into_inner);
        problems.sort_by_key(|p| p.location);
        Outcome {
            findings,
            problems,
            files_checked: shared.files.into_inner(),
            packages_checked: 1,
            slow_files: shared.slow.into_inner().unwrap_or_else(PoisonError::into_inner),
            cache: CacheStats::default(),
            test_coverage: Vec::new(),
        }
    }
}

/// Wall time per phase of a check, written to standard error when `RUSTPRO_TIMINGS` is set:
/// where a slow run spends its time, without a profiler.
struct Timings {
    /// When the previous phase ended; `None` when timings are off.
    last: Mutex<Option<std::time::Instant>>,
}

impl Timings {
    fn from_env() -> Timings {
        let on = std::env::var_os("RUSTPRO_TIMINGS").is_some_and(|v| !v.is_empty() && v != "0");
        Timings { last: Mutex::new(on.then(std::time::Instant::now)) }
    }

    /// Reports the phase that ends now.
    fn mark(&self, phase: &str) {
        let mut last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(previous) = *last {
            let now = std::time::Instant::now();
            eprintln!("rustpro: timing: {phase}: {:.1} ms", (now - previous).as_secs_f64() * 1000.0);
            *last = Some(now);
        }
    }
}

/// Runs `work` on the run's worker threads (on this thread when there are none).
fn in_pool<R: Send>(pool: Option<&rayon::ThreadPool>, work: impl FnOnce() -> R + Send) -> R {
    match pool {
        Some(pool) => pool.install(work),
        None => work(),
    }
}

/// The pieces one after another, in one allocation.
fn flatten<T>(pieces: Vec<Vec<T>>) -> Vec<T> {
    let mut out = Vec::with_capacity(pieces.iter().map(Vec::len).sum());
    for piece in pieces {
        out.extend(piece);
    }
    out
}

/// The findings by file (in path order), position and rule. A file that two packages reach
/// gives each finding twice: those are then ordered by package and target, so that the
/// order (and the copy that deduplication keeps) never depends on which package was first.
fn in_path_order(findings: Vec<Finding>) -> Vec<Finding> {
    // A path's components, split once per run: comparing them is how paths order.
    let path_rank = ranks(
        findings.iter().map(|f| f.path.as_path()),
        |a, b| same_bytes(a, b),
        |path| path.components().collect::<Vec<_>>(),
    );
    let origin_rank = ranks(
        findings.iter().map(origin_key),
        |a, b| match (a, b) {
            (Some((a_path, a_kind, a_name)), Some((b_path, b_kind, b_name))) => {
                same_bytes(a_path, b_path) && a_kind == b_kind && a_name == b_name
            }
            _ => a.is_none() && b.is_none(),
        },
        |origin| *origin,
    );
    let mut keys: Vec<(u32, LineCol, &'static str, u32, u32)> = findings
        .iter()
        .enumerate()
        .map(|(index, f)| (path_rank[index], f.start, f.rule, origin_rank[index], small(index)))
        .collect();
    keys.sort_unstable();
    let mut slots: Vec<Option<Finding>> = findings.into_iter().map(Some).collect();
    keys.into_iter().filter_map(|key| slots.get_mut(key.4 as usize).and_then(Option::take)).collect()
}

/// The package and target of a finding, to order the findings of a file that two packages
/// reach.
fn origin_key(finding: &Finding) -> Option<(&Path, &str, &str)> {
    let origin = finding.origin.as_deref()?;
    Some((&origin.manifest_path, origin.target_kind.as_str(), &origin.target_name))
}

/// For each item, its rank among the distinct items (equal items, equal ranks), by `key`, which
/// orders and compares items as they do. Items come in runs of equal ones (the findings or
/// kept items of one file): each run is compared once. `same` tells a run's items apart
/// cheaply (a path's bytes); items it calls different may still be equal (`a/./b` and
/// `a/b`), and then take the same rank.
fn ranks<T: Copy, K: Ord>(
    items: impl Iterator<Item = T>,
    same: impl Fn(&T, &T) -> bool,
    key: impl Fn(&T) -> K,
) -> Vec<u32> {
    let mut run_of = Vec::new();
    let mut firsts: Vec<T> = Vec::new();
    for item in items {
        if !firsts.last().is_some_and(|last| same(last, &item)) {
            firsts.push(item);
        }
        run_of.push(firsts.len() - 1);
    }
    let runs: Vec<K> = firsts.iter().map(key).collect();
    let mut order: Vec<usize> = (0..runs.len()).collect();
    order.sort_by(|a, b| runs[*a].cmp(&runs[*b]));
    let mut run_rank = vec![0_u32; runs.len()];
    let mut rank = 0_u32;
    for (at, run) in order.iter().enumerate() {
        if at > 0 && runs[order[at - 1]] != runs[*run] {
            rank += 1;
        }
        run_rank[*run] = rank;
    }
    run_of.into_iter().map(|run| run_rank[run]).collect()
}

/// Whether two paths are written the same: the cheap first test of their equality.
fn same_bytes(a: &Path, b: &Path) -> bool {
    a.as_os_str() == b.as_os_str()
}

/// Whether the nearest checked module whose folder holds `path` (`a/b.rs` or `a/b/mod.rs`
/// for a file in `a/b/`) is test code.
fn enclosing_module_is_test(path: &Path, src: &Path, visited: &HashMap<PathBuf, bool>) -> bool {
    for dir in path.ancestors().skip(1).take_while(|d| d.starts_with(src) && *d != src) {
        let candidates = [dir.with_extension("rs"), dir.join("mod.rs")];
        if let Some(in_test) = candidates.iter().find_map(|c| visited.get(c)) {
            return *in_test;
        }
    }
    false
}

fn is_filtered_out(filters: &[PathBuf], path: &Path) -> bool {
    !filters.is_empty() && !filters.iter().any(|f| path.starts_with(f))
}

/// The parts of the files' cache keys that many files share, computed once per run.
struct ContextKeys {
    /// The program and the rules the run dispatches (a rule that is on anywhere runs, and
    /// keeps facts, in every file).
    run: u128,
    /// Each package as discovered: manifest, edition, targets, lints, dependencies.
    packages: Vec<u128>,
}

impl ContextKeys {
    fn new(program_key: u128, rules: &[&'static dyn Rule], packages: &[Package]) -> ContextKeys {
        let mut run = KeyHasher::new();
        program_key.hash(&mut run);
        for rule in rules {
            rule.meta().name.hash(&mut run);
        }
        ContextKeys {
            run: run.finish128(),
            packages: packages.iter().map(|p| cache::hash_text(&format!("{p:?}"))).collect(),
        }
    }

    /// Everything a file's results depend on beside its text (see [`crate::cache`]).
    fn context(&self, job: &Job, settings: &Settings, filtered: bool) -> u128 {
        let mut state = KeyHasher::new();
        self.run.hash(&mut state);
        self.packages[job.package].hash(&mut state);
        settings.hash_for_file(&job.path, &mut state);
        job.hash_context(&mut state);
        filtered.hash(&mut state);
        state.finish128()
    }
}

/// One file to check, with what it inherits from the module that declared it.
struct Job {
    package: usize,
    path: PathBuf,
    target: TargetKind,
    origin: Arc<Origin>,
    crate_root: bool,
    in_test: bool,
    allows: Vec<String>,
    /// Orphans are checked on their own; their `mod` children are orphans too.
    follow_modules: bool,
    /// The module is reachable from outside the crate.
    public: bool,
    /// Items of a private module re-exported by name (public although the module is not).
    public_items: Vec<String>,
    /// The module is declared under a `cfg` that a default build leaves off.
    outside_default_build: bool,
    /// The file's stamp, when finding the file read it already.
    stamp: Option<project::FileStamp>,
}

impl Job {
    /// Hashes what the file's results depend on (its package is hashed by the caller).
    fn hash_context(&self, state: &mut impl Hasher) {
        // Every field named, so that a new one cannot be left out of the cache key.
        let Job {
            package: _,
            path,
            target,
            origin,
            crate_root,
            in_test,
            allows,
            follow_modules,
            public,
            public_items,
            outside_default_build,
            stamp: _,
        } = self;
        (path, target, origin, crate_root, in_test, allows, follow_modules, public, public_items).hash(state);
        outside_default_build.hash(state);
    }

    fn root(index: usize, package: &Package, target: &crate::project::Target) -> Job {
        Job {
            package: index,
            path: target.root.clone(),
            target: target.kind,
            origin: Arc::new(Origin {
                package: package.name.clone(),
                version: package.version.clone(),
                manifest_path: package.manifest_path.clone(),
                target_kind: target.kind,
                target_name: target.name.clone(),
                target_root: target.root.clone(),
                edition: package.edition.as_str(),
            }),
            crate_root: true,
            in_test: false,
            allows: Vec::new(),
            follow_modules: true,
            public: true,
            public_items: Vec::new(),
            outside_default_build: false,
            stamp: None,
        }
    }
}

impl Job {
    /// A file checked on its own, outside its module tree: a module of the library, or of
    /// a binary for files under `src/bin/` and `main.rs` files; its own modules are not followed.
    fn module(index: usize, package: &Package, path: PathBuf, in_test: bool) -> Job {
        let src = package.dir.join("src");
        let in_bin = path.starts_with(src.join("bin")) || path.file_name().is_some_and(|n| n == "main.rs");
        let lib = package.targets.iter().find(|t| t.kind == TargetKind::Lib);
        let target = match (in_bin, lib) {
            (false, Some(lib)) => lib.clone(),
            _ => crate::project::Target::new(TargetKind::Bin, package.name.clone(), path.clone()),
        };
        let mut job = Job::root(index, package, &target);
        job.path = path;
        job.crate_root = false;
        job.follow_modules = false;
        job.in_test = in_test;
        job
    }
}

struct Shared<'a> {
    request: &'a CheckRequest,
    dispatch: &'a Dispatch,
    packages: &'a [Package],
    settings: Vec<&'a Settings>,
    /// The workspace root (index) of each package.
    root_of: &'a [usize],
    cache: Option<(RunCache<'a>, ContextKeys)>,
    filters: Vec<PathBuf>,
    /// What folder walks saw of the packages' files (see [`Shared::orphans`]).
    walked: &'a [project::Walked],
    /// Per package: the files taken up so far, with whether they are test code. A file that
    /// two packages reach (`#[path]` into another package) is checked in each, as cargo
    /// compiles it in each.
    visited: Vec<Mutex<HashMap<PathBuf, bool>>>,
    /// Each file's findings, one piece per file (appended once, at the end, in one go).
    findings: Mutex<Vec<Vec<Finding>>>,
    /// What rules held back for their workspace stage, one piece per file.
    deferred: Mutex<Vec<KeptFile>>,
    problems: Mutex<Vec<Problem>>,
    /// Per package; empty in a [`Session`].
    facts: Vec<Mutex<FileFacts>>,
    /// Per package: what its test code names, and its library's public functions.
    tests: Vec<Mutex<TestFacts>>,
    files: AtomicUsize,
    slow: Mutex<Vec<(PathBuf, std::time::Duration)>>,
}

impl Shared<'_> {
    fn problem(
        &self,
        severity: ProblemSeverity,
        kind: ProblemKind,
        path: &Path,
        location: Option<LineCol>,
        message: String,
    ) {
        self.problems.lock().unwrap_or_else(PoisonError::into_inner).push(Problem {
            severity,
            kind,
            path: path.to_path_buf(),
            location,
            message,
        });
    }

    /// The files under the packages' `src/` folders that no module tree reached, as jobs in
    /// package and path order. A package found by a walk of a folder of many packages takes
    /// that walk's listing; one more walk covers all the others (the walker reads the global
    /// git configuration once, and each folder's ignore files from its listing instead of
    /// probing for them).
    fn orphans(&self, threads: usize) -> Vec<Job> {
        // Each walked `src/` with the packages it belongs to (two packages may share a folder).
        let mut roots: HashMap<PathBuf, Vec<usize>> = HashMap::new();
        for (index, package) in self.packages.iter().enumerate() {
            let src = package.dir.join("src");
            // A nested package (with its own manifest) is not part of this one.
            if src.is_dir() && !src.join("Cargo.toml").is_file() {
                roots.entry(src).or_default().push(index);
            }
        }
        let mut files: Vec<Vec<PathBuf>> = vec![Vec::new(); self.packages.len()];
        // The folders a walk of a folder of many packages saw need no second look.
        roots.retain(|src, owners| {
            let Some(seen) = self.walked.iter().find_map(|walked| walked.files_under(src)) else {
                return true;
            };
            for &index in owners.iter() {
                files[index].clone_from(&seen);
            }
            false
        });
        let mut order: Vec<&PathBuf> = roots.keys().collect();
        order.sort();
        if let Some((first, rest)) = order.split_first() {
            self.walk_for_orphans(first, rest, threads, &roots, &mut files);
        }
        let mut jobs = Vec::new();
        for (index, mut files) in files.into_iter().enumerate() {
            let package = &self.packages[index];
            let src = package.dir.join("src");
            let visited = self.visited[index].lock().unwrap_or_else(PoisonError::into_inner);
            files.retain(|p| !visited.contains_key(p));
            files.sort();
            // An orphan belongs to the module whose folder holds it (data or `include!`d
            // files of a `#[cfg(test)]` module are test code too).
            for path in files {
                let in_test = enclosing_module_is_test(&path, &src, &visited);
                jobs.push(Job::module(index, package, path, in_test));
            }
        }
        jobs
    }

    /// Adds to `files` the `.rs` files of the walked folders `first` and `rest` (the keys of
    /// `roots`, each with the packages it belongs to), in one walk.
    fn walk_for_orphans(
        &self,
        first: &Path,
        rest: &[&PathBuf],
        threads: usize,
        roots: &HashMap<PathBuf, Vec<usize>>,
        files: &mut [Vec<PathBuf>],
    ) {
        let mut walk = ignore::WalkBuilder::new(first);
        for root in rest {
            walk.add(root);
        }
        let found = Mutex::new(Vec::new());
        walk.follow_links(false)
            .threads(threads)
            .filter_entry(|e| {
                e.depth() == 0
                    || !e.file_type().is_some_and(|t| t.is_dir())
                    || !e.path().join("Cargo.toml").is_file()
            })
            .build_parallel()
            .run(|| {
                Box::new(|entry| {
                    if let Ok(e) = entry
                        && e.file_type().is_some_and(|t| t.is_file())
                        && e.path().extension().is_some_and(|x| x == "rs")
                    {
                        found.lock().unwrap_or_else(PoisonError::into_inner).push(e.into_path());
                    }
                    ignore::WalkState::Continue
                })
            });
        // A file belongs to the nearest walked folder above it: a walk stops at a nested
        // package, whose own `src/` is walked as a root of its own.
        for path in found.into_inner().unwrap_or_else(PoisonError::into_inner) {
            let Some(owners) = path.ancestors().skip(1).find_map(|dir| roots.get(dir)) else { continue };
            if let Some((last, others)) = owners.split_last() {
                for &index in others {
                    files[index].push(path.clone());
                }
                files[*last].push(path);
            }
        }
    }

    /// Checks the module tree of a target, breadth first: the files of one level in
    /// parallel, then the modules they declare. A file that several `mod` items reach
    /// (`#[cfg(feature = "std")] pub mod ser;` and `#[cfg(not(feature = "std"))] mod ser;`,
    /// or `#[path]` modules in different files) is checked once, as the first of them in a
    /// fixed order declares it: the shallowest, then by its parent's place in the level,
    /// then in the order of the declarations. Which one that is never depends on timing.
    fn walk_tree(&self, root: Job) {
        let mut level = vec![root];
        while !level.is_empty() {
            level = self.check_level(level);
        }
    }

    /// Takes up the files of `jobs` in order (a file already taken up, or excluded, is
    /// skipped) and checks them in parallel; returns the jobs of the modules they declare,
    /// in order.
    fn check_level(&self, jobs: Vec<Job>) -> Vec<Job> {
        let jobs: Vec<Job> = jobs.into_iter().filter(|job| self.take_up(job)).collect();
        let children: Vec<Vec<Job>> = jobs.into_par_iter().map(|job| self.check_job(job)).collect();
        children.into_iter().flatten().collect()
    }

    /// Whether the file of `job` is to be checked: not excluded, and not taken up by its
    /// package already (then it is now).
    fn take_up(&self, job: &Job) -> bool {
        if self.settings[job.package].is_excluded(&job.path) {
            return false;
        }
        let Some(visited) = self.visited.get(job.package) else { return true };
        let mut visited = visited.lock().unwrap_or_else(PoisonError::into_inner);
        if visited.contains_key(&job.path) {
            return false;
        }
        visited.insert(job.path.clone(), job.in_test);
        true
    }

    /// Reads and checks one file (taken up); returns the jobs of the modules it declares.
    fn check_job(&self, job: Job) -> Vec<Job> {
        let settings = self.settings[job.package];
        let started = std::time::Instant::now();
        let (source, probe) = self.read(&job, settings);
        match source {
            Source::Cached(output) => {
                self.files.fetch_add(1, Ordering::Relaxed);
                self.finish(job, *output, started)
            }
            Source::Unreadable(failed) => {
                self.unreadable(&job, failed);
                Vec::new()
            }
            Source::Text(text) => self.check_text(job, text, started, probe),
        }
    }

    /// Parses and checks one file's text, and caches its output under `key`; returns the
    /// jobs of the modules it declares.
    fn check_text(
        &self,
        job: Job,
        text: String,
        started: std::time::Instant,
        probe: Option<Probe>,
    ) -> Vec<Job> {
        let package = &self.packages[job.package];
        let settings = self.settings[job.package];
        self.files.fetch_add(1, Ordering::Relaxed);
        let Some(mut output) = self.analyze(&job, package, settings, text) else { return Vec::new() };
        // Kept encoded until the workspace stage (see `StoredItems::in_memory`); as they
        // are when they cannot be encoded, which the stage key then reports.
        if let FileItems::Made(items) = &output.deferred
            && !items.is_empty()
            && let Some(bytes) = cache::encode_items(items, &job.path)
        {
            output.deferred = FileItems::Stored(cache::StoredItems::in_memory(bytes));
        }
        if let (Some((cache, _)), Some(probe)) = (&self.cache, probe) {
            cache.insert(probe, &job.path, &output);
        }
        self.finish(job, output, started)
    }

    /// Adds a file's output to the run's results; returns the jobs of the modules it declares.
    fn finish(&self, job: Job, output: FileOutput, started: std::time::Instant) -> Vec<Job> {
        let modules = self.commit(&job, output);
        let elapsed = started.elapsed();
        if self.request.slow_file_limit.is_some_and(|limit| elapsed > limit) {
            self.slow.lock().unwrap_or_else(PoisonError::into_inner).push((job.path.clone(), elapsed));
        }
        if !job.follow_modules {
            return Vec::new();
        }
        let mut children = Vec::new();
        for child in modules {
            let Some(file) = project::resolve_module(&job.path, job.crate_root, &child.decl) else {
                continue;
            };
            children.push(Job {
                package: job.package,
                path: file.path,
                stamp: file.stamp,
                target: job.target,
                origin: job.origin.clone(),
                crate_root: false,
                in_test: child.in_test,
                allows: child.allows,
                follow_modules: true,
                public: job.public && child.public,
                // A named re-export reaches the crate's API only from a public module.
                public_items: if job.public { child.public_items } else { Vec::new() },
                outside_default_build: child.outside_default_build,
            });
        }
        children
    }

    /// A file's cached output, or its text and where to cache its output, or why it cannot
    /// be read. A file whose stamp shows it unchanged since its entry was made is not read;
    /// others are read and hashed, and decoded as text only when they changed.
    fn read(&self, job: &Job, settings: &Settings) -> (Source, Option<Probe>) {
        thread_local! {
            static BUFFER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
        }
        if let Some(text) = self.request.overlay.get(&job.path) {
            // Overlaid texts are not what is on disk: never cached, and the file's entry stays.
            if let Some((cache, _)) = &self.cache {
                cache.keep(self.root_of[job.package], &job.path);
            }
            return (Source::Text(text.to_owned()), None);
        }
        let cache = self.cache.as_ref().map(|(cache, _)| cache);
        let mut probe = self.cache.as_ref().and_then(|(cache, keys)| {
            let context = keys.context(job, settings, is_filtered_out(&self.filters, &job.path));
            cache.probe(self.root_of[job.package], &job.path, context)
        });
        if let (Some(cache), Some(probe)) = (cache, &probe)
            && probe.has_entry()
            && let Some(stamp) = job.stamp.or_else(|| project::FileStamp::of_path(&job.path))
            && let Some(output) = cache.unchanged(probe, &stamp, &job.path, &job.origin)
        {
            return (Source::Cached(Box::new(output)), None);
        }
        BUFFER.with_borrow_mut(|bytes| {
            let stamp = match project::read_source_bytes(&job.path, settings.max_file_size, bytes) {
                Ok(stamp) => stamp,
                Err(failed) => return (Source::Unreadable(failed), None),
            };
            if let (Some(cache), Some(probe)) = (cache, &mut probe)
                && let Some(output) = cache.same_content(probe, bytes, stamp, &job.path, &job.origin)
            {
                return (Source::Cached(Box::new(output)), None);
            }
            match project::source_text(bytes) {
                FileRead::Text(text) => (Source::Text(text), probe),
                failed => (Source::Unreadable(failed), None),
            }
        })
    }

    /// Reports why a file could not be read.
    fn unreadable(&self, job: &Job, failed: FileRead) {
        let (severity, kind, message) = match failed {
            FileRead::Text(_) => return,
            FileRead::NotUtf8 { offset } => (
                ProblemSeverity::Warning,
                ProblemKind::UnreadableSource,
                format!("not valid UTF-8 (first bad byte at offset {offset}); file skipped"),
            ),
            FileRead::Binary => (
                ProblemSeverity::Warning,
                ProblemKind::UnreadableSource,
                "binary file (holds NUL bytes); file skipped".to_owned(),
            ),
            FileRead::TooLarge { size, limit } => (
                ProblemSeverity::Warning,
                ProblemKind::UnreadableSource,
                format!(
                    "{size} bytes is over the {limit}-byte limit; file skipped (raise `max-file-size` in rustpro.toml to check it)"
                ),
            ),
            // Published crates often list targets whose files were left out of the package.
            FileRead::Error(err) if job.crate_root && err.kind() == std::io::ErrorKind::NotFound => (
                ProblemSeverity::Warning,
                ProblemKind::Io,
                format!(
                    "the manifest names this file as the root of {} target `{}`, but it does not exist",
                    job.target.as_str(),
                    job.origin.target_name
                ),
            ),
            FileRead::Error(err) => {
                (ProblemSeverity::Error, ProblemKind::Io, format!("cannot read the file: {err}"))
            }
        };
        self.problem(severity, kind, &job.path, None, message);
    }

    /// Parses a file and runs the rules over it; `None` when the parser failed (reported).
    fn analyze(&self, job: &Job, package: &Package, settings: &Settings, text: String) -> Option<FileOutput> {
        let source = SourceText::new(text);
        let edition = self.request.edition_override.unwrap_or(package.edition);
        let parsed = match std::panic::catch_unwind(|| parse_file(source.normalized(), edition)) {
            Ok(parsed) => parsed,
            Err(_) => {
                let message = "the parser failed on this file (a bug in the parser); file skipped".to_owned();
                self.problem(ProblemSeverity::Error, ProblemKind::Internal, &job.path, None, message);
                return None;
            }
        };
        let mut output = if self.request.parse_only {
            FileOutput {
                modules: module_decls(&parsed.root, job.in_test, &job.allows),
                ..FileOutput::default()
            }
        } else {
            self.run_rules(job, package, settings, &source, &parsed, edition)
        };
        if let Some(first) = parsed.errors.first() {
            let start = source.to_original(usize::from(first.range.start()));
            let index = LineIndex::new(source.original());
            let location = index.line_col(source.original(), start);
            let count = parsed.errors.len();
            let message = format!(
                "{count} syntax error{} (first: {}); the rest of the file was still checked",
                if count == 1 { "" } else { "s" },
                first.message
            );
            output.problems.push(Problem {
                severity: ProblemSeverity::Warning,
                kind: ProblemKind::SyntaxError,
                path: job.path.clone(),
                location: Some(location),
                message,
            });
        }
        Some(output)
    }

    /// Adds a file's output to the run's results; returns its module declarations.
    fn commit(&self, job: &Job, output: FileOutput) -> Vec<ChildModule> {
        let package = job.package;
        let FileOutput { findings, deferred, problems, facts, tests, modules } = output;
        // A session keeps no facts: they feed package rules, which it does not run.
        if let Some(shared_facts) = self.facts.get(package) {
            shared_facts.lock().unwrap_or_else(PoisonError::into_inner).merge(facts);
        }
        if let Some(shared_tests) = self.tests.get(package)
            && !tests.is_empty()
        {
            shared_tests.lock().unwrap_or_else(PoisonError::into_inner).merge(tests);
        }
        if !findings.is_empty() {
            self.findings.lock().unwrap_or_else(PoisonError::into_inner).push(findings);
        }
        if !deferred.is_empty() {
            // A file's items as one piece: they are ordered a file at a time, never moved one
            // by one into a growing list.
            let path = match &deferred {
                FileItems::Made(items) => items.first().map(|(_, item)| item.path.clone()),
                FileItems::Stored(_) => None,
            };
            let kept = KeptFile {
                path: path.unwrap_or_else(|| Arc::from(job.path.as_path())),
                package,
                origin: job.origin.clone(),
                items: deferred,
            };
            self.deferred.lock().unwrap_or_else(PoisonError::into_inner).push(kept);
        }
        if !problems.is_empty() {
            self.problems.lock().unwrap_or_else(PoisonError::into_inner).extend(problems);
        }
        modules
    }

    /// Runs the rules over one parsed file.
    fn run_rules(
        &self,
        job: &Job,
        package: &Package,
        settings: &Settings,
        source: &SourceText,
        parsed: &Parsed,
        edition: Edition,
    ) -> FileOutput {
        let root = &parsed.root;
        let placeholder = registry::all()[0].meta();
        let mut cx =
            FileCx::new(&job.path, package, job.target, root, job.in_test, job.allows.clone(), placeholder);
        cx.text = source.normalized();
        cx.public_module = job.public;
        cx.options = &settings.rule_options;
        cx.public_items.clone_from(&job.public_items);
        cx.outside_default_build = job.outside_default_build;
        let mut walker = Walker::new(self.dispatch, edition, source.normalized());
        walker.tokens_as_lexed(parsed.errors.is_empty());
        walker.walk_file(&mut cx);
        crate::rules::util::error_impls::read_named_types(&mut cx);
        // Asked through the file's searches, which the rules may have made already.
        cx.facts.has_unsafe = cx.file_mentions("unsafe") && has_unsafe_keyword(source.normalized(), root);
        cx.facts.mentions_async_trait = cx.file_mentions("async_trait")
            && crate::rules::async_code::async_trait_macro::async_trait_idents(root) > 0;
        if !job.crate_root {
            cx.facts.forbids_unsafe_code = false;
        }
        let problems = walker
            .panics
            .iter()
            .map(|panic| Problem {
                severity: ProblemSeverity::Error,
                kind: ProblemKind::Internal,
                path: job.path.clone(),
                location: None,
                message: format!(
                    "internal error: rule `{}` failed on this file ({}); please report it. The other rules still ran",
                    panic.rule.name, panic.message
                ),
            })
            .collect();
        let tests = std::mem::take(&mut cx.tests);
        let mut deferred: Vec<(usize, Deferred)> = Vec::new();
        let shared_path: Arc<Path> = Arc::from(job.path.as_path());
        for (rule, data, edits) in std::mem::take(&mut cx.deferred) {
            let Some(index) = registry::index_of(rule.name) else { continue };
            let edits = edits.map(|fix| locate_fix(&job.path, source, fix));
            let item = Deferred {
                path: shared_path.clone(),
                package: job.package,
                finding: None,
                kept_edits: KeptEdits::made(edits, &job.path),
                data,
            };
            deferred.push((index, item));
        }
        let mut findings = Vec::new();
        if !is_filtered_out(&self.filters, &job.path) {
            let lines = cx.take_lines();
            for (finding, data) in locate_findings(job, settings, source, root, cx.raw, lines) {
                match data {
                    None => findings.push(finding),
                    Some(data) => {
                        let Some(index) = registry::index_of(finding.rule) else { continue };
                        let item = Deferred {
                            path: shared_path.clone(),
                            package: job.package,
                            finding: Some(Box::new(finding)),
                            kept_edits: KeptEdits::default(),
                            data,
                        };
                        deferred.push((index, item));
                    }
                }
            }
        }
        let mut modules = walker.modules;
        if modules.iter().any(|m| !m.public) {
            let reexported = reexports(root);
            for module in modules.iter_mut().filter(|m| !m.public) {
                for (from, item) in &reexported {
                    if *from == module.decl.name {
                        match item {
                            None => module.public = true,
                            Some(item) => module.public_items.push(item.clone()),
                        }
                    }
                }
            }
        }
        FileOutput {
            findings,
            deferred: FileItems::Made(deferred),
            problems,
            facts: cx.facts,
            tests,
            modules,
        }
    }
}

/// A file as read: its output from the cache, its text, or why it cannot be checked.
enum Source {
    Cached(Box<FileOutput>),
    Text(String),
    Unreadable(FileRead),
}

/// What checking one file gives: everything the run keeps of it, which the cache stores.
#[derive(Debug, Default)]
pub(crate) struct FileOutput {
    pub findings: Vec<Finding>,
    /// What rules held back for their workspace stage.
    pub deferred: FileItems,
    /// Syntax errors and rule failures in the file.
    pub problems: Vec<Problem>,
    pub facts: FileFacts,
    /// What the file's test code names, and the library's public functions it declares.
    pub tests: TestFacts,
    pub modules: Vec<ChildModule>,
}

/// The items one file held back for the workspace stage, each with its rule's index.
#[derive(Debug)]
pub(crate) enum FileItems {
    /// As the rules kept them: the file was checked by this run.
    Made(Vec<(usize, Deferred)>),
    /// Still encoded in the cache file the file's results came from: decoded only when the
    /// stages run, so a run whose stage results are reused decodes none.
    Stored(cache::StoredItems),
}

impl Default for FileItems {
    fn default() -> FileItems {
        FileItems::Made(Vec::new())
    }
}

impl FileItems {
    fn is_empty(&self) -> bool {
        match self {
            FileItems::Made(items) => items.is_empty(),
            FileItems::Stored(stored) => stored.is_empty(),
        }
    }
}

/// The file and package of stored items that cannot be read back.
type Unreadable = (Arc<Path>, usize);

/// What one file held back for the workspace stage, and whose it is.
struct KeptFile {
    path: Arc<Path>,
    package: usize,
    origin: Arc<Origin>,
    items: FileItems,
}

impl KeptFile {
    /// The hash of the items, in order, with the file, package and target they were kept
    /// for (what the stage key takes of them); `None` when one cannot be encoded. Made and
    /// stored items hash alike: by their encoding, whose hash the cache keeps with a stored
    /// file's entry (so stored items are not read for it).
    fn key(&self) -> Option<u128> {
        let items = match &self.items {
            FileItems::Made(items) => xxhash_rust::xxh3::xxh3_128(&cache::encode_items(items, &self.path)?),
            FileItems::Stored(stored) => stored.hash(),
        };
        let mut key = cache::StageKey::new();
        key.add(self.path.as_os_str().as_encoded_bytes());
        key.add(self.package);
        key.add(&*self.origin);
        key.add(items);
        Some(key.finish())
    }

    /// The items, decoded; the file's path and package when stored ones cannot be.
    fn into_items(self) -> Result<Vec<(usize, Deferred)>, Unreadable> {
        match self.items {
            FileItems::Made(items) => Ok(items),
            FileItems::Stored(stored) => {
                stored.decode(&self.path, self.package, &self.origin).ok_or((self.path, self.package))
            }
        }
    }
}

/// Applies levels and suppressions to a file's raw findings and locates them in the original text.
fn locate_findings(
    job: &Job,
    settings: &Settings,
    source: &SourceText,
    root: &SyntaxNode,
    raw: Vec<crate::rule::RawFinding>,
    known_lines: Option<LineIndex>,
) -> Vec<(Finding, Option<DeferredData>)> {
    let text = source.normalized();
    let has_marker = text_contains(text, "rustpro:allow(");
    if raw.is_empty() && !has_marker {
        return Vec::new();
    }
    // Lines of the text the rules read (the rules' own, when one asked for a line): only
    // suppressions are matched by line.
    let lines = known_lines.or_else(|| has_marker.then(|| LineIndex::new(text)));
    let suppressions = match &lines {
        Some(lines) if has_marker => suppression::find(text, root, lines),
        _ => Vec::new(),
    };
    let mut used = vec![vec![false; 0]; suppressions.len()];
    for (s, used) in suppressions.iter().zip(used.iter_mut()) {
        *used = vec![false; s.rules.len()];
    }
    let mut kept: Vec<Kept> = Vec::new();
    for finding in raw {
        let Some(index) = registry::index_of(finding.rule.name) else { continue };
        let Some(severity) = settings.level(index, &job.path) else { continue };
        let line = match &lines {
            Some(lines) if !suppressions.is_empty() => lines.line_of(usize::from(finding.range.start())),
            _ => 0,
        };
        let mut suppressed = false;
        for (s, used) in suppressions.iter().zip(used.iter_mut()) {
            if s.target_line != line {
                continue;
            }
            for ((name, _), used) in s.rules.iter().zip(used.iter_mut()) {
                if name == finding.rule.name {
                    *used = true;
                    suppressed = true;
                }
            }
        }
        if !suppressed {
            kept.push(Kept {
                range: finding.range,
                rule: finding.rule,
                severity,
                message: finding.message,
                help: finding.help,
                fix: finding.fix,
                deferred: finding.deferred,
            });
        }
    }
    let unused_rule = crate::rules::meta::unused_suppression::UnusedSuppression;
    let unused_meta = crate::rule::RuleDecl::meta(&unused_rule);
    if let Some(unused_index) = registry::index_of(unused_meta.name)
        && let Some(severity) = settings.level(unused_index, &job.path)
    {
        for (s, used) in suppressions.iter().zip(&used) {
            for ((name, range), used) in s.rules.iter().zip(used) {
                if *used {
                    continue;
                }
                let (message, help) = match registry::index_of(name) {
                    None => (registry::unknown_rule_message(name), None),
                    // A rule that is off here cannot have anything to suppress: say nothing.
                    Some(index) if settings.level(index, &job.path).is_none() => continue,
                    Some(_) => (
                        format!("`rustpro:allow({name})` suppresses nothing on this line"),
                        Some("remove the suppression; the code no longer needs it".to_owned()),
                    ),
                };
                kept.push(Kept {
                    range: *range,
                    rule: unused_meta,
                    severity,
                    message,
                    help,
                    fix: None,
                    deferred: None,
                });
            }
        }
    }
    if kept.is_empty() {
        return Vec::new();
    }
    let original = source.original();
    // The same lines when the file on disk is the text the rules read (no BOM, no CRLF).
    let original_lines = match lines {
        Some(lines) if source.is_as_written() => lines,
        _ => LineIndex::new(original),
    };
    kept.into_iter()
        .map(|kept| {
            let mut finding = Finding::locate(
                kept.rule.name,
                kept.severity,
                kept.message,
                kept.help,
                &job.path,
                original,
                &original_lines,
                original_range(source, kept.range),
                Some(job.origin.clone()),
            );
            finding.fix = kept.fix.map(|fix| locate_fix(&job.path, source, fix));
            (finding, kept.deferred)
        })
        .collect()
}

/// A finding that survived levels and suppressions, before it is located.
struct Kept {
    range: TextRange,
    rule: &'static RuleMeta,
    severity: Severity,
    message: String,
    help: Option<String>,
    fix: Option<FileFix>,
    deferred: Option<DeferredData>,
}

/// A range of the normalised text as a range of the file on disk.
fn original_range(source: &SourceText, range: TextRange) -> std::ops::Range<usize> {
    let start = source.to_original(usize::from(range.start()));
    let end = source.to_original(usize::from(range.end())).max(start);
    start..end
}

/// A rule's fix in on-disk offsets, its inserted line breaks in the file's own style.
pub(crate) fn locate_fix(path: &Path, source: &SourceText, fix: FileFix) -> Fix {
    let crlf = source.has_crlf();
    let mut edits: Vec<Edit> = fix
        .edits
        .into_iter()
        .map(|(range, text)| Edit {
            path: path.to_path_buf(),
            range: original_range(source, range),
            replacement: if crlf { text.replace('\n', "\r\n") } else { text },
        })
        .collect();
    edits.extend(fix.other_edits);
    Fix { title: fix.title, applicability: fix.applicability, edits }
}

/// Runs the workspace stage of every rule that held something back, once per workspace.
/// What the package and workspace stages read, once the walk is over.
struct Stages<'a> {
    packages: &'a [Package],
    facts: &'a [FileFacts],
    tests: &'a TestIndex,
    workspace_texts: &'a HashMap<PathBuf, String>,
    /// Per package: its workspace (root) index.
    workspace_of: &'a [usize],
    settings: &'a [&'a Settings],
    filters: &'a [PathBuf],
    rules: &'a [&'static dyn Rule],
    /// What the workspace stage reads a file again from (see `WorkspaceCx::read_again`).
    overlay: &'a project::Overlay,
    edition_override: Option<Edition>,
}

impl Stages<'_> {
    /// The hash of everything the stages read (see [`cache::StageMemo`]), with the items
    /// kept for the workspace stage (one list per file); `None` when one cannot be encoded.
    fn key(&self, pool: Option<&rayon::ThreadPool>, keys: &ContextKeys, files: &[KeptFile]) -> Option<u128> {
        let mut key = cache::StageKey::new();
        key.add(keys.run);
        key.add(self.filters);
        for (index, package) in self.packages.iter().enumerate() {
            key.add(keys.packages[index]);
            self.settings[index].hash_for_file(&package.manifest_path, &mut key);
            key.add(self.workspace_of[index]);
            key.add(has_deny_config(package));
            key.add_encoded(&self.facts[index])?;
        }
        let mut workspaces: Vec<(&PathBuf, &String)> = self.workspace_texts.iter().collect();
        workspaces.sort();
        key.add(workspaces);
        self.tests.hash_into(&mut key);
        // Each file's items in the order its walk kept them; the files in any order (a sum).
        let per_file: Option<Vec<u128>> = in_pool(pool, || files.par_iter().map(KeptFile::key).collect());
        let sum = per_file?.iter().fold(0_u128, |sum, key| sum.wrapping_add(*key));
        key.add((files.len(), sum));
        Some(key.finish())
    }

    /// The package rules' findings, package by package (in parallel, kept in order).
    fn package_stage(&self, pool: Option<&rayon::ThreadPool>) -> Vec<Finding> {
        let Stages { packages, facts, tests, workspace_texts, settings, filters, rules, .. } = *self;
        let package_stage = |index: usize| {
            let package = &packages[index];
            if is_filtered_out(filters, &package.manifest_path) {
                return Vec::new();
            }
            let workspace = package.workspace_manifest.as_ref().and_then(|ws| {
                let text = ws.parent().and_then(|root| workspace_texts.get(root))?;
                let heirs_use_unsafe = packages.iter().zip(facts).any(|(member, facts)| {
                    member.lints_inherited
                        && member.workspace_manifest.as_ref() == Some(ws)
                        && facts.has_unsafe
                });
                Some((text.as_str(), heirs_use_unsafe))
            });
            let cx = PackageCx {
                package,
                facts: &facts[index],
                packages,
                all_facts: facts,
                workspace_manifest_text: workspace.map(|(text, _)| text),
                workspace_lint_heirs_use_unsafe: workspace.is_some_and(|(_, heirs)| heirs),
                tested_from: tests.tested_from(index).map(|p| &packages[p]),
                raw: Vec::new(),
            };
            package_findings(cx, settings[index], rules)
        };
        let per_package: Vec<Vec<Finding>> =
            in_pool(pool, || (0..packages.len()).into_par_iter().map(package_stage).collect());
        flatten(per_package)
    }

    /// The workspace rules' findings: each group of items (a rule and a workspace) is
    /// independent of the others, finished in parallel and kept in group order.
    fn workspace_stage(
        &self,
        pool: Option<&rayon::ThreadPool>,
        groups: Vec<(usize, Vec<Deferred>)>,
    ) -> Vec<Finding> {
        let Stages { packages, tests, workspace_texts, settings, filters, overlay, edition_override, .. } =
            *self;
        let finish = |(rule, group): (usize, Vec<Deferred>)| {
            let mut cx = WorkspaceCx {
                packages,
                tests,
                workspace_manifests: workspace_texts,
                items: group,
                settings,
                overlay,
                edition_override,
                out: Vec::new(),
                manifest: Vec::new(),
            };
            registry::all()[rule].finish(&mut cx);
            let mut out = cx.out;
            let name = registry::all()[rule].meta().name;
            for (index, raw) in cx.manifest {
                let Some(package) = packages.get(index) else { continue };
                if is_filtered_out(filters, &package.manifest_path) {
                    continue;
                }
                let Some(severity) = settings[index].level(rule, &package.manifest_path) else { continue };
                let text = package.manifest_text.as_str();
                let range = raw.span.start.min(text.len())..raw.span.end.min(text.len());
                let lines = LineIndex::new(text);
                let mut finding = Finding::locate(
                    name,
                    severity,
                    raw.message,
                    raw.help,
                    &package.manifest_path,
                    text,
                    &lines,
                    range,
                    None,
                );
                finding.fix = raw.fix;
                out.push(finding);
            }
            out
        };
        let per_group: Vec<Vec<Finding>> = in_pool(pool, || groups.into_par_iter().map(finish).collect());
        flatten(per_group)
    }
}

/// Each file's items, decoded (in parallel) where they are still stored; a problem for each
/// file whose stored items cannot be read back (the workspace stage then runs without them),
/// and its entry dropped from the cache, so that the next run checks it again.
fn decode_items(
    pool: Option<&rayon::ThreadPool>,
    files: Vec<KeptFile>,
    cache: Option<&RunCache<'_>>,
    root_of: &[usize],
) -> (Vec<Vec<(usize, Deferred)>>, Vec<Problem>) {
    let decoded: Vec<_> = in_pool(pool, || files.into_par_iter().map(KeptFile::into_items).collect());
    let mut items = Vec::with_capacity(decoded.len());
    let mut problems = Vec::new();
    for file in decoded {
        match file {
            Ok(file) => items.push(file),
            Err((path, package)) => {
                if let Some(cache) = cache {
                    cache.forget(root_of[package], &path);
                }
                problems.push(Problem {
                    severity: ProblemSeverity::Error,
                    kind: ProblemKind::Internal,
                    path: path.to_path_buf(),
                    location: None,
                    message: "what the result cache kept of this file for cross-file rules could not be \
                              read back (the cache file was damaged), so those rules ran without it; the \
                              next run checks the file again"
                        .to_owned(),
                });
            }
        }
    }
    (items, problems)
}

/// The items rules held back, one group per rule and workspace (by rule, then workspace),
/// each in file order: by path, position of the finding, then package, each file's items in
/// the order its walk kept them. `files` holds the items of one file each, in any order.
fn in_file_order(files: Vec<Vec<(usize, Deferred)>>, workspace_of: &[usize]) -> Vec<(usize, Vec<Deferred>)> {
    // Files by path, then package (a file that two packages reach comes twice): each file's
    // place in that order, and its path's.
    // A path's components, split once: comparing them is how paths order, and splitting
    // them at each comparison would cost more than the rest of the sort.
    let first: Vec<Option<(Vec<Component<'_>>, usize)>> = files
        .iter()
        .map(|items| items.first().map(|(_, item)| (item.path.components().collect(), item.package)))
        .collect();
    let mut by_path: Vec<usize> = (0..files.len()).collect();
    by_path.sort_by(|a, b| first[*a].cmp(&first[*b]));
    let mut place = vec![0_u32; files.len()];
    let mut path_rank = vec![0_u32; files.len()];
    let mut rank = 0_u32;
    for (at, file) in by_path.iter().enumerate() {
        let path = |file: usize| first[file].as_ref().map(|(path, _)| path);
        if at > 0 && path(by_path[at - 1]) != path(*file) {
            rank += 1;
        }
        place[*file] = small(at);
        path_rank[*file] = rank;
    }
    // Sorting small keys, not the items, keeps what moves small.
    let mut keys: Vec<(u32, u32, u32, u32, u32, u32)> = Vec::with_capacity(files.iter().map(Vec::len).sum());
    for (file, items) in files.iter().enumerate() {
        for (index, (rule, item)) in items.iter().enumerate() {
            let at = item.finding.as_ref().map_or(0, |f| f.range.start);
            let workspace = workspace_of[item.package];
            keys.push((
                small(*rule),
                small(workspace),
                path_rank[file],
                small(at),
                place[file],
                small(index),
            ));
        }
    }
    keys.sort_unstable();
    let mut slots: Vec<Vec<Option<(usize, Deferred)>>> =
        files.into_iter().map(|items| items.into_iter().map(Some).collect()).collect();
    let mut groups: Vec<(usize, Vec<Deferred>)> = Vec::new();
    for run in keys.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
        let mut group = Vec::with_capacity(run.len());
        for &(_, _, _, _, place, index) in run {
            let file = by_path[place as usize];
            if let Some((_, item)) = slots[file].get_mut(index as usize).and_then(Option::take) {
                group.push(item);
            }
        }
        groups.push((run[0].0 as usize, group));
    }
    groups
}

/// `n` as a sort key: counts and offsets below 2^32 (a larger one sorts last).
fn small(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn package_findings(
    template: PackageCx<'_>,
    settings: &Settings,
    rules: &[&'static dyn Rule],
) -> Vec<Finding> {
    let package = template.package;
    let mut out = Vec::new();
    let lines = LineIndex::new(&package.manifest_text);
    let workspace = package.workspace_manifest.as_deref().zip(template.workspace_manifest_text);
    let workspace_lines = workspace.map(|(_, text)| LineIndex::new(text));
    for rule in rules {
        let meta = rule.meta();
        let Some(index) = registry::index_of(meta.name) else { continue };
        let Some(severity) = settings.level(index, &package.manifest_path) else { continue };
        let mut cx = PackageCx { raw: Vec::new(), ..template };
        rule.check_package(&mut cx);
        for raw in cx.raw {
            let (path, text, lines) = match (raw.in_workspace, workspace, &workspace_lines) {
                (true, Some((path, text)), Some(lines)) => (path, text, lines),
                _ => (package.manifest_path.as_path(), package.manifest_text.as_str(), &lines),
            };
            let range = raw.span.start.min(text.len())..raw.span.end.min(text.len());
            let mut finding =
                Finding::locate(meta.name, severity, raw.message, raw.help, path, text, lines, range, None);
            finding.fix = raw.fix;
            out.push(finding);
        }
    }
    out
}

/// Whether the text has the `unsafe` keyword in code (not in comments or strings).
fn has_unsafe_keyword(text: &str, root: &SyntaxNode) -> bool {
    let green = GreenRef::of(root);
    text_find_all(text, "unsafe").any(|at| {
        let Ok(offset) = u32::try_from(at) else { return false };
        green.token_at(TextSize::from(offset)).is_some_and(|(kind, text)| is_unsafe_keyword(kind, text))
    })
}

/// Module declarations found by visiting items only (for parse-only runs).
fn module_decls(root: &SyntaxNode, in_test: bool, allows: &[String]) -> Vec<ChildModule> {
    let mut out = Vec::new();
    let mut stack: Vec<(SyntaxNode, Vec<String>)> = vec![(root.clone(), Vec::new())];
    while let Some((node, inline)) = stack.pop() {
        for module in node.children().filter_map(ast::Module::cast) {
            let Some(name) = module.name() else { continue };
            let name = name.text().to_string();
            match module.item_list() {
                Some(list) => {
                    let mut path = inline.clone();
                    path.push(name);
                    stack.push((list.syntax().clone(), path));
                }
                None => {
                    let path_attr = crate::rule::module_path_attr(module.syntax());
                    let decl = ModuleDecl { name, path_attr, inline_path: inline.clone() };
                    out.push(ChildModule {
                        decl,
                        in_test,
                        allows: allows.to_vec(),
                        public: true,
                        public_items: Vec::new(),
                        outside_default_build: false,
                    })
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Paths rank by their components, not their bytes (`a/b.rs` before `a-b.rs`, where `/`
    /// sorts after `-`), and paths written differently that are the same (`a/./b.rs`) rank
    /// together, whether or not they come in one run.
    #[test]
    fn paths_rank_by_their_components() {
        let paths = ["/p/a-b.rs", "/p/a-b.rs", "/p/a/b.rs", "/p/a/./b.rs", "/p/a-b.rs", "/p/a.rs"];
        let rank = ranks(
            paths.iter().map(Path::new),
            |a, b| same_bytes(a, b),
            |path| path.components().collect::<Vec<_>>(),
        );
        // By bytes, `a-b.rs` and `a.rs` would come before `a/b.rs`.
        assert_eq!(rank, [1, 1, 0, 0, 1, 2]);
    }
}
