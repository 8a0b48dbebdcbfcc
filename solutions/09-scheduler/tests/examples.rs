//! The kata's visible example tests (from the skeleton), run against the reference
//! solution: an example a correct answer fails would mislead every learner.

extern crate scheduler_solution as scheduler;

#[path = "../../../katas/09-scheduler/tests/examples.rs"]
mod examples;
