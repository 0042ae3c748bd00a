use crate::declare_rule;
use crate::diagnostic::Applicability;
use crate::rule::{FileCx, FileFix, Rule};
use crate::rules::util::{ancestors_in_file, is_method_call_named, macro_call_in_file, macro_name};
use crate::source::parse::ast::{HasArgList, HasGenericArgs, HasName};
use crate::source::parse::{
    AstNode, GreenRef, SyntaxKind, SyntaxNode, TextSize, ast, node_text, text_without_spaces,
};

declare_rule! {
    /// ## What it does
    /// Finds `&x.clone()`, `&x.to_owned()` and `&x.to_string()` passed straight as an
    /// argument: of a function call, of a method call, or of a formatting, assertion or
    /// logging macro (`format!`, `println!`, `write!`, `assert_eq!`, `info!`, ..), in
    /// production code. Test code is left alone: there `check(&value.clone())` is often the
    /// point (a test of the type's `Clone` or of reference counts), and a copy costs nothing.
    ///
    /// `.clone()` keeps the type, so it is reported on any receiver. `.to_string()` and
    /// `.to_owned()` often convert: `&id.to_string()` on a number, `&name.to_owned()` on a
    /// `&str` (a `String`, which a call such as `Vec<String>::contains` needs exactly).
    /// Without types the rule reports them only where the type stays the same: on a name
    /// bound as a `String` or `&String` (a parameter or `let` typed so, or a `let` set to
    /// `String::new()`, `String::from(..)` or `format!(..)`); and, in formatting macros,
    /// where a `str` prints like a `String`, also on a string literal or a name typed `&str`.
    ///
    /// Not reported: `&mut x.clone()` (the callee changes the copy, not `x`), and a call
    /// whose receiver, or another `&mut` argument, starts at the same variable as the
    /// copied value (`v.extend_from_slice(&v.clone())`, `self.set(&self.name.clone())`):
    /// there the copy is what lets the borrows coexist.
    ///
    /// ## Why is this bad?
    /// The callee only borrows the value, so the copy is built, borrowed once and dropped:
    /// an allocation and a copy of every byte (for a `String`, a `Vec`, a map) that buy
    /// nothing. Borrowing the original gives the callee the same data.
    ///
    /// ## Example
    /// ```rust
    /// fn greet(name: &str) -> String {
    ///     format!("hello {name}")
    /// }
    ///
    /// fn run(user: &String) -> String {
    ///     greet(&user.clone())
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```rust
    /// fn greet(name: &str) -> String {
    ///     format!("hello {name}")
    /// }
    ///
    /// fn run(user: &String) -> String {
    ///     greet(user)
    /// }
    /// ```
    ///
    /// ## Fix safety
    /// The fix borrows the original: `&x`, or just `x` when `x` is a shared reference
    /// already (a string literal, a parameter or `let` typed `&T`), so that `&key.clone()`
    /// with `key: &String` keeps its type `&String`. It is unsafe because the argument's type
    /// can still change: `&s.to_string()` with `s: &str` was a `&String` and becomes a
    /// `&str`; `&v.clone()` with `v: &Vec<T>` of unknown type becomes a `&&Vec<T>`. Deref
    /// coercion makes that work where the parameter has a concrete type, but not for a
    /// generic parameter (`fn f<Q: Hash>(key: &Q)`, `HashMap::get`) nor for a parameter
    /// typed `&String` that is now handed a `&str`. `#[allow(clippy::redundant_clone)]` on an
    /// enclosing item is honoured.
    pub struct CloneThenBorrow {
        name: "clone_then_borrow",
        category: Api,
        level: Warn,
        fix: Unsafe,
        clippy: ["redundant_clone"],
        summary: "`&x.clone()`, `&x.to_owned()` or `&x.to_string()` passed as an argument",
        kinds: [REF_EXPR],
    }
}

/// Macros that format their arguments: a `str` and a `String` print the same.
const FORMATTING_MACROS: &[&str] = &[
    "format",
    "format_args",
    "print",
    "println",
    "eprint",
    "eprintln",
    "write",
    "writeln",
    "panic",
    "trace",
    "debug",
    "info",
    "warn",
    "error",
];

