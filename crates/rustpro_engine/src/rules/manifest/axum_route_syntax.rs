use crate::declare_rule;
use crate::diagnostic::Applicability;
use crate::rule::{FileCx, FileFix, Rule};
use crate::rules::util::{is_method_call_named, path_text};
use crate::source::parse::ast::{AstToken, HasArgList, IsString};
use crate::source::parse::{AstNode, GreenRef, SyntaxKind, SyntaxNode, ast};

declare_rule! {
    /// ## What it does
    /// In packages that depend on axum, finds code written for an older axum than the one
    /// the manifest asks for:
    ///
    /// - with axum 0.8 or newer, route paths in the 0.7 syntax, `"/users/:id"` and
    ///   `"/files/*path"`, passed as a string literal to `.route(..)`, `.route_service(..)`,
    ///   `.nest(..)` or `.nest_service(..)`;
    /// - with axum 0.7 or newer, `axum::Server` (`axum::Server::bind(..)`, or `Server`
    ///   imported from `axum`), which 0.7 removed.
    ///
    /// The version is the lowest one the dependency's requirement allows (`"0.8"`,
    /// `"^0.8.1"`, `">=0.8"` all mean 0.8), read from `[dependencies]` or, for
    /// `axum = { workspace = true }`, from `[workspace.dependencies]`. When no requirement
    /// gives a version (a git or path dependency, `"*"`), nothing is reported. Test code is
    /// checked too: a router built in a test panics the same way.
    ///
    /// ## Why is this bad?
    /// axum 0.8 writes captures as `{id}` and wildcards as `{*path}`. A segment that starts
    /// with `:` or `*` is rejected when the route is added: the router panics while the
    /// application starts, not at compile time, so the upgrade compiles and then fails on the
    /// first run. `axum::Server` does not exist from 0.7 on; the server is started with a
    /// `tokio::net::TcpListener` and `axum::serve`.
    ///
    /// ## Example
    /// ```toml
    /// [dependencies]
    /// axum = "0.8"
    /// ```
    /// ```rust
    /// use axum::{Router, routing::get};
    ///
    /// async fn user() {}
    ///
    /// fn app() -> Router {
    ///     Router::new().route("/users/:id", get(user))
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```toml
    /// [dependencies]
    /// axum = "0.8"
    /// ```
    /// ```rust
    /// use axum::{Router, routing::get};
    ///
    /// async fn user() {}
    ///
    /// fn app() -> Router {
    ///     Router::new().route("/users/{id}", get(user))
    /// }
    /// ```
    ///
    /// ## Fix safety
    /// The path fix is safe: it rewrites every `:name` segment to `{name}` and every `*name`
    /// segment to `{*name}` in the literal, which is what axum 0.8 reads as the same route.
    /// It is offered for plain and raw string literals without escapes, and not for a path
    /// that already has `{` or `}` in it (in 0.7 those were literal characters) or a bare
    /// `*` or `:`. `axum::Server` has no fix: the replacement changes how the server is
    /// started.
    pub struct AxumRouteSyntax {
        name: "axum_route_syntax",
        category: Manifest,
        level: Warn,
        fix: Safe,
        clippy: [],
        summary: "axum 0.7 route syntax (`\"/:id\"`, `\"/*rest\"`) with axum >= 0.8, `axum::Server` with axum >= 0.7",
        kinds: [METHOD_CALL_EXPR, PATH_EXPR],
    }
}

/// Router methods whose first argument is a path.
const ROUTE_METHODS: &[&str] = &["route", "route_service", "nest", "nest_service"];

impl Rule for AxumRouteSyntax {
    fn words(&self) -> Option<&'static [&'static str]> {
        Some(ROUTE_METHODS)
    }

    fn marks(&self) -> &'static [&'static str] {
        &["Server"]
    }

    /// Most files of an axum package build no router, and most packages use no axum.
    fn applies_to_file(&self, cx: &FileCx<'_>) -> bool {
        (cx.file_mentions(".route") || cx.file_mentions(".nest") || cx.file_mentions("Server"))
            && axum_version(cx).is_some()
    }

    /// A router method, or a path whose text holds `Server`.
    fn accepts(&self, node: GreenRef<'_>) -> bool {
        match node.kind() {
            SyntaxKind::METHOD_CALL_EXPR => is_method_call_named(node, ROUTE_METHODS),
            _ => node.any_token(|_, text| text.contains("Server")),
        }
    }

    fn check_node(&self, node: &SyntaxNode, cx: &mut FileCx<'_>) {
        // Cheap text tests first: most files of an axum package build no router.
        if !(cx.file_mentions(".route") || cx.file_mentions(".nest") || cx.file_mentions("Server")) {
            return;
        }
        let Some((crate_name, version)) = axum_version(cx) else { return };
        match node.kind() {
            SyntaxKind::METHOD_CALL_EXPR if version >= (0, 8) => check_route(node, cx),
            SyntaxKind::PATH_EXPR if version >= (0, 7) => check_server(node, &crate_name, cx),
            _ => {}
        }
    }
}

