use crate::declare_rule;
use crate::rule::{FileCx, Rule};
use crate::rules::util::{
    is_hidden_or_deprecated, may_be_public_api_type, may_hold_public_api, path_text, public_api_type,
    result_error_type,
};
use crate::source::parse::{AstNode, GreenRef, SyntaxKind, SyntaxNode, ast};

declare_rule! {
    /// ## What it does
    /// Finds public functions of a library whose return type names `anyhow::Result` or
    /// `anyhow::Error` (`anyhow::Result<T>`, `Result<T, anyhow::Error>`, also nested, as in
    /// `BoxFuture<'_, anyhow::Result<T>>`), and public type aliases of them. `Result` and
    /// `Error` imported from `anyhow` with `use` count too. The same holds for `anyhow`'s
    /// twins `eyre` and `color_eyre` (`Result`, `Report`).
    ///
    /// Only the library's public API is checked: the function is exactly `pub` (not
    /// `pub(crate)`), not nested in a function body or in a non-`pub` inline module, and if
    /// it is a method, its `impl` is inherent. Binaries, trait impls and test code are not
    /// flagged: `anyhow` is the right tool there. Only the file's top-level `use` items
    /// are read, and glob imports (`use anyhow::*`) are not followed.
    ///
    /// ## Why is this bad?
    /// `anyhow::Error` is made for applications: it carries a message and a backtrace for a
    /// human to read. A library that returns it takes away its callers' ability to react
    /// to a specific failure (retry on a timeout, report a missing file) without
    /// downcasting to types the library never promised, and it ties every caller to the
    /// `anyhow` crate. Libraries return typed errors; applications wrap them with `anyhow`.
    ///
    /// ## Example
    /// ```rust
    /// pub fn load(path: &std::path::Path) -> anyhow::Result<String> {
    ///     Ok(std::fs::read_to_string(path)?)
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```rust
    /// #[derive(Debug, thiserror::Error)]
    /// pub enum LoadError {
    ///     #[error("cannot read {path}")]
    ///     Read { path: std::path::PathBuf, source: std::io::Error },
    /// }
    ///
    /// pub fn load(path: &std::path::Path) -> Result<String, LoadError> {
    ///     std::fs::read_to_string(path).map_err(|source| LoadError::Read { path: path.to_owned(), source })
    /// }
    /// ```
    ///
    /// ## Fix safety
    /// No automatic fix: changing a public error type breaks callers, and the variants are
    /// a design decision.
    pub struct AnyhowInLibraryApi {
        name: "anyhow_in_library_api",
        category: Errors,
        level: Warn,
        fix: None,
        clippy: [],
        summary: "public library fn returning `anyhow::Result` / `anyhow::Error`",
        kinds: [FN, TYPE_ALIAS],
    }
}

impl Rule for AnyhowInLibraryApi {
    /// The kinds it reads, by their keywords.
    fn words(&self) -> Option<&'static [&'static str]> {
        Some(&["fn", "type"])
    }

    /// Paths expand through the file's own imports only, so a type resolves to one of these
    /// crates only where the file names the crate.
    fn applies_to_file(&self, cx: &FileCx<'_>) -> bool {
        may_hold_public_api(cx) && (cx.file_mentions("anyhow") || cx.file_mentions("eyre"))
    }

    fn accepts(&self, node: GreenRef<'_>) -> bool {
        may_be_public_api_type(node)
    }

    /// A library's public API only, never test code.
    fn looks_in_test_code(&self, _kind: SyntaxKind) -> bool {
        false
    }

    fn check_node(&self, node: &SyntaxNode, cx: &mut FileCx<'_>) {
        let Some((item, ty)) = public_api_type(node, cx) else { return };
        let Some((found, at)) = application_error_in(&ty, cx) else { return };
        // `anyhow::Result<T>` or `Result<T, anyhow::Error>` is returned; anything else holds it.
        let direct = at == *ty.syntax() || result_error_type(&ty).is_some_and(|e| *e.syntax() == at);
        let phrase = if direct { item.is_phrase() } else { item.contains_phrase() };
        let krate = found.split("::").next().unwrap_or_default().to_owned();
        // Checked last: it looks at every item around the function.
        if is_hidden_or_deprecated(node) {
            return;
        }
        cx.report(
            ty.syntax().text_range(),
            format!("{phrase} `{found}`: callers cannot match on the library's errors"),
        )
        .help(format!(
            "`{krate}` is made for applications; give the library an error type callers can match \
             on (an enum deriving `thiserror::Error`) and let applications wrap it in `{krate}`"
        ));
    }
}

/// The first path in `ty` (itself included) that stands for an application error type,
/// fully expanded through the file's imports (`anyhow::Result`, `eyre::Report`, ...), with
/// its node.
fn application_error_in(ty: &ast::Type, cx: &FileCx<'_>) -> Option<(String, SyntaxNode)> {
    ty.syntax().descendants().filter_map(ast::PathType::cast).find_map(|path_type| {
        let written = path_text(&path_type.path()?);
        let full = cx.expand_path_at(path_type.syntax(), &written);
        is_application_error(&full).then(|| (full, path_type.syntax().clone()))
    })
}

fn is_application_error(path: &str) -> bool {
    let Some((krate, item)) = path.rsplit_once("::") else { return false };
    let krate_ok = matches!(krate, "anyhow" | "eyre" | "color_eyre" | "color_eyre::eyre");
    let item_ok = match krate {
        "anyhow" => matches!(item, "Result" | "Error"),
        _ => matches!(item, "Result" | "Report"),
    };
    krate_ok && item_ok
}
