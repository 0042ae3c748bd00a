//! What a rule keeps from the file walk for its workspace stage. Kept values are plain data
//! that serde can write and read back, so the result cache stores them with the rest of a
//! file's results and a warm run hands them to the workspace stage without re-parsing the
//! file. A rule needs no cache code: deriving `Serialize` and `Deserialize` is enough.

use std::any::{Any, type_name};
use std::fmt;
use std::sync::OnceLock;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::cache::codec;

/// A value a rule can keep for its workspace stage ([`super::FileCx::defer`]).
pub trait Keep: Serialize + DeserializeOwned + Send + Sync + 'static {}

impl<T: Serialize + DeserializeOwned + Send + Sync + 'static> Keep for T {}

type AnyValue = Box<dyn Any + Send + Sync>;

/// A kept value: as the rule made it, or as the cache stored it (decoded on first use).
pub struct DeferredData(Repr);

enum Repr {
    Value {
        value: AnyValue,
        /// The value's type, checked before stored bytes are read back as a type.
        kind: &'static str,
        encode: fn(&AnyValue) -> Option<Vec<u8>>,
    },
    Stored {
        kind: String,
        bytes: Vec<u8>,
        value: OnceLock<Option<AnyValue>>,
    },
}

impl DeferredData {
    pub fn new<T: Keep>(value: T) -> DeferredData {
        DeferredData(Repr::Value { value: Box::new(value), kind: type_name::<T>(), encode: encode::<T> })
    }

    /// The value, when it is a `T` (the type the rule kept).
    pub fn get<T: Keep>(&self) -> Option<&T> {
        match &self.0 {
            Repr::Value { value, .. } => value.downcast_ref(),
            Repr::Stored { kind, bytes, value } => {
                if kind != type_name::<T>() {
                    return None;
                }
                let decoded =
                    value.get_or_init(|| codec::from_bytes::<T>(bytes).map(|v| Box::new(v) as AnyValue));
                decoded.as_ref()?.downcast_ref()
            }
        }
    }

    /// The value's type name and bytes, for the cache; `None` when it cannot be written.
    pub(crate) fn encoded(&self) -> Option<(&str, std::borrow::Cow<'_, [u8]>)> {
        match &self.0 {
            Repr::Value { value, kind, encode } => Some((kind, encode(value)?.into())),
            Repr::Stored { kind, bytes, .. } => Some((kind, bytes.as_slice().into())),
        }
    }

    /// A value read back from the cache.
    pub(crate) fn stored(kind: String, bytes: Vec<u8>) -> DeferredData {
        DeferredData(Repr::Stored { kind, bytes, value: OnceLock::new() })
    }
}

fn encode<T: Keep>(value: &AnyValue) -> Option<Vec<u8>> {
    codec::to_bytes(value.downcast_ref::<T>()?)
}

impl fmt::Debug for DeferredData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.0 {
            Repr::Value { kind, .. } => *kind,
            Repr::Stored { kind, .. } => kind,
        };
        f.debug_tuple("DeferredData").field(&kind).finish()
    }
}
