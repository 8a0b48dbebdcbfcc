//! The kata's hidden tests, run directly against the reference solution.
#![deny(unused_must_use)]

extern crate upload_solution as upload;

#[path = "../../../checker/hidden/04-upload/common.rs"]
mod common;
#[path = "../../../checker/hidden/04-upload/stage1.rs"]
mod stage1;
#[path = "../../../checker/hidden/04-upload/stage2.rs"]
mod stage2;
#[path = "../../../checker/hidden/04-upload/stage3.rs"]
mod stage3;
#[path = "../../../checker/hidden/04-upload/stage4.rs"]
mod stage4;
