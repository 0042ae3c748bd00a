use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// TODO
    pub struct UnsafeNotForbidden {
        name: "unsafe_not_forbidden",
        category: Unsafe,
        level: Warn,
        fix: None,
        clippy: [],
        summary: "TODO",
        kinds: [],
    }
}

impl Rule for UnsafeNotForbidden {}
