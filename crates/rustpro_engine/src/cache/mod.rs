//! The result cache: what checking each file gave, kept between runs so that a run over
//! unchanged files reads no syntax tree at all.
//!
//! What is cached is the output of the per-file stage, exactly what the run would otherwise
//! compute from the file: its located findings (levels and suppressions applied), the items
//! rules held back for their workspace stage (findings and facts, whose data every rule keeps
//! as serde data: [`crate::rule::Keep`]), its problems (syntax errors, rule failures), its
//! facts for package rules, what its test code names and the public functions it declares
//! (the test index), and its `mod` declarations with what each child inherits (so the
//! module tree is followed without parsing). The package and workspace stages run from the
//! per-file outputs, cached or fresh, so a cross-file fact (a `dyn Trait` use in another
//! file, a package's `unsafe`) is always current; their findings are kept too, under a hash
//! of everything they read, and reused while that hash is the same ([`stages`]).
//!
//! A file's entry is used only when its context hash matches, and its text is the one the
//! entry was made from:
//! - the context hash (128-bit xxh3): everything else the per-file stage depends on: the
//!   program key (the executable's own hash, so a rebuilt rustpro never trusts an older
//!   one's results), the rule set the run dispatches, the package as discovered (its
//!   manifest, edition, targets, lints, dependencies), the settings that apply to the file's
//!   path (the level of every rule there, rule options, size limit), what the file inherits
//!   from the module tree (target, crate root, test code, allowed lints, public module,
//!   re-exported items), and whether the path filter hides its findings;
//! - the text: when the file's stamp (size, modification and status change times, inode,
//!   device) is the one the entry recorded, the file has not been written since and is not
//!   read at all. A stamp is recorded only when the file had last changed more than
//!   [`CacheOptions::settle`] before the run began, longer than any file system's timestamp
//!   granularity, so that a later write always shows in it; the status change time is set
//!   by the kernel on every write, so restoring the modification time does not hide one.
//!   Otherwise the file is read and its content hash (128-bit xxh3) compared.
//!
//! What a file kept for the workspace stage lies in a section of the cache file of its own,
//! with its hash in the file's entry (the stage key takes the hash): a run whose stage
//! results are reused never reads that section, and a run that runs the stages reads it
//! and decodes each file's items, while kept values and the edits kept with them are
//! decoded only when the workspace stage asks for them. A warm run reads and decodes what it
//! uses, not what every file kept. When the section turns out unreadable (damaged after the
//! entries were read), each file whose items are missing is reported, and its entry is
//! dropped, so the next run checks it again.
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
mod stages;
mod store;
#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet};
use std::hash::Hasher;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use rayon::iter::{IntoParallelRefIterator, ParallelIterator};
use xxhash_rust::xxh3::{Xxh3, xxh3_128};

use crate::diagnostic::Origin;
use crate::driver::FileOutput;
use crate::project::FileStamp;
pub(crate) use record::{StoredItems, decode_fix, encode_fix, encode_items};
pub(crate) use stages::{StageKey, StageMemo};

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
    /// How long after its last change a file's stamp (size, times, inode) is trusted to show
    /// any later change: longer than the coarsest timestamp granularity of the file systems
    /// met. A file changed more recently than that is read and hashed on every run.
    pub settle: Duration,
}

impl CacheOptions {
    /// How long a file must be left alone before its stamp is trusted
    /// ([`CacheOptions::settle`]): FAT keeps modification times to 2 seconds.
    pub const SETTLE: Duration = Duration::from_secs(2);

    pub fn new(program_key: u128, user_dir: Option<PathBuf>) -> CacheOptions {
        CacheOptions { program_key, user_dir, settle: CacheOptions::SETTLE }
    }
}

/// What the cache did in a run.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CacheStats {
    /// Files whose results came from the cache.
    pub hits: usize,
    /// Of the hits, the files that were read and hashed (their stamp had changed, or had
    /// not settled when the entry was made).
    pub hashed: usize,
    /// Files checked afresh (and stored) while the cache was on.
    pub misses: usize,
    /// Cache files written.
    pub files_written: usize,
    /// The package and workspace stages' findings came from the stage memo: nothing they
    /// read had changed.
    pub stages_reused: bool,
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

