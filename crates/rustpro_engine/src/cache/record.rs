//! One file's results as the cache stores them. The file's path, package and origin are not
//! stored (nor the path of each edit in the file itself): a record is only used for the
//! file, package and target its key was made for.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::codec;
use super::store::{ItemsAt, ItemsSection};
use crate::diagnostic::{
    Applicability, Edit, Finding, Fix, Origin, Problem, ProblemKind, ProblemSeverity, Severity, Snippet,
};
use crate::driver::{FileItems, FileOutput};
use crate::project::{Edition, TargetKind};
use crate::registry;
use crate::rule::tested::TestFacts;
use crate::rule::{ChildModule, Deferred, DeferredData, FileFacts, KeptEdits};
use crate::source::LineCol;

#[derive(Serialize, Deserialize)]
struct Record {
    findings: Vec<StoredFinding>,
    problems: Vec<StoredProblem>,
    facts: FileFacts,
    tests: TestFacts,
    modules: Vec<ChildModule>,
}

/// A finding of the file, its rule by registry index (the program key pins the registry).
#[derive(Serialize, Deserialize)]
struct StoredFinding {
    rule: u32,
    severity: Severity,
    message: String,
    help: Option<String>,
    range: Range<usize>,
    start: LineCol,
    end: LineCol,
    snippet: Snippet,
    fix: Option<StoredFix>,
}

#[derive(Serialize, Deserialize)]
struct StoredFix {
    title: String,
    applicability: Applicability,
    edits: Vec<StoredEdit>,
}

/// An edit; its file is the record's own unless `path` names another.
#[derive(Serialize, Deserialize)]
struct StoredEdit {
    path: Option<PathBuf>,
    range: Range<usize>,
    replacement: String,
}

#[derive(Serialize, Deserialize)]
struct StoredDeferred<'a> {
    rule: u32,
    finding: Option<StoredFinding>,
    /// The encoding of the edits ([`encode_fix`]), read back in place and decoded only when
    /// the workspace stage asks for them.
    edits: Option<&'a [u8]>,
    /// The kept value's kind and encoding ([`DeferredData::encoded`]), read back in place.
    kind: u64,
    data: &'a [u8],
}

#[derive(Serialize, Deserialize)]
struct StoredProblem {
    severity: ProblemSeverity,
    kind: ProblemKind,
    location: Option<LineCol>,
    message: String,
}

/// `output` (of the file at `path`) encoded: its record, and apart from it the items it kept
/// for the workspace stage ([`encode_items`]), which go to the cache file's items section;
/// `None` when part of it cannot be stored, and then the file is simply not cached.
pub(crate) fn encode(output: &FileOutput, path: &Path) -> Option<(Vec<u8>, Vec<u8>)> {
    let FileOutput { findings, deferred, problems, facts, tests, modules } = output;
    let items = match deferred {
        // No items take no bytes (and a stored file with none is skipped without reading).
        FileItems::Made(items) if items.is_empty() => Vec::new(),
        FileItems::Made(items) => encode_items(items, path)?,
        FileItems::Stored(stored) => stored.bytes()?.to_vec(),
    };
    let record = Record {
        findings: findings.iter().map(|f| store_finding(f, path)).collect::<Option<_>>()?,
        problems: problems
            .iter()
            .map(|problem| {
                let Problem { severity, kind, path: problem_path, location, message } = problem;
                (problem_path == path).then(|| StoredProblem {
                    severity: *severity,
                    kind: *kind,
                    location: *location,
                    message: message.clone(),
                })
            })
            .collect::<Option<_>>()?,
        facts: facts.clone(),
        tests: tests.clone(),
        modules: modules.clone(),
    };
    Some((codec::to_bytes(&record)?, items))
}

