//! rustc-style output: each finding with its location, its code underlined and its help;
//! then the problems met while reading the project; then a summary line.

use std::io::{self, Write};
use std::ops::Range;

use annotate_snippets::renderer::{AnsiColor, Effects, Style};
use annotate_snippets::{Level, Renderer, Snippet};
use rayon::prelude::*;

use super::{RenderOptions, coverage_lines, display_path, fixable_line, rule_counts, summary_line};
use crate::Outcome;
use crate::diagnostic::{Applicability, Finding, Problem, ProblemSeverity, Severity};
use crate::registry;
use crate::source::LineCol;

/// How many findings are laid out at once.
const RENDER_BLOCK: usize = 512;

pub(super) fn render(outcome: &Outcome, options: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let paint = Paint { color: options.color };
    if options.statistics {
        write_statistics(outcome, paint, out)?;
    } else {
        // Findings are laid out on every core, a block at a time (in order, and without
        // holding the whole report in memory): laying out a snippet costs far more than
        // writing it.
        for block in outcome.findings.chunks(RENDER_BLOCK) {
            let rendered: Vec<String> = block.par_iter().map(|f| render_finding(f, options)).collect();
            for text in rendered {
                writeln!(out, "{text}\n")?;
            }
        }
    }
    for problem in &outcome.problems {
        writeln!(out, "{}", problem_line(problem, options, paint))?;
    }
    if !outcome.problems.is_empty() {
        writeln!(out)?;
    }
    writeln!(out, "{}", paint.bold(&summary_line(outcome)))?;
    match fixable_line(outcome) {
        Some(line) => writeln!(out, "{line}"),
        None => Ok(()),
    }
}

/// One finding as the human format shows it (no trailing line break); colored when
/// `options.color` is set.
pub fn render_finding(finding: &Finding, options: &RenderOptions) -> String {
    let path = display_path(&finding.path, options.base.as_deref());
    render_plain_one_line(finding, &path, options)
        .unwrap_or_else(|| render_with_snippets(finding, &path, options))
}

/// The fix line of a finding's footer.
fn fix_note(finding: &Finding) -> Option<String> {
    finding.fix.as_ref().map(|fix| match fix.applicability {
        Applicability::Safe => format!("fix: {} (`rustpro fix` applies it)", fix.title),
        Applicability::Unsafe => {
            format!("fix: {} (unsafe: `rustpro fix --unsafe-fixes` applies it)", fix.title)
        }
        Applicability::DisplayOnly => format!("suggestion: {}", fix.title),
    })
}

/// The layout of [`render_with_snippets`] written directly, for the common case: no color, a
/// snippet of one line of printable ASCII with the finding inside it, and one-line texts.
/// Laying a finding out through annotate-snippets costs about a hundred times as much, and
/// a large workspace has tens of thousands of findings; it also reads the whole line for
/// each finding, which on a long line (generated code) with many findings is quadratic.
/// `None` for any other finding.
fn render_plain_one_line(finding: &Finding, path: &str, options: &RenderOptions) -> Option<String> {
    if options.color {
        return None;
    }
    let text = finding.snippet.text.strip_suffix('\n').unwrap_or(&finding.snippet.text);
    let one_line = |s: &str| !s.contains(['\n', '\r']);
    let range = snippet_range(finding);
    if text.is_empty()
        || !is_printable_ascii(text)
        || text.ends_with(' ')
        || range.start >= range.end
        || range.end > text.len()
        || !one_line(&finding.message)
        || !finding.help.as_deref().is_none_or(one_line)
    {
        return None;
    }
    let fix_note = fix_note(finding);
    if !fix_note.as_deref().is_none_or(one_line) {
        return None;
    }
    let window = Window::of(text, range.clone(), finding.snippet.first_line)?;
    let level = match finding.severity {
        Severity::Warning => "warning",
        Severity::Error => "error",
    };
    // Written piece by piece (no formatting machinery): tens of thousands of findings.
    let number = finding.snippet.first_line.to_string();
    let mut code = text.as_bytes()[window.shown.clone()].to_vec();
    // The cuts are marked over the text, as annotate-snippets writes them.
    let mut mark = |at: usize| {
        if code.len() < at + 3 {
            code.resize(at + 3, b' ');
        }
        code[at..at + 3].copy_from_slice(b"...");
    };
    if window.cut_left {
        mark(0);
    }
    if window.cut_right {
        mark(window.shown.len() - 3);
    }
    let code = String::from_utf8_lossy(&code);
    let underline_at = range.start - window.shown.start;
    let column = (range.start + 1).to_string();
    let help = finding.help.as_deref();
    let mut out = String::with_capacity(
        160 + finding.message.len()
            + path.len()
            + 2 * code.len()
            + help.map_or(0, str::len)
            + fix_note.as_ref().map_or(0, String::len),
    );
    let pad = |out: &mut String, extra: usize| out.extend(std::iter::repeat_n(' ', number.len() + extra));
    for piece in [level, "[", finding.rule, "]: ", &finding.message, "\n"] {
        out.push_str(piece);
    }
    pad(&mut out, 0);
    for piece in ["--> ", path, ":", &number, ":", &column, "\n"] {
        out.push_str(piece);
    }
    pad(&mut out, 1);
    for piece in ["|\n", &number, " | ", &code, "\n"] {
        out.push_str(piece);
    }
    pad(&mut out, 1);
    out.push_str("| ");
    out.extend(std::iter::repeat_n(' ', underline_at));
    out.extend(std::iter::repeat_n('^', range.end - range.start));
    out.push('\n');
    pad(&mut out, 1);
    out.push('|');
    for (label, text) in [(" = help: ", help), (" = note: ", fix_note.as_deref())] {
        if let Some(text) = text {
            out.push('\n');
            pad(&mut out, 0);
            out.push_str(label);
            out.push_str(text);
        }
    }
    Some(out)
}

