//! GitHub Actions workflow commands: each finding becomes an annotation on the pull request
//! (`::warning file=..,line=..::message`).

use std::io::{self, Write};

use super::{RenderOptions, display_path};
use crate::Outcome;
use crate::diagnostic::{ProblemKind, ProblemSeverity, Severity};

pub(super) fn render(outcome: &Outcome, options: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let base = options.base.as_deref();
    for finding in &outcome.findings {
        let command = match finding.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        let mut message = finding.message.clone();
        if let Some(help) = &finding.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        writeln!(
            out,
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            property(&display_path(&finding.path, base)),
            finding.start.line,
            finding.start.column,
            finding.end.line,
            finding.end.column,
            property(&format!("rustpro ({})", finding.rule)),
            data(&message)
        )?;
    }
    for problem in &outcome.problems {
        let command = match problem.severity {
            ProblemSeverity::Warning => "warning",
            ProblemSeverity::Error => "error",
        };
        let mut properties = format!("file={}", property(&display_path(&problem.path, base)));
        if let Some(at) = problem.location {
            properties.push_str(&format!(",line={},col={}", at.line, at.column));
        }
        let title = property(&format!("rustpro ({})", problem_kind(problem.kind)));
        writeln!(out, "::{command} {properties},title={title}::{}", data(&problem.message))?;
    }
    Ok(())
}

fn problem_kind(kind: ProblemKind) -> &'static str {
    match kind {
        ProblemKind::SyntaxError => "syntax error",
        ProblemKind::UnreadableSource => "unreadable source",
        ProblemKind::Io => "i/o error",
        ProblemKind::Manifest => "invalid manifest",
        ProblemKind::Internal => "internal error",
    }
}

/// Escapes a command's message: `%`, `\r` and `\n` would end or corrupt the command.
fn data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a property value: as [`data`], plus the `:` and `,` that separate properties.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::super::sample;
    use super::*;

    #[test]
    fn annotations() {
        let mut out = Vec::new();
        render(&sample::outcome(), &sample::options(), &mut out).unwrap_or_default();
        insta::assert_snapshot!(String::from_utf8(out).unwrap_or_default(), @r#"
        ::warning file=src/lib.rs,line=2,col=14,endLine=2,endColumn=23,title=rustpro (unwrap_in_production)::`.unwrap()` panics on failure in production code%0Ahelp: propagate the error with `?`
        ::error file=src/lib.rs,line=6,col=5,endLine=6,endColumn=18,title=rustpro (undocumented_unsafe_block)::`unsafe` block without a `// SAFETY:` comment
        ::warning file=Cargo.toml,line=1,col=1,endLine=1,endColumn=10,title=rustpro (unsafe_not_forbidden)::the package has no `unsafe` code but does not forbid it%0Ahelp: add `[lints.rust] unsafe_code = "forbid"`
        ::warning file=src/broken.rs,line=3,col=7,title=rustpro (syntax error)::1 syntax error (first: expected `;`); the rest of the file was still checked
        ::error file=/elsewhere/data%2C 100%25.rs,title=rustpro (i/o error)::cannot read the file: permission denied
        "#);
    }

    #[test]
    fn escaping() {
        assert_eq!(data("50%\r\nnext: a, b"), "50%25%0D%0Anext: a, b");
        assert_eq!(property("a:b,c%"), "a%3Ab%2Cc%25");
    }
}
