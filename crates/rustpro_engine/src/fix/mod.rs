//! Fixes: applying rules' edits to the text of files, pass after pass, until nothing more
//! applies; checking that every fixed file still parses; writing the results atomically.
//!
//! The loop never writes: it keeps the fixed texts in an [`Overlay`] that the next pass's
//! check reads instead of the disk, so `--diff` and `--fix` run the same code, and a failed
//! run leaves every file as it was. [`write`] puts the final texts on disk.

mod apply;
pub mod manifest;
pub mod sandbox;
mod write;

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

pub use apply::apply_edits;
pub use write::{WriteError, write, write_atomic};

use crate::config::ConfigError;
use crate::diagnostic::{Applicability, Edit, Finding, Fix};
use crate::project::{Edition, Overlay};
use crate::{CheckRequest, Outcome, check};

/// Passes after which a run that still finds fixes to apply stops (fixes that keep
/// producing new fixes would otherwise loop).
pub const MAX_PASSES: usize = 10;

/// What to fix.
#[derive(Debug, Clone, Default)]
pub struct FixRequest {
    pub check: CheckRequest,
    /// Also apply fixes whose applicability is `unsafe`.
    pub unsafe_fixes: bool,
}

/// A file the fixes changed: its text before and after.
#[derive(Debug, Clone)]
pub struct FixedFile {
    pub path: PathBuf,
    pub original: String,
    pub fixed: String,
}

/// A fix that was applied.
#[derive(Debug, Clone)]
pub struct AppliedFix {
    pub rule: &'static str,
    pub path: PathBuf,
    /// 1-based line of the finding when the fix was applied.
    pub line: usize,
    pub title: String,
    pub applicability: Applicability,
    /// Every file the fix edits.
    pub files: Vec<PathBuf>,
}

/// A fix that was rolled back because a file it edited no longer parsed.
#[derive(Debug, Clone)]
pub struct FailedFix {
    pub rule: &'static str,
    pub path: PathBuf,
    pub line: usize,
    pub title: String,
    /// The file that broke and why.
    pub reason: String,
}

/// What a fix run did.
#[derive(Debug, Default)]
pub struct FixOutcome {
    /// Changed files in path order.
    pub files: Vec<FixedFile>,
    pub applied: Vec<AppliedFix>,
    pub failed: Vec<FailedFix>,
    /// The check of the fixed texts: what remains.
    pub remaining: Outcome,
    /// Fixes that would apply only with `--unsafe-fixes`, in what remains.
    pub unsafe_available: usize,
    /// False when fixes were still coming after [`MAX_PASSES`] passes.
    pub converged: bool,
}

impl FixOutcome {
    /// The fixed text of every changed file, for a check of the result.
    pub fn overlay(&self) -> Overlay {
        let mut overlay = Overlay::default();
        for file in &self.files {
            overlay.insert(file.path.clone(), file.fixed.clone());
        }
        overlay
    }
}

/// Whether `fix` may be applied under `unsafe_fixes`.
pub fn is_applicable(fix: &Fix, unsafe_fixes: bool) -> bool {
    match fix.applicability {
        Applicability::Safe => true,
        Applicability::Unsafe => unsafe_fixes,
        Applicability::DisplayOnly => false,
    }
}

