use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// TODO
    pub struct UndocumentedUnsafeImpl {
        name: "undocumented_unsafe_impl",
        category: Unsafe,
        level: Warn,
        fix: None,
        clippy: [],
        summary: "TODO",
        kinds: [],
    }
}

impl Rule for UndocumentedUnsafeImpl {}
