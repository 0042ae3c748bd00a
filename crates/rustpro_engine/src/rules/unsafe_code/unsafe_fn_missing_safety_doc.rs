use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// TODO
    pub struct UnsafeFnMissingSafetyDoc {
        name: "unsafe_fn_missing_safety_doc",
        category: Unsafe,
        level: Warn,
        fix: None,
        clippy: [],
        summary: "TODO",
        kinds: [],
    }
}

impl Rule for UnsafeFnMissingSafetyDoc {}
