//! Async code: migrations to native async, and what blocks or deadlocks an executor.

pub mod async_trait_macro;
