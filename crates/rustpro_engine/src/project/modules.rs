//! Reading source files (with one clear diagnosis per unreadable file) and resolving
//! `mod name;` declarations to files the way rustc does.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

/// What reading a source file gave.
#[derive(Debug)]
pub enum FileRead {
    Text(String),
    NotUtf8 { offset: usize },
    Binary,
    TooLarge { size: u64, limit: u64 },
    Error(std::io::Error),
}

/// Reads a source file (from the overlay when it holds the file), refusing binary,
/// non-UTF-8 and over-size files.
pub fn read_source_file(path: &Path, max_size: u64, overlay: &super::Overlay) -> FileRead {
    if let Some(text) = overlay.get(path) {
        return FileRead::Text(text.to_owned());
    }
    let mut bytes = Vec::new();
    match read_source_bytes(path, max_size, &mut bytes) {
        Err(failed) => failed,
        Ok(_) => source_text(&bytes),
    }
}

/// Reads a source file's bytes into `buf` (cleared first: one buffer serves many files, so
/// that reading allocates nothing once it is large enough). `Ok` when `buf` holds the file,
/// with the file's stamp as it was before the read (when the platform has one); otherwise
/// why it cannot be read (never [`FileRead::Text`]).
pub fn read_source_bytes(
    path: &Path,
    max_size: u64,
    buf: &mut Vec<u8>,
) -> Result<Option<FileStamp>, FileRead> {
    buf.clear();
    let mut file = fs::File::open(path).map_err(FileRead::Error)?;
    let metadata = file.metadata().ok();
    let size = metadata.as_ref().map_or(0, fs::Metadata::len);
    if size > max_size {
        return Err(FileRead::TooLarge { size, limit: max_size });
    }
    buf.reserve(usize::try_from(size).unwrap_or(0));
    // `take` bounds the read even when the file grows or lies about its size (devices, FIFOs).
    if let Err(err) = file.by_ref().take(max_size + 1).read_to_end(buf) {
        return Err(FileRead::Error(err));
    }
    if buf.len() as u64 > max_size {
        return Err(FileRead::TooLarge { size: buf.len() as u64, limit: max_size });
    }
    Ok(metadata.as_ref().and_then(FileStamp::of))
}

/// What the file system says about a file's identity and last change: a file whose stamp is
/// the same has not been written since, provided the stamp was taken when its times were
/// already older than the file system's timestamp granularity (see [`FileStamp::settled`]).
/// Only the kernel sets the change time (`ctime`): a tool that rewrites a file and puts its
/// modification time back still changes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileStamp {
    pub size: u64,
    /// Modification time, nanoseconds since the Unix epoch.
    pub modified: i128,
    /// Status change time, nanoseconds since the Unix epoch.
    pub changed: i128,
    pub inode: u64,
    pub device: u64,
}

impl FileStamp {
    /// The stamp of a file's metadata; `None` on platforms without change times.
    #[cfg(unix)]
    pub fn of(metadata: &fs::Metadata) -> Option<FileStamp> {
        use std::os::unix::fs::MetadataExt;
        let nanos = |secs: i64, nsecs: i64| i128::from(secs) * 1_000_000_000 + i128::from(nsecs);
        Some(FileStamp {
            size: metadata.size(),
            modified: nanos(metadata.mtime(), metadata.mtime_nsec()),
            changed: nanos(metadata.ctime(), metadata.ctime_nsec()),
            inode: metadata.ino(),
            device: metadata.dev(),
        })
    }

    /// The stamp of a file's metadata; `None` on platforms without change times.
    #[cfg(not(unix))]
    pub fn of(_metadata: &fs::Metadata) -> Option<FileStamp> {
        None
    }

    /// The stamp of the file at `path` (following links), without reading it.
    pub fn of_path(path: &Path) -> Option<FileStamp> {
        FileStamp::of(&fs::metadata(path).ok()?)
    }

    /// Whether the file's last change is older than `before` (nanoseconds since the Unix
    /// epoch): then a later write would show in its times, even on a file system that
    /// keeps them coarsely. A file changed after `before` is read and hashed again.
    pub fn settled(&self, before: i128) -> bool {
        self.modified < before && self.changed < before
    }
}

/// The text of a source file's bytes, unless they are binary or not UTF-8.
pub fn source_text(bytes: &[u8]) -> FileRead {
    if bytes[..bytes.len().min(8192)].contains(&0) {
        return FileRead::Binary;
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => FileRead::Text(text.to_owned()),
        Err(err) => FileRead::NotUtf8 { offset: err.valid_up_to() },
    }
}

