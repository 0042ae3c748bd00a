//! The workspace stage of a rule: after every file was walked, a rule sees what it held
//! back (findings and facts) across the whole workspace, and decides what to report.
//! Cross-file rules use it: a trait and its impls live in different files.

use std::ops::Range;
use std::path::{Path, PathBuf};

use super::context::{ManifestReport, RawManifestFinding};
use super::kept::{DeferredData, KeptEdits};
use super::tested::TestIndex;
use super::{FileCx, FileFix};
use crate::config::Settings;
use crate::diagnostic::{Finding, Fix};
use crate::fix::edits_overlap;
use crate::project::{Edition, FileRead, Overlay, Package, TargetKind};
use crate::source::SourceText;
use crate::source::parse::parse_file;

/// A finding or a fact a rule held back while checking one file.
#[derive(Debug)]
pub struct Deferred {
    /// The file (shared by the file's items).
    pub path: std::sync::Arc<std::path::Path>,
    /// Index of the file's package in [`WorkspaceCx::packages`].
    pub package: usize,
    /// Located, with level and suppressions applied; `None` for a plain fact (boxed: most
    /// items are facts, and the workspace stage moves many).
    pub finding: Option<Box<Finding>>,
    /// The edits a fact was kept with ([`Deferred::edits`]).
    pub(crate) kept_edits: KeptEdits,
    pub data: DeferredData,
}

impl Deferred {
    /// The edits a fact was kept with ([`super::FileCx::defer_with_edits`]), located.
    pub fn edits(&self) -> Option<&Fix> {
        self.kept_edits.get(&self.path)
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
    /// Per package (indexes of [`Deferred::package`]): its settings.
    pub(crate) settings: &'a [&'a Settings],
    /// Texts read instead of the files on disk, as the file stage read them.
    pub(crate) overlay: &'a Overlay,
    pub(crate) edition_override: Option<Edition>,
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

    /// Reads a file again as the file stage read it (from the overlay when it holds it,
    /// with its package's edition), and gives `read` a context for it: for the rare fact a
    /// walk kept unread that the workspace stage turns out to need. The fix `read` returns
    /// is located in the file as on disk. `None` when the file cannot be read or parsed any
    /// more, or `read` finds nothing (or fails).
    pub(crate) fn read_again<R>(
        &self,
        path: &Path,
        package: usize,
        read: impl FnOnce(&FileCx<'_>) -> Option<(R, FileFix)>,
    ) -> Option<(R, Fix)> {
        let (package, settings) = (self.packages.get(package)?, self.settings.get(package)?);
        let FileRead::Text(text) =
            crate::project::read_source_file(path, settings.max_file_size, self.overlay)
        else {
            return None;
        };
        let source = SourceText::new(text);
        let edition = self.edition_override.unwrap_or(package.edition);
        let parsed = std::panic::catch_unwind(|| parse_file(source.normalized(), edition)).ok()?;
        let meta = crate::registry::all().first()?.meta();
        // Only what reading needs: the file's text and tree, outside test code.
        let mut cx = FileCx::new(path, package, TargetKind::Lib, &parsed.root, false, Vec::new(), meta);
        cx.text = source.normalized();
        // The rules run under a guard in the file stage; a panic reading again is taken
        // as finding nothing, never as the end of the run.
        let (value, fix) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read(&cx))).ok()??;
        Some((value, crate::driver::locate_fix(path, &source, fix)))
    }

    /// The items the rule held back in this workspace, sorted by file and position.
    pub fn take_items(&mut self) -> Vec<Deferred> {
        std::mem::take(&mut self.items)
    }

    /// Reports a finding (usually one held back, with its message or fix completed). A fix
    /// gathered from several places whose edits overlap (in code that lost braces, one
    /// impl can lie inside another) is withheld: no pass could apply it.
    pub fn report(&mut self, mut finding: Finding) {
        let clash = finding.fix.as_ref().is_some_and(edits_overlap);
        if clash {
            finding.fix = None;
            let note = "no automatic fix: its edits would overlap (are braces missing?)";
            finding.help = Some(match finding.help.take() {
                Some(help) => format!("{help}; {note}"),
                None => note.to_owned(),
            });
        }
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