/// A file's place in the cache: its store, path and context, the entry made for them by an
/// earlier run, and (once the file is read) the keys its results are valid for.
pub(crate) struct Probe {
    store: usize,
    path: String,
    context: u128,
    /// Index of the old entry for this path and context.
    entry: Option<usize>,
    content: u128,
    stamp: Option<FileStamp>,
}

impl Probe {
    /// Whether an earlier run left an entry for this file in this context.
    pub(crate) fn has_entry(&self) -> bool {
        self.entry.is_some()
    }
}

/// An entry made by this run: the file's place, its record and its items.
struct Fresh {
    probe: Probe,
    record: Vec<u8>,
    items: Vec<u8>,
}

/// The caches of one run: one store per workspace root.
pub(crate) struct RunCache<'a> {
    program_key: u128,
    /// Entries whose test facts lack names are no hits (see [`RunCache::new`]).
    needs_test_names: bool,
    /// Stamps taken after this (nanoseconds since the Unix epoch) are not kept: the file
    /// may change again within its timestamp granularity without the stamp showing it.
    settled_before: i128,
    stores: Vec<Store<'a>>,
    hits: AtomicUsize,
    hashed: AtomicUsize,
    misses: AtomicUsize,
}

/// Each root's cache file as read; they outlive the [`RunCache`] that borrows them.
pub(crate) struct Loaded {
    options: CacheOptions,
    files: Vec<(Vec<PathBuf>, store::CacheFile)>,
}

impl Loaded {
    /// Reads the cache file of every root (index = the run's root index).
    pub(crate) fn read(options: &CacheOptions, roots: &[&Path]) -> Loaded {
        let files = roots
            .par_iter()
            .map(|root| {
                let locations = store::locations(root, options.user_dir.as_deref());
                let file = store::read(&locations, options.program_key);
                (locations, file)
            })
            .collect();
        Loaded { options: options.clone(), files }
    }
}

struct Store<'a> {
    locations: &'a [PathBuf],
    /// The cache file's items section: hits' items for the workspace stage lie in it.
    items: &'a Arc<store::ItemsSection>,
    old: Vec<store::Entry<'a>>,
    /// Old entries by path and context.
    by_key: HashMap<(&'a str, u128), usize>,
    /// Per old entry: whether this run used it.
    used: Vec<AtomicBool>,
    /// Per old entry: whether its items turned out unreadable (it is dropped).
    forgotten: Vec<AtomicBool>,
    /// Old entries used with a new stamp (the file was read and its text had not changed).
    restamped: Mutex<Vec<(usize, Option<FileStamp>)>>,
    /// Entries made by this run.
    fresh: Mutex<Vec<Fresh>>,
}

