//! What a rule sees while it checks: the file, its package and target, whether the current
//! node is test code, and the place to report findings.

use std::cell::OnceCell;
use std::ops::Range;
use std::path::Path;

use super::RuleMeta;
use super::ancestors::NearestAncestors;
use super::imports::Imports;
use super::kept::{DeferredData, Keep};
use super::tested::TestFacts;
use crate::config::RuleOptions;
use crate::diagnostic::{Applicability, Edit};
use crate::project::{LintLevel, Package, TargetKind};
use crate::source::parse::{SyntaxKind, SyntaxNode, TextRange, TextSize};

/// Facts about a file that package rules aggregate.
#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
pub struct FileFacts {
    /// The file contains the `unsafe` keyword anywhere (code or macro input).
    pub has_unsafe: bool,
    /// A crate root forbids or denies `unsafe_code` with an inner attribute.
    pub forbids_unsafe_code: bool,
    /// The text names `async_trait` anywhere (an attribute, an import, a path).
    pub mentions_async_trait: bool,
    /// The newest Rust release the code needs, by the features rustpro sees (only gathered
    /// for packages without a `rust-version`).
    pub required_rust: Option<RequiredRust>,
    /// The file has a test that `cargo test` runs: a `#[test]`-like function (or a macro
    /// that defines tests) in test code of a library, binary or test target, or a runnable
    /// doc test in a library.
    pub has_tests: bool,
}

impl FileFacts {
    pub(crate) fn merge(&mut self, other: FileFacts) {
        self.has_unsafe |= other.has_unsafe;
        self.forbids_unsafe_code |= other.forbids_unsafe_code;
        self.mentions_async_trait |= other.mentions_async_trait;
        if let Some(other) = other.required_rust {
            self.require_rust(other);
        }
        self.has_tests |= other.has_tests;
    }

    /// Keeps `required` if it needs a newer release than what is known (on a tie, the site
    /// first in file order, so that parallel walks give one answer).
    pub(crate) fn require_rust(&mut self, required: RequiredRust) {
        let newer = self.required_rust.as_ref().is_none_or(|known| {
            (std::cmp::Reverse(required.minor), &required.path, required.line)
                < (std::cmp::Reverse(known.minor), &known.path, known.line)
        });
        if newer {
            self.required_rust = Some(required);
        }
    }
}

/// A feature of the code that needs Rust `1.minor`, and where it is used.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RequiredRust {
    pub minor: u32,
    /// The feature, as messages name it (borrowed from the feature table, owned when read
    /// back from the result cache).
    pub feature: std::borrow::Cow<'static, str>,
    pub path: std::path::PathBuf,
    /// 1-based.
    pub line: usize,
}

/// A finding as a rule reports it, before it is located in the original file.
#[derive(Debug)]
pub(crate) struct RawFinding {
    pub rule: &'static RuleMeta,
    pub range: TextRange,
    pub message: String,
    pub help: Option<String>,
    pub fix: Option<FileFix>,
    /// Held back for the rule's workspace stage instead of being reported.
    pub deferred: Option<DeferredData>,
}

/// A fix as a rule builds it while checking a file: edits in ranges of the tree being
/// walked, plus edits in other files (a manifest) already in on-disk offsets.
#[derive(Debug, Clone)]
pub struct FileFix {
    pub title: String,
    pub applicability: Applicability,
    pub edits: Vec<(TextRange, String)>,
    pub other_edits: Vec<Edit>,
}

impl FileFix {
    pub fn new(title: impl Into<String>, applicability: Applicability) -> FileFix {
        FileFix { title: title.into(), applicability, edits: Vec::new(), other_edits: Vec::new() }
    }

    /// Replaces `range` (of the tree being walked) with `text`; write `\n` for line breaks.
    pub fn replace(mut self, range: TextRange, text: impl Into<String>) -> FileFix {
        self.edits.push((range, text.into()));
        self
    }

    pub fn delete(self, range: TextRange) -> FileFix {
        self.replace(range, "")
    }

    pub fn insert(self, at: TextSize, text: impl Into<String>) -> FileFix {
        self.replace(TextRange::empty(at), text)
    }
}

