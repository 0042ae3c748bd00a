//! Hand-written error types; `rustpro fix --unsafe-fixes` derives them with thiserror.

use core::fmt::{self, Display, Formatter};
use std::error::Error as StdError;
use std::io;
use std::path::PathBuf;

#[derive(Debug)]
#[non_exhaustive]
pub enum ConfigError {
    /// A key is missing.
    Missing(String),
    Io(io::Error),
    Parse { line: usize, column: usize, message: String },
    Unreadable { path: PathBuf, source: io::Error },
    Empty,
    Code(u32),
    Braces,
}

impl Display for ConfigError {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Missing(key) => write!(f, "missing key {}", key),
            Self::Io(_) => f.write_str("cannot read the configuration"),
            ConfigError::Parse { line, column: c, ref message } => {
                write!(f, "{line}:{}: {message:?}", c)
            }
            Self::Unreadable { path, .. } => write!(f, "cannot read {}", path.display()),
            ConfigError::Empty => write!(f, "empty \"file\"\t!"),
            Self::Code(code) => write!(f, "code {:>8}|{code:#x}|{:<5}|", code, code),
            Self::Braces => writeln!(f, "{{literal}}"),
        }
    }
}

impl StdError for ConfigError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            ConfigError::Io(e) => Some(e),
            ConfigError::Unreadable { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl From<io::Error> for ConfigError {
    fn from(e: io::Error) -> Self {
        ConfigError::Io(e)
    }
}

/// A type named like the trait.
#[derive(Debug, Clone)]
pub struct Error {
    pub code: u16,
    pub r#type: &'static str,
}

impl Display for Error {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "error {} of type {}", self.code, self.r#type)
    }
}

impl StdError for Error {}

#[derive(Debug)]
pub struct Wrapped(pub io::Error);

impl Display for Wrapped {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl StdError for Wrapped {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.0.source()
    }
}

#[derive(Debug)]
pub struct Boxed {
    pub inner: Box<dyn StdError + Send + Sync>,
}

impl Display for Boxed {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "boxed: {}", self.inner)?;
        Ok(())
    }
}

impl StdError for Boxed {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(self.inner.as_ref())
    }
}
