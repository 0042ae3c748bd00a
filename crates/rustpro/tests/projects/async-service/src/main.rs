use std::sync::Arc;

use async_trait::async_trait;
use store::{Hook, Hooks, Memory, Store};
use tokio::sync::RwLock;

/// A private trait with a `?Send` form and a generic method.
#[async_trait(?Send)]
trait Local {
    async fn local(&self) -> std::rc::Rc<u32>;
}

struct Counter;

#[async_trait(?Send)]
impl Local for Counter {
    async fn local(&self) -> std::rc::Rc<u32> {
        std::rc::Rc::new(1)
    }
}

/// A private trait whose futures are spawned on the multi-threaded runtime.
#[async_trait]
trait Job: Send + Sync + 'static {
    async fn run(&self, input: u64) -> u64;

    async fn run_twice(&self, input: u64) -> u64 {
        let once = self.run(input).await;
        self.run(once).await
    }

    async fn run_with<T>(&self, extra: T) -> u64
    where
        T: Into<u64> + Send + 'static,
    {
        self.run(extra.into()).await
    }
}

struct Double;

#[async_trait]
impl Job for Double {
    async fn run(&self, input: u64) -> u64 {
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        input * 2
    }
}

/// The `Send` promise the macro made must survive: generic code spawns these futures.
async fn spawn_job<J: Job>(job: Arc<J>, input: u64) -> u64 {
    let handle = tokio::spawn(async move { job.run_twice(input).await + job.run_with(1u8).await });
    handle.await.unwrap_or(0)
}

async fn spawn_store<S: Store + 'static>(store: Arc<RwLock<S>>) -> String {
    let handle = tokio::spawn(async move {
        store.write().await.put("a".to_owned(), "1".to_owned()).await;
        let guard = store.read().await;
        guard.get_or("a", "none").await + &guard.len_of(&["a", "b"]).await.to_string()
    });
    handle.await.unwrap_or_default()
}

/// An impl in this crate of the library's trait.
struct Fixed;

#[async_trait]
impl Store for Fixed {
    async fn get(&self, _key: &str) -> Option<String> {
        Some("fixed".to_owned())
    }

    async fn put(&mut self, _key: String, _value: String) {}
}

struct Printer;

#[async_trait]
impl Hook for Printer {
    async fn call(&self, event: &str) {
        println!("{event}");
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    println!("{}", spawn_job(Arc::new(Double), 3).await);
    println!("{}", spawn_store(Arc::new(RwLock::new(Memory::default()))).await);
    println!("{}", spawn_store(Arc::new(RwLock::new(Fixed))).await);
    println!("{}", Counter.local().await);
    Hooks(vec![Box::new(Printer)]).fire("done").await;
}
