//! API design: signatures that cost callers allocations, copies or flexibility.

pub mod boxed_return_in_trait;
pub mod clone_then_borrow;
pub mod shared_string_buffer;
