use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// TODO
    pub struct ExpectInProduction {
        name: "expect_in_production",
        category: Errors,
        level: Warn,
        fix: None,
        clippy: [],
        summary: "TODO",
        kinds: [],
    }
}

impl Rule for ExpectInProduction {}