/// Macros that compare their arguments: the types must match, as for a call.
const COMPARING_MACROS: &[&str] =
    &["assert", "assert_eq", "assert_ne", "debug_assert", "debug_assert_eq", "debug_assert_ne"];

/// Where the reference is passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Position {
    /// An argument of a call, a method call or a comparing macro.
    Call,
    /// An argument of a formatting macro.
    Formatting,
}

/// The calls that copy their receiver.
const COPYING_METHODS: &[&str] = &["clone", "to_owned", "to_string"];

impl Rule for CloneThenBorrow {
    fn words(&self) -> Option<&'static [&'static str]> {
        Some(COPYING_METHODS)
    }

    /// Test code stays test code down the tree.
    fn applies_to_file(&self, cx: &FileCx<'_>) -> bool {
        cx.is_production()
    }

    /// `&recv.clone()` and the like: the reference's expression is one of the copying calls.
    fn accepts(&self, node: GreenRef<'_>) -> bool {
        node.child_nodes().any(|child| is_method_call_named(child, COPYING_METHODS))
    }

    /// Production code only.
    fn looks_in_test_code(&self, _kind: SyntaxKind) -> bool {
        false
    }

    fn check_node(&self, node: &SyntaxNode, cx: &mut FileCx<'_>) {
        if !cx.is_production() {
            return;
        }
        let Some(reference) = ast::RefExpr::cast(node.clone()) else { return };
        if reference.mut_token().is_some() || reference.raw_token().is_some() {
            return;
        }
        let Some(ast::Expr::MethodCallExpr(call)) = reference.expr() else { return };
        let Some(method) = call.name_ref() else { return };
        let method = method.text().to_string();
        if !COPYING_METHODS.contains(&method.as_str())
            || call.generic_arg_list().is_some()
            || call.arg_list().is_none_or(|args| args.args().next().is_some())
        {
            return;
        }
        let Some(receiver) = call.receiver() else { return };
        let Some(position) = argument_position(node, cx) else { return };
        let known = known(&receiver, node, cx);
        // `.to_string()` / `.to_owned()` of a `&str` build a `String`: a call may need exactly
        // that type (`Vec<String>::contains`); formatting prints both the same.
        let same_type = known.owned_string || (known.string && position == Position::Formatting);
        if method != "clone" && !same_type {
            return;
        }
        if borrows_conflict(node, &receiver) || writes_to_same(&receiver, cx) {
            return;
        }
        // A receiver that is a shared reference already is passed as it is, not borrowed again.
        let receiver_text = node_text(receiver.syntax());
        let borrow = if known.reference { receiver_text.clone() } else { format!("&{receiver_text}") };
        let what = if method == "to_string" { "a new string" } else { "a copy" };
        let help = if receiver_text.len() > 40 || receiver_text.contains('\n') {
            "borrow the original value instead".to_owned()
        } else {
            format!("pass `{borrow}`")
        };
        cx.report(
            node.text_range(),
            format!(
                "`.{method}()` builds {what} only to lend it to the call, which could borrow the original"
            ),
        )
        .help(help)
        .fix(FileFix::new("borrow the original", Applicability::Unsafe).replace(node.text_range(), borrow));
    }
}

/// Whether the reference is an argument of a call, a method call, or a formatting or
/// comparing macro.
fn argument_position(node: &SyntaxNode, cx: &FileCx<'_>) -> Option<Position> {
    match node.parent() {
        Some(parent) => (parent.kind() == SyntaxKind::ARG_LIST).then_some(Position::Call),
        // The root of a macro argument parsed on its own.
        None => {
            let (_, name) =
                macro_call_in_file(cx).and_then(ast::MacroCall::cast).and_then(|c| macro_name(&c))?;
            if FORMATTING_MACROS.contains(&name.as_str()) {
                Some(Position::Formatting)
            } else {
                COMPARING_MACROS.contains(&name.as_str()).then_some(Position::Call)
            }
        }
    }
}

