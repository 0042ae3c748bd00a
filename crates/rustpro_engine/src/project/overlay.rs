//! File contents that stand in for what is on disk: the fix loop's edits before they are
//! written (and `--diff`, which never writes), later an editor's unsaved buffers.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Texts by canonical path. A file in the overlay is read from here, never from disk.
#[derive(Debug, Default, Clone)]
pub struct Overlay {
    files: HashMap<PathBuf, String>,
}

impl Overlay {
    pub fn get(&self, path: &Path) -> Option<&str> {
        self.files.get(path).map(String::as_str)
    }

    pub fn insert(&mut self, path: PathBuf, text: String) {
        self.files.insert(path, text);
    }

    pub fn remove(&mut self, path: &Path) -> Option<String> {
        self.files.remove(path)
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The overlay's text of `path`, or the file on disk.
    pub fn read_to_string(&self, path: &Path) -> std::io::Result<String> {
        match self.get(path) {
            Some(text) => Ok(text.to_owned()),
            None => std::fs::read_to_string(path),
        }
    }

    pub fn paths(&self) -> impl Iterator<Item = &Path> {
        self.files.keys().map(PathBuf::as_path)
    }
}