/// Whether every byte of `text` is printable ASCII (space to `~`). Folded in blocks without
/// stopping early, which the compiler turns into wide instructions: long lines are read for
/// each of their findings.
fn is_printable_ascii(text: &str) -> bool {
    text.as_bytes()
        .chunks(64)
        .all(|block| block.iter().fold(true, |all, &b| all & (b.wrapping_sub(b' ') < 95)))
}

/// The part of a long line annotate-snippets shows (its `Margin`, for a line of printable
/// ASCII with one unlabelled span in it): as much as fits the terminal width around the span,
/// and deep indentation left out.
#[derive(Debug, PartialEq, Eq)]
struct Window {
    /// The bytes of the line shown.
    shown: Range<usize>,
    /// `...` replaces the first three characters shown.
    cut_left: bool,
    /// `...` replaces the last three characters shown.
    cut_right: bool,
}

impl Window {
    /// `None` where the layout would need more than this (a span in the indentation, or a
    /// window too narrow for its marks).
    fn of(text: &str, span: Range<usize>, line_number: usize) -> Option<Window> {
        // annotate-snippets' `DEFAULT_TERM_WIDTH` and `Margin` constants.
        const TERM_WIDTH: usize = 140;
        const ELLIPSIS_PASSING: usize = 6;
        const LONG_WHITESPACE: usize = 20;
        const LONG_WHITESPACE_PADDING: usize = 4;
        let line_len = text.len();
        let indent = line_len - text.trim_start_matches(' ').len();
        if span.start < indent {
            return None;
        }
        // The width left beside `N | `, counted for the number of the line after the snippet.
        let term_width = TERM_WIDTH.saturating_sub(3 + (line_number + 1).to_string().len());
        let whitespace_left = indent.saturating_sub(ELLIPSIS_PASSING);
        let span_left = span.start.saturating_sub(ELLIPSIS_PASSING);
        let span_right = span.end + ELLIPSIS_PASSING;
        // Without a label, the label ends where the span does.
        let label_right = span_right;
        let mut left = if whitespace_left > LONG_WHITESPACE {
            whitespace_left - (LONG_WHITESPACE - LONG_WHITESPACE_PADDING)
        } else {
            0
        };
        let mut right = line_len.max(left);
        if right - left > term_width {
            if label_right - whitespace_left <= term_width {
                left = whitespace_left;
                right = left + term_width;
            } else if label_right - span_left <= term_width {
                left = span_left.saturating_sub((term_width - (label_right - span_left)) / 2);
                right = left + term_width;
            } else if span_right - span_left <= term_width {
                left = span_left.saturating_sub((term_width - (span_right - span_left)) / 5 * 2);
                right = left + term_width;
            } else {
                left = span_left;
                right = span_right;
            }
        }
        let shown_left = left.min(line_len);
        let shown_right =
            if line_len.saturating_sub(left) <= term_width { line_len } else { line_len.min(right) };
        let padded_right =
            if right == span_right || right == label_right { right - ELLIPSIS_PASSING } else { right };
        let window = Window {
            shown: shown_left..shown_right,
            cut_left: left > 0,
            cut_right: padded_right < line_len && left + term_width < line_len,
        };
        let marks = 3 * (usize::from(window.cut_left) + usize::from(window.cut_right));
        (span.start >= shown_left && window.shown.len() >= marks.max(3)).then_some(window)
    }
}

