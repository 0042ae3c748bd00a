use crate::declare_rule;
use crate::rule::{FileCx, Rule};
use crate::rules::util::{
    ancestors_in_file, callee_name, is_method_call_named, macro_name, method_call, type_name,
};
use crate::source::parse::ast::HasName;
use crate::source::parse::{AstNode, GreenRef, SyntaxKind, SyntaxNode, TextRange, ast, node_text};

declare_rule! {
    /// ## What it does
    /// Finds errors that production code drops without a trace:
    /// - `if let Ok(..) = expr { .. }` with no `else` branch (also as the last link of an
    ///   `else if` chain, in a `&&` let chain, and as `if let Some(..) = expr.ok()`);
    /// - `expr.ok();` as a statement: the `Result` is turned into an `Option` and thrown
    ///   away.
    ///
    /// Not flagged, because the error is not lost or there is nothing to do with it:
    /// - a scrutinee that is a place (a variable, a field, `result.as_ref()`): the `Result`
    ///   outlives the `if let` and may be returned later, as in builders that carry their
    ///   error to `build()`;
    /// - an `if let Ok(..)` body that ends in `return`, `break` or `continue`: "the first
    ///   success wins", and the code after the `if` is the failure path;
    /// - calls whose `Err` is an answer, not a failure: `try_*` (`try_lock`, `try_recv`,
    ///   `try_from`: "not now" or "does not fit" is the point of asking), parsing and
    ///   validating conversions (`parse*`, `from_str`, `from_utf8`, `from_bytes`, `to_str`,
    ///   `strip_prefix`, `Layout::from_size_align`), `into_*` conversions that hand the
    ///   value back on failure, `binary_search*` (the `Err` is the insertion point),
    ///   `compare_exchange*` and `fetch_update` (the `Err` is the current value),
    ///   `downcast` (a type test), `env::var` (an unset variable is the usual case), and
    ///   `lock()` (a poisoned lock means another thread panicked, and that panic is the
    ///   report);
    /// - `.ok();` after `write!` / `writeln!` (into a `String` it cannot fail, and the rule
    ///   cannot tell a `String` from a file), after a channel `send` that is not awaited
    ///   (it fails only when nobody listens any more; the rule goes by the name, so a
    ///   socket's `send` is let through too), and after `dotenv()`;
    /// - the body of `Drop::drop`, which cannot return the error and should not panic;
    /// - `if let Ok(..)` with an `else`, `match`, `while let Ok(..)` loops (the loop ends
    ///   on the error: control flow), `let _ = expr;` (an explicit, visible discard), and
    ///   test code.
    ///
    /// ## Why is this bad?
    /// The error is the only record of what went wrong. Dropping it turns a failed write, a
    /// lost connection or a corrupt config file into silence: the program goes on as if
    /// the work were done, and the bug shows up later, somewhere else, with nothing in the
    /// logs. `.ok();` looks like handling but is only a way to quiet the `unused_must_use`
    /// warning.
    ///
    /// ## Example
    /// ```rust
    /// use std::io::Write;
    ///
    /// pub fn save(out: &mut impl Write, line: &str) {
    ///     if let Ok(()) = out.write_all(line.as_bytes()) {
    ///         out.flush().ok();
    ///     }
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```rust
    /// use std::io::Write;
    ///
    /// pub fn save(out: &mut impl Write, line: &str) -> std::io::Result<()> {
    ///     out.write_all(line.as_bytes())?;
    ///     out.flush()
    /// }
    /// ```
    ///
    /// ## Fix safety
    /// No automatic fix: whether to propagate, log or deliberately drop the error is a
    /// decision about the program. When dropping is right, say so where it happens:
    /// `let _ = expr;` with a comment, or `// rustpro:allow(ignored_error) <why>`.
    pub struct IgnoredError {
        name: "ignored_error",
        category: Errors,
        level: Warn,
        fix: None,
        clippy: [],
        summary: "an error dropped by `if let Ok(..)` without `else`, or by `.ok();`",
        kinds: [IF_EXPR, EXPR_STMT],
    }
}

