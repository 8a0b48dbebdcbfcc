// Stage 3 — the seed's manual override and listing: `force_open` / `force_close` hold the
// state until `release`, with the same events as automatic changes; `status` and the
// registry's `list` show every breaker's state and counts; `call_or` runs a fallback when the
// breaker refuses a call, and only then.

use circuit_breaker::{BreakerError, CircuitBreaker, Clock, Config, Registry, State, Transition};
use kata_support::{graded, graded_async};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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

/// A reset timeout of 10 s.
fn config(failures: u32, successes: u32, trials: u32) -> Config {
    Config {
        failure_threshold: failures,
        success_threshold: successes,
        reset_timeout: Duration::from_secs(10),
        half_open_max_calls: trials,
        ..Config::default()
    }
}

type Events = Arc<Mutex<Vec<Transition>>>;

fn breaker(config: Config) -> (CircuitBreaker, Arc<ManualClock>, Events) {
    let clock = ManualClock::new();
    let breaker = CircuitBreaker::with_clock(config, clock.clone()).expect("a valid configuration");
    let events = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&events);
    breaker.on_transition(move |t| log.lock().unwrap().push(t));
    (breaker, clock, events)
}

fn t(from: State, to: State) -> Transition {
    Transition { from, to }
}

fn seen(events: &Events) -> Vec<Transition> {
    events.lock().unwrap().clone()
}

async fn fail(breaker: &CircuitBreaker) -> Result<u32, BreakerError<String>> {
    breaker.call(|| async { Err("boom".to_owned()) }).await
}

async fn succeed(breaker: &CircuitBreaker) -> Result<u32, BreakerError<String>> {
    breaker.call(|| async { Ok(7) }).await
}

#[tokio::test]
async fn a_forced_open_breaker_stays_open_until_released() {
    graded_async(async {
        let (breaker, clock, events) = breaker(config(3, 1, 1));
        breaker.force_open();
        assert_eq!(breaker.state(), State::Open);
        assert_eq!(
            seen(&events),
            [t(State::Closed, State::Open)],
            "forcing the breaker open is a change of state, reported like any other"
        );
        let calls = AtomicUsize::new(0);
        for _ in 0..3 {
            let outcome: Result<(), BreakerError<String>> = breaker
                .call(|| async {
                    calls.fetch_add(1, Ordering::SeqCst);
                    Ok(())
                })
                .await;
            assert_eq!(outcome, Err(BreakerError::Open));
            clock.advance(Duration::from_secs(60));
        }
        assert_eq!(
            calls.load(Ordering::SeqCst),
            0,
            "a forced-open breaker calls nothing"
        );
        assert_eq!(
            breaker.state(),
            State::Open,
            "an override is held: three minutes past the reset timeout it is still open"
        );
        assert!(breaker.try_acquire().is_err());
        assert!(breaker.status().forced);
        assert_eq!(seen(&events).len(), 1, "events: {:?}", seen(&events));

        breaker.release();
        assert!(!breaker.status().forced, "released");
        assert_eq!(
            breaker.state(),
            State::Open,
            "a release does not change the state"
        );
        assert_eq!(
            seen(&events).len(),
            1,
            "a release is no change of state: no event"
        );
        clock.advance(Duration::from_millis(9_999));
        assert_eq!(
            breaker.state(),
            State::Open,
            "a breaker released while open half-opens reset_timeout after the release, not \
             after it was forced open"
        );
        clock.advance(Duration::from_millis(1));
        assert_eq!(
            breaker.state(),
            State::HalfOpen,
            "after the release the reset timeout works again"
        );
        assert_eq!(succeed(&breaker).await, Ok(7));
        assert_eq!(breaker.state(), State::Closed);
        assert_eq!(
            seen(&events),
            [
                t(State::Closed, State::Open),
                t(State::Open, State::HalfOpen),
                t(State::HalfOpen, State::Closed),
            ]
        );
    })
    .await;
}

