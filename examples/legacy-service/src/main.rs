use axum::{routing::get, Router};
use legacy_service::{load_overrides, parse_settings, port};

async fn health() -> &'static str {
    "ok"
}

#[tokio::main]
async fn main() {
    let settings = parse_settings("port = 3000").unwrap();
    let _overrides = load_overrides("/etc/legacy.conf");
    let port = port(&settings).unwrap();
    let app = Router::new().route("/health", get(health));
    let addr = format!("0.0.0.0:{port}").parse().unwrap();
    println!("listening on {}", addr);
    axum::Server::bind(&addr).serve(app.into_make_service()).await.unwrap();
}
