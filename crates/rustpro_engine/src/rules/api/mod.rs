//! API design: signatures that cost callers allocations, copies or flexibility.

pub mod boxed_return_in_trait;
