//! `// rustpro:allow(rule_a, rule_b) optional reason` comments.
//!
//! A comment at the end of a line of code suppresses findings that start on that line; a
//! comment on a line of its own suppresses findings on the next line that is not a comment.

use super::LineIndex;
use super::parse::{SyntaxKind, SyntaxNode, TextRange, TextSize};

const MARKER: &str = "rustpro:allow(";

/// One suppression comment.
#[derive(Debug)]
pub struct Suppression {
    /// The 0-based line (of the normalised text) whose findings it suppresses.
    pub target_line: usize,
    /// The rule names with their ranges in the normalised text.
    pub rules: Vec<(String, TextRange)>,
    pub reason: Option<String>,
}

/// Finds the suppression comments of a file. Only real comments count, not strings.
pub fn find(text: &str, root: &SyntaxNode, lines: &LineIndex) -> Vec<Suppression> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(found) = text[from..].find(MARKER) {
        let at = from + found;
        from = at + MARKER.len();
        let Ok(offset) = u32::try_from(at) else { break };
        let Some(token) = root.token_at_offset(TextSize::from(offset)).right_biased() else { continue };
        // Documentation may show the syntax without meaning it.
        if token.kind() != SyntaxKind::COMMENT || is_doc_comment(token.text()) {
            continue;
        }
        let comment_end = usize::from(token.text_range().end());
        let args_start = at + MARKER.len();
        let Some(close) = text[args_start..comment_end].find(')') else { continue };
        let mut rules = Vec::new();
        let mut pos = args_start;
        for name in text[args_start..args_start + close].split(',') {
            let trimmed = name.trim();
            let lead = name.len() - name.trim_start().len();
            if !trimmed.is_empty() {
                let start = TextSize::from(u32::try_from(pos + lead).unwrap_or(u32::MAX));
                let len = TextSize::from(u32::try_from(trimmed.len()).unwrap_or(0));
                rules.push((trimmed.to_owned(), TextRange::at(start, len)));
            }
            pos += name.len() + 1;
        }
        let reason = text[args_start + close + 1..comment_end]
            .trim()
            .trim_start_matches([':', '-', '—'])
            .trim()
            .trim_end_matches("*/")
            .trim();
        let reason = (!reason.is_empty()).then(|| reason.to_owned());
        let comment_start = usize::from(token.text_range().start());
        let line = lines.line_of(comment_start);
        let before = &text[lines.line_start(line)..comment_start];
        let target_line = if before.trim().is_empty() { next_code_line(text, lines, line) } else { line };
        out.push(Suppression { target_line, rules, reason });
    }
    out
}

fn is_doc_comment(text: &str) -> bool {
    (text.starts_with("///") && !text.starts_with("////"))
        || text.starts_with("//!")
        || (text.starts_with("/**") && !text.starts_with("/***") && text != "/**/")
        || text.starts_with("/*!")
}

fn next_code_line(text: &str, lines: &LineIndex, line: usize) -> usize {
    let mut next = line + 1;
    while next < lines.line_count() {
        let content = lines.lines(text, next, next).trim_start();
        if !content.starts_with("//") {
            break;
        }
        next += 1;
    }
    next
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::Edition;
    use crate::source::parse::parse_file;

    #[test]
    fn trailing_own_line_and_string_lookalikes() {
        let src = "fn f() {\n    a.unwrap(); // rustpro:allow(unwrap_in_production) checked above\n    // rustpro:allow(expect_in_production, unwrap_in_production)\n    // more words\n    b.expect(\"x\");\n    let s = \"rustpro:allow(unwrap_in_production)\";\n    /// rustpro:allow(unwrap_in_production) in docs\n    //! rustpro:allow(unwrap_in_production)\n}\n";
        let parsed = parse_file(src, Edition::E2021);
        let found = find(src, &parsed.root, &LineIndex::new(src));
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].target_line, 1);
        assert_eq!(found[0].reason.as_deref(), Some("checked above"));
        assert_eq!(found[1].target_line, 4);
        let names: Vec<_> = found[1].rules.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["expect_in_production", "unwrap_in_production"]);
        let (name, range) = &found[0].rules[0];
        assert_eq!(&src[std::ops::Range::<usize>::from(*range)], name);
    }
}
