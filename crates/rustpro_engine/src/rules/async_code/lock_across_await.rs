use crate::declare_rule;
use crate::project::Edition;
use crate::rule::{FileCx, Rule};
use crate::rules::util::{first_suspension, is_method_call_named, line_of};
use crate::source::parse::ast::{HasArgList, HasName};
use crate::source::parse::{AstNode, GreenRef, SyntaxKind, SyntaxNode, TextRange, TextSize, ast};

declare_rule! {
    /// ## What it does
    /// Finds a blocking lock guard that is still alive at a later `.await` of the same async
    /// body. A lock guard is the result of `.lock()`, `.read()` or `.write()` called without
    /// arguments and not awaited (`std::sync::Mutex`, `RwLock`, `parking_lot`), possibly
    /// followed by `.unwrap()`, `.expect(..)`, `.unwrap_or_else(..)`, `.map_err(..)` or `?`. It is alive:
    /// - when bound by `let guard = ..` (or `let mut`, `let _guard`), until the end of its
    ///   block or a `drop(guard)` before the `.await`;
    /// - as a temporary, until the end of its statement: `m.lock().unwrap().insert(k,
    ///   fetch().await)` holds the lock while `fetch` runs;
    /// - as a temporary in the scrutinee of a `match`, `if let` or `while let`, through
    ///   the arms or the body (and, before edition 2024, the `else` of an `if let`).
    ///
    /// Suspension points are `.await` and the macros that await (`select!`, `join!`,
    /// `try_join!`, or any macro with `.await` in its arguments). Code in closures, `async`
    /// blocks and nested functions is its own body and does not count.
    ///
    /// Not flagged: `let _ = m.lock()` (dropped at once), a guard dropped or whose block
    /// ends before the `.await`, a temporary used up in a statement before the `.await`
    /// (`m.lock().unwrap().push(1); tx.send(()).await`), async locks (`m.lock().await`),
    /// and `read`/`write` calls with arguments (`io::Read::read(&mut buf)`).
    ///
    /// Unlike clippy's `await_holding_lock`, which knows the types, the rule goes by the
    /// shape of the call: a zero-argument `lock()`/`read()`/`write()` that is not awaited is
    /// taken for a blocking lock. It also looks at test code, as clippy does: a test that
    /// deadlocks hangs the test run.
    ///
    /// ## Why is this bad?
    /// While the task is suspended at the `.await`, the lock stays taken. Any other task on
    /// the runtime that asks for it blocks its worker thread, and if that thread is the one
    /// that must resume the first task, the program deadlocks. The future also stops being
    /// `Send` (`std::sync::MutexGuard` is not), so it cannot be spawned on a multi-threaded
    /// runtime.
    ///
    /// ## Example
    /// ```rust
    /// use std::sync::Mutex;
    ///
    /// pub async fn record(log: &Mutex<Vec<String>>, line: String) {
    ///     let mut entries = log.lock().unwrap();
    ///     entries.push(line);
    ///     flush().await;
    /// }
    ///
    /// async fn flush() {}
    /// ```
    ///
    /// ## Use instead
    /// ```rust
    /// use std::sync::Mutex;
    ///
    /// pub async fn record(log: &Mutex<Vec<String>>, line: String) {
    ///     {
    ///         let mut entries = log.lock().unwrap();
    ///         entries.push(line);
    ///     }
    ///     flush().await;
    /// }
    ///
    /// async fn flush() {}
    /// ```
    ///
    /// ## Fix safety
    /// No automatic fix: where the guard should end is a decision about what the lock
    /// protects. End its scope (a block, or `drop(guard)`) before the `.await`, or use an
    /// async lock (`tokio::sync::Mutex`) when the lock must be held across it.
    /// `#[allow(clippy::await_holding_lock)]` on an enclosing item is honoured.
    pub struct LockAcrossAwait {
        name: "lock_across_await",
        category: Async,
        level: Warn,
        fix: None,
        clippy: ["await_holding_lock"],
        summary: "blocking lock guard still alive at an `.await`",
        kinds: [METHOD_CALL_EXPR],
    }
}

const WHY: &str =
    "tasks that need the lock block their thread, and can deadlock, while this one is suspended";