/// The context of one file's check.
#[derive(Debug)]
pub struct FileCx<'a> {
    pub(crate) path: &'a Path,
    pub(crate) package: &'a Package,
    pub(crate) target: TargetKind,
    pub(crate) root: &'a SyntaxNode,
    /// The file's (normalised) text, for cheap whole-file checks.
    pub(crate) text: &'a str,
    /// Offset of the tree being walked in the file (non-zero inside macro arguments).
    pub(crate) base: TextSize,
    pub(crate) test_depth: usize,
    pub(crate) allows: Vec<String>,
    pub(crate) current: &'static RuleMeta,
    pub(crate) raw: Vec<RawFinding>,
    pub(crate) facts: FileFacts,
    /// The file's module is reachable from outside the crate (see `FileCx::in_public_module`).
    pub(crate) public_module: bool,
    /// Items of this (private) module that the parent re-exports by name.
    pub(crate) public_items: Vec<String>,
    /// While macro arguments are walked: the macro call in the file tree that holds them.
    pub(crate) file_macro_call: Option<SyntaxNode>,
    /// The file's module is declared under a `cfg` that a default build leaves off (see
    /// `rules::util::feature_use::is_outside_default_build`), here or in a parent module.
    pub(crate) outside_default_build: bool,
    /// Facts for rules' workspace stages, with the rule that kept each and their edits.
    pub(crate) deferred: Vec<(&'static RuleMeta, DeferredData, Option<FileFix>)>,
    /// Types the error rules kept unread in `deferred`, by index there, to read at the end of
    /// the walk if an impl of the file names them (see `error_impls::read_named_types`).
    pub(crate) unread_types: Vec<(usize, SyntaxNode)>,
    /// The workspace's rule options (`[rules.NAME]` tables).
    pub(crate) options: &'a RuleOptions,
    /// What test code names, and the library's public functions (see `tested`).
    pub(crate) tests: TestFacts,
    imports: OnceCell<Imports>,
    /// Answers of [`FileCx::file_mentions`] so far.
    mentions: std::cell::RefCell<Vec<(&'static str, bool)>>,
    /// Which of [`RARE_NEEDLES`] the file holds, found in one pass on the first ask.
    rare_mentions: OnceCell<u64>,
    /// Line starts of `text`, built on the first [`FileCx::line_of`].
    lines: OnceCell<crate::source::LineIndex>,
    /// The package's `rust-version` as a 1.x minor, read on the first ask.
    rust_minor: OnceCell<Option<u32>>,
    /// The imports of the blocks and inline modules [`FileCx::expand_path_at`] looked in,
    /// by the walked tree's offset in the file and the scope's range.
    scope_imports: std::cell::RefCell<Vec<((TextSize, TextRange), Imports)>>,
    /// What a rule worked out about the node being checked, for the next rules called on
    /// it (see [`FileCx::memo_for_node`]).
    node_memo: std::cell::RefCell<Option<Box<dyn std::any::Any>>>,
    /// What rules worked out once for the whole file, one value per type (see
    /// [`FileCx::memo_for_file`]).
    file_memo: std::cell::RefCell<Vec<std::rc::Rc<dyn std::any::Any>>>,
    /// The scopes [`FileCx::expand_path_at`] looked in, for deep trees.
    import_scopes: std::cell::RefCell<NearestAncestors>,
}

/// Needles of [`FileCx::file_mentions`] asked of nearly every file and absent from most:
/// each would cost a whole pass over most files, so they are looked for together. Words
/// found in most files (`fmt`, `Error`), or many times in the files that have them
/// (`async`, `unsafe`), are searched for alone: a search stops at the first occurrence.
static RARE_NEEDLES: std::sync::LazyLock<crate::source::text::NeedleSet> = std::sync::LazyLock::new(|| {
    crate::source::text::NeedleSet::new(&[
        "async_trait",
        "anyhow",
        "eyre",
        "Arc",
        "Rc",
        ".route",
        ".nest",
        "Server",
    ])
});

impl<'a> FileCx<'a> {
    pub(crate) fn new(
        path: &'a Path,
        package: &'a Package,
        target: TargetKind,
        root: &'a SyntaxNode,
        in_test: bool,
        allows: Vec<String>,
        current: &'static RuleMeta,
    ) -> Self {
        FileCx {
            path,
            package,
            target,
            root,
            text: "",
            base: TextSize::from(0),
            test_depth: usize::from(in_test),
            allows,
            current,
            raw: Vec::new(),
            facts: FileFacts::default(),
            public_module: true,
            public_items: Vec::new(),
            file_macro_call: None,
            outside_default_build: false,
            deferred: Vec::new(),
            unread_types: Vec::new(),
            options: RuleOptions::builtin(),
            tests: TestFacts::default(),
            imports: OnceCell::new(),
            lines: OnceCell::new(),
            mentions: std::cell::RefCell::new(Vec::new()),
            rare_mentions: OnceCell::new(),
            rust_minor: OnceCell::new(),
            scope_imports: std::cell::RefCell::default(),
            node_memo: std::cell::RefCell::default(),
            file_memo: std::cell::RefCell::default(),
            import_scopes: std::cell::RefCell::default(),
        }
    }

    pub fn path(&self) -> &Path {
        self.path
    }

    pub fn package(&self) -> &Package {
        self.package
    }

    pub fn target(&self) -> TargetKind {
        self.target
    }

    /// The options of the rules, as configured for the workspace.
    pub fn options(&self) -> &RuleOptions {
        self.options
    }

    /// Inside `#[cfg(test)]`, a `#[test]` function, or a test, bench, example or build target.
    pub fn in_test_code(&self) -> bool {
        self.test_depth > 0 || !self.target.is_production()
    }

    /// Code that ships: a library or binary target, outside test code.
    pub fn is_production(&self) -> bool {
        !self.in_test_code()
    }

    /// Production code of a library target.
    pub fn is_library_production(&self) -> bool {
        self.target == TargetKind::Lib && self.is_production()
    }

    /// Whether the file's module is part of the crate's public API: reached from the crate
    /// root through `pub mod` declarations (not `#[doc(hidden)]`) or re-exported with a
    /// `pub use` from the declaring file. Always true for crate roots.
    pub fn in_public_module(&self) -> bool {
        self.public_module
    }

    /// Whether a top-level item of this file named `name` is public API although its module
    /// is not, because the parent module re-exports it by name.
    pub fn is_reexported(&self, name: &str) -> bool {
        self.public_items.iter().any(|item| item == name)
    }

    /// While a rule looks at code inside macro arguments (a fragment parsed on its own): the
    /// macro call in the file tree that holds it, where the comments and items around are.
    pub fn file_macro_call(&self) -> Option<&SyntaxNode> {
        self.file_macro_call.as_ref()
    }

    /// Whether the file's text holds `needle` anywhere (code, comments or strings): a cheap
    /// way to skip a file that cannot have what a rule looks for.
    /// Answers are kept per file: rules ask at every node.
    pub fn file_mentions(&self, needle: &'static str) -> bool {
        if self.text.is_empty() {
            return true;
        }
        let mut known = self.mentions.borrow_mut();
        // Needles are literals: the same literal is the same pointer, and comparing pointers
        // is cheaper than comparing text (two equal literals may be kept twice, which is fine).
        if let Some((_, found)) = known.iter().find(|(n, _)| std::ptr::eq(*n, needle)) {
            return *found;
        }
        let found = match RARE_NEEDLES.index_of(needle) {
            Some(index) => {
                let found = *self.rare_mentions.get_or_init(|| RARE_NEEDLES.find_in(self.text));
                found & (1 << index) != 0
            }
            None => crate::source::text::text_contains(self.text, needle),
        };
        known.push((needle, found));
        found
    }

    /// `compute()` for the node being checked, worked out once for all the rules called on
    /// it: two rules read the same error facts of each type and impl. The walk forgets it
    /// before each node ([`FileCx::forget_node_memo`]).
    pub(crate) fn memo_for_node<T: Clone + 'static>(&self, compute: impl FnOnce() -> T) -> T {
        let known = self.node_memo.borrow().as_ref().and_then(|memo| memo.downcast_ref::<T>().cloned());
        if let Some(known) = known {
            return known;
        }
        let value = compute();
        *self.node_memo.borrow_mut() = Some(Box::new(value.clone()));
        value
    }

    /// `compute()` worked out once per file and shared by every rule and node that asks,
    /// one value per type: an index of the file tree (`cx.root`) that saves each node a
    /// walk over the file.
    pub(crate) fn memo_for_file<T: 'static>(&self, compute: impl FnOnce() -> T) -> std::rc::Rc<T> {
        let known = self.file_memo.borrow().iter().find_map(|memo| memo.clone().downcast::<T>().ok());
        if let Some(known) = known {
            return known;
        }
        let value = std::rc::Rc::new(compute());
        self.file_memo.borrow_mut().push(value.clone());
        value
    }

    /// Called by the walk before the rules see the next node.
    pub(crate) fn forget_node_memo(&mut self) {
        self.node_memo.get_mut().take();
    }

    /// The package's `rust-version` (own or inherited) as a 1.x minor; `None` when it has
    /// none or it cannot be read. Rules ask at every node, so it is read once per file.
    pub(crate) fn declared_rust_minor(&self) -> Option<u32> {
        *self.rust_minor.get_or_init(|| {
            self.package
                .rust_version
                .as_deref()
                .and_then(crate::rules::util::rust_features::parse_rust_version)
        })
    }

    /// The `use` imports at the top of the file.
    pub fn imports(&self) -> &Imports {
        self.imports.get_or_init(|| Imports::of_file(self.root))
    }

    /// `path` (as written at `node`) expanded through the imports in scope there: those of
    /// the enclosing blocks, innermost first, then those of the enclosing module (an inline
    /// module's own, or the file's). A module does not see its parent's imports.
    pub fn expand_path_at(&self, node: &SyntaxNode, path: &str) -> String {
        let path = path.trim_start_matches("::");
        let mut from = Some(node.clone());
        while let Some(below) = from {
            // A module body, or a block that imports something: blocks without imports are
            // passed over, and most blocks and module bodies import nothing (asked of the
            // green tree, before the scope's items are read).
            let scope = self.import_scopes.borrow_mut().find(&below, |scope| {
                scope.kind() == SyntaxKind::ITEM_LIST
                    || (scope.kind() == SyntaxKind::STMT_LIST
                        && crate::source::parse::has_child_of_kind(scope, SyntaxKind::USE))
            });
            let Some(scope) = scope else { break };
            let is_module = scope.kind() == SyntaxKind::ITEM_LIST;
            if is_module && !crate::source::parse::has_child_of_kind(&scope, SyntaxKind::USE) {
                return path.to_owned();
            }
            // Read once per scope: rules ask at many nodes of the same module or block.
            let key = (self.base, scope.text_range());
            let mut known = self.scope_imports.borrow_mut();
            let at = match known.iter().position(|(k, _)| *k == key) {
                Some(at) => at,
                None => {
                    known.push((key, Imports::of_scope(&scope)));
                    known.len() - 1
                }
            };
            let local = &known[at].1;
            if local.covers(path) || is_module {
                return local.expand(path);
            }
            from = scope.parent();
        }
        self.imports().expand(path)
    }

    /// Reports a finding for the current rule at `range` (a range of the node being checked).
    pub fn report(&mut self, range: TextRange, message: impl Into<String>) -> Report<'_> {
        self.report_unless_allowed(self.current.clippy, range, message.into())
    }

    /// Reports a finding that corresponds to one of the rule's clippy twins only (`todo!` to
    /// `clippy::todo`): allowing another twin does not silence it.
    pub fn report_as_twin(&mut self, twin: &str, range: TextRange, message: impl Into<String>) -> Report<'_> {
        let twins = self.current.clippy;
        match twins.iter().position(|t| *t == twin) {
            Some(index) => self.report_unless_allowed(&twins[index..=index], range, message.into()),
            None => self.report_unless_allowed(twins, range, message.into()),
        }
    }

    fn report_unless_allowed(&mut self, twins: &[&str], range: TextRange, message: String) -> Report<'_> {
        if self.is_allowed(twins) {
            return Report { finding: None, base: self.base };
        }
        self.raw.push(RawFinding {
            rule: self.current,
            range: range + self.base,
            message,
            help: None,
            fix: None,
            deferred: None,
        });
        Report { finding: self.raw.last_mut(), base: self.base }
    }

    /// Keeps a fact (not a finding) for the current rule's workspace stage. Levels and
    /// suppressions do not apply to facts.
    pub fn defer(&mut self, data: impl Keep) {
        self.deferred.push((self.current, DeferredData::new(data), None));
    }

    /// Keeps a fact with edits in this file, which the workspace stage may add to a fix
    /// (an impl that must change with its trait).
    pub fn defer_with_edits(&mut self, data: impl Keep, mut edits: FileFix) {
        for (range, _) in &mut edits.edits {
            *range += self.base;
        }
        self.deferred.push((self.current, DeferredData::new(data), Some(edits)));
    }

    /// The lines of the file's text, when a rule asked for a line (see [`FileCx::line_of`]).
    pub(crate) fn take_lines(&mut self) -> Option<crate::source::LineIndex> {
        self.lines.take()
    }

    /// The 1-based line of `offset` (an offset of the tree being walked).
    pub fn line_of(&self, offset: TextSize) -> usize {
        let offset = (offset + self.base).min(self.root.text_range().end());
        if !self.text.is_empty() {
            let lines = self.lines.get_or_init(|| crate::source::LineIndex::new(self.text));
            return lines.line_of(usize::from(offset)) + 1;
        }
        let mut line = 1;
        self.root.text().slice(TextRange::up_to(offset)).for_each_chunk(|chunk| {
            line += chunk.bytes().filter(|&b| b == b'\n').count();
        });
        line
    }

    /// Offset of the tree being walked in the file: non-zero while macro arguments, parsed
    /// on their own, are walked. Ranges handed to [`FileCx::report`] and [`FileFix`] are
    /// relative to it; facts kept for later need file offsets.
    pub fn base(&self) -> TextSize {
        self.base
    }

    /// Whether `#[allow]`/`#[expect]` of one of these clippy lints, or the package's
    /// `[lints]` table, silences the rule here.
    fn is_allowed(&self, twins: &[&str]) -> bool {
        twins.iter().any(|twin| {
            let allowed_by_attr =
                self.allows.iter().any(|a| a.strip_prefix("clippy::").is_some_and(|name| name == *twin));
            let allowed_by_manifest = matches!(
                self.package.lints.level("clippy", twin),
                Some(LintLevel::Allow | LintLevel::Expect)
            );
            allowed_by_attr || allowed_by_manifest
        })
    }
}

