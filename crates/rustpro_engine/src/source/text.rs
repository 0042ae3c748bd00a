//! Text normalisation for the parser and the mapping of positions back to original bytes.
//!
//! The parser wants LF line endings and no byte order mark. Files with CRLF endings or a BOM
//! are normalised once; every position the rules report is an offset into the normalised
//! text and is mapped back with [`SourceText::to_original`].

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

/// Whether `needle` occurs in `text`: a vectorised search, for the questions asked of a
/// whole file (`str::contains` compares a few bytes at a time).
pub fn text_contains(text: &str, needle: &str) -> bool {
    memchr::memmem::find(text.as_bytes(), needle.as_bytes()).is_some()
}

/// Where the first occurrence of `needle` in `text` starts, by a vectorised search.
pub fn text_find(text: &str, needle: &str) -> Option<usize> {
    memchr::memmem::find(text.as_bytes(), needle.as_bytes())
}

/// Where each occurrence of `needle` in `text` starts, in order and without overlaps (as
/// `str::match_indices` gives them), by a vectorised search.
pub fn text_find_all<'t>(text: &'t str, needle: &'t str) -> impl Iterator<Item = usize> + 't {
    memchr::memmem::find_iter(text.as_bytes(), needle.as_bytes())
}

/// Words looked for together, in one pass over a text (see [`NeedleSet::find_in`]).
#[derive(Debug)]
pub struct NeedleSet {
    needles: &'static [&'static str],
    searcher: aho_corasick::AhoCorasick,
}

impl NeedleSet {
    /// 1 to 64 needles, none empty, and none the start of a needle after it (list
    /// `async_trait` before `async`): [`NeedleSet::find_in`] sees one needle at each place.
    pub fn new(needles: &'static [&'static str]) -> Self {
        let count_ok = (1..=64).contains(&needles.len());
        assert!(count_ok && needles.iter().all(|n| !n.is_empty()), "needles: 1 to 64, none empty");
        for (i, needle) in needles.iter().enumerate() {
            assert!(
                !needles[i + 1..].iter().any(|later| later.starts_with(needle)),
                "`{needle}` starts a later needle: list the longer one first"
            );
        }
        let searcher = aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostFirst)
            .build(needles)
            .unwrap_or_else(|e| unreachable!("a set of literal needles always builds: {e}"));
        NeedleSet { needles, searcher }
    }

    /// Which needle is `needle`, by its index in the set.
    pub fn index_of(&self, needle: &str) -> Option<usize> {
        self.needles.iter().position(|n| *n == needle)
    }

    /// Which needles occur in `text` (bit `i` for needle `i`), by one pass that stops once
    /// all are found. A needle that is absent from most files would otherwise cost a whole
    /// pass of its own over each.
    ///
    /// Each search goes on from the byte after the start of the last match, so a needle
    /// overlapping it (`eyre` in `unsafeyre`) is still seen. At one place the first needle
    /// listed wins, and where a needle matches, every needle it starts with does too.
    pub fn find_in(&self, text: &str) -> u64 {
        let all = u64::MAX >> (64 - self.needles.len());
        let mut found = 0u64;
        let mut from = 0;
        while let Some(m) = self.searcher.find(aho_corasick::Input::new(text).span(from..text.len())) {
            let matched = self.needles[m.pattern().as_usize()];
            for (i, needle) in self.needles.iter().enumerate() {
                if matched.starts_with(needle) {
                    found |= 1 << i;
                }
            }
            if found == all {
                break;
            }
            from = m.start() + 1;
        }
        found
    }
}

/// A decoded file: the original text and, when it differs, the normalised text.
#[derive(Debug)]
pub struct SourceText {
    original: String,
    normalized: Option<String>,
    bom_len: usize,
    /// Offsets in the normalised text where a `\r` was removed (the following `\n` sits there).
    removed_cr: Vec<u32>,
}

impl SourceText {
    /// Builds the source text from a decoded file.
    pub fn new(original: String) -> Self {
        let bom_len = if original.starts_with('\u{feff}') { 3 } else { 0 };
        let body = &original[bom_len..];
        if bom_len == 0 && !body.contains("\r\n") {
            return SourceText { original, normalized: None, bom_len, removed_cr: Vec::new() };
        }
        let mut normalized = String::with_capacity(body.len());
        let mut removed_cr = Vec::new();
        let mut rest = body;
        while let Some(pos) = rest.find("\r\n") {
            normalized.push_str(&rest[..pos]);
            removed_cr.push(u32::try_from(normalized.len()).unwrap_or(u32::MAX));
            rest = &rest[pos + 1..];
        }
        normalized.push_str(rest);
        SourceText { original, normalized: Some(normalized), bom_len, removed_cr }
    }

    /// The text as written on disk.
    pub fn original(&self) -> &str {
        &self.original
    }

    /// The LF-only, BOM-less text handed to the parser.
    pub fn normalized(&self) -> &str {
        self.normalized.as_deref().unwrap_or(&self.original)
    }

    /// Whether the text handed to the parser is the file as written (no BOM, no CRLF).
    pub fn is_as_written(&self) -> bool {
        self.normalized.is_none()
    }

    /// Whether the file uses CRLF line endings.
    pub fn has_crlf(&self) -> bool {
        !self.removed_cr.is_empty()
    }

    /// Maps an offset in the normalised text to the offset in the original text.
    pub fn to_original(&self, offset: usize) -> usize {
        let offset_u32 = u32::try_from(offset).unwrap_or(u32::MAX);
        let crs_before = self.removed_cr.partition_point(|&cr| cr < offset_u32);
        offset + self.bom_len + crs_before
    }
}

