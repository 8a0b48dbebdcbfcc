//! The kata's visible example tests (from the skeleton), run against the reference
//! solution: an example a correct answer fails would mislead every learner.

extern crate worker_pool_solution as worker_pool;

#[path = "../../../katas/05-worker-pool/tests/examples.rs"]
mod examples;
