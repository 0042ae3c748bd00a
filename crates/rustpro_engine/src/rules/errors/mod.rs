//! Error handling: panics in shipped code, ignored and stringly-typed errors.

pub mod anyhow_in_library_api;
pub mod expect_in_production;
pub mod ignored_error;
pub mod manual_error_impl;
pub mod manual_from_error;
pub mod panic_in_library;
pub mod string_error;
pub mod unwrap_in_production;