fn check_route(node: &SyntaxNode, cx: &mut FileCx<'_>) {
    let Some(call) = ast::MethodCallExpr::cast(node.clone()) else { return };
    let Some(name) = call.name_ref() else { return };
    if !ROUTE_METHODS.iter().any(|m| name.text() == *m) {
        return;
    }
    let Some(ast::Expr::Literal(literal)) = call.arg_list().and_then(|args| args.args().next()) else {
        return;
    };
    let ast::LiteralKind::String(string) = literal.kind() else { return };
    let Some(value) = string.value().ok() else { return };
    if !value.split('/').any(|segment| segment.starts_with(':') || segment.starts_with('*')) {
        return;
    }
    let range = literal.syntax().text_range();
    let report = cx
        .report(
            range,
            format!(
                "route path `{value}` uses the `:param` / `*rest` syntax that axum 0.8 rejects: the router \
                 panics when this route is added"
            ),
        )
        .help("write captures as `{param}` and wildcards as `{*rest}`");
    // Only a literal whose text is the path verbatim (no escapes) is edited.
    let Some(content) = string.text_range_between_quotes() else { return };
    let Some(written) = string.text().get(std::ops::Range::<usize>::from(content - range.start())) else {
        return;
    };
    if written != value {
        return;
    }
    let Some(fixed) = new_syntax(&value) else { return };
    report.fix(FileFix::new("use axum 0.8 path syntax", Applicability::Safe).replace(content, fixed));
}

/// The path in axum 0.8 syntax, when every changed segment converts cleanly.
fn new_syntax(path: &str) -> Option<String> {
    if path.contains(['{', '}']) {
        return None;
    }
    let segments: Option<Vec<String>> = path
        .split('/')
        .map(|segment| {
            if let Some(name) = segment.strip_prefix(':') {
                is_capture_name(name).then(|| format!("{{{name}}}"))
            } else if let Some(name) = segment.strip_prefix('*') {
                is_capture_name(name).then(|| format!("{{*{name}}}"))
            } else {
                Some(segment.to_owned())
            }
        })
        .collect();
    Some(segments?.join("/"))
}

fn is_capture_name(name: &str) -> bool {
    !name.is_empty() && !name.contains([':', '*'])
}

fn check_server(node: &SyntaxNode, crate_name: &str, cx: &mut FileCx<'_>) {
    if !cx.file_mentions("Server") {
        return;
    }
    let Some(path) = ast::PathExpr::cast(node.clone()).and_then(|p| p.path()) else { return };
    let text = path_text(&path);
    if !text.contains("Server") {
        return;
    }
    let full = cx.expand_path_at(node, &text);
    let server = format!("{crate_name}::Server");
    if full != server && !full.starts_with(&format!("{server}::")) {
        return;
    }
    cx.report(
        path.syntax().text_range(),
        "`axum::Server` was removed in axum 0.7, which this package depends on: this does not compile",
    )
    .help(
        "bind a `tokio::net::TcpListener::bind(addr).await?` and serve the router with \
         `axum::serve(listener, app).await?`",
    );
}

/// The name the code uses for axum and the lowest version its requirement allows.
fn axum_version(cx: &FileCx<'_>) -> Option<(String, (u64, u64))> {
    cx.package()
        .dependencies
        .iter()
        .filter(|dep| dep.package.as_deref().unwrap_or(&dep.name) == "axum")
        .filter_map(|dep| Some((dep.name.replace('-', "_"), lowest_version(dep.version.as_deref()?)?)))
        .min_by_key(|(_, version)| *version)
}

/// The lowest `(major, minor)` a version requirement allows (`"0.8"`, `"^0.8.1"`,
/// `"~0.8"`, `"=0.8.4"`, `">=0.8, <0.9"`); `None` when it has no lower bound (`"*"`, `"<0.9"`).
fn lowest_version(requirement: &str) -> Option<(u64, u64)> {
    requirement
        .split(',')
        .filter_map(|comparator| {
            let comparator = comparator.trim();
            let version = if let Some(rest) = comparator.strip_prefix(">=") {
                rest
            } else if comparator.starts_with(['<', '>']) {
                return None;
            } else {
                comparator.trim_start_matches(['^', '~', '='])
            };
            let mut parts = version.trim().split('.');
            let major = parts.next()?.parse().ok()?;
            let minor = match parts.next() {
                Some(minor) => minor.parse().ok()?,
                None => 0,
            };
            Some((major, minor))
        })
        .min()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_lowest_version() {
        assert_eq!(lowest_version("0.8"), Some((0, 8)));
        assert_eq!(lowest_version("^0.7.5"), Some((0, 7)));
        assert_eq!(lowest_version(">=0.8, <0.9"), Some((0, 8)));
        assert_eq!(lowest_version("=1"), Some((1, 0)));
        assert_eq!(lowest_version("*"), None);
        assert_eq!(lowest_version("<0.9"), None);
    }

    #[test]
    fn converts_segments() {
        assert_eq!(new_syntax("/users/:id/files/*path").as_deref(), Some("/users/{id}/files/{*path}"));
        assert_eq!(new_syntax("/:a/:b").as_deref(), Some("/{a}/{b}"));
        assert_eq!(new_syntax("/*"), None);
        assert_eq!(new_syntax("/{x}/:id"), None);
    }
}