/// The variable an expression starts at: `self` for `self.items.first()`, `v` for `v`.
fn root_name(expr: &ast::Expr) -> Option<String> {
    match expr {
        ast::Expr::PathExpr(path) => {
            let path = path.path()?;
            if path.qualifier().is_some() {
                return None;
            }
            Some(node_text(path.segment()?.syntax()))
        }
        ast::Expr::FieldExpr(field) => root_name(&field.expr()?),
        ast::Expr::MethodCallExpr(call) => root_name(&call.receiver()?),
        ast::Expr::IndexExpr(index) => root_name(&index.base()?),
        ast::Expr::ParenExpr(inner) => root_name(&inner.expr()?),
        ast::Expr::RefExpr(inner) => root_name(&inner.expr()?),
        ast::Expr::PrefixExpr(inner) => root_name(&inner.expr()?),
        ast::Expr::TryExpr(inner) => root_name(&inner.expr()?),
        _ => None,
    }
}

/// Whether a `write!` / `writeln!` writes into the variable the copied value starts at
/// (`write!(self, "{}", &self.name.clone())`): the writer is borrowed mutably meanwhile.
fn writes_to_same(receiver: &ast::Expr, cx: &FileCx<'_>) -> bool {
    let Some(call) = macro_call_in_file(cx).and_then(ast::MacroCall::cast) else { return false };
    if !macro_name(&call).is_some_and(|(_, name)| name == "write" || name == "writeln") {
        return false;
    }
    let Some(name) = root_name(receiver) else { return false };
    let Some(tree) = call.token_tree() else { return false };
    // The first token inside the delimiters: the writer's first segment.
    tree.syntax()
        .children_with_tokens()
        .filter_map(|e| e.into_token())
        .skip(1)
        .find(|t| !t.kind().is_trivia() && t.kind() != SyntaxKind::AMP && t.kind() != SyntaxKind::MUT_KW)
        .is_some_and(|t| t.text() == name)
}

/// Whether the call's receiver or another `&mut` argument starts at the copied variable: the
/// copy may be what lets the call borrow both.
fn borrows_conflict(node: &SyntaxNode, receiver: &ast::Expr) -> bool {
    let Some(name) = root_name(receiver) else { return false };
    let Some(args) = node.parent().and_then(ast::ArgList::cast) else { return false };
    let Some(call) = args.syntax().parent() else { return false };
    if let Some(method) = ast::MethodCallExpr::cast(call)
        && method.receiver().and_then(|r| root_name(&r)).is_some_and(|r| r == name)
    {
        return true;
    }
    args.args().any(|arg| {
        arg.syntax() != node
            && matches!(&arg, ast::Expr::RefExpr(r) if r.mut_token().is_some())
            && root_name(&arg).is_some_and(|r| r == name)
    })
}

/// What is known of a receiver without types.
#[derive(Debug, Clone, Copy, Default)]
struct Known {
    /// A `str` or `String`, or a reference to one.
    string: bool,
    /// A `String` or `&String`: `.to_string()` and `.to_owned()` give the same type again.
    owned_string: bool,
    /// A reference already (`&str`, `&T`): the call can take it as it is.
    reference: bool,
}

/// What the rule can tell of the receiver: a string literal, or a plain name with a
/// parameter or `let` that says its type (see the rule's docs).
fn known(receiver: &ast::Expr, node: &SyntaxNode, cx: &FileCx<'_>) -> Known {
    match receiver {
        ast::Expr::Literal(literal) => {
            let string = matches!(literal.kind(), ast::LiteralKind::String(_));
            Known { string, owned_string: false, reference: string }
        }
        ast::Expr::PathExpr(path) => {
            let Some(path) = path.path() else { return Known::default() };
            if path.qualifier().is_some() {
                return Known::default();
            }
            let Some(name) = path.segment().and_then(|s| s.name_ref()) else { return Known::default() };
            binding(name.text(), node, cx).unwrap_or_default()
        }
        _ => Known::default(),
    }
}