impl Rule for IgnoredError {
    /// `if` expressions, and statements calling `.ok()`.
    fn words(&self) -> Option<&'static [&'static str]> {
        Some(&["if", "ok"])
    }

    /// Test code stays test code down the tree.
    fn applies_to_file(&self, cx: &FileCx<'_>) -> bool {
        cx.is_production()
    }

    /// An `if` whose condition is a `let` (or a chain that may hold one), or a statement
    /// made of an `.ok()` call.
    fn accepts(&self, node: GreenRef<'_>) -> bool {
        match node.kind() {
            SyntaxKind::IF_EXPR => node.has_child_in(&[SyntaxKind::LET_EXPR, SyntaxKind::BIN_EXPR]),
            _ => node.child_nodes().any(|child| is_method_call_named(child, &["ok"])),
        }
    }

    /// Production code only.
    fn looks_in_test_code(&self, _kind: SyntaxKind) -> bool {
        false
    }

    fn check_node(&self, node: &SyntaxNode, cx: &mut FileCx<'_>) {
        if !cx.is_production() {
            return;
        }
        if let Some(if_expr) = ast::IfExpr::cast(node.clone()) {
            check_if_let(&if_expr, cx);
        } else if let Some(stmt) = ast::ExprStmt::cast(node.clone()) {
            check_ok_statement(&stmt, cx);
        }
    }
}

fn check_if_let(if_expr: &ast::IfExpr, cx: &mut FileCx<'_>) {
    if if_expr.else_branch().is_some() {
        return;
    }
    let Some(condition) = if_expr.condition() else { return };
    let Some((scrutinee, through_ok)) = ok_let_scrutinee(&condition) else { return };
    if is_place(&scrutinee) || failure_is_expected(&scrutinee) {
        return;
    }
    if if_expr.then_branch().is_some_and(|body| ends_in_jump(&body)) {
        return;
    }
    let Some(if_token) = if_expr.if_token() else { return };
    if in_destructor(&ancestors_in_file(if_expr.syntax(), cx)) {
        return;
    }
    let range = TextRange::new(if_token.text_range().start(), condition.syntax().text_range().end());
    let form = if through_ok { "`if let Some(..) = ..ok()`" } else { "`if let Ok(..)`" };
    cx.report(range, format!("{form} without `else` drops the error without a trace")).help(
        "handle the `Err` case: propagate it with `?`, log it in an `else` branch, or use `match`; \
         if losing it is harmless, say why in a `rustpro:allow(ignored_error)` comment",
    );
}

fn check_ok_statement(stmt: &ast::ExprStmt, cx: &mut FileCx<'_>) {
    if stmt.semicolon_token().is_none() {
        return;
    }
    let Some(expr) = stmt.expr() else { return };
    let Some((call, range)) = method_call(expr.syntax(), &["ok"], 0) else { return };
    let Some(receiver) = call.receiver() else { return };
    if failure_is_expected(&receiver)
        || is_harmless_to_drop(&receiver)
        || in_destructor(&ancestors_in_file(stmt.syntax(), cx))
    {
        return;
    }
    cx.report(range, "`.ok();` throws the error away without a trace").help(
        "propagate the error with `?` or log it; if losing it is intended, make that visible with \
         `let _ = ..;` and a comment saying why",
    );
}

/// The `Result` matched by `let Ok(..) = expr` or `let Some(..) = expr.ok()` in an `if`
/// condition, also inside a `&&` chain; the flag tells the second form.
fn ok_let_scrutinee(condition: &ast::Expr) -> Option<(ast::Expr, bool)> {
    match condition {
        ast::Expr::LetExpr(let_expr) => {
            let ast::Pat::TupleStructPat(pat) = let_expr.pat()? else { return None };
            let name = pat.path()?.segment()?.name_ref()?;
            let scrutinee = let_expr.expr()?;
            match name.text() {
                "Ok" => Some((scrutinee, false)),
                "Some" => {
                    let (call, _) = method_call(scrutinee.syntax(), &["ok"], 0)?;
                    Some((call.receiver()?, true))
                }
                _ => None,
            }
        }
        ast::Expr::BinExpr(bin) if bin.op_kind() == Some(ast::BinaryOp::LogicOp(ast::LogicOp::And)) => bin
            .lhs()
            .and_then(|l| ok_let_scrutinee(&l))
            .or_else(|| bin.rhs().and_then(|r| ok_let_scrutinee(&r))),
        _ => None,
    }
}

/// A place (a variable, a field, an element): the `Result` outlives the `if let`, so its
/// error is not dropped there; it may be returned or inspected later (builders that carry
/// an error until `build()`).
fn is_place(expr: &ast::Expr) -> bool {
    match expr {
        ast::Expr::PathExpr(_) => true,
        ast::Expr::FieldExpr(field) => field.expr().is_some_and(|e| is_place(&e)),
        ast::Expr::IndexExpr(index) => index.base().is_some_and(|e| is_place(&e)),
        ast::Expr::ParenExpr(inner) => inner.expr().is_some_and(|e| is_place(&e)),
        ast::Expr::RefExpr(inner) => inner.expr().is_some_and(|e| is_place(&e)),
        ast::Expr::PrefixExpr(deref) => {
            deref.op_kind() == Some(ast::UnaryOp::Deref) && deref.expr().is_some_and(|e| is_place(&e))
        }
        // `result.as_ref()` borrows the `Result` in place.
        ast::Expr::MethodCallExpr(call) => {
            let borrows = call
                .name_ref()
                .is_some_and(|n| matches!(n.text(), "as_ref" | "as_mut" | "as_deref" | "as_deref_mut"));
            borrows && call.receiver().is_some_and(|e| is_place(&e))
        }
        _ => false,
    }
}