#[tokio::test]
async fn a_forced_closed_breaker_lets_every_call_through_and_counts_nothing() {
    graded_async(async {
        let (breaker, _, events) = breaker(config(2, 1, 1));
        let _ = fail(&breaker).await;
        let _ = fail(&breaker).await;
        assert_eq!(breaker.state(), State::Open);
        breaker.force_close();
        assert_eq!(
            seen(&events),
            [t(State::Closed, State::Open), t(State::Open, State::Closed)],
            "forcing the breaker closed is reported like any other change"
        );
        for _ in 0..10 {
            assert_eq!(
                fail(&breaker).await,
                Err(BreakerError::Inner("boom".to_owned())),
                "a forced-closed breaker makes every call"
            );
        }
        let held = [breaker.try_acquire(), breaker.try_acquire()];
        assert!(held.iter().all(Result::is_ok), "every call is let through");
        drop(held);
        assert_eq!(
            breaker.state(),
            State::Closed,
            "failures do not open a breaker held closed"
        );
        assert_eq!(
            breaker.status().consecutive_failures,
            0,
            "nothing is counted while the breaker is forced"
        );

        breaker.release();
        assert_eq!(breaker.state(), State::Closed);
        assert_eq!(
            seen(&events).len(),
            2,
            "a release is no change of state: no event"
        );
        let _ = fail(&breaker).await;
        assert_eq!(
            breaker.state(),
            State::Closed,
            "after the release the count starts from 0: 1 failure of 2"
        );
        assert_eq!(breaker.status().consecutive_failures, 1);
        let _ = fail(&breaker).await;
        assert_eq!(
            breaker.state(),
            State::Open,
            "after the release failures open the breaker again"
        );
    })
    .await;
}

#[test]
fn forcing_a_half_open_breaker_makes_its_trials_stale() {
    graded(|| {
        let (breaker, clock, events) = breaker(config(1, 1, 1));
        breaker.try_acquire().expect("closed").failure();
        clock.advance(Duration::from_secs(10));
        let trial = breaker.try_acquire().expect("a trial");
        breaker.force_open();
        assert_eq!(
            seen(&events).last(),
            Some(&t(State::HalfOpen, State::Open)),
            "forced open from half-open"
        );
        trial.success();
        assert_eq!(
            breaker.state(),
            State::Open,
            "a trial taken before the override does not close the breaker"
        );

        breaker.force_close();
        assert_eq!(
            seen(&events).last(),
            Some(&t(State::Open, State::Closed)),
            "one override replaces the other, with its event"
        );
        let count = seen(&events).len();
        breaker.force_close();
        breaker.force_close();
        assert_eq!(
            seen(&events).len(),
            count,
            "forcing the state the breaker is already in is no change of state"
        );
        assert!(seen(&events).iter().all(|e| e.from != e.to));
        assert!(breaker.status().forced);
    });
}

#[test]
fn an_override_and_its_release_each_start_a_new_period() {
    graded(|| {
        let (breaker, _, events) = breaker(config(3, 1, 1));
        breaker.try_acquire().expect("closed").failure();
        breaker.try_acquire().expect("closed").failure();
        let before = breaker.try_acquire().expect("closed");
        breaker.force_close();
        assert!(seen(&events).is_empty(), "it was closed already: no event");
        assert_eq!(
            breaker.status().consecutive_failures,
            0,
            "forcing starts a new period, even in the same state: the counts are reset"
        );
        let during = breaker.try_acquire().expect("forced closed");
        before.failure();
        breaker.release();
        during.failure();
        assert_eq!(
            breaker.status().consecutive_failures,
            0,
            "permits taken before the release are stale: their outcomes count for nothing"
        );
        breaker.try_acquire().expect("closed").failure();
        breaker.try_acquire().expect("closed").failure();
        assert_eq!(
            breaker.state(),
            State::Closed,
            "2 failures of 3 since the release"
        );
        breaker.try_acquire().expect("closed").failure();
        assert_eq!(breaker.state(), State::Open);
    });
}

#[test]
fn a_release_without_an_override_changes_nothing() {
    graded(|| {
        let (breaker, clock, events) = breaker(config(3, 1, 1));
        breaker.try_acquire().expect("closed").failure();
        breaker.try_acquire().expect("closed").failure();
        let pending = breaker.try_acquire().expect("closed");
        breaker.release();
        assert_eq!(
            breaker.status().consecutive_failures,
            2,
            "a release on a breaker that is not forced keeps its counts"
        );
        pending.failure();
        assert_eq!(
            breaker.state(),
            State::Open,
            "a release on a breaker that is not forced does not make permits stale"
        );
        clock.advance(Duration::from_secs(6));
        breaker.release();
        clock.advance(Duration::from_secs(4));
        assert_eq!(
            breaker.state(),
            State::HalfOpen,
            "a release on a breaker that is not forced does not restart its reset timeout"
        );
        assert_eq!(seen(&events).len(), 2);
    });
}