/// Methods that take a blocking lock when called without arguments.
const LOCK_METHODS: &[&str] = &["lock", "read", "write"];

/// Methods that hand the guard on: `lock().unwrap()` is still the guard.
const GUARD_UNWRAPS: &[&str] = &["unwrap", "expect", "unwrap_or_else", "map_err"];

impl Rule for LockAcrossAwait {
    fn words(&self) -> Option<&'static [&'static str]> {
        Some(LOCK_METHODS)
    }

    fn accepts(&self, node: GreenRef<'_>) -> bool {
        is_method_call_named(node, LOCK_METHODS)
    }

    fn check_node(&self, node: &SyntaxNode, cx: &mut FileCx<'_>) {
        let Some(call) = ast::MethodCallExpr::cast(node.clone()) else { return };
        let Some(name) = call.name_ref() else { return };
        if !LOCK_METHODS.iter().any(|m| name.text() == *m)
            || call.arg_list().is_none_or(|a| a.args().count() != 0)
        {
            return;
        }
        let Some(guard) = guard_expr(node) else { return };
        let lock_end = node.text_range().end();
        let lock_range = TextRange::new(name.syntax().text_range().start(), lock_end);
        if let Some(stmt) = guard.parent().and_then(ast::LetStmt::cast) {
            check_binding(&stmt, &guard, lock_range, cx);
            return;
        }
        let Some(scope) = temporary_scope(node, cx.package().edition) else { return };
        let Some(suspension) = first_suspension(&scope, lock_end) else { return };
        let line = line_of(cx, suspension.start());
        let method = name.text().to_string();
        cx.report(lock_range, format!("the temporary guard of `.{method}()` is held across the `.await` on line {line}: {WHY}"))
            .help("take the lock in a statement of its own before the `.await`, copy out what you need, and let the guard drop; or use an async lock (`tokio::sync::Mutex`)");
    }
}

/// The expression that holds the guard of the lock call `node`: the call itself, or the
/// `.unwrap()`, `.expect(..)`, `?` or parentheses around it. `None` when the call is
/// awaited (an async lock).
fn guard_expr(node: &SyntaxNode) -> Option<SyntaxNode> {
    let mut expr = node.clone();
    while let Some(parent) = expr.parent() {
        match parent.kind() {
            SyntaxKind::AWAIT_EXPR => return None,
            SyntaxKind::TRY_EXPR | SyntaxKind::PAREN_EXPR => expr = parent,
            SyntaxKind::METHOD_CALL_EXPR => {
                let call = ast::MethodCallExpr::cast(parent.clone())?;
                let unwraps = call.name_ref().is_some_and(|n| GUARD_UNWRAPS.iter().any(|m| n.text() == *m));
                let is_receiver = call.receiver().is_some_and(|r| r.syntax() == &expr);
                if !(unwraps && is_receiver) {
                    // A method of the guard (or the call is an argument): a temporary.
                    return Some(expr);
                }
                expr = parent;
            }
            // Handed to a function: a guard moved there, or the future of an async lock
            // awaited by it (`join(m.lock(), tx.send(..))`).
            SyntaxKind::ARG_LIST => return None,
            _ => break,
        }
    }
    Some(expr)
}

/// `let guard = m.lock().unwrap();` with an `.await` later in the guard's block.
fn check_binding(stmt: &ast::LetStmt, guard: &SyntaxNode, lock_range: TextRange, cx: &mut FileCx<'_>) {
    if stmt.initializer().is_none_or(|init| init.syntax() != guard) {
        return;
    }
    let Some(ast::Pat::IdentPat(pat)) = stmt.pat() else { return };
    let Some(name) = pat.name() else { return };
    let name = name.text().to_string();
    let Some(block) = stmt.syntax().parent().filter(|p| p.kind() == SyntaxKind::STMT_LIST) else { return };
    let after = stmt.syntax().text_range().end();
    let Some(suspension) = first_suspension(&block, after) else { return };
    if moved_before(&block, &name, after, suspension.start()) || is_awaited_later(&block, &name, after) {
        return;
    }
    let line = line_of(cx, suspension.start());
    let range = TextRange::new(pat.syntax().text_range().start(), lock_range.end());
    cx.report(range, format!("lock guard `{name}` is held across the `.await` on line {line}: {WHY}"))
        .help(format!("end the guard's scope before the `.await` (put it in a block, or call `drop({name})`), or use an async lock (`tokio::sync::Mutex`) if it must be held across"));
}

