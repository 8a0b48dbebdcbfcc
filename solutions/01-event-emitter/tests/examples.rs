//! The kata's visible example tests (from the skeleton), run against the reference
//! solution: an example a correct answer fails would mislead every learner.

extern crate event_emitter_solution as event_emitter;

#[path = "../../../katas/01-event-emitter/tests/examples.rs"]
mod examples;
