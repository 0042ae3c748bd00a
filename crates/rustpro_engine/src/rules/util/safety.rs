//! Finding the `SAFETY:` comment that documents an `unsafe` block or impl.

use crate::source::parse::{
    AstNode, NodeOrToken, SyntaxElement, SyntaxKind, SyntaxNode, SyntaxToken, TextRange, TextSize, ast,
};

/// The text of a comment without its markers (`//`, `///`, `//!`, `/*`, `/**`, `/*!`, `*/`).
pub(crate) fn comment_text(comment: &str) -> &str {
    if let Some(rest) = comment.strip_prefix("//") {
        rest.strip_prefix(['/', '!']).unwrap_or(rest)
    } else if let Some(rest) = comment.strip_prefix("/*") {
        let rest = rest.strip_suffix("*/").unwrap_or(rest);
        rest.strip_prefix(['*', '!']).unwrap_or(rest)
    } else {
        comment
    }
}

/// The marker of a safety justification; matched in any ASCII case (`Safety:` too).
const SAFETY_MARKER: &[u8] = b"SAFETY:";

/// Whether `text` holds `SAFETY:` anywhere, in any ASCII case.
pub(crate) fn mentions_safety(text: &str) -> bool {
    text.as_bytes().windows(SAFETY_MARKER.len()).any(|w| w.eq_ignore_ascii_case(SAFETY_MARKER))
}

/// Whether `text` begins with `SAFETY:` after leading whitespace, in any ASCII case.
pub(crate) fn starts_with_safety(text: &str) -> bool {
    text.trim_start()
        .as_bytes()
        .get(..SAFETY_MARKER.len())
        .is_some_and(|w| w.eq_ignore_ascii_case(SAFETY_MARKER))
}

/// The first token of `node` that is code: not whitespace, not a comment, not part of an
/// attribute (for an item or statement, its keyword or visibility).
pub(crate) fn first_code_token(node: &SyntaxNode) -> Option<SyntaxToken> {
    node.descendants_with_tokens().filter_map(NodeOrToken::into_token).find(|token| {
        !token.kind().is_trivia()
            && !token.parent_ancestors().take_while(|a| a != node).any(|a| a.kind() == SyntaxKind::ATTR)
    })
}

/// Where an attribute that ends with `token` starts: an attribute node, or `#[..]` / `#![..]`
/// written as tokens inside a macro body.
fn attribute_start(token: &SyntaxToken) -> Option<SyntaxToken> {
    if let Some(attr) = token.parent_ancestors().find(|a| a.kind() == SyntaxKind::ATTR) {
        return attr.first_token();
    }
    if token.kind() != SyntaxKind::R_BRACK {
        return None;
    }
    let tree = token.parent().filter(|p| p.kind() == SyntaxKind::TOKEN_TREE)?;
    if tree.first_token()?.kind() != SyntaxKind::L_BRACK || tree.last_token()? != *token {
        return None;
    }
    let mut before = tree.first_token()?.prev_token()?;
    if before.kind() == SyntaxKind::BANG {
        before = before.prev_token()?;
    }
    (before.kind() == SyntaxKind::POUND).then_some(before)
}

/// How many tokens the scans along one line look at: rules look at every `unsafe` of a file,
/// and a file on a single line (generated, or 10,000 nested blocks) would make each scan
/// cover the whole file.
const MAX_LINE_TOKENS: usize = 2_000;

/// Whether a safety comment documents the code that starts at `start` (an `unsafe` keyword,
/// or the first code token of the statement or item around it):
///
/// - a comment earlier on the same line that begins with `SAFETY:`
///   (`/* SAFETY: .. */ unsafe { .. }`);
/// - or, in the comments on the lines above the line of `start` (blank lines and
///   attributes between them are skipped; the first line of code ends the search), a
///   comment on a line of its own that contains `SAFETY:` (`// SAFETY:` and the lines of
///   text after it, or a line of a block comment), outside code blocks of doc comments;
/// - or, when the only comment above is at the end of the line right above, after code
///   that goes on at `start` (`let x = // SAFETY: ..`), that comment begins with `SAFETY:`;
///   after a finished statement or item (`;`, `}`) such a comment is about that one.
///
/// `limit` is where the search must stay after: the `{` of the enclosing function body (a
/// comment above a function does not document the blocks on its first line).
pub(crate) fn has_safety_comment_before(start: &SyntaxToken, limit: Option<TextSize>) -> bool {
    let mut line_first = start.clone();
    let mut current = start.prev_token();
    let mut scanned = 0usize;
    while let Some(token) = current {
        scanned += 1;
        if scanned > MAX_LINE_TOKENS {
            // A line of generated code: where it starts is too far to look for.
            return false;
        }
        if token.kind() == SyntaxKind::WHITESPACE {
            if token.text().contains('\n') {
                break;
            }
        } else {
            if token.kind() == SyntaxKind::COMMENT && starts_with_safety(comment_text(token.text())) {
                return true;
            }
            line_first = token.clone();
        }
        current = token.prev_token();
    }
    if limit.is_some_and(|limit| line_first.text_range().start() < limit) {
        return false;
    }
    // Comments from the nearest up; `newline` is whether a line break lies between the
    // topmost comment so far and the token being looked at.
    let mut comments: Vec<SyntaxToken> = Vec::new();
    let mut newline = true;
    // The code the topmost comment follows on its line, if any.
    let mut code_before: Option<SyntaxToken> = None;
    let mut current = line_first.prev_token();
    while let Some(token) = current {
        match token.kind() {
            SyntaxKind::WHITESPACE => newline |= token.text().contains('\n'),
            SyntaxKind::COMMENT => {
                comments.push(token.clone());
                newline = false;
            }
            _ => match attribute_start(&token) {
                Some(attr) => {
                    newline = true;
                    current = attr.prev_token();
                    continue;
                }
                None => {
                    if !comments.is_empty() && !newline {
                        code_before = Some(token);
                    }
                    break;
                }
            },
        }
        current = token.prev_token();
    }
    if let Some(code) = code_before {
        // A comment after code is about that code, except at the end of a line whose
        // statement goes on at `start` (`let x = // SAFETY: ..`), when it is the only comment
        // and begins with `SAFETY:`.
        if comments.len() == 1 {
            let statement_goes_on = !matches!(code.kind(), SyntaxKind::SEMICOLON | SyntaxKind::R_CURLY);
            let next_line = comments[0].next_token().is_some_and(|ws| {
                ws.kind() == SyntaxKind::WHITESPACE && ws.text().matches('\n').count() == 1
            });
            return statement_goes_on && next_line && starts_with_safety(comment_text(comments[0].text()));
        }
        comments.pop();
    }
    let mut in_code_block = false;
    for comment in comments.iter().rev() {
        let text = comment.text();
        let body = comment_text(text);
        let doc_line = (text.starts_with("///") && !text.starts_with("////")) || text.starts_with("//!");
        if doc_line && body.trim_start().starts_with("```") {
            in_code_block = !in_code_block;
        } else if !in_code_block && mentions_safety(body) {
            return true;
        }
    }
    false
}