/// The items a file (at `path`) kept for the workspace stage, encoded: what a record holds
/// of them, and what the stage key hashes of them; `None` when one cannot be stored.
pub(crate) fn encode_items(items: &[(usize, Deferred)], path: &Path) -> Option<Vec<u8>> {
    let kept: Vec<(u64, std::borrow::Cow<'_, [u8]>)> =
        items.iter().map(|(_, item)| item.data.encoded()).collect::<Option<_>>()?;
    let edits: Vec<Option<std::borrow::Cow<'_, [u8]>>> =
        items.iter().map(|(_, item)| item.kept_edits.encoded(path)).collect::<Option<_>>()?;
    let stored: Vec<StoredDeferred<'_>> = items
        .iter()
        .zip(kept.iter().zip(&edits))
        .map(|((rule, item), ((kind, data), edits))| {
            let Deferred { path: item_path, package: _, finding, kept_edits: _, data: _ } = item;
            if **item_path != *path {
                return None;
            }
            Some(StoredDeferred {
                rule: u32::try_from(*rule).ok()?,
                finding: match finding {
                    Some(finding) => Some(store_finding(finding, path)?),
                    None => None,
                },
                edits: edits.as_deref(),
                kind: *kind,
                data,
            })
        })
        .collect::<Option<_>>()?;
    codec::to_bytes(&stored)
}

/// A cached file's items for the workspace stage, in its cache file's items section: a run
/// whose stage results are reused never reads them.
pub(crate) struct StoredItems {
    section: Arc<ItemsSection>,
    /// Where the encoded items ([`encode_items`]) lie in the section.
    range: Range<usize>,
    /// Their hash, stored with the entry.
    hash: u128,
}

impl StoredItems {
    pub(crate) fn new(section: &Arc<ItemsSection>, at: ItemsAt) -> Option<StoredItems> {
        Some(StoredItems { section: section.clone(), range: at.range()?, hash: at.hash })
    }

    /// Items the file walk kept, encoded ([`encode_items`]) and held in memory until the
    /// workspace stage: a few bytes per item, in one block per file, where the values
    /// themselves take hundreds of bytes in several blocks each. Items of every file are
    /// kept until the end of the run, and so many small blocks made the allocator slower
    /// for the files checked after them.
    pub(crate) fn in_memory(bytes: Vec<u8>) -> StoredItems {
        let (range, hash) = (0..bytes.len(), xxhash_rust::xxh3::xxh3_128(&bytes));
        StoredItems { section: Arc::new(ItemsSection::in_memory(bytes)), range, hash }
    }

    /// The encoded items; `None` when the section cannot be read.
    pub(crate) fn bytes(&self) -> Option<&[u8]> {
        self.section.bytes()?.get(self.range.clone())
    }

    /// The 128-bit xxh3 hash of [`StoredItems::bytes`], without reading them.
    pub(crate) fn hash(&self) -> u128 {
        self.hash
    }

    /// Whether the file kept no item.
    pub(crate) fn is_empty(&self) -> bool {
        self.range.is_empty()
    }

    /// The items, as the file at `path` of package `package`, target `origin` kept them;
    /// `None` when the section cannot be read or the bytes are not items of this program.
    /// Kept values and edits stay in the section until the workspace stage asks for them.
    pub(crate) fn decode(
        &self,
        path: &Arc<Path>,
        package: usize,
        origin: &Arc<Origin>,
    ) -> Option<Vec<(usize, Deferred)>> {
        if self.is_empty() {
            return Some(Vec::new());
        }
        let file = self.section.bytes()?;
        let stored: Vec<StoredDeferred<'_>> = codec::from_bytes(file.get(self.range.clone())?)?;
        stored
            .into_iter()
            .map(|stored| {
                let rule = usize::try_from(stored.rule).ok().filter(|r| *r < registry::all().len())?;
                let item = Deferred {
                    path: path.clone(),
                    package,
                    finding: match stored.finding {
                        Some(stored) => Some(Box::new(restore_finding(stored, path, Some(origin))?)),
                        None => None,
                    },
                    kept_edits: match stored.edits {
                        Some(edits) => KeptEdits::stored(file.clone(), range_in(file, edits)?),
                        None => KeptEdits::default(),
                    },
                    data: DeferredData::stored(stored.kind, file.clone(), range_in(file, stored.data)?),
                };
                Some((rule, item))
            })
            .collect()
    }
}

impl std::fmt::Debug for StoredItems {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredItems").field("bytes", &self.range.len()).finish_non_exhaustive()
    }
}

/// The output a record holds, for the file at `path` of target `origin`, with the items it
/// kept for the workspace stage (`items`, still in the cache file); `None` when the bytes
/// are not a record of this program.
pub(crate) fn decode(
    record: &[u8],
    path: &Path,
    origin: &Arc<Origin>,
    items: StoredItems,
) -> Option<FileOutput> {
    let Record { findings, problems, facts, tests, modules } = codec::from_bytes(record)?;
    Some(FileOutput {
        findings: findings
            .into_iter()
            .map(|stored| restore_finding(stored, path, Some(origin)))
            .collect::<Option<_>>()?,
        deferred: FileItems::Stored(items),
        problems: problems
            .into_iter()
            .map(|p| Problem {
                severity: p.severity,
                kind: p.kind,
                path: path.to_path_buf(),
                location: p.location,
                message: p.message,
            })
            .collect(),
        facts,
        tests,
        modules,
    })
}

/// Where `part` (borrowed from `file`) lies in it.
fn range_in(file: &[u8], part: &[u8]) -> Option<Range<usize>> {
    let start = (part.as_ptr() as usize).checked_sub(file.as_ptr() as usize)?;
    let range = start..start.checked_add(part.len())?;
    (range.end <= file.len()).then_some(range)
}

fn store_finding(finding: &Finding, path: &Path) -> Option<StoredFinding> {
    // Every field named, so that a new one cannot be forgotten here.
    let Finding {
        rule,
        severity,
        message,
        help,
        path: finding_path,
        range,
        start,
        end,
        snippet,
        fix,
        origin: _,
    } = finding;
    if finding_path != path {
        return None;
    }
    Some(StoredFinding {
        rule: u32::try_from(registry::index_of(rule)?).ok()?,
        severity: *severity,
        message: message.clone(),
        help: help.clone(),
        range: range.clone(),
        start: *start,
        end: *end,
        snippet: snippet.clone(),
        fix: fix.as_ref().map(|fix| store_fix(fix, path)),
    })
}