/// A finding laid out by annotate-snippets, rustc's layout.
fn render_with_snippets(finding: &Finding, path: &str, options: &RenderOptions) -> String {
    let level = match finding.severity {
        Severity::Warning => Level::Warning,
        Severity::Error => Level::Error,
    };
    // annotate-snippets underlines only error spans with `^` (rustc's mark for the primary
    // span); warning spans get `-`. So the span is always an error span, and for warnings
    // the error style is the warning's, as rustc colors it.
    let renderer = match (options.color, finding.severity) {
        (false, _) => Renderer::plain(),
        (true, Severity::Error) => Renderer::styled(),
        (true, Severity::Warning) => Renderer::styled().error(WARNING_STYLE),
    };
    let snippet = Snippet::source(&finding.snippet.text)
        .line_start(finding.snippet.first_line)
        .origin(path)
        .annotation(Level::Error.span(snippet_range(finding)));
    let mut message = level.title(&finding.message).id(finding.rule).snippet(snippet);
    if let Some(help) = &finding.help {
        message = message.footer(Level::Help.title(help));
    }
    let fix_note = fix_note(finding);
    if let Some(note) = &fix_note {
        message = message.footer(Level::Note.title(note));
    }
    renderer.render(message).to_string()
}

/// The finding's byte range in the file, moved to byte offsets in its snippet text.
///
/// The snippet holds whole lines from `first_line` on, so the start is found by line and
/// column; the snippet's own position in the file follows from that, and the end is moved
/// by the same amount. A finding longer than its snippet (snippets are capped) is cut at
/// the snippet's end.
pub(super) fn snippet_range(finding: &Finding) -> Range<usize> {
    let text = &*finding.snippet.text;
    let start = offset_in_snippet(text, finding.snippet.first_line, finding.start);
    let snippet_start_in_file = finding.range.start.saturating_sub(start);
    let end = finding.range.end.saturating_sub(snippet_start_in_file).min(text.len());
    let end = floor_char_boundary(text, end).max(start);
    start..end
}

