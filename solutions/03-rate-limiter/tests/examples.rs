//! The kata's visible example tests (from the skeleton), run against the reference
//! solution: an example a correct answer fails would mislead every learner.

extern crate rate_limiter_solution as rate_limiter;

#[path = "../../../katas/03-rate-limiter/tests/examples.rs"]
mod examples;
