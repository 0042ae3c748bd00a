//! The rule catalog: one file per rule, grouped by category.

pub mod api;
pub mod async_code;
pub mod errors;
pub mod manifest;
pub mod meta;
pub mod testing;
pub mod unsafe_code;
pub(crate) mod util;

#[cfg(test)]
mod prefilter_tests;
