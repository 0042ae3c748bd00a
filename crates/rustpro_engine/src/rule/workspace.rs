//! The workspace stage of a rule: after every file was walked, a rule sees what it held
//! back (findings and facts) across the whole workspace, and decides what to report.
//! Cross-file rules use it: a trait and its impls live in different files.

use std::ops::Range;
use std::path::{Path, PathBuf};

use super::context::{ManifestReport, RawManifestFinding};
use super::kept::DeferredData;
use super::tested::TestIndex;
use crate::diagnostic::{Applicability, Edit, Finding, Fix};
use crate::project::Package;

/// A finding or a fact a rule held back while checking one file.
#[derive(Debug)]
pub struct Deferred {
    pub path: PathBuf,
    /// Index of the file's package in [`WorkspaceCx::packages`].
    pub package: usize,
    /// Located, with level and suppressions applied; `None` for a plain fact.
    pub finding: Option<Finding>,
    /// The edits a fact was kept with ([`super::FileCx::defer_with_edits`]), located.
    pub edits: Option<Fix>,
    pub data: DeferredData,
}

/// The items the rules held back during the file walk, kept compact until the workspace
/// stage. A large workspace holds hundreds of thousands of them, most of them plain facts;
/// as [`Deferred`]s (room for a finding in every item, the file's path in every item and in
/// every edit) they took several times the memory of what they say. Here an item is a few
/// words, a file's path is stored once, and an item becomes a [`Deferred`] only when the
/// workspace stage of its rule runs, one rule and workspace at a time.
#[derive(Debug, Default)]
pub(crate) struct DeferredStore {
    /// The files the items come from, with their package.
    files: Vec<(PathBuf, usize)>,
    items: Vec<StoredItem>,
}

#[derive(Debug)]
struct StoredItem {
    /// The rule's index in the registry.
    rule: usize,
    /// Index into [`DeferredStore::files`].
    file: usize,
    finding: Option<Box<Finding>>,
    edits: Option<Box<StoredFix>>,
    data: DeferredData,
}

/// A [`Fix`] whose leading edits, those in the item's own file, are kept without the path.
#[derive(Debug)]
struct StoredFix {
    title: String,
    applicability: Applicability,
    local: Vec<(Range<usize>, String)>,
    /// The edits after the first one in another file, as they were.
    rest: Vec<Edit>,
}

impl StoredFix {
    fn new(fix: Fix, path: &Path) -> StoredFix {
        let split = fix.edits.iter().position(|e| e.path != path).unwrap_or(fix.edits.len());
        let mut edits = fix.edits.into_iter();
        let local = edits.by_ref().take(split).map(|e| (e.range, e.replacement)).collect();
        StoredFix { title: fix.title, applicability: fix.applicability, local, rest: edits.collect() }
    }

    fn into_fix(self, path: &Path) -> Fix {
        let mut edits = Vec::with_capacity(self.local.len() + self.rest.len());
        edits.extend(self.local.into_iter().map(|(range, replacement)| Edit {
            path: path.to_path_buf(),
            range,
            replacement,
        }));
        edits.extend(self.rest);
        Fix { title: self.title, applicability: self.applicability, edits }
    }
}

impl DeferredStore {
    /// Adds what one file held back, each item with its rule's index in the registry.
    pub(crate) fn extend(&mut self, items: Vec<(usize, Deferred)>) {
        for (rule, item) in items {
            let file = match self.files.last() {
                Some((path, package)) if *path == item.path && *package == item.package => {
                    self.files.len() - 1
                }
                _ => {
                    self.files.push((item.path, item.package));
                    self.files.len() - 1
                }
            };
            let path = &self.files[file].0;
            self.items.push(StoredItem {
                rule,
                file,
                finding: item.finding.map(Box::new),
                edits: item.edits.map(|fix| Box::new(StoredFix::new(fix, path))),
                data: item.data,
            });
        }
    }

    /// The items by rule (its index in the registry) and workspace (`workspace_of` gives a
    /// package's), each group sorted by file and position, items of one place in the order
    /// they were kept. Each group becomes [`Deferred`]s only when the iterator reaches it.
    pub(crate) fn into_groups(self, workspace_of: &[usize]) -> impl Iterator<Item = (usize, Vec<Deferred>)> {
        let DeferredStore { files, items } = self;
        // Files in path order, so that sorting compares numbers (equal paths, equal ranks).
        let mut by_path: Vec<usize> = (0..files.len()).collect();
        by_path.sort_by(|&a, &b| files[a].0.cmp(&files[b].0));
        let mut rank = vec![0; files.len()];
        for (i, &file) in by_path.iter().enumerate() {
            let same = i > 0 && files[by_path[i - 1]].0 == files[file].0;
            rank[file] = if same { rank[by_path[i - 1]] } else { i };
        }
        let group =
            |item: &StoredItem, files: &[(PathBuf, usize)]| (item.rule, workspace_of[files[item.file].1]);
        // Sorted through their indexes: sorting the items themselves takes a scratch buffer
        // as large as they are. The index last keeps items of one place in the order kept.
        let mut order: Vec<usize> = (0..items.len()).collect();
        order.sort_unstable_by_key(|&i| {
            let item = &items[i];
            let at = item.finding.as_ref().map_or(0, |f| f.range.start);
            (group(item, &files), rank[item.file], at, i)
        });
        let mut items: Vec<Option<StoredItem>> = items.into_iter().map(Some).collect();
        let mut order = order.into_iter().peekable();
        std::iter::from_fn(move || {
            let first = items[order.next()?].take()?;
            let key = group(&first, &files);
            let mut out = vec![first.into_deferred(&files)];
            while let Some(next) =
                order.next_if(|&i| items[i].as_ref().is_some_and(|item| group(item, &files) == key))
            {
                if let Some(item) = items[next].take() {
                    out.push(item.into_deferred(&files));
                }
            }
            Some((key.0, out))
        })
    }
}

