//! Example tests from the kata's prompt. They fail with "not yet implemented" until you
//! fill in the `todo!()`s; run them with `cargo test -p circuit-breaker`.
//! The hidden tests go much further; `cargo kata grade circuit-breaker` runs them.

use circuit_breaker::{BreakerError, CircuitBreaker, Config, State};

#[tokio::test(start_paused = true)]
async fn it_opens_fails_fast_and_recovers() {
    let config = Config {
        failure_threshold: 3,
        success_threshold: 1,
        reset_timeout: std::time::Duration::from_secs(10),
        ..Config::default()
    };
    let breaker = CircuitBreaker::new(config).unwrap();
    for _ in 0..3 {
        let _: Result<(), _> = breaker.call(|| async { Err("down") }).await;
    }
    assert_eq!(breaker.state(), State::Open);
    let fast: Result<(), BreakerError<&str>> = breaker.call(|| async { Ok(()) }).await;
    assert_eq!(fast, Err(BreakerError::Open));

    tokio::time::advance(std::time::Duration::from_secs(10)).await;
    let trial: Result<u32, BreakerError<&str>> = breaker.call(|| async { Ok(42) }).await;
    assert_eq!(trial, Ok(42));
    assert_eq!(breaker.state(), State::Closed);
}
