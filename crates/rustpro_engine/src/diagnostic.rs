//! What a check produces: findings of rules, and problems met while reading the project.

use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::project::TargetKind;
use crate::source::{LineCol, LineIndex};

/// How a finding is reported: `warn` rules give warnings, `deny` gives errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// The package and target a finding belongs to (for cargo's message format).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Origin {
    pub package: String,
    pub version: Option<String>,
    pub manifest_path: PathBuf,
    pub target_kind: TargetKind,
    pub target_name: String,
    pub target_root: PathBuf,
    pub edition: &'static str,
}

/// A few source lines around a finding, so reports need not keep files in memory.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Snippet {
    /// 1-based number of the first line of `text`.
    pub first_line: usize,
    /// Shared by the findings on the same lines of a file.
    pub text: Arc<str>,
}

/// One finding of one rule.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
    /// The expert advice: what to do instead.
    pub help: Option<String>,
    pub path: PathBuf,
    /// Byte range in the file as written on disk.
    pub range: Range<usize>,
    pub start: LineCol,
    pub end: LineCol,
    pub snippet: Snippet,
    /// The fix the rule offers, if any.
    pub fix: Option<Fix>,
    #[serde(skip)]
    pub origin: Option<Arc<Origin>>,
}

/// Whether a fix may be applied without a person looking at it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Applicability {
    /// Keeps the meaning of the code: applied by `--fix`.
    Safe,
    /// May change behaviour or a public API: applied only with `--unsafe-fixes`.
    Unsafe,
    /// A suggestion to read, never applied.
    DisplayOnly,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
            Applicability::DisplayOnly => "display-only",
        }
    }
}

/// One text replacement in a file, in byte offsets of the file as on disk. The replacement
/// already uses the file's line endings.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Edit {
    pub path: PathBuf,
    pub range: Range<usize>,
    pub replacement: String,
}

/// Edits that belong together (a trait and all its impls move as one), with a title.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Fix {
    /// What applying the fix does, e.g. "replace `#[async_trait]` with native async fns".
    pub title: String,
    pub applicability: Applicability,
    /// Non-overlapping edits, possibly in several files.
    pub edits: Vec<Edit>,
}

/// Lines of a snippet are capped: a finding on a 500-line function shows its start.
const MAX_SNIPPET_LINES: usize = 8;

impl Finding {
    /// A finding at byte `range` of `text` (the file as on disk), with its lines and columns
    /// and the snippet of the lines it covers.
    #[allow(clippy::too_many_arguments)]
    pub fn locate(
        rule: &'static str,
        severity: Severity,
        message: String,
        help: Option<String>,
        path: &std::path::Path,
        text: &str,
        lines: &LineIndex,
        range: Range<usize>,
        origin: Option<Arc<Origin>>,
    ) -> Finding {
        let start = lines.line_col(text, range.start);
        let end = lines.line_col(text, range.end);
        let first = start.line - 1;
        let last = (end.line - 1).min(first + MAX_SNIPPET_LINES - 1);
        Finding {
            rule,
            severity,
            message,
            help,
            path: path.to_path_buf(),
            range,
            start,
            end,
            snippet: Snippet { first_line: start.line, text: lines.snippet(text, first, last) },
            fix: None,
            origin,
        }
    }
}

impl Finding {
    /// The finding with `fix` attached.
    pub fn with_fix(mut self, fix: Fix) -> Finding {
        self.fix = Some(fix);
        self
    }
}

/// How bad a problem is: errors make the run exit with 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProblemSeverity {
    Warning,
    Error,
}

/// What kind of problem it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProblemKind {
    /// The file has syntax errors; what parses was still checked.
    SyntaxError,
    /// The file could not be read as UTF-8 Rust source (binary, not UTF-8, too large).
    UnreadableSource,
    /// A file or folder could not be read at all.
    Io,
    /// A `Cargo.toml` is invalid.
    Manifest,
    /// A rule panicked on a file: a bug in rustpro.
    Internal,
}

/// A problem with the input, not a finding about the code.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    pub severity: ProblemSeverity,
    pub kind: ProblemKind,
    pub path: PathBuf,
    pub location: Option<LineCol>,
    pub message: String,
}
