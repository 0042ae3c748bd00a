//! `unsafe`: every use documented, and forbidden where it is not used.

pub mod undocumented_unsafe_block;
pub mod undocumented_unsafe_impl;
pub mod unsafe_fn_missing_safety_doc;
pub mod unsafe_not_forbidden;
