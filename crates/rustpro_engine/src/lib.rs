//! rustpro's headless engine: reads a Cargo workspace without compiling it, parses every
//! file once, runs the rule catalog over it and returns findings for a frontend to render.
//!
//! Invariants (each one line, each kept by the code below):
//! 1. The engine never prints and never touches the process environment (no env vars, no cwd).
//! 2. Parsing never fails; every rule tolerates missing syntax pieces.
//! 3. Only `source/parse.rs` names the parser crate; it receives LF text and the package edition.
//! 4. Only `project/`, `fix/` and `cache/` touch the file system; only `fix::write` writes
//!    source files, and `cache/` writes only its own cache files.
//! 5. Every frontend calls the same entry points, [`check`] and [`fix::fix`] (an editor's
//!    single-file checks: [`Session`], which runs the same file stage).
//! 6. A panic in a rule is caught, reported as an internal error naming rule and file, and the
//!    run goes on.

pub mod cache;
pub mod config;
pub mod diagnostic;
mod driver;
pub mod fix;
pub mod project;
pub mod registry;
pub mod report;
pub mod rule;
pub mod rules;
pub mod source;

pub use cache::{CacheOptions, CacheStats};
pub use driver::{CheckRequest, Outcome, PackageCoverage, Session, check};