/// A 1-based line and a 1-based column counted in characters, as rustc reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

/// Line starts of a text, for turning byte offsets into lines and columns.
#[derive(Debug)]
pub struct LineIndex {
    starts: Vec<usize>,
    /// The text is all ASCII: a column is a count of bytes.
    ascii: bool,
    /// The snippets cut from the text so far, by first and last line: the findings on the
    /// same lines share one (a file written on one long line has all its findings there).
    snippets: RefCell<HashMap<(usize, usize), Arc<str>>>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        LineIndex { starts, ascii: text.is_ascii(), snippets: RefCell::default() }
    }

    /// The 0-based line that holds `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset).saturating_sub(1)
    }

    /// The byte offset where 0-based `line` starts.
    pub fn line_start(&self, line: usize) -> usize {
        self.starts.get(line).copied().unwrap_or_else(|| self.starts.last().copied().unwrap_or(0))
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// Line and column (both 1-based, column in characters) of a byte offset in `text` (the
    /// text the index was built from).
    pub fn line_col(&self, text: &str, offset: usize) -> LineCol {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = self.line_of(offset);
        let start = self.line_start(line).min(offset);
        // Counting the characters of a long line for each finding on it would be quadratic.
        let column = if self.ascii { offset - start } else { text[start..offset].chars().count() } + 1;
        LineCol { line: line + 1, column }
    }

    /// The text of 0-based lines `first..=last` without the final line break.
    pub fn lines<'t>(&self, text: &'t str, first: usize, last: usize) -> &'t str {
        let start = self.line_start(first).min(text.len());
        let end = if last + 1 < self.starts.len() { self.starts[last + 1] } else { text.len() };
        text[start..end.max(start)].trim_end_matches(['\n', '\r'])
    }

    /// [`LineIndex::lines`] as a shared copy, cut once for all the findings on these lines.
    /// `text` is the text the index was built from.
    pub fn snippet(&self, text: &str, first: usize, last: usize) -> Arc<str> {
        let mut snippets = self.snippets.borrow_mut();
        snippets.entry((first, last)).or_insert_with(|| Arc::from(self.lines(text, first, last))).clone()
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_needle_set_finds_what_a_search_for_each_needle_finds() {
        static NEEDLES: &[&str] = &["unsafe", "async_trait", "async", "eyre", "Rc", "Arc", ".route"];
        let set = NeedleSet::new(NEEDLES);
        let texts = [
            "",
            "fn f() {}",
            // Overlaps: `eyre` starts inside `unsafe` and `.route`, `Rc` inside `ArcRc`.
            "unsafeyre",
            "x.routeyre",
            "ArcRc",
            "#[async_trait]",
            "async fn a() {} async fn b() {}",
            "// unsafe\nuse std::sync::Arc;\nlet r = Rc::new(1); app.route(\"/\", get(h));",
            "asyncasync_trai async_trait",
        ];
        for text in texts {
            let expected: u64 = NEEDLES
                .iter()
                .enumerate()
                .filter(|(_, needle)| text_contains(text, needle))
                .map(|(i, _)| 1 << i)
                .sum();
            assert_eq!(set.find_in(text), expected, "{text:?}");
        }
        assert_eq!(set.index_of("eyre"), Some(3));
        assert_eq!(set.index_of("Error"), None);
    }

    #[test]
    #[should_panic(expected = "starts a later needle")]
    fn a_needle_that_starts_a_later_one_is_refused() {
        NeedleSet::new(&["async", "async_trait"]);
    }

    /// The findings on one line share its snippet: a file on one long line does not copy
    /// the line for each of them.
    #[test]
    fn snippets_of_the_same_lines_are_shared() {
        let text = format!("{}\nsecond\n", "x ".repeat(1_000));
        let index = LineIndex::new(&text);
        let first = index.snippet(&text, 0, 0);
        assert!(Arc::ptr_eq(&first, &index.snippet(&text, 0, 0)));
        assert_eq!(&*first, index.lines(&text, 0, 0));
        assert_eq!(&*index.snippet(&text, 0, 1), index.lines(&text, 0, 1));
        assert_eq!(&*index.snippet(&text, 1, 1), "second");
    }

    #[test]
    fn lf_text_is_not_copied() {
        let text = SourceText::new("fn main() {}\n".to_owned());
        assert!(!text.has_crlf());
        assert_eq!(text.to_original(5), 5);
    }

    #[test]
    fn crlf_offsets_map_back_to_original_bytes() {
        let text = SourceText::new("a\r\nbc\r\nd".to_owned());
        assert_eq!(text.normalized(), "a\nbc\nd");
        // `b` is at 2 in the normalised text, 3 in the original.
        assert_eq!(text.to_original(2), 3);
        // `d` is at 5 normalised, 7 original.
        assert_eq!(text.to_original(5), 7);
        // A line end maps to the `\r`, not past it.
        assert_eq!(text.to_original(1), 1);
    }

    #[test]
    fn bom_is_stripped_and_offsets_shift() {
        let text = SourceText::new("\u{feff}fn x() {}".to_owned());
        assert_eq!(text.normalized(), "fn x() {}");
        assert_eq!(text.to_original(3), 6);
    }

    #[test]
    fn columns_count_characters() {
        let src = "let é = 1;\nfoo";
        let index = LineIndex::new(src);
        assert_eq!(index.line_col(src, src.find('=').unwrap_or(0)), LineCol { line: 1, column: 7 });
        assert_eq!(index.line_col(src, src.len()), LineCol { line: 2, column: 4 });
        assert_eq!(index.lines(src, 0, 0), "let é = 1;");
    }
}
