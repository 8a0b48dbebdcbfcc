//! The kata's hidden tests, run directly against the reference solution.
#![deny(unused_must_use)]

extern crate rate_limiter_solution as rate_limiter;

#[path = "../../../checker/hidden/03-rate-limiter/common.rs"]
mod common;
#[path = "../../../checker/hidden/03-rate-limiter/stage1.rs"]
mod stage1;
#[path = "../../../checker/hidden/03-rate-limiter/stage2.rs"]
mod stage2;
#[path = "../../../checker/hidden/03-rate-limiter/stage3.rs"]
mod stage3;
#[path = "../../../checker/hidden/03-rate-limiter/stage4.rs"]
mod stage4;