/// A finding of the package or workspace stage: in any file, with its origin if it has one.
#[derive(Serialize, Deserialize)]
struct StoredStageFinding {
    path: PathBuf,
    origin: Option<StoredOrigin>,
    finding: StoredFinding,
}

#[derive(Serialize, Deserialize)]
struct StoredOrigin {
    package: String,
    version: Option<String>,
    manifest_path: PathBuf,
    target_kind: TargetKind,
    target_name: String,
    target_root: PathBuf,
    edition: Edition,
}

/// The findings of the package and workspace stages encoded; `None` when one cannot be
/// stored (the stages' results are then not kept).
pub(crate) fn encode_stage_findings(findings: &[Finding]) -> Option<Vec<u8>> {
    let stored: Vec<StoredStageFinding> = findings
        .iter()
        .map(|finding| {
            let origin = match finding.origin.as_deref() {
                Some(origin) => {
                    let Origin {
                        package,
                        version,
                        manifest_path,
                        target_kind,
                        target_name,
                        target_root,
                        edition,
                    } = origin;
                    Some(StoredOrigin {
                        package: package.clone(),
                        version: version.clone(),
                        manifest_path: manifest_path.clone(),
                        target_kind: *target_kind,
                        target_name: target_name.clone(),
                        target_root: target_root.clone(),
                        edition: Edition::parse(edition)?,
                    })
                }
                None => None,
            };
            Some(StoredStageFinding {
                path: finding.path.clone(),
                origin,
                finding: store_finding(finding, &finding.path)?,
            })
        })
        .collect::<Option<_>>()?;
    codec::to_bytes(&stored)
}

/// The findings [`encode_stage_findings`] encoded; `None` when the bytes are not those.
pub(crate) fn decode_stage_findings(bytes: &[u8]) -> Option<Vec<Finding>> {
    let stored: Vec<StoredStageFinding> = codec::from_bytes(bytes)?;
    // Findings of one target share its origin, as they do when the stages make them.
    let mut origins: std::collections::HashSet<Arc<Origin>> = std::collections::HashSet::new();
    stored
        .into_iter()
        .map(|StoredStageFinding { path, origin, finding }| {
            let origin = origin.map(|o| {
                let origin = Origin {
                    package: o.package,
                    version: o.version,
                    manifest_path: o.manifest_path,
                    target_kind: o.target_kind,
                    target_name: o.target_name,
                    target_root: o.target_root,
                    edition: o.edition.as_str(),
                };
                match origins.get(&origin) {
                    Some(known) => known.clone(),
                    None => {
                        let origin = Arc::new(origin);
                        origins.insert(origin.clone());
                        origin
                    }
                }
            });
            restore_finding(finding, &path, origin.as_ref())
        })
        .collect()
}

fn restore_finding(stored: StoredFinding, path: &Path, origin: Option<&Arc<Origin>>) -> Option<Finding> {
    let StoredFinding { rule, severity, message, help, range, start, end, snippet, fix } = stored;
    let rule = registry::all().get(usize::try_from(rule).ok()?)?.meta().name;
    Some(Finding {
        rule,
        severity,
        message,
        help,
        path: path.to_path_buf(),
        range,
        start,
        end,
        snippet,
        fix: fix.map(|fix| restore_fix(fix, path)),
        origin: origin.cloned(),
    })
}

/// The encoding of edits in the file at `path` (kept with a fact).
pub(crate) fn encode_fix(fix: &Fix, path: &Path) -> Option<Vec<u8>> {
    codec::to_bytes(&store_fix(fix, path))
}

/// Edits in the file at `path` from their encoding ([`encode_fix`]).
pub(crate) fn decode_fix(bytes: &[u8], path: &Path) -> Option<Fix> {
    Some(restore_fix(codec::from_bytes(bytes)?, path))
}

fn store_fix(fix: &Fix, path: &Path) -> StoredFix {
    let Fix { title, applicability, edits } = fix;
    StoredFix {
        title: title.clone(),
        applicability: *applicability,
        edits: edits
            .iter()
            .map(|edit| {
                let Edit { path: edit_path, range, replacement } = edit;
                StoredEdit {
                    path: (edit_path != path).then(|| edit_path.clone()),
                    range: range.clone(),
                    replacement: replacement.clone(),
                }
            })
            .collect(),
    }
}

fn restore_fix(stored: StoredFix, path: &Path) -> Fix {
    let StoredFix { title, applicability, edits } = stored;
    Fix {
        title,
        applicability,
        edits: edits
            .into_iter()
            .map(|edit| Edit {
                path: edit.path.unwrap_or_else(|| path.to_path_buf()),
                range: edit.range,
                replacement: edit.replacement,
            })
            .collect(),
    }
}
