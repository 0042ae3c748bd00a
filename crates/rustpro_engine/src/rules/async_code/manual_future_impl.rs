use crate::declare_rule;
use crate::project::TargetKind;
use crate::rule::{FileCx, Rule};
use crate::rules::util::{is_exactly_pub, type_name};
use crate::source::parse::ast::{HasGenericParams, HasName, HasVisibility};
use crate::source::parse::{AstNode, NodeOrToken, SyntaxKind, SyntaxNode, SyntaxToken, TextRange, ast};

declare_rule! {
    /// ## What it does
    /// Finds a hand-written `impl Future for X` (`std::future::Future`,
    /// `core::future::Future`, `futures::Future`) in production code whose `poll` an
    /// `async fn` could replace: the `Context` is not used at all, or only handed on to the
    /// `poll*` methods of inner futures and streams (which `std::future::poll_fn` wraps).
    ///
    /// To stay quiet where hand-written futures are the right tool, the rule does not flag:
    /// - impls that are generic over a type (`impl<F: Future> Future for Timeout<F>`):
    ///   combinators that wrap any future need a type of their own;
    /// - a `pub` type of a library, whatever module it is in: callers may name it, store
    ///   it or rely on it being `Unpin`, and re-exports are too many ways to make it
    ///   reachable to follow; a library impl whose type is not defined in the same file is
    ///   left alone too;
    /// - a type the file names where an anonymous future cannot stand: an associated type
    ///   or type alias (`type Future = ResponseFuture;`, as tower services need), a field,
    ///   or a type argument (`FuturesUnordered<Task>`);
    /// - a type with methods or trait impls of its own besides `Debug`, `Drop` and the
    ///   like (a child process that can also be awaited): an `async fn` gives a future,
    ///   not such an object;
    /// - impls that do more with the `Context` than forward it (`cx.waker()`, storing or
    ///   waking a `Waker`), that mention wakers anywhere, or that use `unsafe` (pin
    ///   projections by hand);
    /// - a `poll` that returns `Poll::Pending` without using the `Context`: it relies on an
    ///   executor that polls again (a yield), which an `async fn` cannot express;
    /// - generated files (`@generated` or "automatically generated" in a leading comment),
    ///   and test code.
    ///
    /// ## Why is this bad?
    /// A hand-written future is a state machine written by hand: every state, every
    /// `Poll::Pending` path and every pin projection is code to get right, and a `poll` that
    /// returns `Pending` without arranging a wake-up hangs forever. The compiler writes the
    /// same state machine from an `async fn`, correctly, from code that reads top to bottom.
    /// Hand-written futures pay off in libraries that build combinators or manage wakers;
    /// elsewhere they are complexity without a return.
    ///
    /// ## Example
    /// ```rust
    /// use std::future::Future;
    /// use std::pin::Pin;
    /// use std::task::{Context, Poll};
    ///
    /// struct Answer;
    ///
    /// impl Future for Answer {
    ///     type Output = u32;
    ///
    ///     fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<u32> {
    ///         Poll::Ready(42)
    ///     }
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```rust
    /// async fn answer() -> u32 {
    ///     42
    /// }
    /// ```
    ///
    /// ## Fix safety
    /// No automatic fix: turning `poll` into straight-line code means understanding its
    /// states. Off by default (pedantic): select it with `--select manual_future_impl`.
    pub struct ManualFutureImpl {
        name: "manual_future_impl",
        category: Async,
        level: Pedantic,
        fix: None,
        clippy: [],
        summary: "hand-written `impl Future` where an `async fn` would do",
        kinds: [IMPL],
    }
}

