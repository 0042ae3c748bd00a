use std::cell::RefCell;

use crate::declare_rule;
use crate::rule::ancestors::NearestAncestors;
use crate::rule::{FileCx, Rule};
use crate::rules::util::{
    first_code_token, first_line_range, has_safety_comment_before, has_safety_comment_inside,
    macro_call_in_file, token_in_file, unsafe_in_macro_bodies, walking_file_tree,
};
use crate::source::parse::{AstNode, GreenRef, SyntaxKind, SyntaxNode, SyntaxToken, TextSize, ast};

declare_rule! {
    /// ## What it does
    /// Finds `unsafe { .. }` blocks that no `// SAFETY:` comment explains, in all code,
    /// tests included.
    ///
    /// A comment documents the block when it contains `SAFETY:` (in any case, so
    /// `// Safety:` counts; `// SAFETY` without the colon does not) and sits:
    /// - on the lines right above the block, possibly among more comment lines, with only
    ///   blank lines and attributes in between;
    /// - above the statement, `let`, `const` or `static` the block is part of, also when the
    ///   block is deep inside its expression (`let x = f(unsafe { .. });`) or in a closure
    ///   of it, and above a macro call whose argument holds it (`vec![unsafe { .. }]`);
    /// - above the match arm whose body the block is;
    /// - at the end of the line above, when the statement goes on at the block
    ///   (`let x = // SAFETY: ..`), or earlier on the block's own line
    ///   (`/* SAFETY: .. */ unsafe { .. }`), when the comment begins with `SAFETY:`;
    /// - as the first thing inside the block (`unsafe { // SAFETY: ..`).
    ///
    /// A comment above a function does not document the blocks on the function's first
    /// line; a comment after the block, after a finished statement on the line above, or in
    /// a code example of a doc comment does not document it. Blocks in the bodies of
    /// `macro_rules!` definitions are checked too.
    ///
    /// ## Why is this bad?
    /// An `unsafe` block is a promise that the code inside upholds invariants the compiler
    /// cannot check. Without a written justification, a reviewer cannot check the promise,
    /// and whoever changes the surrounding code later cannot know which assumptions they
    /// must keep true.
    ///
    /// ## Example
    /// ```rust
    /// pub fn first(values: &[u8]) -> Option<u8> {
    ///     if values.is_empty() {
    ///         return None;
    ///     }
    ///     Some(unsafe { *values.get_unchecked(0) })
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```rust
    /// pub fn first(values: &[u8]) -> Option<u8> {
    ///     if values.is_empty() {
    ///         return None;
    ///     }
    ///     // SAFETY: `values` is not empty, so index 0 is in bounds.
    ///     Some(unsafe { *values.get_unchecked(0) })
    /// }
    /// ```
    ///
    /// ## Fix safety
    /// No automatic fix: only a person can state why the code is sound.
    /// `#[allow(clippy::undocumented_unsafe_blocks)]` on an enclosing item is honoured.
    pub struct UndocumentedUnsafeBlock {
        name: "undocumented_unsafe_block",
        category: Unsafe,
        level: Warn,
        fix: None,
        clippy: ["undocumented_unsafe_blocks"],
        summary: "`unsafe` block without a `// SAFETY:` comment",
        kinds: [BLOCK_EXPR, MACRO_RULES, MACRO_DEF],
    }
}

const MESSAGE: &str =
    "`unsafe` block without a `// SAFETY:` comment: nothing tells a reviewer why it is sound";
const HELP: &str = "add a `// SAFETY:` comment on the line above the block that names the invariants the \
                    code inside relies on and why they hold here";

impl Rule for UndocumentedUnsafeBlock {
    /// `unsafe` blocks, and macro definitions.
    fn words(&self) -> Option<&'static [&'static str]> {
        Some(&["unsafe", "macro_rules", "macro"])
    }

    /// Every place it reports holds the `unsafe` keyword.
    fn applies_to_file(&self, cx: &FileCx<'_>) -> bool {
        cx.file_mentions("unsafe")
    }

    /// An `unsafe` block; macro definitions are read whole.
    fn accepts(&self, node: GreenRef<'_>) -> bool {
        node.kind() != SyntaxKind::BLOCK_EXPR || node.has_token(SyntaxKind::UNSAFE_KW)
    }

    fn check_node(&self, node: &SyntaxNode, cx: &mut FileCx<'_>) {
        if node.kind() == SyntaxKind::BLOCK_EXPR {
            check_block(node, cx);
        } else {
            check_macro_bodies(node, cx);
        }
    }
}

