use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// TODO
    pub struct PanicInLibrary {
        name: "panic_in_library",
        category: Errors,
        level: Warn,
        fix: None,
        clippy: [],
        summary: "TODO",
        kinds: [],
    }
}

impl Rule for PanicInLibrary {}
