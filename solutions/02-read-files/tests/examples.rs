//! The kata's visible example tests (from the skeleton), run against the reference
//! solution: an example a correct answer fails would mislead every learner.

extern crate read_files_solution as read_files;

#[path = "../../../katas/02-read-files/tests/examples.rs"]
mod examples;
