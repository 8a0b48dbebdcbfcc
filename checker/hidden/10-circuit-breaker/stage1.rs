// Stage 1 — the seed's breaker: closed, open after N consecutive failures, fail fast while
// open, trial calls after the reset timeout, closed again after enough successes, state
// changes reported with the right `from` and `to`, and counts of 0 refused.

use circuit_breaker::{
    BreakerError, CircuitBreaker, Clock, Config, ConfigError, State, Transition,
};
use kata_support::graded_async;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A clock the test moves by hand.
struct ManualClock {
    base: Instant,
    offset_ms: AtomicU64,
}

impl ManualClock {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            base: Instant::now(),
            offset_ms: AtomicU64::new(0),
        })
    }
    fn advance(&self, by: Duration) {
        self.offset_ms
            .fetch_add(by.as_millis() as u64, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        self.base + Duration::from_millis(self.offset_ms.load(Ordering::SeqCst))
    }
}

fn config(failures: u32, successes: u32) -> Config {
    Config {
        failure_threshold: failures,
        success_threshold: successes,
        reset_timeout: Duration::from_secs(10),
        half_open_max_calls: 1,
        call_timeout: None,
        failure_rate: None,
    }
}

fn breaker(
    config: Config,
) -> (
    CircuitBreaker,
    Arc<ManualClock>,
    Arc<Mutex<Vec<Transition>>>,
) {
    let clock = ManualClock::new();
    let breaker = CircuitBreaker::with_clock(config, clock.clone()).expect("a valid configuration");
    let events = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&events);
    breaker.on_transition(move |t| log.lock().unwrap().push(t));
    (breaker, clock, events)
}

async fn fail(breaker: &CircuitBreaker) -> Result<u32, BreakerError<String>> {
    breaker.call(|| async { Err("boom".to_owned()) }).await
}

async fn succeed(breaker: &CircuitBreaker) -> Result<u32, BreakerError<String>> {
    breaker.call(|| async { Ok(7) }).await
}

fn t(from: State, to: State) -> Transition {
    Transition { from, to }
}

#[tokio::test]
async fn opens_after_the_threshold_of_consecutive_failures() {
    graded_async(async {
        let (breaker, _, _) = breaker(config(3, 1));
        for _ in 0..2 {
            assert_eq!(
                fail(&breaker).await,
                Err(BreakerError::Inner("boom".to_owned()))
            );
            assert_eq!(
                breaker.state(),
                State::Closed,
                "below the threshold it stays closed"
            );
        }
        assert_eq!(
            fail(&breaker).await,
            Err(BreakerError::Inner("boom".to_owned()))
        );
        assert_eq!(
            breaker.state(),
            State::Open,
            "the third consecutive failure opens it"
        );
    })
    .await;
}

#[tokio::test]
async fn a_success_resets_the_failure_count() {
    graded_async(async {
        let (breaker, _, _) = breaker(config(3, 1));
        for _ in 0..5 {
            let _ = fail(&breaker).await;
            let _ = fail(&breaker).await;
            assert_eq!(succeed(&breaker).await, Ok(7));
        }
        assert_eq!(
            breaker.state(),
            State::Closed,
            "failures must be consecutive to open it"
        );
    })
    .await;
}

#[tokio::test]
async fn an_open_breaker_fails_fast_without_calling() {
    graded_async(async {
        let (breaker, clock, _) = breaker(config(1, 1));
        let _ = fail(&breaker).await;
        let calls = AtomicUsize::new(0);
        for _ in 0..3 {
            let outcome: Result<(), BreakerError<String>> = breaker
                .call(|| async {
                    calls.fetch_add(1, Ordering::SeqCst);
                    Ok(())
                })
                .await;
            assert_eq!(outcome, Err(BreakerError::Open));
            clock.advance(Duration::from_secs(3));
        }
        assert_eq!(
            calls.load(Ordering::SeqCst),
            0,
            "an open breaker must not call the service"
        );
    })
    .await;
}

#[tokio::test]
async fn after_the_reset_timeout_a_trial_call_goes_through() {
    graded_async(async {
        let (breaker, clock, _) = breaker(config(1, 1));
        let _ = fail(&breaker).await;
        clock.advance(Duration::from_millis(9_999));
        assert_eq!(breaker.state(), State::Open, "not before the reset timeout");
        assert_eq!(succeed(&breaker).await, Err(BreakerError::Open));
        clock.advance(Duration::from_millis(1));
        assert_eq!(
            breaker.state(),
            State::HalfOpen,
            "exactly at the reset timeout it is half-open"
        );
        assert_eq!(succeed(&breaker).await, Ok(7));
        assert_eq!(
            breaker.state(),
            State::Closed,
            "one success closes it with a threshold of 1"
        );
    })
    .await;
}

