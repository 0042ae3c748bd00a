//! `Cargo.toml` and what it decides: editions, lints, profiles, dependency choices, and code
//! that the dependencies' versions make wrong (axum routes).

pub mod axum_route_syntax;
pub mod deprecated_dependency;
pub mod edition_outdated;
pub mod missing_deny_config;
pub mod missing_lints_table;
pub mod missing_rust_version;
pub mod release_profile_unoptimized;
pub mod rust_version_too_low;
pub mod tokio_full_in_library;
pub mod wildcard_dependency;
