use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// TODO
    pub struct IgnoredError {
        name: "ignored_error",
        category: Errors,
        level: Warn,
        fix: None,
        clippy: [],
        summary: "TODO",
        kinds: [],
    }
}

impl Rule for IgnoredError {}