#[tokio::test]
async fn it_closes_only_after_enough_trial_successes() {
    graded_async(async {
        let (breaker, clock, _) = breaker(config(1, 3));
        let _ = fail(&breaker).await;
        clock.advance(Duration::from_secs(10));
        for n in 1..3 {
            assert_eq!(succeed(&breaker).await, Ok(7));
            assert_eq!(breaker.state(), State::HalfOpen, "{n} of 3 successes");
        }
        assert_eq!(succeed(&breaker).await, Ok(7));
        assert_eq!(breaker.state(), State::Closed);
    })
    .await;
}

#[tokio::test]
async fn a_failed_trial_reopens_it_for_a_full_timeout() {
    graded_async(async {
        let (breaker, clock, _) = breaker(config(1, 2));
        let _ = fail(&breaker).await;
        clock.advance(Duration::from_secs(10));
        assert_eq!(succeed(&breaker).await, Ok(7));
        let _ = fail(&breaker).await;
        assert_eq!(
            breaker.state(),
            State::Open,
            "a failed trial reopens the breaker"
        );
        clock.advance(Duration::from_secs(9));
        assert_eq!(
            breaker.state(),
            State::Open,
            "the timeout counts from the reopening"
        );
        clock.advance(Duration::from_secs(1));
        assert_eq!(breaker.state(), State::HalfOpen);
    })
    .await;
}

#[tokio::test]
async fn every_state_change_reports_where_it_came_from() {
    // The seed emitted its event after assigning the new state, so `from` equalled `to`.
    graded_async(async {
        let (breaker, clock, events) = breaker(config(2, 1));
        let _ = fail(&breaker).await;
        let _ = fail(&breaker).await;
        clock.advance(Duration::from_secs(10));
        let _ = fail(&breaker).await;
        clock.advance(Duration::from_secs(10));
        let _ = succeed(&breaker).await;
        assert_eq!(
            *events.lock().unwrap(),
            [
                t(State::Closed, State::Open),
                t(State::Open, State::HalfOpen),
                t(State::HalfOpen, State::Open),
                t(State::Open, State::HalfOpen),
                t(State::HalfOpen, State::Closed),
            ]
        );
    })
    .await;
}

#[tokio::test]
async fn counts_of_zero_are_refused_not_replaced() {
    // The seed's `options.failureThreshold || 5` silently turned 0 into 5.
    graded_async(async {
        let clock = ManualClock::new();
        let make = |c: Config| CircuitBreaker::with_clock(c, clock.clone()).map(|_| ());
        assert_eq!(
            make(Config {
                failure_threshold: 0,
                ..config(1, 1)
            }),
            Err(ConfigError::ZeroFailureThreshold)
        );
        assert_eq!(
            make(Config {
                success_threshold: 0,
                ..config(1, 1)
            }),
            Err(ConfigError::ZeroSuccessThreshold)
        );
        assert_eq!(
            make(Config {
                half_open_max_calls: 0,
                ..config(1, 1)
            }),
            Err(ConfigError::ZeroHalfOpenCalls)
        );
        assert!(make(config(1, 1)).is_ok());
        assert_eq!(
            make(Config {
                failure_threshold: 0,
                success_threshold: 0,
                half_open_max_calls: 0,
                ..config(1, 1)
            }),
            Err(ConfigError::ZeroFailureThreshold),
            "with several zero counts, the first in field order is named"
        );
        assert_eq!(
            make(Config {
                success_threshold: 0,
                half_open_max_calls: 0,
                ..config(1, 1)
            }),
            Err(ConfigError::ZeroSuccessThreshold),
            "with several zero counts, the first in field order is named"
        );
        assert!(!ConfigError::ZeroFailureThreshold.to_string().is_empty());
    })
    .await;
}

#[test]
fn config_returns_the_configuration_it_was_made_with() {
    kata_support::graded(|| {
        let made_with = Config {
            failure_threshold: 4,
            success_threshold: 3,
            reset_timeout: Duration::from_millis(2_500),
            half_open_max_calls: 2,
            call_timeout: Some(Duration::from_secs(1)),
            failure_rate: None,
        };
        let (breaker, _, _) = breaker(made_with);
        assert_eq!(breaker.config(), &made_with);
    });
}
