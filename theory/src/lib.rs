//! The code of the book's theory chapters (`book/src/theory/`). Each module belongs to one
//! chapter; its tests assert what the chapter claims, so the prose cannot drift from what
//! Rust and tokio actually do. The chapters include these files by anchor
//! (`// ANCHOR: name`).

pub mod errors;
pub mod event_loop;
pub mod memory;
pub mod middleware;
pub mod patterns;
pub mod processes;
pub mod security;
pub mod streams;
pub mod threads;
