//! Applying edits to a text, and telling whether the result still parses.

use std::path::Path;

use crate::diagnostic::Edit;
use crate::project::Edition;
use crate::source::SourceText;
use crate::source::parse::{parse_file, with_parser_stack};

/// `text` with `edits` (non-overlapping, in any order) applied. Ranges outside the text or
/// off character boundaries are skipped rather than corrupting the file.
pub fn apply_edits(text: &str, edits: &[Edit]) -> String {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    // Back to front, so earlier offsets stay valid.
    sorted.sort_by_key(|e| std::cmp::Reverse((e.range.start, e.range.end)));
    let mut out = text.to_owned();
    let mut limit = text.len();
    for edit in sorted {
        let range = edit.range.clone();
        let valid = range.start <= range.end
            && range.end <= limit
            && out.is_char_boundary(range.start)
            && out.is_char_boundary(range.end);
        if valid {
            out.replace_range(range.clone(), &edit.replacement);
            limit = range.start;
        }
    }
    out
}

/// The first syntax error the edit introduced, if the fixed text has more errors than the
/// text before (a file that was already broken may stay as broken, not more).
pub(crate) fn new_syntax_error(path: &Path, before: &str, after: &str, edition: Edition) -> Option<String> {
    let is_manifest = path.extension().is_some_and(|x| x == "toml");
    if is_manifest {
        let was_valid = before.parse::<toml_edit::DocumentMut>().is_ok();
        return match after.parse::<toml_edit::DocumentMut>() {
            Err(err) if was_valid => Some(format!("the manifest is no longer valid TOML: {}", err.message())),
            _ => None,
        };
    }
    // Off the caller's thread, whose stack may be too small for deeply nested text.
    let errors = |text: &str| {
        with_parser_stack(|| parse_file(SourceText::new(text.to_owned()).normalized(), edition).errors)
    };
    let errors_before = errors(before).len();
    let errors_after = errors(after);
    if errors_after.len() <= errors_before {
        return None;
    }
    let first = errors_after.first().map(|e| e.message.clone()).unwrap_or_default();
    Some(format!("the fix introduced a syntax error ({first})"))
}
