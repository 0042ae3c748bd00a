//! One source file: its text (original bytes and the LF-normalised text the parser sees),
//! its line index, its parse tree, and its suppression comments.

pub mod parse;
pub mod suppression;
pub mod text;

pub use text::{LineCol, LineIndex, SourceText};
