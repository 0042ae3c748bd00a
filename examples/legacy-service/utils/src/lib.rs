//! Helpers without any `unsafe`, which nothing guarantees stays that way, and without a
//! single test.

use std::error::Error;
use std::fmt;
use std::sync::LazyLock;

/// The separators the lists accept; `LazyLock` is newer than the `rust-version` declared.
static SEPARATORS: LazyLock<Vec<char>> = LazyLock::new(|| vec![',', ';']);

/// Splits a comma-separated list.
pub fn split_list(text: &str) -> Vec<&str> {
    // rustpro:allow(unwrap_in_production) left over from a version that unwrapped here
    text.split(&SEPARATORS[..]).map(str::trim).filter(|s| !s.is_empty()).collect()
}

/// Why a list file could not be loaded: written by hand, where a derive says the same.
#[derive(Debug)]
pub enum ListError {
    Io(std::io::Error),
    Empty,
    TooLong { max: usize },
}

impl fmt::Display for ListError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ListError::Io(e) => write!(f, "cannot read the list: {}", e),
            ListError::Empty => f.write_str("the list is empty"),
            ListError::TooLong { max } => write!(f, "the list has more than {max} entries"),
        }
    }
}

impl Error for ListError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            ListError::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<std::io::Error> for ListError {
    fn from(e: std::io::Error) -> Self {
        ListError::Io(e)
    }
}

/// Reads a list file.
pub fn load_list(path: &str) -> Result<Vec<String>, ListError> {
    let text = std::fs::read_to_string(path)?;
    let items: Vec<String> = split_list(&text).into_iter().map(str::to_owned).collect();
    match items.len() {
        0 => Err(ListError::Empty),
        n if n > 1000 => Err(ListError::TooLong { max: 1000 }),
        _ => Ok(items),
    }
}
