//! The kata's hidden tests, run directly against the reference solution.
#![deny(unused_must_use)]

extern crate random_stream_solution as random_stream;

#[path = "../../../checker/hidden/07-random-stream/stage1.rs"]
mod stage1;
#[path = "../../../checker/hidden/07-random-stream/stage2.rs"]
mod stage2;
#[path = "../../../checker/hidden/07-random-stream/stage3.rs"]
mod stage3;
