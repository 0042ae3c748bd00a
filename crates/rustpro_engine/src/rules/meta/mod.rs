//! Findings about rustpro's own suppression comments.

pub mod unused_suppression;
