//! The results of the package and workspace stages, kept between runs under one hash of
//! everything those stages read: a run whose per-file outputs, packages, settings and
//! workspace manifests are all as before gets the same stage findings without running the
//! stages (which re-read every manifest and every kept fact of the workspace).
//!
//! The key ([`StageKey`]) is made from the stages' inputs themselves, not from file
//! stamps: the program key and rule set, each package as discovered (manifest text
//! included) with the settings at its manifest, the workspace root manifests, each package's
//! merged facts, the test index, the items each file kept for the workspace stage (by their
//! encoding, the one the cache stores, with the file, package and target; so items read
//! from the cache are hashed without being decoded), the path filters, and the one
//! thing a package rule reads from disk (whether a workspace has a cargo-deny
//! configuration). Anything else changing changes a per-file output, so the key.
//!
//! One memo per place (beside the first root's cache): a run over other roots, or with
//! other settings, replaces it. It is written like a cache file (whole, under the program's
//! header, renamed into place), so a racing run reads the old memo or the new one.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{CacheOptions, KeyHasher, record, store};
use crate::diagnostic::Finding;

/// A hash of the stages' inputs, fed piece by piece. Hundreds of thousands of small pieces
/// (kept items) go into it: they are gathered in a buffer and hashed a block at a time.
pub(crate) struct StageKey {
    hasher: KeyHasher,
    buffer: Vec<u8>,
}

/// How many bytes [`StageKey`] gathers before hashing them.
const BLOCK: usize = 64 << 10;

impl StageKey {
    pub(crate) fn new() -> StageKey {
        StageKey { hasher: KeyHasher::new(), buffer: Vec::new() }
    }

    pub(crate) fn add(&mut self, value: impl Hash) {
        value.hash(self);
    }

    /// Adds a value by its encoding; `None` when it cannot be encoded.
    pub(crate) fn add_encoded(&mut self, value: &(impl Serialize + ?Sized)) -> Option<()> {
        let bytes = super::codec::to_bytes(value)?;
        bytes.hash(self);
        Some(())
    }

    /// Adds a set of strings whatever order it iterates in (the sets are merged from files
    /// checked in parallel).
    pub(crate) fn add_set<'a>(&mut self, items: impl ExactSizeIterator<Item = &'a String>) {
        let len = items.len();
        let sum =
            items.fold(0_u64, |sum, item| sum.wrapping_add(xxhash_rust::xxh3::xxh3_64(item.as_bytes())));
        (len, sum).hash(self);
    }

    pub(crate) fn finish(mut self) -> u128 {
        self.hasher.write(&self.buffer);
        self.buffer.clear();
        self.hasher.finish128()
    }
}

/// The kept stage results of a run's roots.
pub(crate) struct StageMemo {
    locations: Vec<PathBuf>,
    program_key: u128,
}

impl StageMemo {
    pub(crate) fn new(options: &CacheOptions, roots: &[&Path]) -> StageMemo {
        StageMemo {
            locations: store::stage_locations(roots, options.user_dir.as_deref()),
            program_key: options.program_key,
        }
    }

    /// The stages' findings kept for `key`; `None` when the memo is another run's (or
    /// missing, or not whole).
    pub(crate) fn get(&self, key: u128) -> Option<Vec<Finding>> {
        let file = store::read(&self.locations, self.program_key);
        let (stored_key, findings) = file.entries.split_at_checked(16)?;
        if u128::from_le_bytes(stored_key.try_into().ok()?) != key {
            return None;
        }
        record::decode_stage_findings(findings)
    }

    /// Keeps the stages' `findings` under `key`; whether that worked.
    pub(crate) fn put(&self, key: u128, findings: &[Finding]) -> bool {
        let Some(encoded) = record::encode_stage_findings(findings) else { return false };
        let mut body = Vec::with_capacity(16 + encoded.len());
        body.extend_from_slice(&key.to_le_bytes());
        body.extend_from_slice(&encoded);
        store::write_sections(&self.locations, self.program_key, &body, &[])
    }
}

impl Hasher for StageKey {
    /// Not the key ([`StageKey::finish`] is): what `Hasher` asks for, which nothing uses.
    fn finish(&self) -> u64 {
        self.hasher.finish() ^ xxhash_rust::xxh3::xxh3_64(&self.buffer)
    }

    fn write(&mut self, bytes: &[u8]) {
        if self.buffer.len() + bytes.len() > BLOCK {
            self.hasher.write(&self.buffer);
            self.buffer.clear();
            if bytes.len() > BLOCK {
                self.hasher.write(bytes);
                return;
            }
        }
        self.buffer.extend_from_slice(bytes);
    }
}
