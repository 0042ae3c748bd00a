//! What a rule keeps from the file walk for its workspace stage. Kept values are plain data
//! that serde can write and read back, so the result cache stores them with the rest of a
//! file's results and a warm run hands them to the workspace stage without re-parsing the
//! file. A rule needs no cache code: deriving `Serialize` and `Deserialize` is enough.

use std::any::{Any, type_name};
use std::fmt;
use std::ops::Range;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::cache::codec;
use crate::diagnostic::Fix;

/// A value a rule can keep for its workspace stage ([`super::FileCx::defer`]).
pub trait Keep: Serialize + DeserializeOwned + Send + Sync + 'static {}

impl<T: Serialize + DeserializeOwned + Send + Sync + 'static> Keep for T {}

type AnyValue = Box<dyn Any + Send + Sync>;

/// A kept value: as the rule made it, or as the cache stored it (decoded on first use, from
/// the cache file read into memory: the bytes are neither copied nor decoded when the
/// workspace stage does not ask for the value).
pub struct DeferredData(Repr);

enum Repr {
    Value {
        value: AnyValue,
        /// The value's type.
        name: &'static str,
        encode: fn(&AnyValue) -> Option<Vec<u8>>,
    },
    Stored {
        /// [`kind_of`] the type that was stored, checked before the bytes are read as a type.
        kind: u64,
        bytes: Arc<[u8]>,
        range: Range<usize>,
        value: OnceLock<Option<AnyValue>>,
    },
}

/// What identifies a kept value's type in the cache: a hash of its type name (the program
/// key pins the types a cache holds, so names never mean different types).
fn kind_of<T: 'static>() -> u64 {
    kind_of_name(type_name::<T>())
}

fn kind_of_name(name: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(name.as_bytes())
}

impl DeferredData {
    pub fn new<T: Keep>(value: T) -> DeferredData {
        DeferredData(Repr::Value { value: Box::new(value), name: type_name::<T>(), encode: encode::<T> })
    }

    /// The value, when it is a `T` (the type the rule kept).
    pub fn get<T: Keep>(&self) -> Option<&T> {
        match &self.0 {
            Repr::Value { value, .. } => value.downcast_ref(),
            Repr::Stored { kind, bytes, range, value } => {
                if *kind != kind_of::<T>() {
                    return None;
                }
                let decoded = value.get_or_init(|| {
                    let bytes = bytes.get(range.clone())?;
                    codec::from_bytes::<T>(bytes).map(|v| Box::new(v) as AnyValue)
                });
                decoded.as_ref()?.downcast_ref()
            }
        }
    }

    /// The value's kind and bytes, for the cache; `None` when it cannot be written.
    pub(crate) fn encoded(&self) -> Option<(u64, std::borrow::Cow<'_, [u8]>)> {
        match &self.0 {
            Repr::Value { value, name, encode } => Some((kind_of_name(name), encode(value)?.into())),
            Repr::Stored { kind, bytes, range, .. } => Some((*kind, bytes.get(range.clone())?.into())),
        }
    }

    /// A value read back from the cache: `range` of `bytes` (a cache file in memory).
    pub(crate) fn stored(kind: u64, bytes: Arc<[u8]>, range: Range<usize>) -> DeferredData {
        DeferredData(Repr::Stored { kind, bytes, range, value: OnceLock::new() })
    }
}

fn encode<T: Keep>(value: &AnyValue) -> Option<Vec<u8>> {
    codec::to_bytes(value.downcast_ref::<T>()?)
}

impl fmt::Debug for DeferredData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Value { name, .. } => f.debug_tuple("DeferredData").field(name).finish(),
            Repr::Stored { kind, range, .. } => write!(f, "DeferredData(stored {kind:016x}, {range:?})"),
        }
    }
}

/// The edits a fact was kept with ([`super::FileCx::defer_with_edits`]), located: as the
/// file walk made them, or as the cache stored them (decoded on first use, so that the
/// anchors of facts the workspace stage passes over are never decoded).
#[derive(Default)]
pub struct KeptEdits(EditsRepr);

#[derive(Default)]
enum EditsRepr {
    #[default]
    None,
    Made(Box<Fix>),
    Stored {
        bytes: Arc<[u8]>,
        range: Range<usize>,
        value: OnceLock<Option<Box<Fix>>>,
    },
}

