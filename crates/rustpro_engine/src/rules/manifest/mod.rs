//! `Cargo.toml`: editions, lints, profiles and dependency choices.

pub mod edition_outdated;
pub mod missing_lints_table;
pub mod missing_rust_version;
pub mod release_profile_unoptimized;
pub mod tokio_full_in_library;
pub mod wildcard_dependency;
