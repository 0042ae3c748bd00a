//! The binary encoding of cached results: postcard (compact, varint integers, no field
//! names), named only here. It is not self-describing: a reader must know the type it
//! reads, which the cache file's header (program key, format version) guarantees.

use serde::{Deserialize, Serialize};

/// `value` encoded; `None` when serde cannot write it (never for plain data).
pub(crate) fn to_bytes<T: Serialize + ?Sized>(value: &T) -> Option<Vec<u8>> {
    postcard::to_stdvec(value).ok()
}

/// A `T` decoded from all of `bytes` (borrowing strings and byte slices from them when `T`
/// does); `None` when they are not one.
pub(crate) fn from_bytes<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Option<T> {
    match postcard::take_from_bytes(bytes) {
        Ok((value, [])) => Some(value),
        _ => None,
    }
}