/// Adds detail to a reported finding.
#[derive(Debug)]
pub struct Report<'c> {
    finding: Option<&'c mut RawFinding>,
    base: TextSize,
}

impl Report<'_> {
    /// The expert advice shown as `= help:`.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        if let Some(finding) = self.finding.as_deref_mut() {
            finding.help = Some(help.into());
        }
        self
    }

    /// The fix offered for the finding.
    pub fn fix(mut self, mut fix: FileFix) -> Self {
        if let Some(finding) = self.finding.as_deref_mut() {
            for (range, _) in &mut fix.edits {
                *range += self.base;
            }
            finding.fix = Some(fix);
        }
        self
    }

    /// Holds the finding back for the rule's workspace stage, with what that stage needs to
    /// decide about it. Levels and suppressions still apply first.
    pub fn defer(mut self, data: impl Keep) {
        if let Some(finding) = self.finding.as_deref_mut() {
            finding.deferred = Some(DeferredData::new(data));
        }
    }
}

/// A finding of a package rule, located in the package's manifest.
#[derive(Debug)]
pub(crate) struct RawManifestFinding {
    pub span: Range<usize>,
    pub message: String,
    pub help: Option<String>,
    pub fix: Option<crate::diagnostic::Fix>,
    /// The span is in the workspace's root manifest rather than the package's.
    pub in_workspace: bool,
}

