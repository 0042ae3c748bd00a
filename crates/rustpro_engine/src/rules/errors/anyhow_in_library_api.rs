use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// TODO
    pub struct AnyhowInLibraryApi {
        name: "anyhow_in_library_api",
        category: Errors,
        level: Warn,
        fix: None,
        clippy: [],
        summary: "TODO",
        kinds: [],
    }
}

impl Rule for AnyhowInLibraryApi {}
