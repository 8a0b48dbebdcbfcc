// Stage 4 — the limit holds under any interleaving, checked with loom: two or three threads
// call `check` on one limiter at once, and loom explores every order in which their steps
// can run (up to a preemption bound), so a check that reads a key's state under one lock
// and writes it back under another shows up as one request too many, never as a flaky pass.
//
// Built only with the `kata-loom` feature, which makes the kata's `sync` module re-export
// loom's types. The clock is the hand-moved one of the other stages; it never moves while
// the threads run.
#![cfg(feature = "kata-loom")]

use crate::common::ManualClock;
use kata_support::graded;
use loom::thread;
use rate_limiter::{Algorithm, RateLimiter};
use std::time::Duration;

const PERIOD: Duration = Duration::from_secs(1);

/// Runs `model` under loom with a preemption bound of 2 unless `LOOM_MAX_PREEMPTIONS`
/// asks for a deeper search.
fn check(model: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    if std::env::var_os("LOOM_MAX_PREEMPTIONS").is_none() {
        builder.preemption_bound = Some(2);
    }
    builder.check(model);
}

/// The four algorithms, each allowing `limit` requests per second.
fn all_algorithms(limit: u32) -> [Algorithm; 4] {
    [
        Algorithm::FixedWindow {
            limit,
            window: PERIOD,
        },
        Algorithm::SlidingWindow {
            limit,
            window: PERIOD,
        },
        Algorithm::TokenBucket {
            capacity: limit,
            refill_every: PERIOD / limit,
        },
        Algorithm::Gcra {
            limit,
            period: PERIOD,
        },
    ]
}

/// Checks `key` on another thread while this one checks it too; both answers, here first.
fn race(limiter: &RateLimiter<&'static str>, key: &'static str) -> (bool, bool) {
    let other = limiter.clone();
    let t = thread::spawn(move || other.check(&key).allowed);
    let here = limiter.check(&key).allowed;
    (here, t.join().expect("checking thread"))
}

#[test]
fn two_threads_never_both_get_the_last_request() {
    graded(|| {
        for algorithm in all_algorithms(1) {
            check(move || {
                let limiter = RateLimiter::with_clock(algorithm, ManualClock::new()).unwrap();
                let (here, there) = race(&limiter, "k");
                assert!(
                    here ^ there,
                    "{algorithm:?}: with a limit of 1, exactly one of two concurrent checks \
                     may be allowed (allowed here: {here}, on the other thread: {there})"
                );
                assert!(
                    !limiter.check(&"k").allowed,
                    "{algorithm:?}: the request allowed during the race was not counted"
                );
            });
        }
    });
}

#[test]
fn a_request_that_comes_back_goes_to_one_thread_only() {
    graded(|| {
        for algorithm in all_algorithms(1) {
            check(move || {
                let clock = ManualClock::new();
                let limiter = RateLimiter::with_clock(algorithm, clock.clone()).unwrap();
                assert!(limiter.check(&"k").allowed);
                assert!(!limiter.check(&"k").allowed);
                // A whole period later the key has its one request back (a new window, a
                // refilled token), and may be swept as idle by whichever thread comes first.
                clock.advance(PERIOD);
                let (here, there) = race(&limiter, "k");
                assert!(
                    here ^ there,
                    "{algorithm:?}: one request came back, and two concurrent checks got \
                     {} of it",
                    u8::from(here) + u8::from(there)
                );
                assert!(!limiter.check(&"k").allowed, "{algorithm:?}");
            });
        }
    });
}

#[test]
fn three_threads_get_exactly_the_limit() {
    graded(|| {
        for algorithm in all_algorithms(2) {
            check(move || {
                let limiter = RateLimiter::with_clock(algorithm, ManualClock::new()).unwrap();
                let threads: Vec<_> = (0..2)
                    .map(|_| {
                        let other = limiter.clone();
                        thread::spawn(move || other.check(&"k").allowed)
                    })
                    .collect();
                let mut allowed = usize::from(limiter.check(&"k").allowed);
                for t in threads {
                    allowed += usize::from(t.join().expect("checking thread"));
                }
                assert_eq!(
                    allowed, 2,
                    "{algorithm:?}: three concurrent checks with a limit of 2"
                );
                let after = limiter.check(&"k");
                assert!(!after.allowed, "{algorithm:?}: a fourth check was allowed");
                assert_eq!(after.remaining, 0, "{algorithm:?}");
            });
        }
    });
}

#[test]
fn concurrent_checks_of_different_keys_lose_no_count() {
    graded(|| {
        for algorithm in all_algorithms(2) {
            check(move || {
                let limiter = RateLimiter::with_clock(algorithm, ManualClock::new()).unwrap();
                let other = limiter.clone();
                let t = thread::spawn(move || other.check(&"b"));
                let a = limiter.check(&"a");
                let b = t.join().expect("checking thread");
                assert!(
                    a.allowed && b.allowed,
                    "{algorithm:?}: first requests refused"
                );
                assert_eq!((a.remaining, b.remaining), (1, 1), "{algorithm:?}");
                assert_eq!(limiter.tracked_keys(), 2, "{algorithm:?}: a key was lost");
                for key in ["a", "b"] {
                    let second = limiter.check(&key);
                    assert!(second.allowed, "{algorithm:?}: key {key}");
                    assert_eq!(
                        second.remaining, 0,
                        "{algorithm:?}: key {key}'s first request was not counted"
                    );
                    assert!(!limiter.check(&key).allowed, "{algorithm:?}: key {key}");
                }
            });
        }
    });
}