/// Whether the variable is awaited, given to a call that is awaited, or pinned after
/// `from`: then it holds the future of an async lock (`let fut = m.lock(); pin_mut!(fut);
/// select! { _ = fut => .. }`), no guard.
fn is_awaited_later(block: &SyntaxNode, name: &str, from: TextSize) -> bool {
    block.descendants().filter(|n| n.text_range().start() >= from).any(|node| match node.kind() {
        // `fut.await`, or `join(fut, other).await`.
        SyntaxKind::AWAIT_EXPR => {
            ast::AwaitExpr::cast(node).and_then(|a| a.expr()).is_some_and(|e| match &e {
                ast::Expr::PathExpr(p) => p.syntax().text() == name,
                ast::Expr::CallExpr(call) => call.arg_list().is_some_and(|args| {
                    args.args().any(|a| matches!(&a, ast::Expr::PathExpr(p) if p.syntax().text() == name))
                }),
                _ => false,
            })
        }
        SyntaxKind::MACRO_CALL => ast::MacroCall::cast(node).is_some_and(|call| {
            let pins = call
                .path()
                .and_then(|p| p.segment())
                .and_then(|s| s.name_ref())
                .is_some_and(|n| n.text() == "pin_mut" || n.text() == "pin");
            pins && call.token_tree().is_some_and(|tt| {
                tt.syntax()
                    .descendants_with_tokens()
                    .any(|e| e.as_token().is_some_and(|t| t.kind() == SyntaxKind::IDENT && t.text() == name))
            })
        }),
        _ => false,
    })
}

/// Whether the variable is moved into a call between `from` and `to`: `drop(guard)`,
/// `mem::drop(guard)`, or any other call that takes it by value (which ends the guard
/// there, or consumes the future of an async lock: `join(lock_future, other)`).
fn moved_before(block: &SyntaxNode, name: &str, from: TextSize, to: TextSize) -> bool {
    block.descendants().filter(|n| n.kind() == SyntaxKind::PATH_EXPR).any(|path| {
        let start = path.text_range().start();
        start >= from
            && start < to
            && path.parent().is_some_and(|p| p.kind() == SyntaxKind::ARG_LIST)
            && path.text() == name
    })
}

/// Where the temporary guard made at `node` lives: up to the end of the statement around
/// it, or through the arms of the `match` (the body of the `if let` / `while let`) whose
/// scrutinee holds it. `None` when the expression is a block's tail or something else
/// this rule does not follow.
fn temporary_scope(node: &SyntaxNode, edition: Edition) -> Option<SyntaxNode> {
    let mut child = node.clone();
    for ancestor in node.ancestors().skip(1) {
        match ancestor.kind() {
            SyntaxKind::EXPR_STMT | SyntaxKind::LET_STMT => return Some(ancestor),
            SyntaxKind::MATCH_EXPR => {
                let scrutinee = ast::MatchExpr::cast(ancestor.clone())?.expr()?;
                return (scrutinee.syntax() == &child).then_some(ancestor);
            }
            SyntaxKind::IF_EXPR | SyntaxKind::WHILE_EXPR => {
                // Only a `let` condition keeps its temporaries; a plain one drops them
                // before the body runs.
                if child.kind() != SyntaxKind::LET_EXPR {
                    return None;
                }
                if ancestor.kind() == SyntaxKind::IF_EXPR && edition >= Edition::E2024 {
                    let if_expr = ast::IfExpr::cast(ancestor)?;
                    return if_expr.then_branch().map(|b| b.syntax().clone());
                }
                return Some(ancestor);
            }
            SyntaxKind::LET_EXPR => {}
            kind if ast::Expr::can_cast(kind)
                && kind != SyntaxKind::BLOCK_EXPR
                && kind != SyntaxKind::CLOSURE_EXPR => {}
            SyntaxKind::ARG_LIST | SyntaxKind::RECORD_EXPR_FIELD | SyntaxKind::RECORD_EXPR_FIELD_LIST => {}
            _ => return None,
        }
        child = ancestor;
    }
    None
}