impl StoredItem {
    fn into_deferred(self, files: &[(PathBuf, usize)]) -> Deferred {
        let (path, package) = &files[self.file];
        Deferred {
            path: path.clone(),
            package: *package,
            finding: self.finding.map(|f| *f),
            edits: self.edits.map(|fix| fix.into_fix(path)),
            data: self.data,
        }
    }
}

/// What a rule's workspace stage sees: one workspace's deferred items, in file order.
#[derive(Debug)]
pub struct WorkspaceCx<'a> {
    pub(crate) packages: &'a [Package],
    pub(crate) tests: &'a TestIndex,
    /// The texts of the workspace root manifests, by the folder that holds them.
    pub(crate) workspace_manifests: &'a std::collections::HashMap<PathBuf, String>,
    pub(crate) items: Vec<Deferred>,
    pub(crate) out: Vec<Finding>,
    /// Findings in packages' manifests, by package index.
    pub(crate) manifest: Vec<(usize, RawManifestFinding)>,
}

impl WorkspaceCx<'_> {
    /// Every package of the run (indexes of [`Deferred::package`]).
    pub fn packages(&self) -> &[Package] {
        self.packages
    }

    /// What the test code of every package names (indexes of [`Deferred::package`]).
    pub fn tests(&self) -> &TestIndex {
        self.tests
    }

    /// The text of the root manifest of `package`'s workspace, for a member of one.
    pub fn workspace_manifest_text(&self, package: &Package) -> Option<&str> {
        let root = package.workspace_manifest.as_ref()?.parent()?;
        self.workspace_manifests.get(root).map(String::as_str)
    }

    /// The items the rule held back in this workspace, sorted by file and position.
    pub fn take_items(&mut self) -> Vec<Deferred> {
        std::mem::take(&mut self.items)
    }

    /// Reports a finding (usually one held back, with its message or fix completed).
    pub fn report(&mut self, finding: Finding) {
        self.out.push(finding);
    }

    /// Reports a finding located at `span` of the `Cargo.toml` of package `package` (an index
    /// into [`WorkspaceCx::packages`]), for what only the whole workspace can decide.
    pub fn report_in_manifest(
        &mut self,
        package: usize,
        span: Range<usize>,
        message: impl Into<String>,
    ) -> ManifestReport<'_> {
        let raw =
            RawManifestFinding { span, message: message.into(), help: None, fix: None, in_workspace: false };
        self.manifest.push((package, raw));
        ManifestReport { finding: self.manifest.last_mut().map(|(_, raw)| raw) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Severity;
    use crate::source::LineIndex;

    fn item(path: &str, package: usize, at: Option<usize>, fix: Option<Fix>, tag: u32) -> Deferred {
        let text = "fn a() {}\nfn b() {}\n";
        let finding = at.map(|at| {
            let lines = LineIndex::new(text);
            let path = Path::new(path);
            Finding::locate("r", Severity::Warning, String::new(), None, path, text, &lines, at..at + 1, None)
        });
        Deferred { path: PathBuf::from(path), package, finding, edits: fix, data: DeferredData::new(tag) }
    }

    fn edit(path: &str, at: usize) -> Edit {
        Edit { path: PathBuf::from(path), range: at..at, replacement: format!("{path}@{at}") }
    }

    #[test]
    fn groups_by_rule_and_workspace_in_file_order_with_their_edits() {
        let fix = Fix {
            title: "t".to_owned(),
            applicability: Applicability::Safe,
            edits: vec![edit("/w/b.rs", 1), edit("/w/b.rs", 2), edit("/w/Cargo.toml", 3), edit("/w/b.rs", 4)],
        };
        let mut store = DeferredStore::default();
        // Walks finish in any order: `b.rs` first, then `a.rs`, then another workspace.
        store.extend(vec![
            (1, item("/w/b.rs", 0, Some(12), None, 1)),
            (0, item("/w/b.rs", 0, None, Some(fix.clone()), 2)),
            (1, item("/w/b.rs", 0, Some(1), None, 3)),
            (0, item("/w/b.rs", 0, None, None, 4)),
        ]);
        store.extend(vec![(0, item("/w/a.rs", 1, None, None, 5)), (1, item("/w/a.rs", 1, Some(3), None, 6))]);
        store.extend(vec![(0, item("/v/c.rs", 2, None, None, 7))]);
        let groups: Vec<(usize, Vec<Deferred>)> = store.into_groups(&[0, 0, 1]).collect();
        let tags = |items: &[Deferred]| -> Vec<u32> {
            items.iter().map(|d| *d.data.get::<u32>().unwrap_or(&0)).collect()
        };
        let shape: Vec<(usize, Vec<u32>)> = groups.iter().map(|(rule, items)| (*rule, tags(items))).collect();
        assert_eq!(shape, vec![(0, vec![5, 2, 4]), (0, vec![7]), (1, vec![6, 3, 1])]);
        let kept = &groups[0].1[1];
        assert_eq!((kept.path.as_path(), kept.package), (Path::new("/w/b.rs"), 0));
        let edits = kept.edits.as_ref().map(|f| f.edits.clone());
        assert_eq!(edits, Some(fix.edits));
    }
}
