use crate::declare_rule;
use crate::rule::{FileCx, Rule};
use crate::rules::util::{
    is_hidden_or_deprecated, may_be_public_api_type, may_hold_public_api, public_api_type, result_error_type,
    type_args, type_name,
};
use crate::source::parse::{AstNode, GreenRef, SyntaxKind, SyntaxNode, ast, node_text, text_without_spaces};

declare_rule! {
    /// ## What it does
    /// Finds public functions of a library that return `Result<_, String>`,
    /// `Result<_, &str>` (any lifetime) or `Result<_, Box<dyn Error>>` (with or without
    /// `+ Send + Sync`, any path to `Error`), and public type aliases of such a `Result`.
    ///
    /// Only the library's public API is checked: the item is exactly `pub` (not
    /// `pub(crate)`), not nested in a function body or in a non-`pub` inline module, not
    /// `#[doc(hidden)]` or `#[deprecated]` (itself or an enclosing `impl` or module), and a
    /// method's `impl` is inherent. Trait methods and trait impls, proc-macro crates (which
    /// export nothing but macros), binaries and test code are not flagged. Neither is a
    /// function whose error type is also the type of one of its parameters: it hands the
    /// caller's own value back (`fn try_from_error(e: Box<dyn Error>) -> Result<T, Box<dyn
    /// Error>>`). The check reads one file: a `pub` item of a private out-of-line module, or
    /// a method of a private type, can still be flagged.
    ///
    /// ## Why is this bad?
    /// A string error can only be printed. The caller cannot tell "file not found" from
    /// "permission denied" without parsing the message, which breaks as soon as the wording
    /// changes; the cause chain (`source()`) is lost. `Box<dyn Error>` keeps the cause but
    /// hides which errors can happen: callers have to guess types to downcast to, and it
    /// is not `Send` unless said so. A library's errors are part of its API and deserve a
    /// type.
    ///
    /// ## Example
    /// ```rust
    /// pub fn parse_port(value: &str) -> Result<u16, String> {
    ///     value.parse().map_err(|e| format!("bad port {value}: {e}"))
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```rust
    /// #[derive(Debug, thiserror::Error)]
    /// pub enum ConfigError {
    ///     #[error("bad port {value}")]
    ///     BadPort { value: String, source: std::num::ParseIntError },
    /// }
    ///
    /// pub fn parse_port(value: &str) -> Result<u16, ConfigError> {
    ///     value.parse().map_err(|source| ConfigError::BadPort { value: value.to_owned(), source })
    /// }
    /// ```
    ///
    /// ## Fix safety
    /// No automatic fix: changing a public error type breaks callers, and the variants are
    /// a design decision.
    pub struct StringError {
        name: "string_error",
        category: Errors,
        level: Warn,
        fix: None,
        clippy: [],
        summary: "public library fn returning `Result<_, String>`, `Result<_, &str>` or `Box<dyn Error>`",
        kinds: [FN, TYPE_ALIAS],
    }
}

impl Rule for StringError {
    /// The kinds it reads, by their keywords.
    fn words(&self) -> Option<&'static [&'static str]> {
        Some(&["fn", "type"])
    }

    fn applies_to_file(&self, cx: &FileCx<'_>) -> bool {
        may_hold_public_api(cx)
    }

    /// Public API types (see [`may_be_public_api_type`]) whose tokens may spell a stringly
    /// `Result`.
    fn accepts(&self, node: GreenRef<'_>) -> bool {
        may_be_public_api_type(node) && may_be_stringly_result(node)
    }

    /// A library's public API only, never test code.
    fn looks_in_test_code(&self, _kind: SyntaxKind) -> bool {
        false
    }

    fn check_node(&self, node: &SyntaxNode, cx: &mut FileCx<'_>) {
        let Some((item, ty)) = public_api_type(node, cx) else { return };
        let Some(error) = result_error_type(&ty) else { return };
        let Some(kind) = stringly_kind(&error) else { return };
        if gives_back_an_argument(node, &error) {
            return;
        }
        let why = match kind {
            Kind::Text(_) => "callers can only print the error, not tell one failure from another",
            Kind::BoxDyn => "callers cannot see which errors can happen or match on them",
        };
        let shown = match kind {
            Kind::Text(text) => format!("`Result<_, {text}>`"),
            Kind::BoxDyn => "`Result<_, Box<dyn Error>>`".to_owned(),
        };
        // Checked last: it looks at every item around the function.
        if is_hidden_or_deprecated(node) {
            return;
        }
        cx.report(ty.syntax().text_range(), format!("{} {shown}: {why}", item.is_phrase())).help(
            "define an error type callers can match on, such as an enum with one variant per \
             failure deriving `thiserror::Error` (`#[error(\"..\")]` keeps the message), and \
             return `Result<_, ThatError>`",
        );
    }
}

/// Whether the type a function returns (or an alias names) may be what [`check_node`]
/// reports, judged on its tokens: it names `Result`, and `String`, `str` or `Box`. Most
/// public functions return something else, and reading one's visibility and position costs
/// more than this.
///
/// [`check_node`]: Rule::check_node
fn may_be_stringly_result(node: GreenRef<'_>) -> bool {
    let ty = if node.kind() == SyntaxKind::FN { node.child(SyntaxKind::RET_TYPE) } else { Some(node) };
    let (mut result, mut text) = (false, false);
    ty.is_some_and(|ty| {
        ty.any_token(|kind, token| {
            if kind == SyntaxKind::IDENT {
                result |= token == "Result";
                text |= matches!(token, "String" | "str" | "Box");
            }
            result && text
        })
    })
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    /// `String` or `&str`, as written in the message.
    Text(&'static str),
    /// `Box<dyn Error ..>`.
    BoxDyn,
}

fn stringly_kind(error: &ast::Type) -> Option<Kind> {
    match error {
        ast::Type::RefType(reference) => {
            let inner = reference.ty()?;
            let ast::Type::PathType(path) = &inner else { return None };
            let path = path.path()?;
            (path.qualifier().is_none() && type_name(&inner)? == "str").then_some(Kind::Text("&str"))
        }
        ast::Type::PathType(path) => match type_name(error)?.as_str() {
            "String" => {
                let qualifier = path.path()?.qualifier().map(|q| node_text(q.syntax()));
                qualifier.is_none_or(|q| q.ends_with("string")).then_some(Kind::Text("String"))
            }
            "Box" => {
                let args = type_args(error);
                let [ast::Type::DynTraitType(dyn_type)] = args.as_slice() else { return None };
                let bounds = dyn_type.type_bound_list()?;
                let names_error = bounds
                    .bounds()
                    .filter_map(|b| b.ty())
                    .any(|t| type_name(&t).is_some_and(|n| n == "Error"));
                names_error.then_some(Kind::BoxDyn)
            }
            _ => None,
        },
        _ => None,
    }
}

/// Whether the error type is also the type of a parameter: `fn try_from_error(err: Box<dyn
/// Error>) -> Result<Status, Box<dyn Error>>` hands the caller's own value back when it
/// cannot convert it, and that is not an error type the function chose.
fn gives_back_an_argument(node: &SyntaxNode, error: &ast::Type) -> bool {
    let Some(params) = ast::Fn::cast(node.clone()).and_then(|f| f.param_list()) else { return false };
    let error = normalized(error.syntax());
    params.params().filter_map(|p| p.ty()).any(|ty| normalized(ty.syntax()) == error)
}

fn normalized(node: &SyntaxNode) -> String {
    text_without_spaces(node)
}
