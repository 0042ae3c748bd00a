//! Finding the `SAFETY:` comment that documents an `unsafe` block or impl.

use std::cell::RefCell;
use std::rc::Rc;

use crate::rule::FileCx;
use crate::rule::ancestors::NearestAncestors;
use crate::source::parse::{
    AstNode, NodeOrToken, SyntaxElement, SyntaxKind, SyntaxNode, SyntaxToken, TextRange, TextSize, ast,
    is_unsafe_keyword, with_green,
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

/// The attributes around tokens of the file tree, remembered for deep trees: the scan up
/// from each of 10,000 nested blocks meets the `{` of the block around it.
#[derive(Default)]
struct Attributes(RefCell<NearestAncestors>);

/// Where an attribute that ends with `token` starts: an attribute node, or `#[..]` / `#![..]`
/// written as tokens inside a macro body. `attributes` is the file's memo, for a token of
/// the file tree.
fn attribute_start(token: &SyntaxToken, attributes: Option<&Attributes>) -> Option<SyntaxToken> {
    let is_attr = |node: &SyntaxNode| node.kind() == SyntaxKind::ATTR;
    let attr = match attributes {
        Some(memo) => token.parent().and_then(|parent| memo.0.borrow_mut().find(&parent, is_attr)),
        None => token.parent_ancestors().find(is_attr),
    };
    if let Some(attr) = attr {
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

/// How many tokens a scan steps through in the tree before it asks the file's
/// [`LineTokens`] how it ends: lines of real code are shorter, so the table is only built
/// for files with long lines.
const TREE_SCAN_TOKENS: usize = 64;

/// What a scan along a line needs to know of a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TokenClass {
    /// Whitespace that holds a line break: where a line ends.
    LineBreak,
    /// Whitespace within a line.
    Space,
    /// A comment that begins with `SAFETY:`.
    SafetyComment,
    Comment,
    Code,
}

impl TokenClass {
    fn of(kind: SyntaxKind, text: &str) -> TokenClass {
        match kind {
            SyntaxKind::WHITESPACE if text.contains('\n') => TokenClass::LineBreak,
            SyntaxKind::WHITESPACE => TokenClass::Space,
            SyntaxKind::COMMENT if starts_with_safety(comment_text(text)) => TokenClass::SafetyComment,
            SyntaxKind::COMMENT => TokenClass::Comment,
            _ => TokenClass::Code,
        }
    }

    fn is_trivia(self) -> bool {
        self != TokenClass::Code
    }
}

/// The tokens of the file tree in a flat table, for scans along long lines: stepping
/// through the tree allocates a node per token, and 10,000 `unsafe` blocks on one line
/// each scan thousands of tokens. The scans below read this table instead once a line
/// proves long, and give the same answers as the scans through the tree.
#[derive(Debug)]
pub(crate) struct LineTokens {
    /// Where each token starts, in file order; a token ends where the next one starts.
    starts: Vec<TextSize>,
    classes: Vec<TokenClass>,
    end: TextSize,
}

impl LineTokens {
    /// The table of the tree under `root` (the file tree, which starts at offset 0).
    pub(crate) fn of_tree(root: &SyntaxNode) -> LineTokens {
        let mut starts = Vec::new();
        let mut classes = Vec::new();
        let mut at = root.text_range().start();
        crate::source::parse::with_green(root, |green| {
            green.any_token(|kind, text| {
                starts.push(at);
                classes.push(TokenClass::of(kind, text));
                at += TextSize::of(text);
                false
            })
        });
        LineTokens { starts, classes, end: at }
    }

    /// The index of `token`, when it is a token of the table's tree (with a length: empty
    /// tokens share their offset with the next one).
    fn index_of(&self, token: &SyntaxToken) -> Option<usize> {
        let range = token.text_range();
        if range.is_empty() {
            return None;
        }
        let index = self.starts.partition_point(|&start| start < range.start());
        (self.starts.get(index) == Some(&range.start()) && self.end_of(index) == range.end()).then_some(index)
    }

    fn end_of(&self, index: usize) -> TextSize {
        self.starts.get(index + 1).copied().unwrap_or(self.end)
    }

    /// How the scan back from `start` along its line ends (see [`has_safety_comment_before`]).
    fn scan_back(&self, start: &SyntaxToken) -> Option<LineBefore> {
        let index = self.index_of(start)?;
        for (scanned, class) in self.classes[..index].iter().rev().enumerate() {
            if scanned + 1 > MAX_LINE_TOKENS {
                return Some(LineBefore::TooLong);
            }
            match class {
                TokenClass::LineBreak => return Some(LineBefore::Ends),
                TokenClass::SafetyComment => return Some(LineBefore::SafetyComment),
                _ => {}
            }
        }
        Some(LineBefore::Ends)
    }

    /// The end of [`first_line_range`]`(first, last)`.
    fn first_line_end(&self, first: &SyntaxToken, last: &SyntaxToken) -> Option<TextSize> {
        let index = self.index_of(first)?;
        let mut end = first.text_range().end();
        let stop = last.text_range().end();
        for (scanned, next) in (index + 1..self.starts.len()).enumerate() {
            let class = self.classes[next];
            if scanned + 1 > MAX_LINE_TOKENS || self.starts[next] >= stop || class == TokenClass::LineBreak {
                break;
            }
            if !class.is_trivia() {
                end = self.end_of(next);
            }
        }
        Some(end)
    }
}

/// How the scan back from a token along its line ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LineBefore {
    /// At a comment that begins with `SAFETY:`.
    SafetyComment,
    /// After more tokens than a scan looks at.
    TooLong,
    /// At the line's start.
    Ends,
}

/// A token table, built when first asked for.
type TableOnDemand<'t> = dyn Fn() -> Option<Rc<LineTokens>> + 't;

/// The file's [`LineTokens`] (`file`: see [`has_safety_comment_before`]).
fn table(file: Option<&FileCx<'_>>) -> Option<Rc<LineTokens>> {
    let cx = file?;
    Some(cx.memo_for_file(|| LineTokens::of_tree(cx.root)))
}

/// What to pass as `file` to the scans below for a token of the tree being walked: the
/// context while that is the file tree, nothing inside macro arguments parsed on their own.
pub(crate) fn walking_file_tree<'c, 'a>(cx: &'c FileCx<'a>) -> Option<&'c FileCx<'a>> {
    (cx.base == TextSize::from(0)).then_some(cx)
}

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
/// comment above a function does not document the blocks on its first line). `file` is the
/// file's context when `start` is a token of the file tree (not of macro arguments parsed
/// on their own): a long line is then read from the file's token table.
pub(crate) fn has_safety_comment_before(
    start: &SyntaxToken,
    limit: Option<TextSize>,
    file: Option<&FileCx<'_>>,
) -> bool {
    let attributes = file.map(|cx| cx.memo_for_file(Attributes::default));
    safety_comment_before(start, limit, &|| table(file), attributes.as_deref())
}

/// [`has_safety_comment_before`], with the token table (built on demand) of `start`'s tree.
fn safety_comment_before(
    start: &SyntaxToken,
    limit: Option<TextSize>,
    table: &TableOnDemand<'_>,
    attributes: Option<&Attributes>,
) -> bool {
    let mut line_first = start.clone();
    let mut current = start.prev_token();
    let mut scanned = 0usize;
    while let Some(token) = current {
        scanned += 1;
        if scanned > MAX_LINE_TOKENS {
            // A line of generated code: where it starts is too far to look for.
            return false;
        }
        if scanned == TREE_SCAN_TOKENS {
            match table().and_then(|table| table.scan_back(start)) {
                Some(LineBefore::SafetyComment) => return true,
                Some(LineBefore::TooLong) => return false,
                // The line starts within reach: the scan goes on to find its first token.
                Some(LineBefore::Ends) | None => {}
            }
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
            _ => match attribute_start(&token, attributes) {
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
/// `file` as for [`has_safety_comment_before`].
pub(crate) fn first_line_range(
    first: &SyntaxToken,
    last: &SyntaxToken,
    file: Option<&FileCx<'_>>,
) -> TextRange {
    line_range(first, last, &|| table(file))
}

/// [`first_line_range`], with the token table (built on demand) of the tokens' tree.
fn line_range(first: &SyntaxToken, last: &SyntaxToken, table: &TableOnDemand<'_>) -> TextRange {
    let mut end = first.text_range().end();
    let mut current = first.next_token();
    let mut scanned = 0usize;
    while let Some(token) = current {
        scanned += 1;
        if scanned > MAX_LINE_TOKENS {
            break;
        }
        if scanned == TREE_SCAN_TOKENS
            && let Some(end) = table().and_then(|table| table.first_line_end(first, last))
        {
            return TextRange::new(first.text_range().start(), end);
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
        // Most bodies have none: asked of the green tree before a node is made of each token.
        if !with_green(&body, |body| body.any_token(is_unsafe_keyword)) {
            continue;
        }
        for token in body.descendants_with_tokens().filter_map(NodeOrToken::into_token) {
            if !is_unsafe_keyword(token.kind(), token.text()) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::Edition;
    use crate::source::parse::parse_file;

    /// Lines of every length around the scans' limits, with `unsafe` blocks nested and side
    /// by side, `SAFETY:` comments near and far, and line breaks inside block comments: for
    /// every `unsafe`, the scans that read the token table answer what the scans through the
    /// tree answer.
    #[test]
    fn the_token_table_gives_the_tree_scans_answers() {
        let mut text = String::from("// SAFETY: above\n");
        for count in [1, 5, 30, 60, 200, 400, 700] {
            text.push_str(&format!("fn f{count}() {{ "));
            for i in 0..count {
                // A second cycle, so that tokens of every kind fall at every distance.
                if i % 5 == 0 {
                    text.push_str("q;");
                }
                match i % 7 {
                    0 => text.push_str("unsafe { g(); } "),
                    1 => text.push_str("/* SAFETY: here */ unsafe { unsafe { h() } } "),
                    2 => text.push_str("let x = unsafe { *p }; "),
                    3 => text.push_str("/* a\n b */ unsafe { k() }; "),
                    4 => text.push_str("f(a, b, c, d, e, unsafe { 1 }); "),
                    5 => text.push_str("unsafe { "),
                    _ => text.push_str("} "),
                }
            }
            text.push_str("}\n// SAFETY: between\n#[inline]\n");
        }
        // A comment, and a line start, at every distance around the limit of a scan.
        for filler in 995..1_005 {
            for odd in ["", ";"] {
                text.push_str(&format!(
                    "fn h() {{ /* SAFETY: far */ {}{odd}unsafe {{ }} }}\n",
                    "x ".repeat(filler)
                ));
                text.push_str(&format!("fn k() {{ {}{odd}unsafe {{ }} }}\n", "x ".repeat(filler)));
            }
        }
        let root = parse_file(&text, Edition::E2021).root;
        let table = Rc::new(LineTokens::of_tree(&root));
        let attributes = Attributes::default();
        let tokens: Vec<SyntaxToken> =
            root.descendants_with_tokens().filter_map(NodeOrToken::into_token).collect();
        let last = tokens.last().cloned().expect("tokens");
        let (mut checked, mut long) = (0, 0);
        for (index, start) in tokens.iter().enumerate().filter(|(_, t)| t.kind() == SyntaxKind::UNSAFE_KW) {
            let through_tree = safety_comment_before(start, None, &|| None, None);
            let with_table = safety_comment_before(start, None, &|| Some(table.clone()), Some(&attributes));
            assert_eq!(through_tree, with_table, "at {:?}", start.text_range());
            for end in [
                &tokens[(index + 3).min(tokens.len() - 1)],
                &tokens[(index + 500).min(tokens.len() - 1)],
                &last,
            ] {
                let through_tree = line_range(start, end, &|| None);
                assert_eq!(through_tree, line_range(start, end, &|| Some(table.clone())));
                long += usize::from(through_tree.len() > TextSize::from(1_000));
            }
            checked += 1;
        }
        assert!(checked > 1_000, "{checked} `unsafe` checked");
        assert!(long > 100, "{long} ranges reach far along their line");
    }
}
