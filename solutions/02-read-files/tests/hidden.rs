//! The kata's hidden tests, run directly against the reference solution.

#![deny(unused_must_use)]

extern crate read_files_solution as read_files;

#[path = "../../../checker/hidden/02-read-files/stage1.rs"]
mod stage1;
#[path = "../../../checker/hidden/02-read-files/stage2.rs"]
mod stage2;
#[path = "../../../checker/hidden/02-read-files/stage3.rs"]
mod stage3;
