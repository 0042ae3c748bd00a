//! Helpers without any `unsafe`, which nothing guarantees stays that way.

/// Splits a comma-separated list.
pub fn split_list(text: &str) -> Vec<&str> {
    // rustpro:allow(unwrap_in_production) left over from a version that unwrapped here
    text.split(',').map(str::trim).filter(|s| !s.is_empty()).collect()
}