/// Checks, applies the applicable fixes that do not overlap, and checks again until no fix
/// applies. Nothing is written.
pub fn fix(request: &FixRequest) -> Result<FixOutcome, ConfigError> {
    let mut overlay = request.check.overlay.as_ref().clone();
    let mut originals: BTreeMap<PathBuf, String> = BTreeMap::new();
    let mut applied = Vec::new();
    let mut failed: Vec<FailedFix> = Vec::new();
    // Fixes that broke a file once are not tried again: (rule, file, title).
    let mut refused: HashSet<(&'static str, PathBuf, String)> = HashSet::new();
    let mut converged = false;
    let mut remaining = Outcome::default();
    for pass_index in 0..=MAX_PASSES {
        let check_request = CheckRequest { overlay: Arc::new(overlay.clone()), ..request.check.clone() };
        remaining = check(&check_request)?;
        let candidates: Vec<&Finding> = remaining
            .findings
            .iter()
            .filter(|f| f.fix.as_ref().is_some_and(|fix| is_applicable(fix, request.unsafe_fixes)))
            .filter(|f| !refused.contains(&refusal_key(f)))
            .collect();
        if candidates.is_empty() {
            converged = true;
            break;
        }
        if pass_index == MAX_PASSES {
            break;
        }
        let chosen = non_overlapping(&candidates);
        let pass = apply_pass(&chosen, &mut overlay, &mut originals);
        if pass.broken.is_empty() {
            applied.extend(chosen.iter().map(|f| applied_fix(f)));
            continue;
        }
        // Roll the whole pass back, refuse the fixes that touched a broken file, try again.
        for (path, before) in pass.before {
            match before {
                Some(text) => overlay.insert(path, text),
                None => {
                    overlay.remove(&path);
                }
            }
        }
        for finding in &chosen {
            let Some(fix) = &finding.fix else { continue };
            if let Some((path, reason)) =
                pass.broken.iter().find(|(path, _)| fix.edits.iter().any(|e| e.path == *path))
            {
                refused.insert(refusal_key(finding));
                failed.push(FailedFix {
                    rule: finding.rule,
                    path: finding.path.clone(),
                    line: finding.start.line,
                    title: fix.title.clone(),
                    reason: format!("{}: {reason}", path.display()),
                });
            }
        }
    }
    let unsafe_available = remaining
        .findings
        .iter()
        .filter(|f| f.fix.as_ref().is_some_and(|fix| fix.applicability == Applicability::Unsafe))
        .count();
    let files = originals
        .into_iter()
        .filter_map(|(path, original)| {
            let fixed = overlay.get(&path)?.to_owned();
            (fixed != original).then_some(FixedFile { path, original, fixed })
        })
        .collect();
    Ok(FixOutcome { files, applied, failed, remaining, unsafe_available, converged })
}

fn refusal_key(finding: &Finding) -> (&'static str, PathBuf, String) {
    let title = finding.fix.as_ref().map(|f| f.title.clone()).unwrap_or_default();
    (finding.rule, finding.path.clone(), title)
}

fn applied_fix(finding: &Finding) -> AppliedFix {
    let (title, applicability, mut files) = match &finding.fix {
        Some(fix) => {
            (fix.title.clone(), fix.applicability, fix.edits.iter().map(|e| e.path.clone()).collect())
        }
        None => (String::new(), Applicability::Safe, Vec::new()),
    };
    files.sort();
    files.dedup();
    AppliedFix {
        rule: finding.rule,
        path: finding.path.clone(),
        line: finding.start.line,
        title,
        applicability,
        files,
    }
}

/// The fixes of one pass: in file and position order, each taken unless one of its edits
/// overlaps an edit already taken (it waits for the next pass, on the new text). An edit
/// equal to one already taken is no clash: fixes that each add the same dependency go
/// together, and the edit is made once.
fn non_overlapping<'f>(candidates: &[&'f Finding]) -> Vec<&'f Finding> {
    let mut taken: Vec<&Edit> = Vec::new();
    let mut chosen = Vec::new();
    for finding in candidates {
        let Some(fix) = &finding.fix else { continue };
        let clashes = edits_overlap(fix)
            || fix.edits.iter().any(|edit| taken.iter().any(|other| overlaps(edit, other) && *other != edit));
        if !clashes {
            taken.extend(&fix.edits);
            chosen.push(*finding);
        }
    }
    chosen
}

/// Two edits of one fix overlap (see [`overlaps`]): no pass can apply it.
pub(crate) fn edits_overlap(fix: &Fix) -> bool {
    fix.edits.iter().enumerate().any(|(i, edit)| fix.edits[..i].iter().any(|other| overlaps(edit, other)))
}

/// Two edits of one file touch the same bytes (two insertions at one point count: their
/// order would be arbitrary).
fn overlaps(a: &Edit, b: &Edit) -> bool {
    a.path == b.path
        && ((a.range.start < b.range.end && b.range.start < a.range.end)
            || (a.range.is_empty() && b.range.is_empty() && a.range.start == b.range.start)
            || (a.range.is_empty() && b.range.start < a.range.start && a.range.start < b.range.end)
            || (b.range.is_empty() && a.range.start < b.range.start && b.range.start < a.range.end))
}

struct Pass {
    /// Every file the pass changed, with its overlay text before (None: it was on disk).
    before: Vec<(PathBuf, Option<String>)>,
    /// Files that no longer parse after the pass, with the first new error.
    broken: Vec<(PathBuf, String)>,
}

fn apply_pass(chosen: &[&Finding], overlay: &mut Overlay, originals: &mut BTreeMap<PathBuf, String>) -> Pass {
    let mut by_file: BTreeMap<PathBuf, (Vec<Edit>, Edition)> = BTreeMap::new();
    for finding in chosen {
        let Some(fix) = &finding.fix else { continue };
        let edition =
            finding.origin.as_ref().and_then(|o| Edition::parse(o.edition)).unwrap_or(Edition::E2021);
        for edit in &fix.edits {
            let edits = &mut by_file.entry(edit.path.clone()).or_insert_with(|| (Vec::new(), edition)).0;
            if !edits.contains(edit) {
                edits.push(edit.clone());
            }
        }
    }
    let mut pass = Pass { before: Vec::new(), broken: Vec::new() };
    for (path, (edits, edition)) in by_file {
        let in_overlay = overlay.get(&path).map(str::to_owned);
        let current = match &in_overlay {
            Some(text) => text.clone(),
            None => match overlay.read_to_string(&path) {
                Ok(text) => text,
                Err(err) => {
                    pass.broken.push((path, format!("cannot read the file: {err}")));
                    continue;
                }
            },
        };
        let fixed = apply_edits(&current, &edits);
        if let Some(error) = apply::new_syntax_error(&path, &current, &fixed, edition) {
            pass.broken.push((path.clone(), error));
        }
        originals.entry(path.clone()).or_insert_with(|| current.clone());
        pass.before.push((path.clone(), in_overlay));
        overlay.insert(path, fixed);
    }
    pass
}

#[cfg(test)]
mod tests;
