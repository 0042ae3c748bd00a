//! All rules, and the selectors that name them (`rule_name`, a category, `pedantic`, `all`).

use crate::rule::{Category, DefaultLevel, Rule, RuleMeta};
use crate::rules;

static RULES: &[&dyn Rule] = &[
    &rules::errors::unwrap_in_production::UnwrapInProduction,
    &rules::errors::expect_in_production::ExpectInProduction,
    &rules::errors::panic_in_library::PanicInLibrary,
    &rules::errors::ignored_error::IgnoredError,
    &rules::errors::string_error::StringError,
    &rules::errors::anyhow_in_library_api::AnyhowInLibraryApi,
    &rules::errors::manual_error_impl::ManualErrorImpl,
    &rules::errors::manual_from_error::ManualFromError,
    &rules::unsafe_code::undocumented_unsafe_block::UndocumentedUnsafeBlock,
    &rules::unsafe_code::undocumented_unsafe_impl::UndocumentedUnsafeImpl,
    &rules::unsafe_code::unsafe_fn_missing_safety_doc::UnsafeFnMissingSafetyDoc,
    &rules::unsafe_code::unsafe_not_forbidden::UnsafeNotForbidden,
    &rules::async_code::async_trait_macro::AsyncTraitMacro,
    &rules::async_code::blocking_in_async::BlockingInAsync,
    &rules::async_code::lock_across_await::LockAcrossAwait,
    &rules::async_code::manual_future_impl::ManualFutureImpl,
    &rules::api::boxed_return_in_trait::BoxedReturnInTrait,
    &rules::api::shared_string_buffer::SharedStringBuffer,
    &rules::api::clone_then_borrow::CloneThenBorrow,
    &rules::manifest::edition_outdated::EditionOutdated,
    &rules::manifest::missing_rust_version::MissingRustVersion,
    &rules::manifest::rust_version_too_low::RustVersionTooLow,
    &rules::manifest::missing_lints_table::MissingLintsTable,
    &rules::manifest::release_profile_unoptimized::ReleaseProfileUnoptimized,
    &rules::manifest::wildcard_dependency::WildcardDependency,
    &rules::manifest::tokio_full_in_library::TokioFullInLibrary,
    &rules::manifest::deprecated_dependency::DeprecatedDependency,
    &rules::manifest::missing_deny_config::MissingDenyConfig,
    &rules::manifest::axum_route_syntax::AxumRouteSyntax,
    &rules::testing::no_tests::NoTests,
    &rules::testing::untested_public_fn::UntestedPublicFn,
    &rules::meta::unused_suppression::UnusedSuppression,
];

/// Every rule, in a stable order (the order of `rustpro rules`).
pub fn all() -> &'static [&'static dyn Rule] {
    RULES
}

/// The position of a rule in [`all`].
pub fn index_of(name: &str) -> Option<usize> {
    RULES.iter().position(|r| r.meta().name == name)
}

/// A rule by name.
pub fn find(name: &str) -> Option<&'static dyn Rule> {
    index_of(name).map(|i| RULES[i])
}

/// The message for a name that is no rule, with the closest rule name.
pub fn unknown_rule_message(name: &str) -> String {
    match crate::config::did_you_mean(name, RULES.iter().map(|r| r.meta().name)) {
        Some(best) => format!("unknown rule `{name}`; did you mean `{best}`?"),
        None => format!("unknown rule `{name}`; `rustpro rules` lists them"),
    }
}

/// A `select` / `ignore` entry that names nothing; the message suggests the closest name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownSelector {
    pub message: String,
}

impl std::fmt::Display for UnknownSelector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

// rustpro:allow(manual_error_impl) the engine keeps its dependencies few
impl std::error::Error for UnknownSelector {}

/// What `select` / `ignore` entries can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selector {
    All,
    Pedantic,
    Category(Category),
    Rule(&'static str),
}

impl Selector {
    pub fn parse(text: &str) -> Result<Selector, UnknownSelector> {
        let text = text.trim();
        if text == "all" {
            return Ok(Selector::All);
        }
        if text == "pedantic" {
            return Ok(Selector::Pedantic);
        }
        if let Some(category) = Category::ALL.iter().find(|c| c.as_str() == text) {
            return Ok(Selector::Category(*category));
        }
        if let Some(rule) = find(text) {
            return Ok(Selector::Rule(rule.meta().name));
        }
        let known = ["all", "pedantic"]
            .into_iter()
            .chain(Category::ALL.iter().map(|c| c.as_str()))
            .chain(RULES.iter().map(|r| r.meta().name));
        let message = match crate::config::did_you_mean(text, known) {
            Some(best) => format!("unknown rule or category `{text}`; did you mean `{best}`?"),
            None => format!("unknown rule or category `{text}`; `rustpro rules` lists them"),
        };
        Err(UnknownSelector { message })
    }

    pub fn matches(&self, rule: &RuleMeta) -> bool {
        match self {
            Selector::All => true,
            Selector::Pedantic => rule.default_level == DefaultLevel::Pedantic,
            Selector::Category(category) => rule.category == *category,
            Selector::Rule(name) => rule.name == *name,
        }
    }
}
