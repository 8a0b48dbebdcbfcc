//! The kata's hidden tests, run directly against the reference solution.
#![deny(unused_must_use)]

extern crate graceful_shutdown_solution as graceful_shutdown;

#[path = "../../../checker/hidden/06-graceful-shutdown/common.rs"]
mod common;
#[path = "../../../checker/hidden/06-graceful-shutdown/stage1.rs"]
mod stage1;
#[path = "../../../checker/hidden/06-graceful-shutdown/stage2.rs"]
mod stage2;
#[path = "../../../checker/hidden/06-graceful-shutdown/stage3.rs"]
mod stage3;
