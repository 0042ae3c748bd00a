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
//! | 52.. | the entries: one per file (path, content hash, context hash, record) |

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::{xxh3_64, xxh3_128};

use super::codec;

const MAGIC: &[u8; 16] = b"rustpro-cache\0\0\0";
/// Bump when the layout or a stored type changes in a way the program key would not show
/// (it always changes with the program, so in practice: never needed, but cheap).
const FORMAT: u32 = 1;
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

/// The entries of the first of `locations` that holds a whole cache file of this program;
/// empty when none does.
pub(crate) fn read(locations: &[PathBuf], program_key: u128) -> Vec<u8> {
    locations
        .iter()
        .find_map(|path| fs::read(path).ok().and_then(|b| entries_of(b, program_key)))
        .unwrap_or_default()
}

/// The entries part of a cache file's bytes, when the header says it is this program's and
/// the checksum matches.
fn entries_of(mut bytes: Vec<u8>, program_key: u128) -> Option<Vec<u8>> {
    let header = bytes.get(..HEADER)?;
    let (magic, rest) = header.split_at(16);
    let (format, rest) = rest.split_at(4);
    let (key, rest) = rest.split_at(16);
    let (len, checksum) = rest.split_at(8);
    let valid = magic == MAGIC
        && u32::from_le_bytes(format.try_into().ok()?) == FORMAT
        && u128::from_le_bytes(key.try_into().ok()?) == program_key
        && u64::from_le_bytes(len.try_into().ok()?) == (bytes.len() - HEADER) as u64
        && u64::from_le_bytes(checksum.try_into().ok()?) == xxh3_64(&bytes[HEADER..]);
    if !valid {
        return None;
    }
    bytes.drain(..HEADER);
    Some(bytes)
}

/// The entries held by `bytes` (from [`read`]); `None` when they do not decode.
pub(crate) fn decode(bytes: &[u8]) -> Option<Vec<Entry<'_>>> {
    if bytes.is_empty() {
        return Some(Vec::new());
    }
    codec::from_bytes(bytes)
}

/// Writes `entries` to the first of `locations` where that works; returns whether one did.
pub(crate) fn write(locations: &[PathBuf], program_key: u128, entries: &[Entry<'_>]) -> bool {
    let Some(body) = codec::to_bytes(entries) else { return false };
    let mut bytes = Vec::with_capacity(HEADER + body.len());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&FORMAT.to_le_bytes());
    bytes.extend_from_slice(&program_key.to_le_bytes());
    bytes.extend_from_slice(&(body.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&xxh3_64(&body).to_le_bytes());
    bytes.extend_from_slice(&body);
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
