use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Finds `// rustpro:allow(rule)` comments that suppress nothing, and ones that name a
    /// rule that does not exist.
    ///
    /// ## Why is this bad?
    /// A suppression that no longer suppresses anything hides the next real finding on that
    /// line and misleads readers into thinking the code needs an exception. A misspelt rule
    /// name suppresses nothing at all.
    ///
    /// ## Example
    /// ```rust
    /// fn port(text: &str) -> u16 {
    ///     // A misspelt name suppresses nothing; neither does one on a line without findings.
    ///     // rustpro:allow(unwrap_in_prod) validated at startup
    ///     text.parse().unwrap()
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```rust
    /// fn port(text: &str) -> u16 {
    ///     // rustpro:allow(unwrap_in_production) validated at startup
    ///     text.parse().unwrap()
    /// }
    /// ```
    ///
    /// ## Fix safety
    /// No automatic fix yet: delete the comment, or correct the rule name.
    pub struct UnusedSuppression {
        name: "unused_suppression",
        category: Meta,
        level: Warn,
        fix: None,
        clippy: [],
        summary: "a `rustpro:allow` comment that suppresses nothing",
        kinds: [],
    }
}

/// Reported by the driver after all rules ran on a file (see `source/suppression.rs`).
impl Rule for UnusedSuppression {}
