//! rustc-style output: each finding with its location, its code underlined and its help;
//! then the problems met while reading the project; then a summary line.

use std::fmt::Write as _;
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
/// a large workspace has tens of thousands of findings. `None` for any other finding.
fn render_plain_one_line(finding: &Finding, path: &str, options: &RenderOptions) -> Option<String> {
    if options.color {
        return None;
    }
    let text = finding.snippet.text.strip_suffix('\n').unwrap_or(&finding.snippet.text);
    let printable = |s: &str| s.bytes().all(|b| (b' '..=b'~').contains(&b));
    let one_line = |s: &str| !s.contains(['\n', '\r']);
    let range = snippet_range(finding);
    if text.is_empty()
        || text.len() > PLAIN_MAX_LINE
        || !printable(text)
        || text.ends_with(' ')
        || text.len() - text.trim_start_matches(' ').len() > PLAIN_MAX_INDENT
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
    let level = match finding.severity {
        Severity::Warning => "warning",
        Severity::Error => "error",
    };
    let number = finding.snippet.first_line.to_string();
    let pad = " ".repeat(number.len());
    let mut out = String::with_capacity(256 + finding.message.len() + 2 * text.len());
    let _ = writeln!(out, "{level}[{}]: {}", finding.rule, finding.message);
    let _ = writeln!(out, "{pad}--> {path}:{}:{}", finding.snippet.first_line, range.start + 1);
    let _ = write!(out, "{pad} |\n{number} | {text}\n");
    let _ = write!(out, "{pad} | {}{}", " ".repeat(range.start), "^".repeat(range.end - range.start));
    let _ = write!(out, "\n{pad} |");
    if let Some(help) = &finding.help {
        let _ = write!(out, "\n{pad} = help: {help}");
    }
    if let Some(note) = &fix_note {
        let _ = write!(out, "\n{pad} = note: {note}");
    }
    Some(out)
}

/// The longest snippet line [`render_plain_one_line`] lays out (annotate-snippets trims long
/// lines to the terminal's width).
const PLAIN_MAX_LINE: usize = 100;

/// The deepest indentation [`render_plain_one_line`] lays out (annotate-snippets elides deep
/// indentation with `...`).
const PLAIN_MAX_INDENT: usize = 20;

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
    let within = line.char_indices().nth(at.column.saturating_sub(1)).map_or(line.len(), |(i, _)| i);
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
        let fix = |applicability| Fix { title: "do it".to_owned(), applicability, edits: Vec::new() };
        let mut direct = 0;
        for line in lines.iter().copied().chain([long.as_str()]) {
            for line_number in [1, 9, 10, 99, 100, 12_345] {
                let text = format!("{}{line}\nnext line\n", "\n".repeat(line_number - 1));
                let start = text.find(line.trim_start()).unwrap_or(0);
                let end = text[start..].find('\n').map_or(text.len(), |n| start + n);
                for range in [start..end, start + 1..start + 3, end - 1..end] {
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
    }
}
