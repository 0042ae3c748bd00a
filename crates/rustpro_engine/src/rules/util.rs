//! Small syntax helpers shared by rules.

use crate::source::parse::{AstNode, SyntaxNode, TextRange, ast, ast::HasArgList};

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
