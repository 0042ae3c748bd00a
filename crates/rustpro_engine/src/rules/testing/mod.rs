//! `testing`: packages and public functions that no test covers.

pub mod no_tests;
pub mod untested_public_fn;
