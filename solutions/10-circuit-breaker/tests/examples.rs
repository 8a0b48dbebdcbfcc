//! The kata's visible example tests (from the skeleton), run against the reference
//! solution: an example a correct answer fails would mislead every learner.

extern crate circuit_breaker_solution as circuit_breaker;

#[path = "../../../katas/10-circuit-breaker/tests/examples.rs"]
mod examples;
