use crate::declare_rule;
use crate::rule::{FileCx, Rule};
use crate::rules::util::{
    first_code_token, first_line_range, has_safety_comment_before, unsafe_in_macro_bodies, walking_file_tree,
};
use crate::source::parse::{AstNode, GreenRef, SyntaxKind, SyntaxNode, SyntaxToken, TextSize, ast};

declare_rule! {
    /// ## What it does
    /// Finds `unsafe impl` blocks that no `// SAFETY:` comment explains, in all code, tests
    /// included.
    ///
    /// The comment goes on the lines above the impl (or above its attributes and doc
    /// comments, which may sit in between) and contains `SAFETY:` in any case (`// Safety:`
    /// counts; `// SAFETY` without the colon does not). A comment earlier on the impl's own
    /// line that begins with `SAFETY:` counts too; a comment after the impl does not.
    /// Impls in the bodies of `macro_rules!` definitions are checked too.
    ///
    /// ## Why is this bad?
    /// Implementing an `unsafe` trait such as `Send`, `Sync` or `bytemuck::Pod` is a promise
    /// that the type meets the trait's contract, which the compiler does not check. Without a
    /// written argument a reviewer cannot verify the promise, and a later change to the type
    /// (a new field holding an `Rc`, a pointer) can silently break it.
    ///
    /// ## Example
    /// ```rust
    /// pub struct Buffer {
    ///     data: *mut u8,
    ///     len: usize,
    /// }
    ///
    /// unsafe impl Send for Buffer {}
    /// ```
    ///
    /// ## Use instead
    /// ```rust
    /// pub struct Buffer {
    ///     data: *mut u8,
    ///     len: usize,
    /// }
    ///
    /// // SAFETY: `Buffer` owns the allocation behind `data` and never shares it, so moving
    /// // it to another thread moves the only access to it.
    /// unsafe impl Send for Buffer {}
    /// ```
    ///
    /// ## Fix safety
    /// No automatic fix: only a person can state why the type meets the trait's contract.
    /// `#[allow(clippy::undocumented_unsafe_blocks)]` on the impl or an enclosing item is
    /// honoured.
    pub struct UndocumentedUnsafeImpl {
        name: "undocumented_unsafe_impl",
        category: Unsafe,
        level: Warn,
        fix: None,
        clippy: ["undocumented_unsafe_blocks"],
        summary: "`unsafe impl` without a `// SAFETY:` comment",
        kinds: [IMPL, MACRO_RULES, MACRO_DEF],
    }
}

const MESSAGE: &str = "`unsafe impl` without a `// SAFETY:` comment: nothing tells a reviewer why the type meets the trait's contract";
const HELP: &str = "add a `// SAFETY:` comment above the impl that states the trait's requirements and why this \
                    type upholds them";

impl Rule for UndocumentedUnsafeImpl {
    /// `unsafe` impls, and macro definitions.
    fn words(&self) -> Option<&'static [&'static str]> {
        Some(&["unsafe", "macro_rules", "macro"])
    }

    /// Every place it reports holds the `unsafe` keyword.
    fn applies_to_file(&self, cx: &FileCx<'_>) -> bool {
        cx.file_mentions("unsafe")
    }

    /// An `unsafe impl`; macro definitions are read whole.
    fn accepts(&self, node: GreenRef<'_>) -> bool {
        node.kind() != SyntaxKind::IMPL || node.has_token(SyntaxKind::UNSAFE_KW)
    }

    fn check_node(&self, node: &SyntaxNode, cx: &mut FileCx<'_>) {
        if node.kind() == SyntaxKind::IMPL {
            check_impl(node, cx);
        } else {
            check_macro_bodies(node, cx);
        }
    }
}

fn check_impl(node: &SyntaxNode, cx: &mut FileCx<'_>) {
    let Some(imp) = ast::Impl::cast(node.clone()) else { return };
    if imp.unsafe_token().is_none() {
        return;
    }
    let Some(first) = first_code_token(node) else { return };
    if has_safety_comment_before(&first, enclosing_list_start(node), walking_file_tree(cx)) {
        return;
    }
    let last = imp
        .assoc_item_list()
        .and_then(|list| list.l_curly_token())
        .or_else(|| node.last_token())
        .unwrap_or_else(|| first.clone());
    let range = first_line_range(&first, &last, walking_file_tree(cx));
    cx.report(range, MESSAGE).help(HELP);
}

/// `unsafe impl` written in the body of a macro definition.
fn check_macro_bodies(node: &SyntaxNode, cx: &mut FileCx<'_>) {
    for (keyword, next, body) in unsafe_in_macro_bodies(node) {
        let Some(impl_keyword) = next.as_token().filter(|t| is_impl_keyword(t)) else { continue };
        let limit = body.first_token().map(|t| t.text_range().end());
        if has_safety_comment_before(&keyword, limit, walking_file_tree(cx)) {
            continue;
        }
        let last = body.last_token().unwrap_or_else(|| impl_keyword.clone());
        let range = first_line_range(&keyword, &last, walking_file_tree(cx));
        cx.report(range, MESSAGE).help(HELP);
    }
}

fn is_impl_keyword(token: &SyntaxToken) -> bool {
    token.kind() == SyntaxKind::IMPL_KW || (token.kind() == SyntaxKind::IDENT && token.text() == "impl")
}

/// The end of the `{` of the module or block the impl is in: a comment above
/// `mod m { unsafe impl .. }` written on one line documents the module, not the impl.
fn enclosing_list_start(node: &SyntaxNode) -> Option<TextSize> {
    let list = node.parent().filter(|p| matches!(p.kind(), SyntaxKind::ITEM_LIST | SyntaxKind::STMT_LIST))?;
    let open = list.first_token().filter(|t| t.kind() == SyntaxKind::L_CURLY)?;
    Some(open.text_range().end())
}
