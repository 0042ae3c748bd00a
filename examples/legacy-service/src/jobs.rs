//! Background jobs, written before native async fns in traits existed.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;

/// A job the service runs in the background.
#[async_trait]
pub trait Job: Send + Sync {
    async fn run(&self) -> u64;
}

/// Counts how often it ran.
pub struct Counter {
    pub runs: Arc<Mutex<u64>>,
}

#[async_trait]
impl Job for Counter {
    async fn run(&self) -> u64 {
        // Blocks the executor thread instead of yielding to other tasks.
        std::thread::sleep(Duration::from_millis(10));
        let mut runs = self.runs.lock().unwrap_or_else(|e| e.into_inner());
        *runs += 1;
        // The std guard is still alive here: other tasks that lock it wait on this thread.
        tokio::task::yield_now().await;
        *runs
    }
}

/// Reads the job list at every tick.
pub async fn job_names(path: &str) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines().map(str::to_owned).collect()
}
