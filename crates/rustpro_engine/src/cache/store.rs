//! Cache files: where they live, how they are read (never trusted unless whole and written
//! by this program) and how they are written (a temporary file renamed over the old one).
//!
//! Layout: a 48-byte header, then the entries.
//!
//! | bytes | what |
//! |---|---|
//! | 0..16 | magic `rustpro-cache\0\0\0` |
//! | 16..20 | format version, little-endian |
//! | 20..36 | program key (see `CacheOptions::program_key`), little-endian |
//! | 36..44 | length of the entries, little-endian |
//! | 44..52 | 64-bit xxh3 checksum of the entries, little-endian |
//! | 52.. | the entries: one per file and context (path, content hash, context hash, stamp, record) |

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::{xxh3_64, xxh3_128};

use super::codec;
use crate::project::FileStamp;

const MAGIC: &[u8; 16] = b"rustpro-cache\0\0\0";
/// Bump when the layout or a stored type changes in a way the program key would not show
/// (it always changes with the program, so in practice: never needed, but cheap).
const FORMAT: u32 = 2;
const HEADER: usize = 16 + 4 + 16 + 8 + 8;

/// The file name of a workspace's cache in its `target/rustpro/` folder.
const FILE_NAME: &str = "check-cache.bin";

/// One file's cached results and the keys they are valid for.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub(crate) struct Entry<'a> {
    pub path: &'a str,
    /// Hash of the file's text.
    pub content: u128,
    /// Hash of everything else the file's results depend on.
    pub context: u128,
    /// The file's stamp when its text was read, if it had settled then: while the file
    /// shows the same stamp, its text is the one hashed, and it is not read again.
    pub stamp: Option<FileStamp>,
    pub record: &'a [u8],
}

/// Where the cache of the workspace rooted at `root` may be, best first: in the workspace's
/// `target/` folder when it has one, else (or when that is not writable) in `user_dir`.
pub(crate) fn locations(root: &Path, user_dir: Option<&Path>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let target = root.join("target");
    if target.is_dir() {
        out.push(target.join("rustpro").join(FILE_NAME));
    }
    if let Some(dir) = user_dir {
        let name = xxh3_128(root.as_os_str().as_encoded_bytes());
        out.push(dir.join(format!("{name:032x}.bin")));
    }
    out
}

/// The first of `locations` that holds a whole cache file of this program, read whole (its
/// entries are [`entries`]); empty when none does.
pub(crate) fn read(locations: &[PathBuf], program_key: u128) -> Arc<[u8]> {
    locations
        .iter()
        .find_map(|path| fs::read(path).ok().filter(|bytes| is_whole(bytes, program_key)))
        .unwrap_or_default()
        .into()
}

/// The entries part of a cache file's bytes from [`read`].
pub(crate) fn entries(bytes: &[u8]) -> &[u8] {
    bytes.get(HEADER..).unwrap_or_default()
}

/// Whether a cache file's header says it is this program's and the checksum matches.
fn is_whole(bytes: &[u8], program_key: u128) -> bool {
    let Some(header) = bytes.get(..HEADER) else { return false };
    let (magic, rest) = header.split_at(16);
    let (format, rest) = rest.split_at(4);
    let (key, rest) = rest.split_at(16);
    let (len, checksum) = rest.split_at(8);
    let number = |b: &[u8]| b.iter().rev().fold(0_u128, |n, byte| n << 8 | u128::from(*byte));
    magic == MAGIC
        && number(format) == u128::from(FORMAT)
        && number(key) == program_key
        && number(len) == (bytes.len() - HEADER) as u128
        && number(checksum) == u128::from(xxh3_64(&bytes[HEADER..]))
}

/// The entries of a cache file read by [`read`]; `None` when they do not decode.
pub(crate) fn decode(bytes: &[u8]) -> Option<Vec<Entry<'_>>> {
    if bytes.is_empty() {
        return Some(Vec::new());
    }
    codec::from_bytes(entries(bytes))
}

/// Writes `entries` to the first of `locations` where that works; returns whether one did.
pub(crate) fn write(locations: &[PathBuf], program_key: u128, entries: &[Entry<'_>]) -> bool {
    codec::to_bytes(entries).is_some_and(|body| write_body(locations, program_key, &body))
}

/// Where the results of the package and workspace stages of a run over `roots` are kept:
/// beside the first root's cache (see [`locations`]). One memo per place: a run over other
/// roots replaces it.
pub(crate) fn stage_locations(roots: &[&Path], user_dir: Option<&Path>) -> Vec<PathBuf> {
    let Some(first) = roots.first() else { return Vec::new() };
    locations(first, user_dir)
        .into_iter()
        .map(|path| {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            path.with_file_name(format!("stages-{name}"))
        })
        .collect()
}

/// Writes `body` under this program's header to the first of `locations` where that
/// works; returns whether one did. [`read`] and [`entries`] give `body` back.
pub(crate) fn write_body(locations: &[PathBuf], program_key: u128, body: &[u8]) -> bool {
    let mut bytes = Vec::with_capacity(HEADER + body.len());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&FORMAT.to_le_bytes());
    bytes.extend_from_slice(&program_key.to_le_bytes());
    bytes.extend_from_slice(&(body.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&xxh3_64(body).to_le_bytes());
    bytes.extend_from_slice(body);
    locations.iter().any(|path| write_atomic(path, &bytes).is_ok())
}

/// Writes a temporary file beside `path` and renames it over `path`: a reader (another run)
/// sees the old file or the new one, never a part.
fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    static SERIAL: AtomicU64 = AtomicU64::new(0);
    let dir = path.parent().ok_or_else(|| std::io::Error::other("no parent folder"))?;
    fs::create_dir_all(dir)?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    let temp = dir.join(format!(
        ".{name}.{}.{nanos}.{}.tmp",
        std::process::id(),
        SERIAL.fetch_add(1, Ordering::Relaxed)
    ));
    let written = fs::File::create(&temp)
        .and_then(|mut file| file.write_all(bytes))
        .and_then(|()| fs::rename(&temp, path));
    if written.is_err() {
        let _ = fs::remove_file(&temp);
    }
    written
}
