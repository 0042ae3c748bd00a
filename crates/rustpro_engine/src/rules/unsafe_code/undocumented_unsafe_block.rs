use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// TODO
    pub struct UndocumentedUnsafeBlock {
        name: "undocumented_unsafe_block",
        category: Unsafe,
        level: Warn,
        fix: None,
        clippy: [],
        summary: "TODO",
        kinds: [],
    }
}

impl Rule for UndocumentedUnsafeBlock {}
