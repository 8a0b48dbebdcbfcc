//! The kata's hidden tests, run directly against the reference solution. Stage 5 needs
//! `--features kata-loom`.
#![deny(unused_must_use)]

extern crate circuit_breaker_solution as circuit_breaker;

#[path = "../../../checker/hidden/10-circuit-breaker/stage1.rs"]
mod stage1;
#[path = "../../../checker/hidden/10-circuit-breaker/stage2.rs"]
mod stage2;
#[path = "../../../checker/hidden/10-circuit-breaker/stage3.rs"]
mod stage3;
#[path = "../../../checker/hidden/10-circuit-breaker/stage4.rs"]
mod stage4;
#[path = "../../../checker/hidden/10-circuit-breaker/stage5.rs"]
mod stage5;