/// The byte offset in `text` (lines of a file from 1-based line `first_line` on) of a
/// position in that file; positions before the text map to 0, after it to its length.
fn offset_in_snippet(text: &str, first_line: usize, at: LineCol) -> usize {
    if at.line < first_line {
        return 0;
    }
    let mut line_start = 0;
    for _ in first_line..at.line {
        match text[line_start..].find('\n') {
            Some(newline) => line_start += newline + 1,
            None => return text.len(),
        }
    }
    let line_end = text[line_start..].find('\n').map_or(text.len(), |newline| line_start + newline);
    let line = &text[line_start..line_end];
    let column = at.column.saturating_sub(1);
    // Counting characters along a long line for each finding on it would be quadratic.
    let within = if line.is_ascii() {
        column.min(line.len())
    } else {
        line.char_indices().nth(column).map_or(line.len(), |(i, _)| i)
    };
    line_start + within
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// `warning: path:line:col: message`, or `error: path: message` without a location.
fn problem_line(problem: &Problem, options: &RenderOptions, paint: Paint) -> String {
    let level = match problem.severity {
        ProblemSeverity::Warning => paint.warning("warning"),
        ProblemSeverity::Error => paint.error("error"),
    };
    let path = display_path(&problem.path, options.base.as_deref());
    match problem.location {
        Some(at) => format!("{level}: {path}:{}:{}: {}", at.line, at.column, problem.message),
        None => format!("{level}: {path}: {}", problem.message),
    }
}

/// One row per rule: how many findings, the rule, what it finds; most findings first. Then
/// one line per library: how many of its public functions tests name.
pub(super) fn write_statistics(outcome: &Outcome, paint: Paint, out: &mut dyn Write) -> io::Result<()> {
    let counts = rule_counts(outcome);
    let count_width = counts.iter().map(|(_, n)| n.to_string().len()).max().unwrap_or(1);
    let rule_width = counts.iter().map(|(rule, _)| rule.len()).max().unwrap_or(0);
    for (rule, count) in &counts {
        let summary = registry::find(rule).map_or("", |r| r.meta().summary);
        let padded = format!("{rule:<rule_width$}");
        let row = format!("{count:>count_width$}  {}  {summary}", paint.bold(&padded));
        writeln!(out, "{}", row.trim_end())?;
    }
    if !counts.is_empty() {
        writeln!(out)?;
    }
    let coverage = coverage_lines(outcome);
    for line in &coverage {
        writeln!(out, "{line}")?;
    }
    if !coverage.is_empty() {
        writeln!(out)?;
    }
    Ok(())
}

const WARNING_STYLE: Style = AnsiColor::Yellow.on_default().effects(Effects::BOLD);
const ERROR_STYLE: Style = AnsiColor::BrightRed.on_default().effects(Effects::BOLD);

/// ANSI styling that is a no-op without color.
#[derive(Debug, Clone, Copy)]
pub(super) struct Paint {
    pub(super) color: bool,
}

impl Paint {
    fn apply(self, style: Style, text: &str) -> String {
        if self.color { format!("{}{text}{}", style.render(), style.render_reset()) } else { text.to_owned() }
    }

    pub(super) fn bold(self, text: &str) -> String {
        self.apply(Style::new().effects(Effects::BOLD), text)
    }

    pub(super) fn warning(self, text: &str) -> String {
        self.apply(WARNING_STYLE, text)
    }

    pub(super) fn error(self, text: &str) -> String {
        self.apply(ERROR_STYLE, text)
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::super::sample;
    use super::*;
    use crate::diagnostic::Fix;

    fn render_to_string(outcome: &Outcome, options: &RenderOptions) -> String {
        sample::rendered(render, outcome, options)
    }

    #[test]
    fn findings_problems_and_summary() {
        let text = render_to_string(&sample::outcome(), &sample::options());
        insta::assert_snapshot!(text, @r#"
        warning[unwrap_in_production]: `.unwrap()` panics on failure in production code
         --> src/lib.rs:2:14
          |
        2 |     v.parse().unwrap()
          |              ^^^^^^^^^
          |
          = help: propagate the error with `?`

        error[undocumented_unsafe_block]: `unsafe` block without a `// SAFETY:` comment
         --> src/lib.rs:6:5
          |
        6 |     unsafe { *p }
          |     ^^^^^^^^^^^^^
          |

        warning[unsafe_not_forbidden]: the package has no `unsafe` code but does not forbid it
         --> Cargo.toml:1:1
          |
        1 | [package]
          | ^^^^^^^^^
          |
          = help: add `[lints.rust] unsafe_code = "forbid"`
          = note: fix: forbid `unsafe_code` in the manifest's lints (`rustpro fix` applies it)

        warning: src/broken.rs:3:7: 1 syntax error (first: expected `;`); the rest of the file was still checked
        error: /elsewhere/data, 100%.rs: cannot read the file: permission denied

        Found 3 findings (1 error) in 3 files; 2 problems (1 error) reading the project
        1 fixable with `rustpro fix`
        "#);
    }

    #[test]
    fn no_findings() {
        let outcome = Outcome { files_checked: 40, packages_checked: 2, ..Outcome::default() };
        assert_eq!(render_to_string(&outcome, &sample::options()), "No findings in 40 files\n");
    }

    #[test]
    fn statistics_replace_the_findings() {
        let mut outcome = sample::outcome();
        outcome.findings.push(outcome.findings[0].clone());
        outcome.problems.clear();
        let options = RenderOptions { statistics: true, ..sample::options() };
        let summary = |rule: &str| registry::find(rule).map_or("", |r| r.meta().summary);
        let expected = format!(
            "2  unwrap_in_production       {}\n1  undocumented_unsafe_block  {}\n1  unsafe_not_forbidden       {}\n\n\
             demo: 1 of 2 public functions named by tests (50%)\n\n\
             Found 4 findings (1 error) in 3 files\n1 fixable with `rustpro fix`\n",
            summary("unwrap_in_production"),
            summary("undocumented_unsafe_block"),
            summary("unsafe_not_forbidden"),
        );
        assert_eq!(render_to_string(&outcome, &options), expected);
    }

    #[test]
    fn color_adds_escapes_only_when_asked() {
        let options = RenderOptions { color: true, ..sample::options() };
        assert!(render_to_string(&sample::outcome(), &options).contains("\u{1b}["));
        assert!(!render_to_string(&sample::outcome(), &sample::options()).contains('\u{1b}'));
    }

    #[test]
    fn multi_line_finding_spans_its_lines() {
        let path = Path::new(sample::BASE).join("src/lib.rs");
        let range = sample::range_of(sample::LIB, "pub fn raw");
        let range = range.start..sample::LIB.len() - 1;
        let finding = sample::finding(
            "unsafe_not_forbidden",
            Severity::Warning,
            "whole function",
            None,
            &path,
            sample::LIB,
            range,
            None,
        );
        insta::assert_snapshot!(render_finding(&finding, &sample::options()), @r"
        warning[unsafe_not_forbidden]: whole function
         --> src/lib.rs:5:1
          |
        5 | / pub fn raw(p: *const u8) -> u8 {
        6 | |     unsafe { *p }
        7 | | }
          | |_^
          |
        ");
    }

    #[test]
    fn wide_and_crlf_text_keeps_columns() {
        let text = "fn é() {}\r\nlet ünïcode = x.unwrap();\r\n";
        let path = Path::new(sample::BASE).join("src/lib.rs");
        let range = sample::range_of(text, ".unwrap()");
        let finding =
            sample::finding("unwrap_in_production", Severity::Warning, "m", None, &path, text, range, None);
        assert_eq!(finding.start, LineCol { line: 2, column: 16 });
        let range = snippet_range(&finding);
        assert_eq!(&finding.snippet.text[range], ".unwrap()");
        let rendered = render_finding(&finding, &sample::options());
        assert!(rendered.contains("--> src/lib.rs:2:16"), "{rendered}");
    }

    #[test]
    fn snippet_shorter_than_the_finding_is_clamped() {
        let text: String = (0..30).map(|i| format!("line {i}\n")).collect();
        let path = Path::new(sample::BASE).join("src/lib.rs");
        let finding = sample::finding(
            "unsafe_not_forbidden",
            Severity::Warning,
            "m",
            None,
            &path,
            &text,
            3..text.len(),
            None,
        );
        assert_eq!(finding.snippet.text.lines().count(), 8);
        assert_eq!(snippet_range(&finding), 3..finding.snippet.text.len());
        assert!(render_finding(&finding, &sample::options()).contains("line 7"));
    }

    /// Every range of a tricky text renders without panicking, also with inconsistent data.
    #[test]
    fn any_range_renders() {
        let text = "\u{feff}a\té\r\n\r\n  ü;\n\nlast";
        let path = Path::new(sample::BASE).join("src/lib.rs");
        let boundaries: Vec<usize> = (0..=text.len()).filter(|&i| text.is_char_boundary(i)).collect();
        for &start in &boundaries {
            for &end in boundaries.iter().filter(|&&e| e >= start) {
                let finding = sample::finding(
                    "unwrap_in_production",
                    Severity::Warning,
                    "m",
                    None,
                    &path,
                    text,
                    start..end,
                    None,
                );
                let rendered = render_finding(&finding, &sample::options());
                assert!(rendered.starts_with("warning[unwrap_in_production]: m"), "{rendered}");
                let mut broken = finding.clone();
                broken.range = end + 100..start;
                broken.start = LineCol { line: 99, column: 99 };
                broken.snippet.first_line = 0;
                render_finding(&broken, &sample::options());
                broken.snippet.text = "".into();
                render_finding(&broken, &sample::options());
            }
        }
    }

    /// Long lines of random printable text, indentation and spans: wherever the direct
    /// layout is used, it is annotate-snippets' layout.
    #[test]
    fn the_direct_layout_is_the_snippet_layout_on_random_long_lines() {
        let path = Path::new(sample::BASE).join("src/lib.rs");
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = |below: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            usize::try_from(seed % below as u64).unwrap_or(0)
        };
        let mut direct = 0;
        for _ in 0..3_000 {
            let indent = [0, 3, 21, 27, 40, 150][next(6)];
            let len = [1, 50, 130, 137, 140, 145, 300, 2_000][next(8)] + next(10);
            let body: String = (0..len).map(|_| char::from(b"ab (){};.: "[next(11)])).collect();
            let line = format!("{}z{}z", " ".repeat(indent), body);
            let line_number = [1, 9, 99, 1_000][next(4)];
            let text = format!("{}{line}\n", "\n".repeat(line_number - 1));
            let start = text.len() - 1 - line.len();
            let from = start + next(line.len());
            let span = [3, 120, 140, 400][next(4)];
            let to = (from + 1 + next(span)).min(start + line.len());
            let finding =
                sample::finding("r", Severity::Warning, "m", Some("h"), &path, &text, from..to, None);
            let options = sample::options();
            let shown = display_path(&finding.path, options.base.as_deref());
            if let Some(plain) = render_plain_one_line(&finding, &shown, &options) {
                direct += 1;
                assert_eq!(
                    plain,
                    render_with_snippets(&finding, &shown, &options),
                    "{from}..{to} of {line:?}"
                );
            }
        }
        assert!(direct > 2_000, "the direct layout was used {direct} times");
    }

    /// The direct layout is annotate-snippets' layout, byte for byte, wherever it is used; and
    /// it is used for the common findings.
    #[test]
    fn the_direct_layout_is_the_snippet_layout() {
        let path = Path::new(sample::BASE).join("src/lib.rs");
        let lines = [
            "x.unwrap();",
            "    let v = map.get(&k).expect(\"present\");",
            "fn f() { a.b().c().unwrap() }",
            "                    deep.unwrap();",
            "                     deeper.unwrap();",
            "unsafe { *p }",
            "x.unwrap(); ",
            "\tx.unwrap();",
        ];
        let long = format!("let a = {}.unwrap();", "b".repeat(120));
        // Long lines and deep indentation, which annotate-snippets shows a window of.
        let wide = [
            format!("f({});", "x, ".repeat(3_000)),
            format!("{}x.unwrap();", " ".repeat(25)),
            format!("{}let v = [{}];", " ".repeat(60), "1, ".repeat(200)),
            format!("{}y", " ".repeat(200)),
            format!("{}z{}", " ".repeat(30), "w".repeat(130)),
            "a".repeat(134),
            "a".repeat(135),
            "a".repeat(136),
            "a".repeat(137),
        ];
        let fix = |applicability| Fix { title: "do it".to_owned(), applicability, edits: Vec::new() };
        let mut direct = 0;
        let mut windows = 0;
        for line in lines.iter().copied().chain([long.as_str()]).chain(wide.iter().map(String::as_str)) {
            for line_number in [1, 9, 10, 99, 100, 12_345] {
                let text = format!("{}{line}\nnext line\n", "\n".repeat(line_number - 1));
                let start = text.find(line.trim_start()).unwrap_or(0);
                let end = text[start..].find('\n').map_or(text.len(), |n| start + n);
                let at = |offset: usize| (start + offset).min(end);
                let mut ranges = vec![start..end, start + 1..start + 3, end - 1..end];
                if end - start > 100 {
                    for (from, to) in [(60, 61), (60, 120), (60, 200), (60, 260), (100, 700), (1_000, 1_003)]
                    {
                        ranges.push(at(from)..at(to));
                    }
                    let back = |offset: usize| end.saturating_sub(offset).max(start);
                    ranges.extend([back(130)..end, back(140)..back(2), start..at(150)]);
                }
                for range in ranges.into_iter().filter(|r| r.start < r.end && r.end <= end) {
                    for help in [None, Some("help text"), Some("two\nlines")] {
                        for fixed in [None, Some(Applicability::Safe), Some(Applicability::Unsafe)] {
                            for severity in [Severity::Warning, Severity::Error] {
                                let mut finding = sample::finding(
                                    "unwrap_in_production",
                                    severity,
                                    "message",
                                    help,
                                    &path,
                                    &text,
                                    range.clone(),
                                    None,
                                );
                                finding.fix = fixed.map(fix);
                                let options = sample::options();
                                let shown = display_path(&finding.path, options.base.as_deref());
                                if let Some(plain) = render_plain_one_line(&finding, &shown, &options) {
                                    direct += 1;
                                    windows += usize::from(plain.contains("..."));
                                    let expected = render_with_snippets(&finding, &shown, &options);
                                    assert_eq!(plain, expected);
                                }
                            }
                        }
                    }
                }
            }
        }
        assert!(direct > 1000, "the direct layout was used {direct} times");
        assert!(windows > 1000, "the direct layout showed part of a line {windows} times");
    }
}
