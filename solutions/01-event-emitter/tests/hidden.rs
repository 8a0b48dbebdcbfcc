//! The kata's hidden tests, run directly against the reference solution (the checker runs
//! the same files against a learner's attempt). Stage 3 needs `--features kata-loom`.

#![deny(unused_must_use)]

extern crate event_emitter_solution as event_emitter;

#[path = "../../../checker/hidden/01-event-emitter/stage1.rs"]
mod stage1;
#[path = "../../../checker/hidden/01-event-emitter/stage2.rs"]
mod stage2;
#[path = "../../../checker/hidden/01-event-emitter/stage3.rs"]
mod stage3;
