//! Async code: blocking the executor, locks held across `.await`, hand-written futures.

pub mod blocking_in_async;
pub mod lock_across_await;
pub mod manual_future_impl;
