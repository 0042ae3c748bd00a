use crate::declare_rule;
use crate::rule::{FileCx, Rule};
use crate::rules::util::{is_method_call_named, method_call};
use crate::source::parse::{GreenRef, SyntaxKind, SyntaxNode};

declare_rule! {
    /// ## What it does
    /// Finds `.expect(..)` and `.expect_err(..)` calls in production code: library and
    /// binary targets outside `#[cfg(test)]` modules and test functions.
    ///
    /// ## Why is this bad?
    /// `expect` is `unwrap` with a message: every `None` or `Err` still becomes a panic. In a
    /// service that is a crashed request handler or a dead worker; in a library it is a panic
    /// the caller cannot handle or recover from. The message helps whoever reads the crash
    /// report, not the user who hit it. Tests, examples, benchmarks and build scripts are not
    /// production code and are not flagged.
    ///
    /// Only method calls with exactly one argument are matched: `expect` methods of other
    /// arities (mock frameworks' `expect()` builders, parsers' `expect(token, ..)`) are left
    /// alone. The check is syntactic, so a one-argument `expect` method of another type is
    /// flagged as well.
    ///
    /// ## Example
    /// ```rust
    /// pub fn port(value: &str) -> u16 {
    ///     value.parse().expect("the port is a number")
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```rust
    /// pub fn port(value: &str) -> Result<u16, std::num::ParseIntError> {
    ///     value.parse()
    /// }
    /// ```
    ///
    /// ## Fix safety
    /// No automatic fix: the right replacement (`?`, a default, a typed error) depends on
    /// what the caller can do. Where failure is truly impossible, keep the `expect`, make its
    /// message state the invariant, and allow it on the spot with
    /// `// rustpro:allow(expect_in_production) <why it cannot fail>`.
    /// `#[allow(clippy::expect_used)]` on an enclosing item is honoured too.
    pub struct ExpectInProduction {
        name: "expect_in_production",
        category: Errors,
        level: Warn,
        fix: None,
        clippy: ["expect_used"],
        summary: "`.expect(..)` in production code",
        kinds: [METHOD_CALL_EXPR],
    }
}

/// The methods reported.
const METHODS: &[&str] = &["expect", "expect_err"];

impl Rule for ExpectInProduction {
    fn words(&self) -> Option<&'static [&'static str]> {
        Some(METHODS)
    }

    /// Test code stays test code down the tree.
    fn applies_to_file(&self, cx: &FileCx<'_>) -> bool {
        cx.is_production()
    }

    fn accepts(&self, node: GreenRef<'_>) -> bool {
        is_method_call_named(node, METHODS)
    }

    /// Production code only.
    fn looks_in_test_code(&self, _kind: SyntaxKind) -> bool {
        false
    }

    fn check_node(&self, node: &SyntaxNode, cx: &mut FileCx<'_>) {
        if !cx.is_production() {
            return;
        }
        let Some((call, range)) = method_call(node, METHODS, 1) else { return };
        let method = call.name_ref().map(|n| n.text().to_string()).unwrap_or_default();
        cx.report(range, format!("`.{method}(..)` panics on failure in production code")).help(
            "propagate the error with `?` (adding context for the caller), or handle the failure \
             case; if failure is impossible, say why in a `rustpro:allow(expect_in_production)` \
             comment",
        );
    }
}
