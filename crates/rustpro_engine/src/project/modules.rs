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
        Some(failed) => failed,
        None => source_text(&bytes),
    }
}

/// Reads a source file's bytes into `buf` (cleared first: one buffer serves many files, so
/// that reading allocates nothing once it is large enough). `None` when `buf` holds the
/// file; otherwise why it cannot be read (never [`FileRead::Text`]).
pub fn read_source_bytes(path: &Path, max_size: u64, buf: &mut Vec<u8>) -> Option<FileRead> {
    buf.clear();
    let mut file = match fs::File::open(path) {
        Ok(file) => file,
        Err(err) => return Some(FileRead::Error(err)),
    };
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    if size > max_size {
        return Some(FileRead::TooLarge { size, limit: max_size });
    }
    buf.reserve(usize::try_from(size).unwrap_or(0));
    // `take` bounds the read even when the file grows or lies about its size (devices, FIFOs).
    if let Err(err) = file.by_ref().take(max_size + 1).read_to_end(buf) {
        return Some(FileRead::Error(err));
    }
    if buf.len() as u64 > max_size {
        return Some(FileRead::TooLarge { size: buf.len() as u64, limit: max_size });
    }
    None
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

/// The file a `mod` declaration in `parent` names, if it exists. `parent_owns_dir` is true
/// for crate roots and `mod.rs` files, whose children live beside them.
pub fn resolve_module(parent: &Path, parent_owns_dir: bool, decl: &ModuleDecl) -> Option<PathBuf> {
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
        let file = super::normalize(&dir.join(path))?;
        return file.is_file().then_some(file);
    }
    for segment in &decl.inline_path {
        base.push(segment);
    }
    let name = decl.name.strip_prefix("r#").unwrap_or(&decl.name);
    [base.join(format!("{name}.rs")), base.join(name).join("mod.rs")].into_iter().find(|p| p.is_file())
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
        assert_eq!(resolve_module(&lib, true, &decl("a")), Some(src.join("a.rs")));
        assert_eq!(resolve_module(&lib, true, &decl("c")), Some(src.join("c/mod.rs")));
        assert_eq!(resolve_module(&src.join("a.rs"), false, &decl("b")), Some(src.join("a/b.rs")));
        assert_eq!(resolve_module(&src.join("c/mod.rs"), false, &decl("d")), Some(src.join("c/d.rs")));
        let inline = ModuleDecl { name: "y".into(), path_attr: None, inline_path: vec!["x".into()] };
        assert_eq!(resolve_module(&lib, true, &inline), Some(src.join("x/y.rs")));
        let with_path =
            ModuleDecl { name: "z".into(), path_attr: Some("elsewhere.rs".into()), inline_path: vec![] };
        assert_eq!(resolve_module(&src.join("a.rs"), false, &with_path), Some(src.join("elsewhere.rs")));
        assert_eq!(resolve_module(&lib, true, &decl("missing")), None);
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