#[test]
fn listeners_see_the_override_in_place() {
    graded(|| {
        let breaker = Arc::new(
            CircuitBreaker::with_clock(config(1, 1, 1), ManualClock::new()).expect("valid"),
        );
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (b, s) = (Arc::downgrade(&breaker), Arc::clone(&seen));
        breaker.on_transition(move |_| {
            if let Some(b) = b.upgrade() {
                let status = b.status();
                s.lock().unwrap().push((status.state, status.forced));
            }
        });
        breaker.force_open();
        breaker.force_close();
        assert_eq!(
            *seen.lock().unwrap(),
            [(State::Open, true), (State::Closed, true)],
            "listeners run after the change, outside the lock, and see the override"
        );
    });
}

#[test]
fn status_reports_the_state_and_its_counts() {
    graded(|| {
        let (breaker, clock, _) = breaker(config(3, 3, 2));
        let status = breaker.status();
        assert_eq!(
            (status.state, status.forced, status.consecutive_failures),
            (State::Closed, false, 0)
        );
        breaker.try_acquire().expect("closed").failure();
        breaker.try_acquire().expect("closed").failure();
        assert_eq!(breaker.status().consecutive_failures, 2);
        breaker.try_acquire().expect("closed").failure();
        let status = breaker.status();
        assert_eq!(status.state, State::Open);
        assert_eq!(
            status.consecutive_failures, 0,
            "counts belong to their period"
        );
        clock.advance(Duration::from_secs(10));
        assert_eq!(
            breaker.status().state,
            State::HalfOpen,
            "status sees an open breaker past its reset timeout as half-open"
        );
        let first = breaker.try_acquire().expect("trial 1");
        assert_eq!(breaker.status().trials_running, 1);
        first.success();
        let status = breaker.status();
        assert_eq!((status.trial_successes, status.trials_running), (1, 0));
        let second = breaker.try_acquire().expect("trial 2");
        let third = breaker.try_acquire().expect("trial 3");
        assert_eq!(breaker.status().trials_running, 2);
        drop(second);
        let status = breaker.status();
        assert_eq!((status.trial_successes, status.trials_running), (1, 1));
        third.success();
        assert_eq!(breaker.status().trial_successes, 2);
    });
}

#[tokio::test(start_paused = true)]
async fn call_or_runs_the_fallback_only_when_the_breaker_refuses() {
    graded_async(async {
        let clock = ManualClock::new();
        let breaker = CircuitBreaker::with_clock(
            Config {
                call_timeout: Some(Duration::from_millis(100)),
                ..config(2, 1, 1)
            },
            clock.clone(),
        )
        .expect("valid");
        let fallbacks = AtomicUsize::new(0);
        let calls = AtomicUsize::new(0);
        let fallback = || {
            fallbacks.fetch_add(1, Ordering::SeqCst);
            99
        };

        let ok: Result<u32, BreakerError<String>> =
            breaker.call_or(|| async { Ok(7) }, fallback).await;
        assert_eq!(ok, Ok(7), "a successful call returns its own value");
        assert_eq!(
            fallbacks.load(Ordering::SeqCst),
            0,
            "no fallback after a success"
        );

        let failed: Result<u32, BreakerError<String>> = breaker
            .call_or(|| async { Err("boom".to_owned()) }, fallback)
            .await;
        assert_eq!(failed, Err(BreakerError::Inner("boom".to_owned())));
        assert_eq!(
            fallbacks.load(Ordering::SeqCst),
            0,
            "the fallback does not run on the call's own failure"
        );
        let slow: Result<u32, BreakerError<String>> = breaker
            .call_or(
                || async {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    Ok(7)
                },
                fallback,
            )
            .await;
        assert_eq!(slow, Err(BreakerError::Timeout));
        assert_eq!(fallbacks.load(Ordering::SeqCst), 0, "nor on a timeout");
        assert_eq!(breaker.state(), State::Open, "two failures opened it");

        let refused: Result<u32, BreakerError<String>> = breaker
            .call_or(
                || async {
                    calls.fetch_add(1, Ordering::SeqCst);
                    Ok(7)
                },
                fallback,
            )
            .await;
        assert_eq!(refused, Ok(99), "refused: the fallback's value");
        assert_eq!(fallbacks.load(Ordering::SeqCst), 1);
        assert_eq!(
            calls.load(Ordering::SeqCst),
            0,
            "a refused call is not made"
        );

        clock.advance(Duration::from_secs(10));
        let trial = breaker.try_acquire().expect("the one trial slot");
        let full: Result<u32, BreakerError<String>> = breaker
            .call_or(
                || async {
                    calls.fetch_add(1, Ordering::SeqCst);
                    Ok(7)
                },
                fallback,
            )
            .await;
        assert_eq!(full, Ok(99), "every trial slot taken: the fallback");
        assert_eq!(calls.load(Ordering::SeqCst), 0);
        trial.success();
        assert_eq!(breaker.state(), State::Closed);

        breaker.force_open();
        let forced: Result<u32, BreakerError<String>> =
            breaker.call_or(|| async { Ok(7) }, fallback).await;
        assert_eq!(forced, Ok(99), "forced open: the fallback");
        assert_eq!(fallbacks.load(Ordering::SeqCst), 3);
    })
    .await;
}

