//! The kata's visible example tests (from the skeleton), run against the reference
//! solution: an example a correct answer fails would mislead every learner.

extern crate priority_queue_solution as priority_queue;

#[path = "../../../katas/08-priority-queue/tests/examples.rs"]
mod examples;
