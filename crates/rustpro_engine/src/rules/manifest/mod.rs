//! `Cargo.toml`: editions, lints, profiles and dependency choices.

pub mod edition_outdated;
pub mod missing_lints_table;
pub mod release_profile_unoptimized;
pub mod wildcard_dependency;
