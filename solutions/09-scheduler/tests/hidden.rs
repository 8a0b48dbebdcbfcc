//! The kata's hidden tests, run directly against the reference solution.
#![deny(unused_must_use)]

extern crate scheduler_solution as scheduler;

#[path = "../../../checker/hidden/09-scheduler/stage1.rs"]
mod stage1;
#[path = "../../../checker/hidden/09-scheduler/stage2.rs"]
mod stage2;
#[path = "../../../checker/hidden/09-scheduler/stage3.rs"]
mod stage3;
#[path = "../../../checker/hidden/09-scheduler/stage4.rs"]
mod stage4;
#[path = "../../../checker/hidden/09-scheduler/stage5.rs"]
mod stage5;
#[path = "../../../checker/hidden/09-scheduler/stage6.rs"]
mod stage6;