impl<'a> RunCache<'a> {
    /// The caches `loaded` holds, for a run that gathers test names or not (see
    /// `TestFacts::gathered`).
    pub(crate) fn new(loaded: &'a Loaded, needs_test_names: bool) -> RunCache<'a> {
        let stores = loaded
            .files
            .par_iter()
            .map(|(locations, file)| {
                // Entries that do not decode are no entries: the file will be rewritten.
                let old = store::decode(&file.entries).unwrap_or_default();
                let by_key = old.iter().enumerate().map(|(i, e)| ((e.path, e.context), i)).collect();
                Store {
                    locations,
                    items: &file.items,
                    used: old.iter().map(|_| AtomicBool::new(false)).collect(),
                    forgotten: old.iter().map(|_| AtomicBool::new(false)).collect(),
                    by_key,
                    old,
                    restamped: Mutex::new(Vec::new()),
                    fresh: Mutex::new(Vec::new()),
                }
            })
            .collect();
        let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
        let settled_before =
            i128::try_from(now.saturating_sub(loaded.options.settle).as_nanos()).unwrap_or(0);
        RunCache {
            program_key: loaded.options.program_key,
            needs_test_names,
            settled_before,
            stores,
            hits: AtomicUsize::new(0),
            hashed: AtomicUsize::new(0),
            misses: AtomicUsize::new(0),
        }
    }

    pub(crate) fn program_key(&self) -> u128 {
        self.program_key
    }

    /// Where the results of the file at `path` go in root `store`'s cache, for its results
    /// in `context`; `None` when the file cannot be cached (the root has nowhere to keep a
    /// cache, the path is not UTF-8).
    pub(crate) fn probe(&self, store: usize, path: &Path, context: u128) -> Option<Probe> {
        let cache = self.stores.get(store)?;
        if cache.locations.is_empty() {
            return None;
        }
        let path = path.to_str()?;
        let entry = cache.by_key.get(&(path, context)).copied();
        Some(Probe { store, path: path.to_owned(), context, entry, content: 0, stamp: None })
    }

    /// The cached output of a file whose stamp is `stamp` now, if its entry was made when it
    /// had the same (settled) stamp: the file has not been written since, and is not read.
    pub(crate) fn unchanged(
        &self,
        probe: &Probe,
        stamp: &FileStamp,
        path: &Path,
        origin: &Arc<Origin>,
    ) -> Option<FileOutput> {
        let store = &self.stores[probe.store];
        let entry = &store.old[probe.entry?];
        if entry.stamp.as_ref() != Some(stamp) {
            return None;
        }
        self.hit(probe, path, origin)
    }

    /// The cached output of a file that was read: its text hashes to `content`, and its
    /// stamp before the read was `stamp`. `None` when the entry was made for another text.
    pub(crate) fn same_content(
        &self,
        probe: &mut Probe,
        content: &[u8],
        stamp: Option<FileStamp>,
        path: &Path,
        origin: &Arc<Origin>,
    ) -> Option<FileOutput> {
        probe.content = xxh3_128(content);
        probe.stamp = stamp.filter(|stamp| stamp.settled(self.settled_before));
        let store = &self.stores[probe.store];
        let index = probe.entry?;
        let entry = &store.old[index];
        if entry.content != probe.content {
            return None;
        }
        let output = self.hit(probe, path, origin)?;
        self.hashed.fetch_add(1, Ordering::Relaxed);
        if entry.stamp != probe.stamp {
            store.restamped.lock().unwrap_or_else(PoisonError::into_inner).push((index, probe.stamp));
        }
        Some(output)
    }

    fn hit(&self, probe: &Probe, path: &Path, origin: &Arc<Origin>) -> Option<FileOutput> {
        let store = &self.stores[probe.store];
        let index = probe.entry?;
        let entry = &store.old[index];
        let items = record::StoredItems::new(store.items, entry.items)?;
        let output = record::decode(entry.record, path, origin, items)?;
        // An entry made by a run that did not gather test names serves only such runs: the
        // file is checked again, and its fresh entry, which serves every run, replaces it.
        if self.needs_test_names && !output.tests.gathered {
            return None;
        }
        store.used[index].store(true, Ordering::Relaxed);
        self.hits.fetch_add(1, Ordering::Relaxed);
        Some(output)
    }

    /// Keeps the old entries of a file whose text this run took from an overlay: the file on
    /// disk did not change.
    pub(crate) fn keep(&self, store: usize, path: &Path) {
        self.flag_entries(store, path, |store| &store.used);
    }

    /// Drops the entries of the file at `path` in root `store`'s cache when it is saved (what
    /// was kept for the file cannot be read back): the next run checks the file again.
    pub(crate) fn forget(&self, store: usize, path: &Path) {
        self.flag_entries(store, path, |store| &store.forgotten);
    }

    /// Sets the per-entry flag `flags` picks for every old entry of the file at `path` in root
    /// `store`'s cache.
    fn flag_entries(
        &self,
        store: usize,
        path: &Path,
        flags: impl for<'s> Fn(&'s Store<'a>) -> &'s [AtomicBool],
    ) {
        let Some(store) = self.stores.get(store) else { return };
        let Some(path) = path.to_str() else { return };
        for (index, entry) in store.old.iter().enumerate() {
            if entry.path == path {
                flags(store)[index].store(true, Ordering::Relaxed);
            }
        }
    }

    /// Keeps a file's fresh output under the keys `probe` took when the file was read.
    pub(crate) fn insert(&self, probe: Probe, path: &Path, output: &FileOutput) {
        self.misses.fetch_add(1, Ordering::Relaxed);
        let Some((record, items)) = record::encode(output, path) else { return };
        let store = &self.stores[probe.store];
        store.fresh.lock().unwrap_or_else(PoisonError::into_inner).push(Fresh { probe, record, items });
    }

    /// Writes every store that changed. `checked[i]` holds the folders of the packages of
    /// root `i` that this run checked: their old entries that the run did not use are dropped
    /// (the file is gone, excluded or changed); those of other packages are kept. So are the
    /// entries whose items this run found unreadable (the next run checks their files again).
    pub(crate) fn save(self, checked: &[Vec<&Path>]) -> CacheStats {
        let mut files_written = 0;
        for (store, checked) in self.stores.into_iter().zip(checked) {
            let fresh = store.fresh.into_inner().unwrap_or_else(PoisonError::into_inner);
            let restamped: HashMap<usize, Option<FileStamp>> =
                store.restamped.into_inner().unwrap_or_else(PoisonError::into_inner).into_iter().collect();
            let fresh_keys: HashSet<(&str, u128)> =
                fresh.iter().map(|f| (f.probe.path.as_str(), f.probe.context)).collect();
            let items_lost = store.items.failed();
            let mut kept: Vec<store::Entry<'_>> = Vec::with_capacity(store.old.len() + fresh.len());
            let mut dropped = false;
            for (index, entry) in store.old.iter().enumerate() {
                let replaced = fresh_keys.contains(&(entry.path, entry.context));
                let used = store.used[index].load(Ordering::Relaxed);
                let unreadable =
                    items_lost && entry.items.len > 0 || store.forgotten[index].load(Ordering::Relaxed);
                if replaced
                    || unreadable
                    || (!used && checked.iter().any(|dir| Path::new(entry.path).starts_with(dir)))
                {
                    dropped |= !replaced;
                    continue;
                }
                let mut entry = *entry;
                if let Some(stamp) = restamped.get(&index) {
                    entry.stamp = *stamp;
                }
                kept.push(entry);
            }
            if fresh.is_empty() && !dropped && restamped.is_empty() {
                continue;
            }
            // The items of the entries kept, from the old section, then those of new ones.
            let old_items =
                kept.iter().any(|entry| entry.items.len > 0).then(|| store.items.bytes()).flatten();
            let mut items = Vec::new();
            kept.retain_mut(|entry| {
                if entry.items.len == 0 {
                    return true;
                }
                // Unreadable (the section was damaged): the file is checked again next run.
                let Some(bytes) = old_items.and_then(|old| old.get(entry.items.range()?)) else {
                    return false;
                };
                entry.items.start = items.len() as u64;
                items.extend_from_slice(bytes);
                true
            });
            kept.extend(fresh.iter().map(|Fresh { probe, record, items: fresh_items }| {
                let at = store::ItemsAt {
                    start: items.len() as u64,
                    len: fresh_items.len() as u64,
                    hash: xxh3_128(fresh_items),
                };
                items.extend_from_slice(fresh_items);
                store::Entry {
                    path: &probe.path,
                    content: probe.content,
                    context: probe.context,
                    stamp: probe.stamp,
                    record,
                    items: at,
                }
            }));
            kept.sort_by(|a, b| (a.path, a.context).cmp(&(b.path, b.context)));
            if store::write(store.locations, self.program_key, &kept, &items) {
                files_written += 1;
            }
        }
        CacheStats {
            hits: self.hits.into_inner(),
            hashed: self.hashed.into_inner(),
            misses: self.misses.into_inner(),
            files_written,
            stages_reused: false,
        }
    }
}