impl KeptEdits {
    /// Edits the file walk made in the file at `path`: kept encoded, without the path in
    /// every edit (the workspace stage decodes the few it uses).
    pub(crate) fn made(fix: Option<Fix>, path: &Path) -> KeptEdits {
        let Some(fix) = fix else { return KeptEdits(EditsRepr::None) };
        match crate::cache::encode_fix(&fix, path) {
            Some(bytes) => {
                let range = 0..bytes.len();
                KeptEdits::stored(Arc::from(bytes), range)
            }
            None => KeptEdits(EditsRepr::Made(Box::new(fix))),
        }
    }

    /// Edits read back from the cache: `range` of `bytes` (a cache file in memory).
    pub(crate) fn stored(bytes: Arc<[u8]>, range: Range<usize>) -> KeptEdits {
        KeptEdits(EditsRepr::Stored { bytes, range, value: OnceLock::new() })
    }

    /// The edits, in the file at `path` (the file of the fact they were kept with) unless an
    /// edit names another.
    pub(crate) fn get(&self, path: &Path) -> Option<&Fix> {
        match &self.0 {
            EditsRepr::None => None,
            EditsRepr::Made(fix) => Some(fix),
            EditsRepr::Stored { bytes, range, value } => value
                .get_or_init(|| crate::cache::decode_fix(bytes.get(range.clone())?, path).map(Box::new))
                .as_deref(),
        }
    }

    /// The edits as the cache stores them: `None` when there are none, else the encoding (the
    /// stored bytes, or those of the edits made).
    pub(crate) fn encoded(&self, path: &Path) -> Option<Option<std::borrow::Cow<'_, [u8]>>> {
        match &self.0 {
            EditsRepr::None => Some(None),
            EditsRepr::Made(fix) => Some(Some(crate::cache::encode_fix(fix, path)?.into())),
            EditsRepr::Stored { bytes, range, .. } => Some(Some(bytes.get(range.clone())?.into())),
        }
    }
}

impl fmt::Debug for KeptEdits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            EditsRepr::None => f.write_str("None"),
            EditsRepr::Made(fix) => fix.fmt(f),
            EditsRepr::Stored { range, .. } => write!(f, "KeptEdits(stored, {range:?})"),
        }
    }
}

/// A part of a kept value that the workspace stage may pass over (the body of every type,
/// when only error types matter): encoded when kept, and decoded on first use, so that a
/// warm run decodes only the parts it asks for.
pub struct Lazy<T> {
    bytes: Vec<u8>,
    value: OnceLock<Option<T>>,
}

impl<T: Keep> Lazy<T> {
    pub fn new(value: T) -> Lazy<T> {
        // Only the bytes are kept: most parts are never asked for, and a value beside its
        // bytes would take twice the memory until the workspace stage.
        let bytes = codec::to_bytes(&value).unwrap_or_default();
        Lazy { bytes, value: OnceLock::new() }
    }

    /// The value; `None` when its bytes do not decode (never for a value kept by this program).
    pub fn get(&self) -> Option<&T> {
        self.value.get_or_init(|| codec::from_bytes(&self.bytes)).as_ref()
    }
}

impl<T> Clone for Lazy<T> {
    /// The bytes only: the copy decodes them again if asked.
    fn clone(&self) -> Lazy<T> {
        Lazy { bytes: self.bytes.clone(), value: OnceLock::new() }
    }
}

impl<T> Serialize for Lazy<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(&self.bytes)
    }
}

impl<'de, T> Deserialize<'de> for Lazy<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Lazy<T>, D::Error> {
        struct Bytes;
        impl serde::de::Visitor<'_> for Bytes {
            type Value = Vec<u8>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("bytes")
            }
            fn visit_bytes<E: serde::de::Error>(self, bytes: &[u8]) -> Result<Vec<u8>, E> {
                Ok(bytes.to_vec())
            }
            fn visit_byte_buf<E: serde::de::Error>(self, bytes: Vec<u8>) -> Result<Vec<u8>, E> {
                Ok(bytes)
            }
        }
        Ok(Lazy { bytes: deserializer.deserialize_bytes(Bytes)?, value: OnceLock::new() })
    }
}

impl<T: fmt::Debug> fmt::Debug for Lazy<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.value.get() {
            Some(Some(value)) => value.fmt(f),
            _ => write!(f, "Lazy({} bytes)", self.bytes.len()),
        }
    }
}