/// Whether the first thing inside a block, right after its opening `{`, is a comment that
/// begins with `SAFETY:`.
pub(crate) fn has_safety_comment_inside(open: &SyntaxToken) -> bool {
    let mut current = open.next_token();
    while let Some(token) = current {
        match token.kind() {
            SyntaxKind::WHITESPACE => current = token.next_token(),
            SyntaxKind::COMMENT => return starts_with_safety(comment_text(token.text())),
            _ => return false,
        }
    }
    false
}

/// The range from `first` to the last code token on its line, not beyond `last` (a later
/// token of the same tree): what a finding on a construct that spans lines highlights.
pub(crate) fn first_line_range(first: &SyntaxToken, last: &SyntaxToken) -> TextRange {
    let mut end = first.text_range().end();
    let mut current = first.next_token();
    let mut scanned = 0usize;
    while let Some(token) = current {
        scanned += 1;
        if scanned > MAX_LINE_TOKENS {
            break;
        }
        if token.text_range().start() >= last.text_range().end()
            || (token.kind() == SyntaxKind::WHITESPACE && token.text().contains('\n'))
        {
            break;
        }
        if !token.kind().is_trivia() {
            end = token.text_range().end();
        }
        current = token.next_token();
    }
    TextRange::new(first.text_range().start(), end)
}

/// The `unsafe` keywords on the expansion side of a `macro_rules!` or `macro` definition,
/// each with the element after it (`{ .. }` for a block, `impl` for an impl).
pub(crate) fn unsafe_in_macro_bodies(node: &SyntaxNode) -> Vec<(SyntaxToken, SyntaxElement, SyntaxNode)> {
    let mut bodies: Vec<SyntaxNode> = Vec::new();
    let rules = if let Some(rules) = ast::MacroRules::cast(node.clone()) {
        rules.token_tree()
    } else if let Some(def) = ast::MacroDef::cast(node.clone()) {
        match (def.args(), def.body()) {
            (Some(_), Some(body)) => {
                bodies.push(body.syntax().clone());
                None
            }
            (None, body) => body,
            _ => None,
        }
    } else {
        None
    };
    if let Some(rules) = rules {
        // `matcher => transcriber;`: a token tree right after `=>` is a transcriber.
        let mut after_arrow = false;
        let mut after_eq = false;
        for element in rules.syntax().children_with_tokens() {
            let kind = element.kind();
            if kind.is_trivia() {
                continue;
            }
            if kind == SyntaxKind::TOKEN_TREE
                && after_arrow
                && let Some(tree) = element.as_node()
            {
                bodies.push(tree.clone());
            }
            after_arrow = kind == SyntaxKind::FAT_ARROW || (after_eq && kind == SyntaxKind::R_ANGLE);
            after_eq = kind == SyntaxKind::EQ;
        }
    }
    let mut out = Vec::new();
    for body in bodies {
        for token in body.descendants_with_tokens().filter_map(NodeOrToken::into_token) {
            let is_unsafe = token.kind() == SyntaxKind::UNSAFE_KW
                || (token.kind() == SyntaxKind::IDENT && token.text() == "unsafe");
            if !is_unsafe {
                continue;
            }
            let mut next = token.next_sibling_or_token();
            while let Some(element) = next.as_ref().filter(|e| e.kind().is_trivia()) {
                next = element.next_sibling_or_token();
            }
            if let Some(next) = next {
                out.push((token, next, body.clone()));
            }
        }
    }
    out
}