/// The context of a package rule: the package and the facts of all its files.
#[derive(Debug)]
pub struct PackageCx<'a> {
    pub(crate) package: &'a Package,
    pub(crate) facts: &'a FileFacts,
    /// Every package of the run, and the facts of each (same order).
    pub(crate) packages: &'a [Package],
    pub(crate) all_facts: &'a [FileFacts],
    /// The text of the workspace's root manifest, for a member of a workspace.
    pub(crate) workspace_manifest_text: Option<&'a str>,
    /// Some member that inherits the workspace's `[lints]` has `unsafe` code.
    pub(crate) workspace_lint_heirs_use_unsafe: bool,
    /// A package that depends on this one and whose tests name its library.
    pub(crate) tested_from: Option<&'a Package>,
    pub(crate) raw: Vec<RawManifestFinding>,
}

impl PackageCx<'_> {
    pub fn package(&self) -> &Package {
        self.package
    }

    /// The text of the workspace's root manifest (`Package::workspace_manifest`).
    pub fn workspace_manifest_text(&self) -> Option<&str> {
        self.workspace_manifest_text
    }

    /// Whether a member of this package's workspace that inherits the workspace's `[lints]`
    /// has `unsafe` code (so forbidding it there would break that member).
    pub fn workspace_lint_heirs_use_unsafe(&self) -> bool {
        self.workspace_lint_heirs_use_unsafe
    }

    pub fn facts(&self) -> &FileFacts {
        self.facts
    }

    /// The members of this package's workspace (the package among them) with the facts of
    /// their files; nothing for a package outside a workspace.
    pub fn workspace_members(&self) -> impl Iterator<Item = (&Package, &FileFacts)> {
        let workspace = self.package.workspace_manifest.as_ref();
        self.packages
            .iter()
            .zip(self.all_facts)
            .filter(move |(member, _)| workspace.is_some() && member.workspace_manifest.as_ref() == workspace)
    }

    /// A package of the run that depends on this one and whose test code names this
    /// package's library: its tests live there.
    pub fn tested_from(&self) -> Option<&Package> {
        self.tested_from
    }

    /// Reports a finding located at `span` of the package's `Cargo.toml`.
    pub fn report(&mut self, span: Range<usize>, message: impl Into<String>) -> ManifestReport<'_> {
        self.raw.push(RawManifestFinding {
            span,
            message: message.into(),
            help: None,
            fix: None,
            in_workspace: false,
        });
        ManifestReport { finding: self.raw.last_mut() }
    }

    /// Reports a finding located at `span` of the workspace's root manifest, for what a
    /// member inherits from it. Every member that inherits the same thing reports the same
    /// finding; the run keeps one. Nothing is reported for a package outside a workspace.
    pub fn report_in_workspace(
        &mut self,
        span: Range<usize>,
        message: impl Into<String>,
    ) -> ManifestReport<'_> {
        if self.workspace_manifest_text.is_none() {
            return ManifestReport { finding: None };
        }
        self.raw.push(RawManifestFinding {
            span,
            message: message.into(),
            help: None,
            fix: None,
            in_workspace: true,
        });
        ManifestReport { finding: self.raw.last_mut() }
    }
}

/// Adds detail to a reported manifest finding.
#[derive(Debug)]
pub struct ManifestReport<'c> {
    pub(crate) finding: Option<&'c mut RawManifestFinding>,
}

impl ManifestReport<'_> {
    pub fn help(mut self, help: impl Into<String>) -> Self {
        if let Some(finding) = self.finding.as_deref_mut() {
            finding.help = Some(help.into());
        }
        self
    }

    /// A safe fix made of one manifest edit, when there is one (`edit_manifest` gives
    /// `None` when the manifest cannot be edited).
    pub fn safe_fix(self, title: impl Into<String>, edit: Option<Edit>) -> Self {
        match edit {
            Some(edit) => self.fix(crate::diagnostic::Fix {
                title: title.into(),
                applicability: Applicability::Safe,
                edits: vec![edit],
            }),
            None => self,
        }
    }

    /// The fix, with edits in on-disk offsets of the manifests they name.
    pub fn fix(mut self, fix: crate::diagnostic::Fix) -> Self {
        if let Some(finding) = self.finding.as_deref_mut() {
            finding.fix = Some(fix);
        }
        self
    }
}