/// Whether a block always leaves with `return`, `break` or `continue`: `if let Ok(v) = a()
/// { return v; }` is "first success wins", and the code after the `if` is the failure path.
fn ends_in_jump(block: &ast::BlockExpr) -> bool {
    let Some(list) = block.stmt_list() else { return false };
    let last = match list.tail_expr() {
        Some(tail) => Some(tail),
        None => list.statements().last().and_then(|s| match s {
            ast::Stmt::ExprStmt(stmt) => stmt.expr(),
            _ => None,
        }),
    };
    matches!(last, Some(ast::Expr::ReturnExpr(_) | ast::Expr::BreakExpr(_) | ast::Expr::ContinueExpr(_)))
}

/// Calls whose `Err` is an expected answer, not a failure (see the rule's documentation).
fn failure_is_expected(expr: &ast::Expr) -> bool {
    let Some(name) = callee_name(expr) else { return false };
    if name.starts_with("try_") || name.starts_with("parse") || name.starts_with("into_") {
        return true;
    }
    if matches!(
        name.as_str(),
        "binary_search"
            | "binary_search_by"
            | "binary_search_by_key"
            | "compare_exchange"
            | "compare_exchange_weak"
            | "fetch_update"
            | "downcast"
            | "from_str"
            | "from_str_radix"
            | "from_utf8"
            | "from_utf8_mut"
            | "from_utf16"
            | "from_bytes"
            | "from_size_align"
            | "to_str"
            | "strip_prefix"
            | "lock"
    ) {
        return true;
    }
    is_env_var_call(expr) || is_channel_send(expr)
}

/// `.ok();` receivers whose error carries nothing to act on: formatting with `write!` /
/// `writeln!` (into a `String` it cannot fail, and the rule cannot tell a `String` from a
/// file), and `dotenv()`, whose documented use is to go on without a `.env` file.
fn is_harmless_to_drop(expr: &ast::Expr) -> bool {
    if let ast::Expr::MacroExpr(mac) = expr {
        let name = mac.macro_call().and_then(|c| macro_name(&c)).map(|(_, name)| name);
        return name.is_some_and(|n| n == "write" || n == "writeln");
    }
    callee_name(expr).is_some_and(|n| n == "dotenv")
}

/// `env::var("X")`, `std::env::var("X")` or `var("X")`.
fn is_env_var_call(expr: &ast::Expr) -> bool {
    let ast::Expr::CallExpr(call) = expr else { return false };
    let Some(ast::Expr::PathExpr(path)) = call.expr() else { return false };
    let Some(path) = path.path() else { return false };
    let is_var = path.segment().and_then(|s| s.name_ref()).is_some_and(|n| n.text() == "var");
    let qualifier = path.qualifier().map(|q| node_text(q.syntax()));
    is_var && qualifier.is_none_or(|q| q.ends_with("env"))
}

/// A channel send that is not awaited (`tx.send(v)`, `tx.unbounded_send(v)`): it fails only
/// when the receiver is gone, and then nobody is waiting for the value.
fn is_channel_send(expr: &ast::Expr) -> bool {
    let ast::Expr::MethodCallExpr(call) = expr else { return false };
    call.name_ref().is_some_and(|n| n.text() == "send" || n.text() == "unbounded_send")
}

/// Whether the node is in the body of `Drop::drop`: a destructor cannot return the error,
/// and panicking there can abort the process, so dropping the error is the only choice.
fn in_destructor(ancestors: &[SyntaxNode]) -> bool {
    let Some(at) = ancestors.iter().position(|a| ast::Fn::can_cast(a.kind())) else { return false };
    let is_drop_fn =
        ast::Fn::cast(ancestors[at].clone()).and_then(|f| f.name()).is_some_and(|n| n.text() == "drop");
    let in_drop_impl = ancestors[at..]
        .iter()
        .find_map(|a| ast::Impl::cast(a.clone()))
        .and_then(|i| i.trait_())
        .and_then(|t| type_name(&t))
        .is_some_and(|t| t == "Drop");
    is_drop_fn && in_drop_impl
}
