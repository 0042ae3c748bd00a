use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// TODO
    pub struct StringError {
        name: "string_error",
        category: Errors,
        level: Warn,
        fix: None,
        clippy: [],
        summary: "TODO",
        kinds: [],
    }
}

impl Rule for StringError {}