fn check_block(node: &SyntaxNode, cx: &mut FileCx<'_>) {
    let Some(block) = ast::BlockExpr::cast(node.clone()) else { return };
    let Some(keyword) = block.unsafe_token() else { return };
    if block
        .stmt_list()
        .and_then(|list| list.l_curly_token())
        .is_some_and(|open| has_safety_comment_inside(&open))
    {
        return;
    }
    let Some(file_keyword) = token_in_file(cx, &keyword) else { return };
    let limit = function_body_start(cx, &file_keyword);
    if has_safety_comment_before(&file_keyword, limit, Some(&*cx)) {
        return;
    }
    if let Some(anchor) = statement_anchor(cx, node)
        && let Some(first) = first_code_token(&anchor)
        && let Some(first) = token_in_file(cx, &first)
        && first != file_keyword
        && has_safety_comment_before(&first, limit, Some(&*cx))
    {
        return;
    }
    let Some(close) = node.last_token() else { return };
    let range = first_line_range(&keyword, &close, walking_file_tree(cx));
    cx.report(range, MESSAGE).help(HELP);
}

/// `unsafe { .. }` written in the body of a macro definition: the comment must be right
/// above it or inside it, as the statement around it only exists once the macro expands.
fn check_macro_bodies(node: &SyntaxNode, cx: &mut FileCx<'_>) {
    for (keyword, next, body) in unsafe_in_macro_bodies(node) {
        let Some(tree) = next.as_node().filter(|n| n.kind() == SyntaxKind::TOKEN_TREE) else { continue };
        let Some(open) = tree.first_token().filter(|t| t.kind() == SyntaxKind::L_CURLY) else { continue };
        if has_safety_comment_inside(&open) {
            continue;
        }
        let limit = body.first_token().map(|t| t.text_range().end());
        if has_safety_comment_before(&keyword, limit, walking_file_tree(cx)) {
            continue;
        }
        let Some(close) = tree.last_token() else { continue };
        let range = first_line_range(&keyword, &close, walking_file_tree(cx));
        cx.report(range, MESSAGE).help(HELP);
    }
}

/// The nearest functions around the `unsafe` blocks of a file, remembered for deep trees.
#[derive(Default)]
struct Functions(RefCell<NearestAncestors>);

/// The `{` of the body of the function around `token` (a token of the file tree): a
/// comment above the function does not document a block on the function's first line.
fn function_body_start(cx: &FileCx<'_>, token: &SyntaxToken) -> Option<TextSize> {
    let parent = token.parent()?;
    let function =
        cx.memo_for_file(Functions::default).0.borrow_mut().find(&parent, |n| n.kind() == SyntaxKind::FN)?;
    let open = ast::Fn::cast(function)?.body()?.stmt_list()?.l_curly_token()?;
    Some(open.text_range().end())
}

/// The statement, `let`, `const` or `static` whose comment also documents the block: found
/// by going up through the expressions around the block (calls, closures, operators, macro
/// calls) until something that is no expression. A block in a block of its own, an `if`,
/// `match` or loop body, or a match arm has no anchor beyond itself.
fn statement_anchor(cx: &FileCx<'_>, block: &SyntaxNode) -> Option<SyntaxNode> {
    let mut expr = block.clone();
    let mut in_file = false;
    loop {
        let Some(parent) = expr.parent() else {
            // The root of a macro argument: go on from the macro call in the file.
            if in_file {
                return None;
            }
            in_file = true;
            expr = macro_call_in_file(cx)?;
            continue;
        };
        match parent.kind() {
            SyntaxKind::LET_STMT | SyntaxKind::CONST | SyntaxKind::STATIC => return Some(parent),
            SyntaxKind::BIN_EXPR if is_assignment(&parent) => return Some(parent),
            SyntaxKind::ARG_LIST
            | SyntaxKind::RECORD_EXPR_FIELD
            | SyntaxKind::RECORD_EXPR_FIELD_LIST
            | SyntaxKind::MACRO_CALL => expr = parent,
            kind if ast::Expr::can_cast(kind) && kind != SyntaxKind::BLOCK_EXPR => expr = parent,
            _ => return (!is_branchy(&expr)).then_some(expr),
        }
    }
}

fn is_assignment(node: &SyntaxNode) -> bool {
    ast::BinExpr::cast(node.clone())
        .and_then(|bin| bin.op_token())
        .is_some_and(|op| op.kind() == SyntaxKind::EQ)
}

fn is_branchy(node: &SyntaxNode) -> bool {
    matches!(
        node.kind(),
        SyntaxKind::IF_EXPR
            | SyntaxKind::MATCH_EXPR
            | SyntaxKind::LOOP_EXPR
            | SyntaxKind::WHILE_EXPR
            | SyntaxKind::FOR_EXPR
    )
}
