// Stage 1 — the core limiter with an injected clock: exact counts and window edges for the
// fixed and the sliding window, a token bucket that refills lazily and keeps the fraction of
// a token it has earned, independent keys, and configurations that cannot work refused.

use crate::common::ManualClock;
use kata_support::graded;
use rate_limiter::{Algorithm, ConfigError, Decision, RateLimiter};
use std::sync::Arc;
use std::time::Duration;

fn limiter(algorithm: Algorithm) -> (RateLimiter<&'static str>, Arc<ManualClock>) {
    let clock = ManualClock::new();
    let limiter = RateLimiter::with_clock(algorithm, clock.clone()).expect("a valid configuration");
    (limiter, clock)
}

const MS: Duration = Duration::from_millis(1);

fn allowed(limiter: &RateLimiter<&'static str>, key: &'static str, n: usize) -> usize {
    (0..n).filter(|_| limiter.check(&key).allowed).count()
}

#[test]
fn fixed_window_allows_exactly_the_limit() {
    graded(|| {
        let (limiter, clock) = limiter(Algorithm::FixedWindow {
            limit: 3,
            window: Duration::from_secs(1),
        });
        // The key's window starts at its first request, not when the limiter was made.
        clock.advance(300 * MS);
        let remaining: Vec<u32> = (0..3)
            .map(|_| {
                let d = limiter.check(&"k");
                assert!(
                    d.allowed,
                    "the first three requests of a window are allowed"
                );
                assert_eq!(d.retry_after, None, "an allowed request has no retry_after");
                d.remaining
            })
            .collect();
        assert_eq!(
            remaining,
            [2, 1, 0],
            "remaining counts down after each request"
        );
        clock.advance(400 * MS);
        let refused = limiter.check(&"k");
        assert_eq!(
            refused,
            Decision {
                allowed: false,
                limit: 3,
                remaining: 0,
                reset_after: 600 * MS,
                retry_after: Some(600 * MS),
            },
            "the fourth request in the window is refused until the window ends"
        );
        clock.advance(600 * MS - Duration::from_nanos(1));
        assert!(
            !limiter.check(&"k").allowed,
            "1 ns before the window ends it is still full"
        );
        clock.advance(Duration::from_nanos(1));
        let next = limiter.check(&"k");
        assert!(
            next.allowed,
            "exactly at the window's end a new window starts"
        );
        assert_eq!(next.remaining, 2);
        assert_eq!(
            next.reset_after,
            Duration::from_secs(1),
            "the new window starts now"
        );
    });
}

#[test]
fn fixed_window_admits_a_double_burst_across_the_boundary() {
    graded(|| {
        // The fixed window's known weakness: the seed's chapter shows it, and the sliding
        // window test below shows the fix.
        let (limiter, clock) = limiter(Algorithm::FixedWindow {
            limit: 5,
            window: Duration::from_secs(1),
        });
        assert!(limiter.check(&"k").allowed);
        clock.advance(999 * MS);
        assert_eq!(
            allowed(&limiter, "k", 10),
            4,
            "the rest of the first window's allowance"
        );
        clock.advance(MS);
        assert_eq!(
            allowed(&limiter, "k", 10),
            5,
            "a fixed window starts afresh at its boundary"
        );
    });
}

#[test]
fn sliding_window_counts_the_last_window_exactly() {
    graded(|| {
        let (limiter, clock) = limiter(Algorithm::SlidingWindow {
            limit: 2,
            window: Duration::from_secs(1),
        });
        assert!(limiter.check(&"k").allowed); // t = 0
        clock.advance(500 * MS);
        let second = limiter.check(&"k"); // t = 0.5
        assert!(second.allowed);
        assert_eq!(second.remaining, 0);
        assert_eq!(
            second.reset_after,
            Duration::from_secs(1),
            "both slots free at t = 1.5"
        );
        clock.advance(400 * MS);
        let refused = limiter.check(&"k"); // t = 0.9
        assert!(!refused.allowed, "two requests in the last second already");
        assert_eq!(
            refused.retry_after,
            Some(100 * MS),
            "the request at t = 0 leaves the window at t = 1"
        );
        clock.advance(100 * MS);
        assert!(
            limiter.check(&"k").allowed,
            "at t = 1 the window is (0, 1]: the request at t = 0 no longer counts"
        );
        clock.advance(200 * MS);
        let refused = limiter.check(&"k"); // t = 1.2
        assert!(!refused.allowed);
        assert_eq!(
            refused.retry_after,
            Some(300 * MS),
            "t = 0.5 leaves at t = 1.5"
        );
        assert_eq!(refused.remaining, 0);
    });
}

#[test]
fn sliding_window_has_no_boundary_burst() {
    graded(|| {
        let (limiter, clock) = limiter(Algorithm::SlidingWindow {
            limit: 5,
            window: Duration::from_secs(1),
        });
        assert!(limiter.check(&"k").allowed);
        clock.advance(999 * MS);
        assert_eq!(allowed(&limiter, "k", 10), 4);
        clock.advance(MS);
        assert_eq!(
            allowed(&limiter, "k", 10),
            1,
            "one second after the first request only its slot is free again"
        );
    });
}

