//! Async code: migrations to native async, blocking the executor, locks held across
//! `.await`, hand-written futures.

pub mod async_trait_macro;
pub mod blocking_in_async;
pub mod lock_across_await;
pub mod manual_future_impl;