impl Rule for ManualFutureImpl {
    /// Impls.
    fn words(&self) -> Option<&'static [&'static str]> {
        Some(&["impl"])
    }

    /// Production code only.
    fn looks_in_test_code(&self, _kind: SyntaxKind) -> bool {
        false
    }

    fn check_node(&self, node: &SyntaxNode, cx: &mut FileCx<'_>) {
        if !cx.is_production() {
            return;
        }
        let Some(imp) = ast::Impl::cast(node.clone()) else { return };
        let Some(trait_) = imp.trait_() else { return };
        if type_name(&trait_).is_none_or(|name| name != "Future") || imp.unsafe_token().is_some() {
            return;
        }
        let generic_over_a_type = imp
            .generic_param_list()
            .is_some_and(|list| list.generic_params().any(|p| matches!(p, ast::GenericParam::TypeParam(_))));
        if generic_over_a_type {
            return;
        }
        let Some(self_ty) = imp.self_ty() else { return };
        let Some(type_name) = type_name(&self_ty) else { return };
        let Some(poll) = poll_fn(&imp) else { return };
        let Some(use_of_cx) = context_use(&poll) else { return };
        if mentions_wakers_or_unsafe(node)
            || is_generated(cx)
            || is_pub_library_type(&type_name, cx)
            || is_named_as_a_type(&type_name, cx)
            || has_an_api_beyond_future(&type_name, node, cx)
        {
            return;
        }
        let Some(start) = imp.impl_token() else { return };
        let range = TextRange::new(start.text_range().start(), self_ty.syntax().text_range().end());
        let what = match use_of_cx {
            ContextUse::None => "never uses its `Context`",
            ContextUse::Forwarded => "only hands its `Context` on to inner `poll` calls",
        };
        cx.report(range, format!("hand-written `Future` for `{type_name}` {what}: an `async fn` would do the same with less code"))
            .help("write the logic as an `async fn` (or an `async` block), `.await`ing the inner futures and wrapping `poll_*` methods in `std::future::poll_fn`; keep hand-written futures for library combinators, types that must be named, and code that manages wakers");
    }
}

/// `fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>)` of the impl.
fn poll_fn(imp: &ast::Impl) -> Option<ast::Fn> {
    imp.assoc_item_list()?.assoc_items().find_map(|item| match item {
        ast::AssocItem::Fn(f) if f.name().is_some_and(|n| n.text() == "poll") => Some(f),
        _ => None,
    })
}

/// What `poll` does with its `Context`.
enum ContextUse {
    None,
    /// Only passed as an argument to `poll*` calls (`inner.poll(cx)`, `ready!(s.poll_next(cx))`).
    Forwarded,
}

/// How `poll` uses its `Context`; `None` when it does more than forward it (or is no
/// `poll(self, cx: &mut Context)`).
fn context_use(poll: &ast::Fn) -> Option<ContextUse> {
    let params = poll.param_list()?;
    params.self_param()?;
    let param = params.params().next()?;
    if param.ty().and_then(|ty| innermost_type_name(&ty)).is_none_or(|name| name != "Context") {
        return None;
    }
    let name = match param.pat()? {
        ast::Pat::IdentPat(pat) => pat.name()?.text().to_string(),
        ast::Pat::WildcardPat(_) => return Some(ContextUse::None),
        _ => return None,
    };
    let body = poll.body()?;
    let mut used = false;
    for token in body.syntax().descendants_with_tokens().filter_map(NodeOrToken::into_token) {
        if token.kind() != SyntaxKind::IDENT || token.text() != name {
            continue;
        }
        used = true;
        if !is_poll_argument(&token) {
            return None;
        }
    }
    if used {
        return Some(ContextUse::Forwarded);
    }
    // `Pending` without a waker registered: the future relies on being polled again by an
    // executor of its own (a yield), which no `async fn` can express.
    let pends =
        body.syntax().descendants_with_tokens().any(|e| e.as_token().is_some_and(|t| t.text() == "Pending"));
    (!pends).then_some(ContextUse::None)
}

/// `Context` for `&mut Context<'_>` or `&mut std::task::Context<'_>`.
fn innermost_type_name(ty: &ast::Type) -> Option<String> {
    match ty {
        ast::Type::RefType(inner) => innermost_type_name(&inner.ty()?),
        other => type_name(other),
    }
}

/// Whether a use of the context is an argument of a call to a `poll*` function or method:
/// in the tree (`inner.poll(cx)`) or in a macro's arguments (`ready!(inner.poll(cx))`).
fn is_poll_argument(token: &SyntaxToken) -> bool {
    for ancestor in token.parent_ancestors() {
        match ancestor.kind() {
            SyntaxKind::ARG_LIST => {
                let callee = ancestor.parent().and_then(|call| match ast::Expr::cast(call)? {
                    ast::Expr::MethodCallExpr(m) => Some(m.name_ref()?.text().to_string()),
                    ast::Expr::CallExpr(c) => match c.expr()? {
                        ast::Expr::PathExpr(p) => Some(p.path()?.segment()?.name_ref()?.text().to_string()),
                        _ => None,
                    },
                    _ => None,
                });
                return callee.is_some_and(|name| name.starts_with("poll"));
            }
            SyntaxKind::TOKEN_TREE
                if ancestor.first_token().is_some_and(|t| t.kind() == SyntaxKind::L_PAREN) =>
            {
                // In macro input: the name right before the parenthesis.
                let mut previous = ancestor.prev_sibling_or_token();
                while let Some(element) = &previous {
                    if !element.kind().is_trivia() {
                        break;
                    }
                    previous = element.prev_sibling_or_token();
                }
                return previous
                    .and_then(NodeOrToken::into_token)
                    .is_some_and(|t| t.kind() == SyntaxKind::IDENT && t.text().starts_with("poll"));
            }
            SyntaxKind::STMT_LIST | SyntaxKind::FN => return false,
            _ => {}
        }
    }
    false
}

