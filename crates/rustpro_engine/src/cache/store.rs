//! Cache files: where they live, how they are read (never trusted unless whole and written
//! by this program) and how they are written (a temporary file renamed over the old one).
//!
//! Layout: a 68-byte header, the entries, then the items section.
//!
//! | bytes | what |
//! |---|---|
//! | 0..16 | magic `rustpro-cache\0\0\0` |
//! | 16..20 | format version, little-endian |
//! | 20..36 | program key (see `CacheOptions::program_key`), little-endian |
//! | 36..44 | length of the entries, little-endian |
//! | 44..52 | 64-bit xxh3 checksum of the entries, little-endian |
//! | 52..60 | length of the items section, little-endian |
//! | 60..68 | 64-bit xxh3 checksum of the items section, little-endian |
//! | 68.. | the entries: one per file and context (path, content hash, context hash, stamp, record, where its items lie) |
//! | then | the items section: what each file kept for the workspace stage, one piece per entry |
//!
//! The items section is read only when a run asks for it ([`ItemsSection::bytes`]), from the
//! file opened with the entries: a run whose stage results are reused never reads it, and a
//! newer file renamed over this one in between does not change what this run reads.

use std::fs;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::{xxh3_64, xxh3_128};

use super::codec;
use crate::project::FileStamp;

const MAGIC: &[u8; 16] = b"rustpro-cache\0\0\0";
/// Bump when the layout or a stored type changes in a way the program key would not show
/// (it always changes with the program, so in practice: never needed, but cheap).
const FORMAT: u32 = 3;
const HEADER: usize = 16 + 4 + 16 + 8 + 8 + 8 + 8;

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
    /// What the file kept for the workspace stage, in the items section.
    pub items: ItemsAt,
}

/// Where an entry's items lie in the items section, and their hash (128-bit xxh3 of those
/// bytes, so that the stage key takes them in without reading them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ItemsAt {
    pub start: u64,
    pub len: u64,
    pub hash: u128,
}

impl ItemsAt {
    /// The bytes of the items section they lie in.
    pub(crate) fn range(&self) -> Option<std::ops::Range<usize>> {
        let start = usize::try_from(self.start).ok()?;
        Some(start..start.checked_add(usize::try_from(self.len).ok()?)?)
    }
}

/// A cache file as read: its entries, and its items section, read when first asked for.
pub(crate) struct CacheFile {
    /// The entries part ([`decode`] reads them); empty when no location holds a whole file
    /// of this program.
    pub entries: Arc<[u8]>,
    pub items: Arc<ItemsSection>,
}

/// The items section of a cache file, read from the open file when first asked for.
pub(crate) struct ItemsSection {
    /// The file, and where the section starts in it, until the section is read.
    source: Mutex<Option<(fs::File, u64)>>,
    len: u64,
    checksum: u64,
    bytes: OnceLock<Option<Arc<[u8]>>>,
}

impl ItemsSection {
    fn empty() -> ItemsSection {
        ItemsSection { source: Mutex::new(None), len: 0, checksum: xxh3_64(&[]), bytes: OnceLock::new() }
    }

    /// A section that is already read: `bytes`, in memory.
    pub(crate) fn in_memory(bytes: Vec<u8>) -> ItemsSection {
        let (len, checksum) = (bytes.len() as u64, xxh3_64(&bytes));
        ItemsSection {
            source: Mutex::new(None),
            len,
            checksum,
            bytes: OnceLock::from(Some(Arc::from(bytes))),
        }
    }

    /// The section, read whole; `None` when it cannot be read or its checksum fails (the
    /// file was damaged after its entries were read).
    pub(crate) fn bytes(&self) -> Option<&Arc<[u8]>> {
        self.bytes
            .get_or_init(|| {
                if self.len == 0 {
                    return Some(Arc::from(Vec::new()));
                }
                let (mut file, start) = self.source.lock().unwrap_or_else(PoisonError::into_inner).take()?;
                let mut bytes = vec![0; usize::try_from(self.len).ok()?];
                file.seek(SeekFrom::Start(start)).ok()?;
                file.read_exact(&mut bytes).ok()?;
                (xxh3_64(&bytes) == self.checksum).then(|| Arc::from(bytes))
            })
            .as_ref()
    }

    /// Whether the section was asked for and could not be read.
    pub(crate) fn failed(&self) -> bool {
        matches!(self.bytes.get(), Some(None))
    }
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

/// The first of `locations` that holds a whole cache file of this program: its entries
/// read (their checksum checked), its items section left in the open file.
pub(crate) fn read(locations: &[PathBuf], program_key: u128) -> CacheFile {
    locations.iter().find_map(|path| read_one(path, program_key)).unwrap_or_else(|| CacheFile {
        entries: Arc::from(Vec::new()),
        items: Arc::new(ItemsSection::empty()),
    })
}

fn read_one(path: &Path, program_key: u128) -> Option<CacheFile> {
    let mut file = fs::File::open(path).ok()?;
    let mut header = [0_u8; HEADER];
    file.read_exact(&mut header).ok()?;
    let number = |range: std::ops::Range<usize>| {
        header[range].iter().rev().fold(0_u128, |n, byte| n << 8 | u128::from(*byte))
    };
    let (entries_len, entries_checksum) = (number(36..44), number(44..52));
    let (items_len, items_checksum) = (number(52..60), number(60..68));
    let whole = header[..16] == *MAGIC
        && number(16..20) == u128::from(FORMAT)
        && number(20..36) == program_key
        && file.metadata().ok().map(|m| u128::from(m.len()))
            == Some(HEADER as u128 + entries_len + items_len);
    if !whole {
        return None;
    }
    let mut entries = vec![0; usize::try_from(entries_len).ok()?];
    file.read_exact(&mut entries).ok()?;
    if u128::from(xxh3_64(&entries)) != entries_checksum {
        return None;
    }
    let items = ItemsSection {
        len: u64::try_from(items_len).ok()?,
        checksum: u64::try_from(items_checksum).ok()?,
        source: Mutex::new(
            (items_len > 0).then_some((file, (HEADER as u64).checked_add(entries_len as u64)?)),
        ),
        bytes: OnceLock::new(),
    };
    Some(CacheFile { entries: Arc::from(entries), items: Arc::new(items) })
}

/// The entries of a cache file read by [`read`]; `None` when they do not decode.
pub(crate) fn decode(entries: &[u8]) -> Option<Vec<Entry<'_>>> {
    if entries.is_empty() {
        return Some(Vec::new());
    }
    codec::from_bytes(entries)
}

/// Writes `entries`, whose items lie in `items`, to the first of `locations` where that
/// works; returns whether one did.
pub(crate) fn write(locations: &[PathBuf], program_key: u128, entries: &[Entry<'_>], items: &[u8]) -> bool {
    codec::to_bytes(entries).is_some_and(|body| write_sections(locations, program_key, &body, items))
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

/// Writes `entries` and `items` under this program's header to the first of `locations`
/// where that works; returns whether one did. [`read`] gives them back.
pub(crate) fn write_sections(locations: &[PathBuf], program_key: u128, entries: &[u8], items: &[u8]) -> bool {
    let mut bytes = Vec::with_capacity(HEADER + entries.len() + items.len());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&FORMAT.to_le_bytes());
    bytes.extend_from_slice(&program_key.to_le_bytes());
    bytes.extend_from_slice(&(entries.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&xxh3_64(entries).to_le_bytes());
    bytes.extend_from_slice(&(items.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&xxh3_64(items).to_le_bytes());
    bytes.extend_from_slice(entries);
    bytes.extend_from_slice(items);
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
