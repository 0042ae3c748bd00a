//! Writing fixed files: each through a temporary file in the same folder and a rename, so
//! a file is either the old text or the new one, never half of each; permissions are kept.
//! Line endings and a byte order mark survive because edits never touch what they do not
//! replace.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::FixedFile;

/// A file that could not be written; the others were.
#[derive(Debug)]
pub struct WriteError {
    pub path: PathBuf,
    pub message: String,
}

/// Writes every fixed file. A file whose text on disk is no longer the text the fixes
/// started from (it changed meanwhile) is left alone and reported.
pub fn write(files: &[FixedFile]) -> Vec<WriteError> {
    let mut errors = Vec::new();
    for file in files {
        match fs::read_to_string(&file.path) {
            Ok(on_disk) if on_disk == file.original => {}
            Ok(_) => {
                errors.push(WriteError {
                    path: file.path.clone(),
                    message: "the file changed while it was being fixed; left as it is".to_owned(),
                });
                continue;
            }
            Err(err) => {
                errors.push(WriteError {
                    path: file.path.clone(),
                    message: format!("cannot read the file: {err}"),
                });
                continue;
            }
        }
        if let Err(err) = write_atomic(&file.path, &file.fixed) {
            errors.push(WriteError {
                path: file.path.clone(),
                message: format!("cannot write the file: {err}"),
            });
        }
    }
    errors
}

/// Replaces the contents of `path` with `text` atomically, keeping its permissions. A
/// symbolic link keeps pointing at the file it named, which gets the new text.
pub fn write_atomic(path: &Path, text: &str) -> std::io::Result<()> {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let target = fs::canonicalize(path)?;
    let dir = target.parent().unwrap_or(Path::new("."));
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let permissions = fs::metadata(&target)?.permissions();
    let temp = dir.join(format!(
        ".{name}.rustpro-{}-{}.tmp",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut file = fs::File::create_new(&temp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        fs::set_permissions(&temp, permissions)?;
        fs::rename(&temp, &target)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}
