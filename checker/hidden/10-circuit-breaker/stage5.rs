// Stage 5 — concurrency, checked with loom: however two threads interleave, a half-open
// breaker never has more trial calls running than `half_open_max_calls`, a trial that
// finishes frees its slot, and outcomes reported at once all count in the failure-rate
// window, which opens the breaker once.
//
// Built only with the `kata-loom` feature, which makes the kata's `sync` module re-export
// loom's types.
#![cfg(feature = "kata-loom")]

use circuit_breaker::{CircuitBreaker, Clock, Config, FailureRate, State};
use kata_support::graded;
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::thread;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A clock that is already past the reset timeout once `late` is set.
struct StepClock {
    base: Instant,
    late: std::sync::atomic::AtomicBool,
}

impl Clock for StepClock {
    fn now(&self) -> Instant {
        if self.late.load(std::sync::atomic::Ordering::SeqCst) {
            self.base + Duration::from_secs(3600)
        } else {
            self.base
        }
    }
}

fn check(model: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    if std::env::var_os("LOOM_MAX_PREEMPTIONS").is_none() {
        builder.preemption_bound = Some(2);
    }
    builder.check(model);
}

/// A breaker that has opened and whose reset timeout has passed.
fn half_open(trials: u32, successes: u32) -> Arc<CircuitBreaker> {
    let clock = Arc::new(StepClock {
        base: Instant::now(),
        late: false.into(),
    });
    let config = Config {
        failure_threshold: 1,
        success_threshold: successes,
        reset_timeout: Duration::from_secs(1),
        half_open_max_calls: trials,
        call_timeout: None,
        failure_rate: None,
    };
    let breaker = CircuitBreaker::with_clock(config, clock.clone()).expect("valid");
    breaker.try_acquire().expect("closed").failure();
    clock.late.store(true, std::sync::atomic::Ordering::SeqCst);
    Arc::new(breaker)
}

/// Each thread takes a trial permit if it can and, while holding it, checks how many
/// trials run at once.
fn trial(breaker: &CircuitBreaker, running: &AtomicUsize, limit: usize) -> bool {
    match breaker.try_acquire() {
        Ok(permit) => {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            assert!(
                now <= limit,
                "{now} trial calls at once with a limit of {limit}"
            );
            running.fetch_sub(1, Ordering::SeqCst);
            permit.success();
            true
        }
        Err(_) => false,
    }
}

#[test]
fn two_threads_never_run_more_than_one_trial() {
    graded(|| {
        check(|| {
            let breaker = half_open(1, 5);
            let running = Arc::new(AtomicUsize::new(0));
            let (b, r) = (Arc::clone(&breaker), Arc::clone(&running));
            let other = thread::spawn(move || trial(&b, &r, 1));
            let here = trial(&breaker, &running, 1);
            let there = other.join().expect("trial thread");
            assert!(
                here || there,
                "at least one of two trials gets the free slot"
            );
            assert_eq!(breaker.state(), State::HalfOpen);
        });
    });
}

#[test]
fn three_threads_and_two_slots() {
    graded(|| {
        check(|| {
            let breaker = half_open(2, 10);
            let running = Arc::new(AtomicUsize::new(0));
            let handles: Vec<_> = (0..2)
                .map(|_| {
                    let (b, r) = (Arc::clone(&breaker), Arc::clone(&running));
                    thread::spawn(move || trial(&b, &r, 2))
                })
                .collect();
            let here = trial(&breaker, &running, 2);
            let admitted = handles
                .into_iter()
                .map(|h| h.join().expect("thread"))
                .filter(|a| *a)
                .count()
                + usize::from(here);
            assert!(
                admitted >= 2,
                "two slots admit at least two of three trials"
            );
        });
    });
}

#[test]
fn a_finished_trial_frees_its_slot_for_another_thread() {
    graded(|| {
        check(|| {
            let breaker = half_open(1, 3);
            let first = breaker.try_acquire().expect("the only slot");
            let b = Arc::clone(&breaker);
            let waiting = thread::spawn(move || b.try_acquire().map(|p| p.success()).is_ok());
            first.success();
            let got = waiting.join().expect("thread");
            // Either the other thread came before the slot was freed (rejected) or after.
            if !got {
                assert!(
                    breaker.try_acquire().map(|p| p.success()).is_ok(),
                    "the slot was never freed"
                );
            }
        });
    });
}

/// A closed breaker that only the failure-rate rule can open: a window of 2 calls at 50%,
/// judged from `minimum` calls.
fn rate_breaker(minimum: u32) -> Arc<CircuitBreaker> {
    let clock = Arc::new(StepClock {
        base: Instant::now(),
        late: false.into(),
    });
    let config = Config {
        failure_threshold: 100,
        success_threshold: 1,
        reset_timeout: Duration::from_secs(1),
        half_open_max_calls: 1,
        call_timeout: None,
        failure_rate: Some(FailureRate {
            window: 2,
            minimum_calls: minimum,
            threshold_percent: 50,
        }),
    };
    Arc::new(CircuitBreaker::with_clock(config, clock).expect("valid"))
}

#[test]
fn outcomes_reported_at_once_all_enter_the_rate_window() {
    graded(|| {
        check(|| {
            let breaker = rate_breaker(2);
            let b = Arc::clone(&breaker);
            let other = thread::spawn(move || b.try_acquire().expect("closed").failure());
            breaker.try_acquire().expect("closed").success();
            other.join().expect("thread");
            let status = breaker.status();
            assert_eq!(
                status.state,
                State::Open,
                "one failure in two calls is 50%: both outcomes count, in either order \
                 (window: {} calls, {} failures)",
                status.window_calls,
                status.window_failures
            );
        });
    });
}

#[test]
fn racing_failures_open_the_breaker_once() {
    graded(|| {
        check(|| {
            let breaker = rate_breaker(1);
            let opened = Arc::new(std::sync::atomic::AtomicUsize::new(0));
            let o = Arc::clone(&opened);
            breaker.on_transition(move |t| {
                if t.to == State::Open {
                    o.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                }
            });
            let b = Arc::clone(&breaker);
            let other = thread::spawn(move || {
                if let Ok(permit) = b.try_acquire() {
                    permit.failure();
                }
            });
            if let Ok(permit) = breaker.try_acquire() {
                permit.failure();
            }
            other.join().expect("thread");
            assert_eq!(breaker.state(), State::Open);
            assert_eq!(
                opened.load(std::sync::atomic::Ordering::SeqCst),
                1,
                "two failures at once open the breaker once: the later one is stale or refused"
            );
        });
    });
}