/// An out-of-line module declaration (`mod name;`) met while walking a file.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ModuleDecl {
    pub name: String,
    /// `#[path = ".."]` on the declaration.
    pub path_attr: Option<String>,
    /// Names of the inline modules (`mod a { .. }`) the declaration sits in.
    pub inline_path: Vec<String>,
}

/// A module's file, with the stamp of the metadata read to find it (so that the file need
/// not be looked up again to see whether it changed).
#[derive(Debug)]
pub struct ModuleFile {
    pub path: PathBuf,
    pub stamp: Option<FileStamp>,
}

impl ModuleFile {
    /// The file at `path`, if there is one (symbolic links followed).
    fn at(path: PathBuf) -> Option<ModuleFile> {
        let metadata = fs::metadata(&path).ok().filter(fs::Metadata::is_file)?;
        Some(ModuleFile { stamp: FileStamp::of(&metadata), path })
    }
}

/// The file a `mod` declaration in `parent` names, if it exists. `parent_owns_dir` is true
/// for crate roots and `mod.rs` files, whose children live beside them.
pub fn resolve_module(parent: &Path, parent_owns_dir: bool, decl: &ModuleDecl) -> Option<ModuleFile> {
    let parent_dir = parent.parent()?;
    let mut base = if parent_owns_dir || parent.file_name().is_some_and(|n| n == "mod.rs") {
        parent_dir.to_path_buf()
    } else {
        parent_dir.join(parent.file_stem()?)
    };
    if let Some(path) = &decl.path_attr {
        let dir = if decl.inline_path.is_empty() {
            parent_dir.to_path_buf()
        } else {
            base.join(decl.inline_path.join("/"))
        };
        return ModuleFile::at(super::normalize(&dir.join(path))?);
    }
    for segment in &decl.inline_path {
        base.push(segment);
    }
    let name = decl.name.strip_prefix("r#").unwrap_or(&decl.name);
    ModuleFile::at(base.join(format!("{name}.rs"))).or_else(|| ModuleFile::at(base.join(name).join("mod.rs")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_like_rustc() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let src = tmp.path().join("src");
        for file in ["lib.rs", "a.rs", "a/b.rs", "c/mod.rs", "c/d.rs", "x/y.rs", "elsewhere.rs"] {
            let path = src.join(file);
            fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            fs::write(path, "").expect("write");
        }
        let decl = |name: &str| ModuleDecl { name: name.into(), path_attr: None, inline_path: vec![] };
        let lib = src.join("lib.rs");
        assert_eq!(resolve_module(&lib, true, &decl("a")).map(|f| f.path), Some(src.join("a.rs")));
        assert_eq!(resolve_module(&lib, true, &decl("c")).map(|f| f.path), Some(src.join("c/mod.rs")));
        assert_eq!(
            resolve_module(&src.join("a.rs"), false, &decl("b")).map(|f| f.path),
            Some(src.join("a/b.rs"))
        );
        assert_eq!(
            resolve_module(&src.join("c/mod.rs"), false, &decl("d")).map(|f| f.path),
            Some(src.join("c/d.rs"))
        );
        let inline = ModuleDecl { name: "y".into(), path_attr: None, inline_path: vec!["x".into()] };
        assert_eq!(resolve_module(&lib, true, &inline).map(|f| f.path), Some(src.join("x/y.rs")));
        let with_path =
            ModuleDecl { name: "z".into(), path_attr: Some("elsewhere.rs".into()), inline_path: vec![] };
        assert_eq!(
            resolve_module(&src.join("a.rs"), false, &with_path).map(|f| f.path),
            Some(src.join("elsewhere.rs"))
        );
        assert_eq!(resolve_module(&lib, true, &decl("missing")).map(|f| f.path), None);
        // The stamp read while finding the file is the file's own.
        let found = resolve_module(&lib, true, &decl("c")).and_then(|f| f.stamp);
        assert!(found.is_some());
        assert_eq!(found, FileStamp::of_path(&src.join("c/mod.rs")));
    }

    #[test]
    fn refuses_binary_non_utf8_and_large_files() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join("f.rs");
        fs::write(&path, b"fn main() {}\0").expect("write");
        assert!(matches!(read_source_file(&path, 100, &Default::default()), FileRead::Binary));
        fs::write(&path, b"fn main() { \xff }").expect("write");
        assert!(matches!(
            read_source_file(&path, 100, &Default::default()),
            FileRead::NotUtf8 { offset: 12 }
        ));
        fs::write(&path, "x".repeat(200)).expect("write");
        assert!(matches!(read_source_file(&path, 100, &Default::default()), FileRead::TooLarge { .. }));
        assert!(matches!(
            read_source_file(&tmp.path().join("nope.rs"), 100, &Default::default()),
            FileRead::Error(_)
        ));
    }
}
