use crate::declare_rule;
use crate::rule::{FileCx, Rule};
use crate::rules::util::{is_method_call_named, method_call};
use crate::source::parse::{GreenRef, SyntaxKind, SyntaxNode};

declare_rule! {
    /// ## What it does
    /// Finds `.unwrap()` and `.unwrap_err()` calls in production code: library and binary
    /// targets outside `#[cfg(test)]` modules and test functions.
    ///
    /// ## Why is this bad?
    /// `unwrap` turns every `None` and `Err` into a panic with a message that says nothing
    /// about what went wrong. In a service that is a crashed request handler or a dead
    /// worker; in a library it is a panic the caller cannot handle. Tests, examples,
    /// benchmarks and build scripts are not production code and are not flagged.
    ///
    /// ## Example
    /// ```rust
    /// fn port(value: &str) -> u16 {
    ///     value.parse().unwrap()
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```rust
    /// fn port(value: &str) -> Result<u16, std::num::ParseIntError> {
    ///     value.parse()
    /// }
    /// ```
    ///
    /// ## Fix safety
    /// No automatic fix: the right replacement (`?`, a default, a typed error) depends on
    /// what the caller can do. `#[allow(clippy::unwrap_used)]` on an enclosing item is
    /// honoured.
    pub struct UnwrapInProduction {
        name: "unwrap_in_production",
        category: Errors,
        level: Warn,
        fix: None,
        clippy: ["unwrap_used"],
        summary: "`.unwrap()` in production code",
        kinds: [METHOD_CALL_EXPR],
    }
}

/// The methods reported.
const METHODS: &[&str] = &["unwrap", "unwrap_err"];

impl Rule for UnwrapInProduction {
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
        let Some((call, range)) = method_call(node, METHODS, 0) else { return };
        let method = call.name_ref().map(|n| n.text().to_string()).unwrap_or_default();
        cx.report(range, format!("`.{method}()` panics on failure in production code")).help(
            "propagate the error with `?`, handle the failure case, or use `.expect(\"..\")` only \
             where an invariant makes failure impossible and say which",
        );
    }
}
