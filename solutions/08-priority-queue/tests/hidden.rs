//! The kata's hidden tests, run directly against the reference solution.
#![deny(unused_must_use)]

extern crate priority_queue_solution as priority_queue;

#[path = "../../../checker/hidden/08-priority-queue/stage1.rs"]
mod stage1;
#[path = "../../../checker/hidden/08-priority-queue/stage2.rs"]
mod stage2;
#[path = "../../../checker/hidden/08-priority-queue/stage3.rs"]
mod stage3;