#[test]
fn token_bucket_refills_lazily_and_keeps_the_fraction() {
    graded(|| {
        let (limiter, clock) = limiter(Algorithm::TokenBucket {
            capacity: 3,
            refill_every: 100 * MS,
        });
        assert_eq!(allowed(&limiter, "k", 3), 3, "the bucket starts full");
        let refused = limiter.check(&"k");
        assert!(!refused.allowed);
        assert_eq!(
            refused.retry_after,
            Some(100 * MS),
            "one token comes back in 100 ms"
        );
        assert_eq!(refused.reset_after, 300 * MS, "three tokens take 300 ms");
        clock.advance(250 * MS);
        let first = limiter.check(&"k");
        assert!(first.allowed);
        assert_eq!(first.remaining, 1, "250 ms earned two whole tokens");
        assert!(limiter.check(&"k").allowed);
        let refused = limiter.check(&"k");
        assert!(!refused.allowed);
        assert_eq!(
            refused.retry_after,
            Some(50 * MS),
            "the 50 ms already earned towards the next token are kept"
        );
        clock.advance(50 * MS);
        assert_eq!(allowed(&limiter, "k", 5), 1);
    });
}

#[test]
fn token_bucket_never_holds_more_than_its_capacity() {
    graded(|| {
        let (limiter, clock) = limiter(Algorithm::TokenBucket {
            capacity: 3,
            refill_every: 100 * MS,
        });
        assert!(limiter.check(&"k").allowed);
        clock.advance(Duration::from_secs(60));
        let d = limiter.check(&"k");
        assert_eq!(d.remaining, 2, "a full bucket holds 3 tokens, not 600");
        assert_eq!(d.reset_after, 100 * MS);
        assert_eq!(allowed(&limiter, "k", 10), 2);

        // A bucket that is still refilling when it is next checked (however the limiter
        // forgets idle keys) is topped up to its capacity, never beyond it.
        let (refilling, clock) = self::limiter(Algorithm::TokenBucket {
            capacity: 3,
            refill_every: 100 * MS,
        });
        clock.advance(100 * MS);
        assert_eq!(allowed(&refilling, "k", 3), 3);
        clock.advance(200 * MS);
        assert!(refilling.check(&"other").allowed);
        clock.advance(250 * MS);
        let d = refilling.check(&"k");
        assert!(d.allowed);
        assert_eq!(
            d.remaining, 2,
            "450 ms refill the bucket to its 3 tokens, no more"
        );
        assert_eq!(allowed(&refilling, "k", 10), 2);
    });
}

#[test]
fn keys_are_independent() {
    graded(|| {
        for algorithm in [
            Algorithm::FixedWindow {
                limit: 2,
                window: Duration::from_secs(1),
            },
            Algorithm::SlidingWindow {
                limit: 2,
                window: Duration::from_secs(1),
            },
            Algorithm::TokenBucket {
                capacity: 2,
                refill_every: Duration::from_secs(1),
            },
        ] {
            let (limiter, _clock) = limiter(algorithm);
            assert_eq!(allowed(&limiter, "a", 5), 2, "{algorithm:?}");
            let b = limiter.check(&"b");
            assert!(
                b.allowed,
                "{algorithm:?}: another key has its own allowance"
            );
            assert_eq!(b.remaining, 1, "{algorithm:?}");
            assert!(!limiter.check(&"a").allowed, "{algorithm:?}");
        }
    });
}

#[test]
fn configurations_that_cannot_work_are_refused() {
    graded(|| {
        let clock = ManualClock::new();
        let cases = [
            (
                Algorithm::FixedWindow {
                    limit: 0,
                    window: Duration::from_secs(1),
                },
                ConfigError::ZeroLimit,
            ),
            (
                Algorithm::SlidingWindow {
                    limit: 0,
                    window: Duration::from_secs(1),
                },
                ConfigError::ZeroLimit,
            ),
            (
                Algorithm::TokenBucket {
                    capacity: 0,
                    refill_every: Duration::from_secs(1),
                },
                ConfigError::ZeroLimit,
            ),
            (
                Algorithm::FixedWindow {
                    limit: 1,
                    window: Duration::ZERO,
                },
                ConfigError::ZeroDuration,
            ),
            (
                Algorithm::SlidingWindow {
                    limit: 1,
                    window: Duration::ZERO,
                },
                ConfigError::ZeroDuration,
            ),
            (
                Algorithm::TokenBucket {
                    capacity: 1,
                    refill_every: Duration::ZERO,
                },
                ConfigError::ZeroDuration,
            ),
        ];
        for (algorithm, expected) in cases {
            let result = RateLimiter::<u32>::with_clock(algorithm, clock.clone());
            assert_eq!(result.err(), Some(expected), "{algorithm:?}");
        }
    });
}
