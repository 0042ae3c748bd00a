//! A library whose public trait is implemented in another crate of the workspace.

use std::collections::HashMap;

use async_trait::async_trait;

/// A key-value store; implemented by the service crate too.
#[async_trait]
pub trait Store: Send + Sync {
    async fn get(&self, key: &str) -> Option<String>;

    async fn put(&mut self, key: String, value: String);

    /// A default method that awaits another method through `&self`.
    async fn get_or(&self, key: &str, default: &str) -> String {
        self.get(key).await.unwrap_or_else(|| default.to_owned())
    }

    async fn len_of<'a>(&'a self, keys: &'a [&'a str]) -> usize {
        let mut n = 0;
        for key in keys {
            if self.get(key).await.is_some() {
                n += 1;
            }
        }
        n
    }
}

/// A store in memory.
#[derive(Default)]
pub struct Memory(HashMap<String, String>);

#[async_trait]
impl Store for Memory {
    async fn get(&self, key: &str) -> Option<String> {
        self.0.get(key).cloned()
    }

    async fn put(&mut self, key: String, value: String) {
        self.0.insert(key, value);
    }
}

/// A trait used as `dyn`: it keeps the macro.
#[async_trait]
pub trait Hook: Send + Sync {
    async fn call(&self, event: &str);
}

pub struct Hooks(pub Vec<Box<dyn Hook>>);

impl Hooks {
    pub async fn fire(&self, event: &str) {
        for hook in &self.0 {
            hook.call(event).await;
        }
    }
}