/// A future that deals with wakers itself, or projects pins by hand, is doing what
/// hand-written futures are for.
fn mentions_wakers_or_unsafe(imp: &SyntaxNode) -> bool {
    imp.descendants_with_tokens().filter_map(NodeOrToken::into_token).any(|t| {
        t.kind() == SyntaxKind::UNSAFE_KW
            || (t.kind() == SyntaxKind::IDENT && t.text().to_ascii_lowercase().contains("wake"))
    })
}

/// A file that says it is generated, in a comment before its first item.
fn is_generated(cx: &FileCx<'_>) -> bool {
    let Some(first) = cx.root.first_token() else { return false };
    std::iter::successors(Some(first), SyntaxToken::next_token)
        .take_while(|t| t.kind().is_trivia() || t.kind() == SyntaxKind::SHEBANG)
        .filter(|t| t.kind() == SyntaxKind::COMMENT)
        .any(|t| {
            let text = t.text().to_ascii_lowercase();
            text.contains("@generated")
                || text.contains("automatically generated")
                || text.contains("auto-generated")
        })
}

/// Whether the type is `pub` in a library: callers may name it, store it or rely on it
/// being `Unpin`, whatever module it is in (re-exports are many and hard to follow). In a
/// library, a type that is not defined in this file counts as public: the rule cannot tell.
fn is_pub_library_type(name: &str, cx: &FileCx<'_>) -> bool {
    if cx.target() != TargetKind::Lib {
        return false;
    }
    let definition = cx
        .root
        .descendants()
        .filter_map(ast::Adt::cast)
        .find(|adt| adt.name().is_some_and(|n| n.text() == name));
    definition.is_none_or(|adt| is_exactly_pub(adt.visibility()))
}

/// Traits whose impls say nothing about what a type is for.
const INCIDENTAL_TRAITS: &[&str] = &["Debug", "Display", "Drop", "Unpin", "Send", "Sync", "Clone", "Default"];

/// Whether the type is an object with methods or trait impls of its own (a child process
/// that can also be awaited): an `async fn` gives a future, not such an object.
fn has_an_api_beyond_future(name: &str, imp: &SyntaxNode, cx: &FileCx<'_>) -> bool {
    cx.root.descendants().filter(|n| n != imp).filter_map(ast::Impl::cast).any(|other| {
        if other.self_ty().and_then(|ty| type_name(&ty)).is_none_or(|n| n != name) {
            return false;
        }
        match other.trait_() {
            Some(trait_) => type_name(&trait_).is_none_or(|t| !INCIDENTAL_TRAITS.contains(&t.as_str())),
            None => other.assoc_item_list().is_some_and(|items| items.assoc_items().next().is_some()),
        }
    })
}

/// Whether the file names the type where an `async fn`'s anonymous future cannot stand: in
/// a type alias or associated type (`type Future = ResponseFuture;`), a field, or a type
/// argument (`FuturesUnordered<TaskFuture>`). Returning it from a function is not such a
/// place: that function could be the `async fn`.
fn is_named_as_a_type(name: &str, cx: &FileCx<'_>) -> bool {
    cx.root.descendants().filter_map(ast::PathType::cast).any(|ty| {
        let names_it =
            ty.path().and_then(|p| p.segment()).and_then(|s| s.name_ref()).is_some_and(|n| n.text() == name);
        names_it
            && ty
                .syntax()
                .ancestors()
                .skip(1)
                .take_while(|a| !ast::Item::can_cast(a.kind()) || a.kind() == SyntaxKind::TYPE_ALIAS)
                .any(|a| {
                    matches!(
                        a.kind(),
                        SyntaxKind::TYPE_ALIAS
                            | SyntaxKind::RECORD_FIELD
                            | SyntaxKind::TUPLE_FIELD
                            | SyntaxKind::GENERIC_ARG_LIST
                    )
                })
    })
}
