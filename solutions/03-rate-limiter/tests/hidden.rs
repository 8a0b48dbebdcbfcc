//! The kata's hidden tests, run directly against the reference solution. Stage 4 needs
//! `--features kata-loom` (`cargo test -p rate-limiter-solution --features kata-loom --test
//! hidden`), which in turn leaves out the stages that use real threads and sockets: loom's
//! locks work only inside a loom model.
#![deny(unused_must_use)]

extern crate rate_limiter_solution as rate_limiter;

#[path = "../../../checker/hidden/03-rate-limiter/common.rs"]
mod common;
#[cfg(not(feature = "kata-loom"))]
#[path = "../../../checker/hidden/03-rate-limiter/stage1.rs"]
mod stage1;
#[cfg(not(feature = "kata-loom"))]
#[path = "../../../checker/hidden/03-rate-limiter/stage2.rs"]
mod stage2;
#[cfg(not(feature = "kata-loom"))]
#[path = "../../../checker/hidden/03-rate-limiter/stage3.rs"]
mod stage3;
#[path = "../../../checker/hidden/03-rate-limiter/stage4.rs"]
mod stage4;
#[cfg(not(feature = "kata-loom"))]
#[path = "../../../checker/hidden/03-rate-limiter/stage5.rs"]
mod stage5;
#[cfg(not(feature = "kata-loom"))]
#[path = "../../../checker/hidden/03-rate-limiter/stage6.rs"]
mod stage6;
