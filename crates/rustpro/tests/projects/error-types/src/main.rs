mod errors;
mod store;

use std::error::Error as _;
use std::fmt;
use std::io;

use errors::{Boxed, ConfigError, Error, Wrapped};
use store::StoreError;

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            StoreError::NotFound => f.write_str("not found"),
            StoreError::Full => f.write_str("full"),
        }
    }
}

impl std::error::Error for StoreError {}

/// The message and the `source()` chain.
fn show(error: &dyn std::error::Error) {
    let mut line = format!("{error}");
    let mut source = error.source();
    while let Some(inner) = source {
        line.push_str(&format!(" <- {inner}"));
        source = inner.source();
    }
    println!("{line}");
}

fn io_error() -> io::Error {
    io::Error::new(io::ErrorKind::NotFound, Wrapped(io::Error::other("deep")))
}

fn main() {
    let from: ConfigError = io_error().into();
    let errors: Vec<Box<dyn std::error::Error>> = vec![
        Box::new(ConfigError::Missing("name".to_owned())),
        Box::new(from),
        Box::new(ConfigError::Parse { line: 3, column: 14, message: "bad \"value\"".to_owned() }),
        Box::new(ConfigError::Unreadable { path: "/etc/app.toml".into(), source: io_error() }),
        Box::new(ConfigError::Empty),
        Box::new(ConfigError::Code(255)),
        Box::new(ConfigError::Braces),
        Box::new(Error { code: 7, r#type: "fatal" }),
        Box::new(Wrapped(io_error())),
        Box::new(Boxed { inner: Box::new(Error { code: 1, r#type: "inner" }) }),
        Box::new(StoreError::NotFound),
        Box::new(StoreError::Full),
    ];
    for error in &errors {
        show(error.as_ref());
    }
    let _ = io_error().source();
}