/// The innermost binding of `name` before the node, in the enclosing function: a parameter
/// or a `let`, with what its type or value says.
fn binding(name: &str, node: &SyntaxNode, cx: &FileCx<'_>) -> Option<Known> {
    let ancestors = ancestors_in_file(node, cx);
    let function = ancestors.iter().find_map(|a| ast::Fn::cast(a.clone()))?;
    // A position in the file's tree: the macro call when the node is in a macro argument.
    let at: TextSize = macro_call_in_file(cx).map_or(node.text_range().start(), |m| m.text_range().start());
    let mut found = None;
    for param in function.param_list().into_iter().flat_map(|params| params.params()) {
        if ident_name(param.pat()).is_some_and(|n| n == name) {
            found = Some(param.ty().map(|ty| known_type(&ty)).unwrap_or_default());
        }
    }
    let body = function.body()?;
    for stmt in body.syntax().descendants().filter_map(ast::LetStmt::cast) {
        if stmt.syntax().text_range().start() >= at {
            break;
        }
        if ident_name(stmt.pat()).is_none_or(|n| n != name) {
            continue;
        }
        found = Some(match stmt.ty() {
            Some(ty) => known_type(&ty),
            None => stmt.initializer().map(|e| known_value(&e)).unwrap_or_default(),
        });
    }
    // Closure parameters are not followed: a name bound there may be anything.
    let rebound_in_closure = body.syntax().descendants().filter_map(ast::ClosureExpr::cast).any(|closure| {
        closure.syntax().text_range().start() < at
            && closure
                .param_list()
                .is_some_and(|ps| ps.params().any(|p| ident_name(p.pat()).is_some_and(|n| n == name)))
    });
    if rebound_in_closure { None } else { found }
}

fn ident_name(pat: Option<ast::Pat>) -> Option<String> {
    let Some(ast::Pat::IdentPat(ident)) = pat else { return None };
    if ident.pat().is_some() {
        return None;
    }
    Some(ident.name()?.text().to_string())
}

/// What a written type says: a reference, a string (`&str`, `&'a str`, `String`, `&String`,
/// `std::string::String`).
fn known_type(ty: &ast::Type) -> Known {
    let (string, owned_string) = string_type(ty);
    Known { string, owned_string, reference: matches!(ty, ast::Type::RefType(r) if r.mut_token().is_none()) }
}

/// Whether a type is a string (`str`, `String`, or a reference to one), and whether it is
/// a `String` (or a reference to one).
fn string_type(ty: &ast::Type) -> (bool, bool) {
    let text = text_without_spaces(ty.syntax());
    let mut rest = text.as_str();
    if let Some(inner) = rest.strip_prefix('&') {
        rest = inner;
        if rest.starts_with('\'') {
            rest = rest.trim_start_matches(|c: char| c == '\'' || c == '_' || c.is_alphanumeric());
        }
        rest = rest.strip_prefix("mut").unwrap_or(rest);
    }
    let owned = matches!(rest, "String" | "std::string::String" | "alloc::string::String");
    (owned || rest == "str", owned)
}

/// What a `let`'s value says: a string literal (a `&str`), `String::new()`,
/// `String::from(..)` or `format!(..)` (a `String`).
fn known_value(expr: &ast::Expr) -> Known {
    if let ast::Expr::Literal(literal) = expr {
        let string = matches!(literal.kind(), ast::LiteralKind::String(_));
        return Known { string, owned_string: false, reference: string };
    }
    let string = is_string_value(expr);
    Known { string, owned_string: string, reference: false }
}

fn is_string_value(expr: &ast::Expr) -> bool {
    match expr {
        ast::Expr::CallExpr(call) => {
            let Some(ast::Expr::PathExpr(path)) = call.expr() else { return false };
            let text = node_text(path.syntax());
            matches!(text.as_str(), "String::new" | "String::from" | "String::with_capacity")
        }
        ast::Expr::MacroExpr(mac) => {
            mac.macro_call().and_then(|call| macro_name(&call)).is_some_and(|(_, name)| name == "format")
        }
        _ => false,
    }
}
