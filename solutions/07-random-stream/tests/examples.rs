//! The kata's visible example tests (from the skeleton), run against the reference
//! solution: an example a correct answer fails would mislead every learner.

extern crate random_stream_solution as random_stream;

#[path = "../../../katas/07-random-stream/tests/examples.rs"]
mod examples;