#[tokio::test]
async fn the_fallback_may_use_the_breaker() {
    graded_async(async {
        let (breaker, _, _) = breaker(config(1, 1, 1));
        breaker.force_open();
        let answer: Result<State, BreakerError<String>> = breaker
            .call_or(|| async { Ok(State::Closed) }, || breaker.status().state)
            .await;
        assert_eq!(
            answer,
            Ok(State::Open),
            "the fallback runs outside the breaker's lock"
        );
    })
    .await;
}

#[test]
fn the_registry_lists_every_breaker_with_its_state_and_counts() {
    graded(|| {
        let clock = ManualClock::new();
        let registry = Registry::with_clock(clock.clone());
        assert!(registry.list().is_empty());
        let search = registry
            .get_or_create("search", config(3, 1, 1))
            .expect("valid");
        let payments = registry
            .get_or_create("payments", config(1, 1, 1))
            .expect("valid");
        payments.try_acquire().expect("closed").failure();
        search.try_acquire().expect("closed").failure();
        search.try_acquire().expect("closed").failure();

        let listed = registry.list();
        let names: Vec<&str> = listed.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(
            names,
            ["payments", "search"],
            "every breaker, sorted by name"
        );
        assert_eq!(listed[0].1.state, State::Open);
        assert_eq!(listed[1].1.state, State::Closed);
        assert_eq!(listed[1].1.consecutive_failures, 2);
        assert!(!listed[1].1.forced);

        registry
            .get_or_create("auth", config(1, 1, 1))
            .expect("valid");
        search.force_open();
        clock.advance(Duration::from_secs(10));
        let listed = registry.list();
        let names: Vec<&str> = listed.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(
            names,
            ["auth", "payments", "search"],
            "a breaker created after an earlier listing is listed too"
        );
        assert_eq!(listed[0].1.state, State::Closed);
        assert_eq!(
            listed[1].1.state,
            State::HalfOpen,
            "the listing sees an open breaker past its reset timeout as half-open"
        );
        assert_eq!((listed[2].1.state, listed[2].1.forced), (State::Open, true));
        assert!(registry.get_or_create("bad", config(0, 1, 1)).is_err());
        assert_eq!(
            registry.list().len(),
            3,
            "an invalid configuration lists nothing"
        );
    });
}

#[test]
fn a_listener_may_list_the_registry() {
    graded(|| {
        let clock = ManualClock::new();
        let registry = Arc::new(Registry::with_clock(clock.clone()));
        let payments = registry
            .get_or_create("payments", config(1, 1, 1))
            .expect("valid");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (r, s) = (Arc::downgrade(&registry), Arc::clone(&seen));
        payments.on_transition(move |_| {
            if let Some(r) = r.upgrade() {
                s.lock().unwrap().push(r.list().len());
            }
        });
        payments.try_acquire().expect("closed").failure();
        clock.advance(Duration::from_secs(10));
        // The listing itself notices the reset timeout and reports open → half-open.
        let listed = registry.list();
        assert_eq!(listed[0].1.state, State::HalfOpen);
        assert_eq!(
            *seen.lock().unwrap(),
            [1, 1],
            "a listener called during a listing may list the registry (no deadlock)"
        );
    });
}
