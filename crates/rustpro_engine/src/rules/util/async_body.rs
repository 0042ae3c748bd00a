//! Where async code is: the body a node runs in, and the points where a body suspends.

use super::macro_call_in_file;
use crate::rule::FileCx;
use crate::source::parse::{AstNode, SyntaxKind, SyntaxNode, TextRange, TextSize, WalkEvent, ast, has_token};

/// Methods of the standard library that call the closure they are given before they return
/// (iterator adapters run when the iterator is consumed, which is almost always right
/// there). A plain closure passed to one of them runs as part of the code around it.
const INLINE_CLOSURE_METHODS: &[&str] = &[
    "all",
    "and_then",
    "any",
    "filter",
    "filter_map",
    "find",
    "find_map",
    "flat_map",
    "fold",
    "for_each",
    "get_or_init",
    "get_or_insert_with",
    "inspect",
    "is_none_or",
    "is_ok_and",
    "is_some_and",
    "map",
    "map_err",
    "map_or",
    "map_or_else",
    "map_while",
    "max_by",
    "max_by_key",
    "min_by",
    "min_by_key",
    "ok_or_else",
    "or_else",
    "or_insert_with",
    "or_insert_with_key",
    "partition",
    "position",
    "retain",
    "scan",
    "skip_while",
    "sort_by",
    "sort_by_key",
    "sort_unstable_by",
    "sort_unstable_by_key",
    "take_while",
    "then",
    "try_fold",
    "try_for_each",
    "unwrap_or_else",
    "with",
];

/// The async body whose code `node` is: the nearest `async fn`, `async` block or async
/// closure around it, looking through plain closures that run inline (called on the spot,
/// or passed to an iterator adapter or an `Option`/`Result` combinator). `None` when a
/// boundary comes first: a function that is not `async`, a plain closure that may run
/// elsewhere or later (given to `spawn_blocking`, `thread::spawn`, stored), or an item.
pub(crate) fn enclosing_async_body(node: &SyntaxNode, cx: &FileCx<'_>) -> Option<SyntaxNode> {
    let ancestors =
        node.ancestors().skip(1).chain(macro_call_in_file(cx).into_iter().flat_map(|m| m.ancestors()));
    let mut child = node.clone();
    for ancestor in ancestors {
        match ancestor.kind() {
            // `async` is a token of the node itself: read on the green tree, which creates
            // no node for each child on the way (this runs for every call in async files).
            SyntaxKind::FN => return has_token(&ancestor, SyntaxKind::ASYNC_KW).then_some(ancestor),
            SyntaxKind::BLOCK_EXPR if has_token(&ancestor, SyntaxKind::ASYNC_KW) => return Some(ancestor),
            SyntaxKind::CLOSURE_EXPR => {
                if has_token(&ancestor, SyntaxKind::ASYNC_KW) {
                    return Some(ancestor);
                }
                let closure = ast::ClosureExpr::cast(ancestor.clone())?;
                // A parameter's default or type is no code of the body.
                if !closure.body().is_some_and(|b| b.syntax() == &child) {
                    return None;
                }
                if !runs_inline(&ancestor) {
                    return None;
                }
            }
            kind if is_item(kind) => return None,
            _ => {}
        }
        child = ancestor;
    }
    None
}

/// Whether a plain closure runs where it is written: called on the spot (`(|| ..)()`), or
/// passed to one of [`INLINE_CLOSURE_METHODS`].
fn runs_inline(closure: &SyntaxNode) -> bool {
    let mut expr = closure.clone();
    while let Some(parent) = expr.parent().filter(|p| p.kind() == SyntaxKind::PAREN_EXPR) {
        expr = parent;
    }
    let Some(parent) = expr.parent() else { return false };
    match parent.kind() {
        SyntaxKind::CALL_EXPR => ast::CallExpr::cast(parent)
            .and_then(|call| call.expr())
            .is_some_and(|callee| callee.syntax() == &expr),
        SyntaxKind::ARG_LIST => parent
            .parent()
            .and_then(ast::MethodCallExpr::cast)
            .and_then(|call| call.name_ref())
            .is_some_and(|name| INLINE_CLOSURE_METHODS.iter().any(|m| name.text() == *m)),
        _ => false,
    }
}

/// Items: code inside them belongs to no enclosing body.
fn is_item(kind: SyntaxKind) -> bool {
    matches!(
        kind,
        SyntaxKind::CONST
            | SyntaxKind::STATIC
            | SyntaxKind::IMPL
            | SyntaxKind::TRAIT
            | SyntaxKind::MODULE
            | SyntaxKind::STRUCT
            | SyntaxKind::ENUM
            | SyntaxKind::UNION
            | SyntaxKind::MACRO_RULES
            | SyntaxKind::SOURCE_FILE
    )
}

/// Macros that await the futures they are given.
const AWAITING_MACROS: &[&str] = &["select", "select_biased", "join", "try_join", "pending"];

/// The first point in `scope`, starting at or after `after`, where the body `scope` belongs
/// to can be suspended: an `.await` (its `.await`), or a macro call that awaits (`select!`,
/// `join!`) or has `.await` in its arguments. Closures, `async` blocks and items inside
/// `scope` are not searched: their code is not suspended with this body.
pub(crate) fn first_suspension(scope: &SyntaxNode, after: TextSize) -> Option<TextRange> {
    let mut preorder = scope.preorder();
    while let Some(event) = preorder.next() {
        let WalkEvent::Enter(node) = event else { continue };
        if node.text_range().end() <= after {
            preorder.skip_subtree();
            continue;
        }
        match node.kind() {
            SyntaxKind::AWAIT_EXPR => {
                let Some(keyword) = ast::AwaitExpr::cast(node.clone()).and_then(|a| a.await_token()) else {
                    continue;
                };
                if keyword.text_range().start() >= after {
                    let dot = ast::AwaitExpr::cast(node).and_then(|a| a.dot_token());
                    let start = dot.map_or(keyword.text_range().start(), |d| d.text_range().start());
                    return Some(TextRange::new(start, keyword.text_range().end()));
                }
            }
            SyntaxKind::MACRO_CALL if node.text_range().start() >= after && macro_awaits(&node) => {
                return Some(node.text_range());
            }
            SyntaxKind::CLOSURE_EXPR => preorder.skip_subtree(),
            SyntaxKind::BLOCK_EXPR if node != *scope && has_token(&node, SyntaxKind::ASYNC_KW) => {
                preorder.skip_subtree()
            }
            kind if node != *scope && (kind == SyntaxKind::FN || is_item(kind)) => preorder.skip_subtree(),
            _ => {}
        }
    }
    None
}

fn macro_awaits(node: &SyntaxNode) -> bool {
    let Some(call) = ast::MacroCall::cast(node.clone()) else { return false };
    let name = call.path().and_then(|p| p.segment()).and_then(|s| s.name_ref());
    if name.is_some_and(|n| AWAITING_MACROS.iter().any(|m| n.text() == *m)) {
        return true;
    }
    call.token_tree()
        .is_some_and(|tt| tt.syntax().descendants_with_tokens().any(|e| e.kind() == SyntaxKind::AWAIT_KW))
}

/// The 1-based line of an offset of the tree being checked, in the file.
pub(crate) fn line_of(cx: &FileCx<'_>, offset: TextSize) -> usize {
    let offset = offset + cx.base;
    let end = offset.min(cx.root.text_range().end());
    let mut lines = 1;
    cx.root.text().slice(TextRange::up_to(end)).for_each_chunk(|chunk| lines += chunk.matches('\n').count());
    lines
}
