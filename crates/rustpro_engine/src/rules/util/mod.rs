//! Small syntax helpers shared by rules. Helpers about the public API live in `api.rs`,
//! helpers about `SAFETY:` comments in `safety.rs`, helpers about async bodies in
//! `async_body.rs`, helpers for rules that change traits with their impls in `traits.rs`;
//! the table of stabilised features in `rust_features.rs`, and how code uses them in
//! `feature_use.rs`.

mod api;
mod async_body;
pub(crate) mod error_impls;
pub(crate) mod error_plan;
pub(crate) mod feature_use;
pub(crate) mod rust_features;
mod safety;
mod traits;

pub(crate) use api::*;
pub(crate) use async_body::*;
pub(crate) use safety::*;
pub(crate) use traits::*;

use crate::rule::FileCx;
use crate::source::parse::ast::HasArgList;
use crate::source::parse::{
    AstNode, GreenRef, SyntaxKind, SyntaxNode, SyntaxToken, TextRange, TextSize, ast, node_text,
};

/// Whether a green node is a method call `recv.name(..)` with one of the names: what rules
/// built on [`method_call`] accept (see `Rule::accepts`).
pub(crate) fn is_method_call_named(node: GreenRef<'_>, names: &[&str]) -> bool {
    node.kind() == SyntaxKind::METHOD_CALL_EXPR
        && node.name_ref_text().is_some_and(|name| names.contains(&name))
}

/// A method call `recv.name(args)` with the given name and argument count: returns the call
/// and the range from the method name to the end of the call (what a finding highlights).
pub(crate) fn method_call(
    node: &SyntaxNode,
    names: &[&str],
    args: usize,
) -> Option<(ast::MethodCallExpr, TextRange)> {
    let call = ast::MethodCallExpr::cast(node.clone())?;
    let name = call.name_ref()?;
    if !names.iter().any(|n| name.text() == *n) {
        return None;
    }
    if call.arg_list()?.args().count() != args {
        return None;
    }
    let range = TextRange::new(name.syntax().text_range().start(), call.syntax().text_range().end());
    Some((call, range))
}

/// The name of a macro call (`panic` for `std::panic!(..)`) and the text of its qualifier
/// (`std`, `::core`, or empty).
pub(crate) fn macro_name(call: &ast::MacroCall) -> Option<(String, String)> {
    let path = call.path()?;
    let name = path.segment()?.name_ref()?.text().to_string();
    let qualifier = path.qualifier().map(|q| path_text(&q)).unwrap_or_default();
    Some((qualifier, name))
}

/// A path as written, without generic arguments or whitespace: `std::result::Result` for
/// `std::result::Result<T, E>`, `::anyhow::Error` for `::anyhow::Error`.
pub(crate) fn path_text(path: &ast::Path) -> String {
    let mut segments = Vec::new();
    let mut current = Some(path.clone());
    let mut absolute = false;
    while let Some(p) = current {
        if let Some(segment) = p.segment() {
            absolute |= segment.coloncolon_token().is_some();
            match segment.name_ref() {
                Some(name) => segments.push(name.text().to_string()),
                None => segments.push(node_text(segment.syntax())),
            }
        }
        current = p.qualifier();
    }
    segments.reverse();
    let joined = segments.join("::");
    if absolute { format!("::{joined}") } else { joined }
}

/// The name of what an expression calls: `recv` for `rx.recv()`, `try_from` for
/// `u8::try_from(x)`, looking through `.await`, `?`, references and parentheses.
pub(crate) fn callee_name(expr: &ast::Expr) -> Option<String> {
    match expr {
        ast::Expr::MethodCallExpr(call) => Some(call.name_ref()?.text().to_string()),
        ast::Expr::CallExpr(call) => match call.expr()? {
            ast::Expr::PathExpr(path) => Some(path.path()?.segment()?.name_ref()?.text().to_string()),
            _ => None,
        },
        ast::Expr::AwaitExpr(inner) => callee_name(&inner.expr()?),
        ast::Expr::TryExpr(inner) => callee_name(&inner.expr()?),
        ast::Expr::ParenExpr(inner) => callee_name(&inner.expr()?),
        ast::Expr::RefExpr(inner) => callee_name(&inner.expr()?),
        _ => None,
    }
}

/// The last segment's name of a path type: `Result` for `std::result::Result<T, E>`.
pub(crate) fn type_name(ty: &ast::Type) -> Option<String> {
    let ast::Type::PathType(path) = ty else { return None };
    Some(path.path()?.segment()?.name_ref()?.text().to_string())
}

/// The type arguments of a path type's last segment (`[T, E]` for `Result<T, E>`);
/// lifetimes and associated-type bindings are left out.
pub(crate) fn type_args(ty: &ast::Type) -> Vec<ast::Type> {
    let Some(list) = ty.generic_arg_list() else { return Vec::new() };
    list.generic_args()
        .filter_map(|arg| match arg {
            ast::GenericArg::TypeArg(arg) => arg.ty(),
            _ => None,
        })
        .collect()
}

/// The error type of `Result<T, E>` (any path ending in `Result` with two type arguments).
pub(crate) fn result_error_type(ty: &ast::Type) -> Option<ast::Type> {
    if type_name(ty)? != "Result" {
        return None;
    }
    let mut args = type_args(ty);
    if args.len() != 2 {
        return None;
    }
    args.pop()
}

// `// SAFETY:` comments and other comments that document the code after them.

/// `token` located in the file's own tree: tokens of macro arguments, which the engine
/// parses on their own, are mapped to the same text in the macro call's token tree, where
/// the comments around them are.
pub(crate) fn token_in_file(cx: &FileCx<'_>, token: &SyntaxToken) -> Option<SyntaxToken> {
    if cx.base == TextSize::from(0) || token.parent_ancestors().last().is_some_and(|root| root == *cx.root) {
        return Some(token.clone());
    }
    // Searching from the macro call, not the root: a root's children are scanned one by
    // one, and generated files have thousands.
    let scope = cx.file_macro_call().unwrap_or(cx.root);
    scope.token_at_offset(token.text_range().start() + cx.base).right_biased()
}

/// The macro call, in the file's own tree, whose arguments hold the node being checked
/// (a node of a macro argument the engine parsed on its own); `None` for nodes of the
/// file's tree.
pub(crate) fn macro_call_in_file(cx: &FileCx<'_>) -> Option<SyntaxNode> {
    if cx.base == TextSize::from(0) {
        return None;
    }
    cx.file_macro_call().cloned()
}

/// The ancestors of `node`, continued through the macro call in the file's tree when `node`
/// belongs to a macro argument the engine parsed on its own.
pub(crate) fn ancestors_in_file(node: &SyntaxNode, cx: &FileCx<'_>) -> Vec<SyntaxNode> {
    node.ancestors().chain(macro_call_in_file(cx).into_iter().flat_map(|m| m.ancestors())).collect()
}
