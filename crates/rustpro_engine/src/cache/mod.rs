//! The result cache: what checking each file gave, kept between runs so that a run over
//! unchanged files reads no syntax tree at all.
//!
//! What is cached is the output of the per-file stage, exactly what the run would otherwise
//! compute from the file: its located findings (levels and suppressions applied), the items
//! rules held back for their workspace stage (findings and facts, whose data every rule keeps
//! as serde data: [`crate::rule::Keep`]), its problems (syntax errors, rule failures), its
//! facts for package rules, what its test code names and the public functions it declares
//! (the test index), and its `mod` declarations with what each child inherits (so the
//! module tree is followed without parsing). The package and workspace stages are never
//! cached: they run on every run from the per-file outputs, cached or fresh, so a cross-file
//! fact (a `dyn Trait` use in another file, a package's `unsafe`) is always current.
//!
//! A file's entry is used only when two 128-bit xxh3 hashes match:
//! - the content hash: the file's text as read now (every file is read and hashed on every
//!   run: modification times are not trusted);
//! - the context hash: everything else the per-file stage depends on: the program key
//!   (the executable's own hash, so a rebuilt rustpro never trusts an older one's results),
//!   the rule set the run dispatches, the package as discovered (its manifest, edition,
//!   targets, lints, dependencies), the settings that apply to the file's path (the level of
//!   every rule there, rule options, size limit), and what the file inherits from the module
//!   tree (target, crate root, test code, allowed lints, public module, re-exported items),
//!   and whether the path filter hides its findings.
//!
//! Files held by an overlay (the fix loop's texts, unsaved buffers) are neither looked up
//! nor stored. `rustpro fix` runs without the cache; a check never writes an entry for text
//! that is not what it read.
//!
//! Storage: one file per workspace root, in `<root>/target/rustpro/` when the workspace has
//! a `target/` folder, else in the user's cache folder (named after the root's hash). A
//! file whose header is not this program's, or whose checksum fails, is ignored and
//! rewritten; an entry whose record does not decode is a miss. Writes go to a temporary file
//! renamed over the old one, so two runs racing each leave a whole file, the last one wins,
//! and neither ever reads a part. A file is rewritten only when an entry was added, changed
//! or dropped (a file deleted or excluded).

pub(crate) mod codec;
mod record;
mod store;
#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet};
use std::hash::Hasher;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use xxhash_rust::xxh3::{Xxh3, xxh3_128};

use crate::diagnostic::Origin;
use crate::driver::FileOutput;

/// How a check uses the result cache.
#[derive(Debug, Clone)]
pub struct CacheOptions {
    /// Identifies the program whose results the cache holds: results written under another
    /// key are never used. The command line uses a hash of its own executable, so that any
    /// rebuild (a changed rule, not only a new version) starts afresh.
    pub program_key: u128,
    /// Where caches go for a workspace without a writable `target/` folder (the frontend
    /// picks the user's cache folder; the engine reads no environment).
    pub user_dir: Option<PathBuf>,
}

/// What the cache did in a run.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CacheStats {
    /// Files whose results came from the cache.
    pub hits: usize,
    /// Files checked afresh (and stored) while the cache was on.
    pub misses: usize,
    /// Cache files written.
    pub files_written: usize,
}

/// A hasher for keys: xxh3, 128 bits.
pub(crate) struct KeyHasher(Xxh3);

impl KeyHasher {
    pub(crate) fn new() -> KeyHasher {
        KeyHasher(Xxh3::new())
    }

    pub(crate) fn finish128(&self) -> u128 {
        self.0.digest128()
    }
}

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0.digest()
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

/// The hash of a text (a file's content, a package's description).
pub(crate) fn hash_text(text: &str) -> u128 {
    xxh3_128(text.as_bytes())
}

/// Which entry a file's results go to, and the keys they are valid for.
pub(crate) struct FileKey {
    store: usize,
    path: String,
    content: u128,
    context: u128,
}

/// The caches of one run: one store per workspace root.
pub(crate) struct RunCache<'a> {
    program_key: u128,
    stores: Vec<Store<'a>>,
    hits: AtomicUsize,
    misses: AtomicUsize,
}

/// The loaded bytes of each root's cache file; they outlive the [`RunCache`] that borrows them.
pub(crate) struct Loaded {
    program_key: u128,
    files: Vec<(Vec<PathBuf>, Vec<u8>)>,
}

impl Loaded {
    /// Reads the cache file of every root (index = the run's root index).
    pub(crate) fn read(options: &CacheOptions, roots: &[&Path]) -> Loaded {
        let files = roots
            .iter()
            .map(|root| {
                let locations = store::locations(root, options.user_dir.as_deref());
                let bytes = store::read(&locations, options.program_key);
                (locations, bytes)
            })
            .collect();
        Loaded { program_key: options.program_key, files }
    }
}

