//! The kata's visible example tests (from the skeleton), run against the reference
//! solution: an example a correct answer fails would mislead every learner.

extern crate upload_solution as upload;

#[path = "../../../katas/04-upload/tests/examples.rs"]
mod examples;
