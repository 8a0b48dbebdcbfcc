//! The kata's visible example tests (from the skeleton), run against the reference
//! solution: an example a correct answer fails would mislead every learner.

extern crate graceful_shutdown_solution as graceful_shutdown;

#[path = "../../../katas/06-graceful-shutdown/tests/examples.rs"]
mod examples;