struct Store<'a> {
    locations: &'a [PathBuf],
    old: HashMap<&'a str, store::Entry<'a>>,
    /// Paths of old entries used by this run.
    used: Mutex<HashSet<&'a str>>,
    /// Entries made by this run.
    fresh: Mutex<Vec<(FileKey, Vec<u8>)>>,
}

impl<'a> RunCache<'a> {
    pub(crate) fn new(loaded: &'a Loaded) -> RunCache<'a> {
        let stores = loaded
            .files
            .iter()
            .map(|(locations, bytes)| Store {
                locations,
                // Entries that do not decode are no entries: the file will be rewritten.
                old: store::decode(bytes).unwrap_or_default().into_iter().map(|e| (e.path, e)).collect(),
                used: Mutex::new(HashSet::new()),
                fresh: Mutex::new(Vec::new()),
            })
            .collect();
        RunCache {
            program_key: loaded.program_key,
            stores,
            hits: AtomicUsize::new(0),
            misses: AtomicUsize::new(0),
        }
    }

    pub(crate) fn program_key(&self) -> u128 {
        self.program_key
    }

    /// The key of a file's results in root `store`'s cache; `None` when the file cannot be
    /// cached (the root has nowhere to keep a cache, the path is not UTF-8).
    pub(crate) fn key(&self, store: usize, path: &Path, content: &[u8], context: u128) -> Option<FileKey> {
        if self.stores.get(store)?.locations.is_empty() {
            return None;
        }
        Some(FileKey { store, path: path.to_str()?.to_owned(), content: xxh3_128(content), context })
    }

    /// The cached output for `key`, for the file at `path` of package `package`, target
    /// `origin`.
    pub(crate) fn lookup(
        &self,
        key: &FileKey,
        path: &Path,
        package: usize,
        origin: &Arc<Origin>,
    ) -> Option<FileOutput> {
        let store = &self.stores[key.store];
        let (&stored_path, entry) = store.old.get_key_value(key.path.as_str())?;
        if entry.content != key.content || entry.context != key.context {
            return None;
        }
        let output = record::decode(entry.record, path, package, origin)?;
        store.used.lock().unwrap_or_else(PoisonError::into_inner).insert(stored_path);
        self.hits.fetch_add(1, Ordering::Relaxed);
        Some(output)
    }

    /// Keeps the old entry of a file whose text this run took from an overlay: the file on
    /// disk did not change.
    pub(crate) fn keep(&self, store: usize, path: &Path) {
        let Some(store) = self.stores.get(store) else { return };
        let Some((&stored_path, _)) = path.to_str().and_then(|p| store.old.get_key_value(p)) else { return };
        store.used.lock().unwrap_or_else(PoisonError::into_inner).insert(stored_path);
    }

    /// Keeps a file's fresh output under `key`.
    pub(crate) fn insert(&self, key: FileKey, path: &Path, output: &FileOutput) {
        self.misses.fetch_add(1, Ordering::Relaxed);
        let Some(bytes) = record::encode(output, path) else { return };
        let store = &self.stores[key.store];
        store.fresh.lock().unwrap_or_else(PoisonError::into_inner).push((key, bytes));
    }

    /// Writes every store that changed. `checked[i]` holds the folders of the packages of
    /// root `i` that this run checked: their old entries that the run did not use are dropped
    /// (the file is gone, excluded or changed); those of other packages are kept.
    pub(crate) fn save(self, checked: &[Vec<&Path>]) -> CacheStats {
        let mut files_written = 0;
        for (store, checked) in self.stores.into_iter().zip(checked) {
            let fresh = store.fresh.into_inner().unwrap_or_else(PoisonError::into_inner);
            let used = store.used.into_inner().unwrap_or_else(PoisonError::into_inner);
            if fresh.is_empty() && used.len() == store.old.len() {
                continue;
            }
            let fresh_paths: HashSet<&str> = fresh.iter().map(|(key, _)| key.path.as_str()).collect();
            let mut kept: Vec<store::Entry<'_>> = Vec::with_capacity(store.old.len() + fresh.len());
            let mut dropped = false;
            for (path, entry) in &store.old {
                let replaced = fresh_paths.contains(path);
                if replaced
                    || (!used.contains(path) && checked.iter().any(|dir| Path::new(path).starts_with(dir)))
                {
                    dropped |= !replaced;
                    continue;
                }
                kept.push(*entry);
            }
            if fresh.is_empty() && !dropped {
                continue;
            }
            kept.extend(fresh.iter().map(|(key, record)| store::Entry {
                path: &key.path,
                content: key.content,
                context: key.context,
                record,
            }));
            kept.sort_by_key(|entry| entry.path);
            if store::write(store.locations, self.program_key, &kept) {
                files_written += 1;
            }
        }
        CacheStats { hits: self.hits.into_inner(), misses: self.misses.into_inner(), files_written }
    }
}
