//! One file's results as the cache stores them. The file's path, package and origin are not
//! stored: a record is only used for the file, package and target its key was made for.

use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::codec;
use crate::diagnostic::{Finding, Fix, Origin, Problem, ProblemKind, ProblemSeverity, Severity, Snippet};
use crate::driver::FileOutput;
use crate::registry;
use crate::rule::tested::TestFacts;
use crate::rule::{ChildModule, Deferred, DeferredData, FileFacts};
use crate::source::LineCol;

#[derive(Serialize, Deserialize)]
struct Record {
    findings: Vec<StoredFinding>,
    deferred: Vec<StoredDeferred>,
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
    fix: Option<Fix>,
}

#[derive(Serialize, Deserialize)]
struct StoredDeferred {
    rule: u32,
    finding: Option<StoredFinding>,
    edits: Option<Fix>,
    /// The kept value's type name and encoding ([`DeferredData::encoded`]).
    kind: String,
    data: Vec<u8>,
}

#[derive(Serialize, Deserialize)]
struct StoredProblem {
    severity: ProblemSeverity,
    kind: ProblemKind,
    location: Option<LineCol>,
    message: String,
}

/// `output` (of the file at `path`) encoded; `None` when part of it cannot be stored, and
/// then the file is simply not cached.
pub(crate) fn encode(output: &FileOutput, path: &Path) -> Option<Vec<u8>> {
    let FileOutput { findings, deferred, problems, facts, tests, modules } = output;
    let record = Record {
        findings: findings.iter().map(|f| store_finding(f, path)).collect::<Option<_>>()?,
        deferred: deferred
            .iter()
            .map(|(rule, item)| {
                let Deferred { path: item_path, package: _, finding, edits, data } = item;
                if item_path != path {
                    return None;
                }
                let (kind, data) = data.encoded()?;
                Some(StoredDeferred {
                    rule: u32::try_from(*rule).ok()?,
                    finding: match finding {
                        Some(finding) => Some(store_finding(finding, path)?),
                        None => None,
                    },
                    edits: edits.clone(),
                    kind: kind.to_owned(),
                    data: data.into_owned(),
                })
            })
            .collect::<Option<_>>()?,
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
    codec::to_bytes(&record)
}

/// The output a record holds, for the file at `path` of package `package`, target `origin`;
/// `None` when the bytes are not a record of this program.
pub(crate) fn decode(bytes: &[u8], path: &Path, package: usize, origin: &Arc<Origin>) -> Option<FileOutput> {
    let Record { findings, deferred, problems, facts, tests, modules } = codec::from_bytes(bytes)?;
    let finding = |stored: StoredFinding| restore_finding(stored, path, origin);
    Some(FileOutput {
        findings: findings.into_iter().map(finding).collect::<Option<_>>()?,
        deferred: deferred
            .into_iter()
            .map(|stored| {
                let rule = usize::try_from(stored.rule).ok().filter(|r| *r < registry::all().len())?;
                let item = Deferred {
                    path: path.to_path_buf(),
                    package,
                    finding: match stored.finding {
                        Some(stored) => Some(finding(stored)?),
                        None => None,
                    },
                    edits: stored.edits,
                    data: DeferredData::stored(stored.kind, stored.data),
                };
                Some((rule, item))
            })
            .collect::<Option<_>>()?,
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
        fix: fix.clone(),
    })
}

fn restore_finding(stored: StoredFinding, path: &Path, origin: &Arc<Origin>) -> Option<Finding> {
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
        fix,
        origin: Some(origin.clone()),
    })
}
