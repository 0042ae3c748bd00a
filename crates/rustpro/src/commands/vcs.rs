//! Whether it is safe to write fixes: like `cargo fix`, refuse to edit files that have
//! uncommitted changes (the fixes could not be told apart from the user's edits, nor
//! undone with git), unless asked to.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The state of the git work tree around a folder.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum VcsState {
    Clean,
    /// Paths (relative to the folder) with uncommitted or untracked changes.
    Dirty(Vec<String>),
    /// Not inside a git work tree (or git is not installed).
    NotUnderVcs,
}

/// The state of the work tree that holds `dir`, looking only at files under `dir`.
pub(crate) fn state(dir: &Path) -> VcsState {
    let inside = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["rev-parse", "--is-inside-work-tree"])
        .output()
        .is_ok_and(|out| out.status.success() && out.stdout.starts_with(b"true"));
    if !inside {
        return VcsState::NotUnderVcs;
    }
    let status = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["status", "--porcelain", "-z", "--untracked-files=all", "--", "."])
        .output();
    let Some(status) = status.ok().filter(|s| s.status.success()) else { return VcsState::NotUnderVcs };
    let mut dirty = Vec::new();
    let text = String::from_utf8_lossy(&status.stdout);
    let mut entries = text.split('\0').filter(|e| !e.is_empty());
    while let Some(entry) = entries.next() {
        // `XY path`; a rename or copy is followed by its source path as its own entry.
        let code = entry.get(..2).unwrap_or_default();
        dirty.push(entry.get(3..).unwrap_or_default().to_owned());
        if code.contains('R') || code.contains('C') {
            entries.next();
        }
    }
    if dirty.is_empty() { VcsState::Clean } else { VcsState::Dirty(dirty) }
}

/// The folders whose work trees must be clean (a file stands for its folder).
pub(crate) fn folders(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = paths
        .iter()
        .map(|p| if p.is_file() { p.parent().map(Path::to_path_buf).unwrap_or_default() } else { p.clone() })
        .map(|p| if p.as_os_str().is_empty() { PathBuf::from(".") } else { p })
        .collect();
    dirs.sort();
    dirs.dedup();
    dirs
}

/// The message that refuses to fix, or `None` when fixing may go ahead.
pub(crate) fn refusal(paths: &[PathBuf], allow_dirty: bool, allow_no_vcs: bool) -> Option<String> {
    for dir in folders(paths) {
        match state(&dir) {
            VcsState::Clean => {}
            VcsState::NotUnderVcs if allow_no_vcs => {}
            VcsState::NotUnderVcs => {
                return Some(format!(
                    "`{}` is not in a git work tree, so fixes could not be reviewed or undone with git; \
                     put it under version control, or pass `--allow-no-vcs` to fix anyway (`--diff` \
                     shows the fixes without writing)",
                    dir.display()
                ));
            }
            VcsState::Dirty(_) if allow_dirty => {}
            VcsState::Dirty(files) => {
                let shown: Vec<String> = files.iter().take(10).map(|f| format!("  {f}")).collect();
                let more = files.len().saturating_sub(shown.len());
                let more = if more > 0 { format!("\n  ... and {more} more") } else { String::new() };
                return Some(format!(
                    "the git work tree at `{}` has uncommitted changes, and fixes would mix with them; \
                     commit or stash them, or pass `--allow-dirty` to fix anyway (`--diff` shows the \
                     fixes without writing). Changed files:\n{}{more}",
                    dir.display(),
                    shown.join("\n")
                ));
            }
        }
    }
    None
}
