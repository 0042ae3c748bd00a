//! One line per finding, `path:line:col: warning[rule] message`, for terminals and for tools
//! that count or grep lines; then problems and the summary.

use std::io::{self, Write};

use super::human::{Paint, write_statistics};
use super::{RenderOptions, display_path, fixable_line, summary_line};
use crate::Outcome;
use crate::diagnostic::{ProblemSeverity, Severity};

pub(super) fn render(outcome: &Outcome, options: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let paint = Paint { color: options.color };
    let base = options.base.as_deref();
    if options.statistics {
        write_statistics(outcome, paint, out)?;
    } else {
        for finding in &outcome.findings {
            let level = match finding.severity {
                Severity::Warning => paint.warning(&format!("warning[{}]", finding.rule)),
                Severity::Error => paint.error(&format!("error[{}]", finding.rule)),
            };
            writeln!(
                out,
                "{}:{}:{}: {level} {}",
                display_path(&finding.path, base),
                finding.start.line,
                finding.start.column,
                one_line(&finding.message)
            )?;
        }
    }
    for problem in &outcome.problems {
        let path = display_path(&problem.path, base);
        let level = match problem.severity {
            ProblemSeverity::Warning => paint.warning("warning"),
            ProblemSeverity::Error => paint.error("error"),
        };
        let message = one_line(&problem.message);
        match problem.location {
            Some(at) => writeln!(out, "{path}:{}:{}: {level}: {message}", at.line, at.column)?,
            None => writeln!(out, "{path}: {level}: {message}")?,
        }
    }
    writeln!(out, "{}", paint.bold(&summary_line(outcome)))?;
    match fixable_line(outcome) {
        Some(line) => writeln!(out, "{line}"),
        None => Ok(()),
    }
}

/// Keeps a record on one line, whatever the message holds.
fn one_line(text: &str) -> String {
    text.replace(['\r', '\n'], " ")
}

#[cfg(test)]
mod tests {
    use super::super::sample;
    use super::*;

    fn render_to_string(outcome: &Outcome, options: &RenderOptions) -> String {
        sample::rendered(render, outcome, options)
    }

    #[test]
    fn one_line_per_finding_and_problem() {
        insta::assert_snapshot!(render_to_string(&sample::outcome(), &sample::options()), @r#"
        src/lib.rs:2:14: warning[unwrap_in_production] `.unwrap()` panics on failure in production code
        src/lib.rs:6:5: error[undocumented_unsafe_block] `unsafe` block without a `// SAFETY:` comment
        Cargo.toml:1:1: warning[unsafe_not_forbidden] the package has no `unsafe` code but does not forbid it
        src/broken.rs:3:7: warning: 1 syntax error (first: expected `;`); the rest of the file was still checked
        /elsewhere/data, 100%.rs: error: cannot read the file: permission denied
        Found 3 findings (1 error) in 3 files; 2 problems (1 error) reading the project
        1 fixable with `rustpro fix`
        "#);
    }

    /// The shape a CI hook relies on: findings are exactly the lines that start `path:line:col:`.
    #[test]
    fn finding_lines_match_the_counting_pattern() {
        let mut outcome = sample::outcome();
        outcome.problems.clear();
        outcome.findings[0].message = "two\nlines".to_owned();
        let text = render_to_string(&outcome, &sample::options());
        let matching = text.lines().filter(|line| starts_with_location(line)).count();
        assert_eq!(matching, outcome.findings.len(), "{text}");
    }

    /// `^[^ ]+:[0-9]+:[0-9]+:` without a regex engine.
    fn starts_with_location(line: &str) -> bool {
        let head = line.split(' ').next().unwrap_or("");
        let mut parts = head.rsplitn(4, ':');
        let (Some(""), Some(col), Some(row), Some(path)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return false;
        };
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        !path.is_empty() && digits(row) && digits(col)
    }

    #[test]
    fn color_does_not_touch_the_location() {
        let options = RenderOptions { color: true, ..sample::options() };
        let text = render_to_string(&sample::outcome(), &options);
        assert!(text.lines().next().is_some_and(|l| l.starts_with("src/lib.rs:2:14: \u{1b}[")), "{text}");
    }
}
