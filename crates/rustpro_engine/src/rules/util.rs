//! Small syntax helpers shared by rules.

use crate::rule::FileCx;
use crate::source::parse::ast::{HasArgList, HasAttrs, HasDocComments, HasVisibility};
use crate::source::parse::{
    AstNode, NodeOrToken, SyntaxElement, SyntaxKind, SyntaxNode, SyntaxToken, TextRange, TextSize, ast,
};

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
                None => segments.push(segment.syntax().text().to_string()),
            }
        }
        current = p.qualifier();
    }
    segments.reverse();
    let joined = segments.join("::");
    if absolute { format!("::{joined}") } else { joined }
}

/// Whether a visibility is exactly `pub` (not `pub(crate)`, `pub(super)`, `pub(in ..)`).
pub(crate) fn is_exactly_pub(visibility: Option<ast::Visibility>) -> bool {
    visibility.is_some_and(|v| v.pub_token().is_some() && v.visibility_inner().is_none())
}

/// Whether a `pub` function is part of the file's public API as far as the file can tell:
/// its own visibility is exactly `pub`, it is not nested in a function body, every inline
/// module around it is `pub`, and if it is a method, its `impl` is inherent (trait impl
/// methods carry no visibility of their own).
pub(crate) fn is_public_fn(function: &ast::Fn, cx: &FileCx<'_>) -> bool {
    if !is_exactly_pub(function.visibility()) {
        return false;
    }
    is_public_position(function.syntax(), cx)
}

/// Whether an item that is `pub` itself sits where `pub` reaches outside the file: see
/// [`is_public_fn`].
pub(crate) fn is_public_position(item: &SyntaxNode, cx: &FileCx<'_>) -> bool {
    for ancestor in item.ancestors().skip(1) {
        match ancestor.kind() {
            SyntaxKind::SOURCE_FILE => return cx.in_public_module(),
            SyntaxKind::ITEM_LIST | SyntaxKind::ASSOC_ITEM_LIST => {}
            SyntaxKind::MODULE => {
                let Some(module) = ast::Module::cast(ancestor) else { return false };
                if !is_exactly_pub(module.visibility()) {
                    return false;
                }
            }
            SyntaxKind::IMPL => {
                let Some(imp) = ast::Impl::cast(ancestor) else { return false };
                if imp.for_token().is_some() || imp.trait_().is_some() {
                    return false;
                }
            }
            // Function bodies, traits, extern blocks, macro input: not a public path.
            _ => return false,
        }
    }
    // A fragment (macro input) with no file around it.
    false
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
    while let Some(token) = current {
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
    while let Some(token) = current {
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

/// Whether the package builds a proc-macro library (`proc-macro = true` in `[lib]`): its
/// library has no API but its macros, and a panic in it is a compile error, not a crash.
pub(crate) fn is_proc_macro_package(cx: &FileCx<'_>) -> bool {
    cx.package().is_proc_macro
}

/// Whether an item or one of the items around it carries `#[doc(hidden)]` or
/// `#[deprecated]`: not part of the API a library invites callers to use.
pub(crate) fn is_hidden_or_deprecated(item: &SyntaxNode) -> bool {
    item.ancestors().filter_map(ast::AnyHasAttrs::cast).any(|owner| {
        owner.attrs().any(|attr| {
            // Read as tokens: the shape of attributes in the tree differs between parser releases.
            let Some(meta) = attr.meta() else { return false };
            let text: String = meta
                .syntax()
                .descendants_with_tokens()
                .filter_map(|e| e.into_token())
                .filter(|t| !t.kind().is_trivia())
                .map(|t| t.text().to_owned())
                .collect();
            text == "doc(hidden)"
                || text == "deprecated"
                || text.starts_with("deprecated(")
                || text.starts_with("deprecated=")
        })
    })
}

/// Whether an item's doc comments have a section with the given heading (`# Panics`).
pub(crate) fn has_doc_section(item: &SyntaxNode, heading: &str) -> bool {
    let Some(owner) = ast::AnyHasDocComments::cast(item.clone()) else { return false };
    owner.doc_comments().any(|comment| {
        comment.doc_comment().is_some_and(|(text, _)| {
            text.lines().any(|line| line.trim_start_matches([' ', '*', '!']).trim_end() == heading)
        })
    })
}

/// A public library API item whose type a rule looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ApiItem {
    /// A function: its return type.
    Function,
    /// A type alias: the aliased type.
    TypeAlias,
}

impl ApiItem {
    /// "public function returns" / "public type alias is", to put before a type.
    pub(crate) fn is_phrase(self) -> &'static str {
        match self {
            ApiItem::Function => "public function returns",
            ApiItem::TypeAlias => "public type alias is",
        }
    }

    /// "public function's return type contains" / "public type alias contains".
    pub(crate) fn contains_phrase(self) -> &'static str {
        match self {
            ApiItem::Function => "public function's return type contains",
            ApiItem::TypeAlias => "public type alias contains",
        }
    }
}

/// The type a public library API item exposes, for rules about return types: the return
/// type of a public function (see [`is_public_fn`]) or the aliased type of a public type
/// alias. `None` outside library production code and in proc-macro crates. Callers check
/// [`is_hidden_or_deprecated`] last, once they know they have a finding: it is the costly test.
pub(crate) fn public_api_type(node: &SyntaxNode, cx: &FileCx<'_>) -> Option<(ApiItem, ast::Type)> {
    if !cx.is_library_production() {
        return None;
    }
    let found = if let Some(function) = ast::Fn::cast(node.clone()) {
        if !is_public_fn(&function, cx) {
            return None;
        }
        (ApiItem::Function, function.ret_type()?.ty()?)
    } else {
        let alias = ast::TypeAlias::cast(node.clone())?;
        if !is_exactly_pub(alias.visibility()) || !is_public_position(node, cx) {
            return None;
        }
        (ApiItem::TypeAlias, alias.ty()?)
    };
    if is_proc_macro_package(cx) {
        return None;
    }
    Some(found)
}

/// The ancestors of `node`, continued through the macro call in the file's tree when `node`
/// belongs to a macro argument the engine parsed on its own.
pub(crate) fn ancestors_in_file(node: &SyntaxNode, cx: &FileCx<'_>) -> Vec<SyntaxNode> {
    node.ancestors().chain(macro_call_in_file(cx).into_iter().flat_map(|m| m.ancestors())).collect()
}
