// Stage 3 — what production needs: many threads never get more than the limit, idle keys
// are forgotten so memory stays bounded, nothing keeps running (or holding the limiter)
// after the last handle is dropped, and GCRA. Property tests compare the sliding window,
// the token bucket and GCRA with simple models over random request sequences.

use crate::common::ManualClock;
use kata_support::{graded, proptest_runner};
use proptest::collection::vec;
use proptest::prelude::*;
use rate_limiter::{Algorithm, ConfigError, RateLimiter};
use std::sync::Arc;
use std::time::Duration;

const MS: Duration = Duration::from_millis(1);

fn all_algorithms(limit: u32, period: Duration) -> [Algorithm; 4] {
    [
        Algorithm::FixedWindow {
            limit,
            window: period,
        },
        Algorithm::SlidingWindow {
            limit,
            window: period,
        },
        Algorithm::TokenBucket {
            capacity: limit,
            refill_every: period / limit,
        },
        Algorithm::Gcra { limit, period },
    ]
}

#[test]
fn many_threads_never_get_more_than_the_limit() {
    graded(|| {
        for algorithm in all_algorithms(500, Duration::from_secs(60)) {
            let limiter: RateLimiter<u32> =
                RateLimiter::with_clock(algorithm, ManualClock::new()).unwrap();
            let allowed: usize = std::thread::scope(|scope| {
                let handles: Vec<_> = (0..8)
                    .map(|_| {
                        let limiter = limiter.clone();
                        scope.spawn(move || {
                            (0..200).filter(|i| limiter.check(&(i % 2)).allowed).count()
                        })
                    })
                    .collect();
                handles.into_iter().map(|h| h.join().unwrap()).sum()
            });
            assert_eq!(
                allowed, 1000,
                "{algorithm:?}: 1600 requests over two keys with a limit of 500 each"
            );
        }
    });
}

#[test]
fn idle_keys_are_forgotten() {
    graded(|| {
        for algorithm in all_algorithms(10, Duration::from_secs(1)) {
            let clock = ManualClock::new();
            let limiter: RateLimiter<u64> =
                RateLimiter::with_clock(algorithm, clock.clone()).unwrap();
            let mut most = 0;
            // A new client every millisecond for 20 seconds: 20 000 keys in all, about 1000
            // of them active in any second.
            for key in 0..20_000u64 {
                assert!(limiter.check(&key).allowed);
                clock.advance(MS);
                most = most.max(limiter.tracked_keys());
            }
            assert!(
                most <= 3_000,
                "{algorithm:?}: {most} keys held at once; keys idle for a whole period must \
                 be dropped, or memory grows with every client ever seen"
            );
            // Five quiet seconds, then 1000 new clients at once: the old keys are gone.
            clock.advance(Duration::from_secs(5));
            for key in 0..1_000u64 {
                limiter.check(&(u64::MAX - key));
            }
            assert!(
                limiter.tracked_keys() <= 1_500,
                "{algorithm:?}: {} keys held, 5 s after the other 20 000 were last seen",
                limiter.tracked_keys()
            );
        }
    });
}

#[test]
fn nothing_outlives_the_last_handle() {
    graded(|| {
        // No runtime here: building and using a limiter must not need one, and must not
        // start a timer or a thread that keeps the limiter (and its clock) alive.
        for algorithm in all_algorithms(5, Duration::from_secs(1)) {
            let clock = ManualClock::new();
            let limiter: RateLimiter<String> =
                RateLimiter::with_clock(algorithm, clock.clone()).unwrap();
            let copy = limiter.clone();
            assert!(limiter.check(&"a".to_owned()).allowed);
            assert!(copy.check(&"b".to_owned()).allowed);
            drop(limiter);
            drop(copy);
            assert_eq!(
                Arc::strong_count(&clock),
                1,
                "{algorithm:?}: something still holds the limiter's clock after every \
                 handle was dropped (a background clean-up task?)"
            );
        }
    });
}

#[test]
fn gcra_allows_a_burst_then_one_request_per_interval() {
    graded(|| {
        let clock = ManualClock::new();
        let limiter: RateLimiter<&str> = RateLimiter::with_clock(
            Algorithm::Gcra {
                limit: 4,
                period: Duration::from_secs(1),
            },
            clock.clone(),
        )
        .unwrap();
        let burst: Vec<u32> = (0..4)
            .map(|_| {
                let d = limiter.check(&"k");
                assert!(
                    d.allowed,
                    "the burst of `limit` requests is allowed at once"
                );
                d.remaining
            })
            .collect();
        assert_eq!(burst, [3, 2, 1, 0]);
        let refused = limiter.check(&"k");
        assert!(!refused.allowed);
        assert_eq!(
            refused.retry_after,
            Some(250 * MS),
            "one request per 250 ms"
        );
        clock.advance(249 * MS);
        assert!(!limiter.check(&"k").allowed);
        clock.advance(MS);
        assert!(limiter.check(&"k").allowed);
        assert!(!limiter.check(&"k").allowed);
        let cases = [
            (
                Algorithm::Gcra {
                    limit: 0,
                    period: Duration::from_secs(1),
                },
                ConfigError::ZeroLimit,
            ),
            (
                Algorithm::Gcra {
                    limit: 3,
                    period: Duration::ZERO,
                },
                ConfigError::ZeroDuration,
            ),
            // A period shorter than `limit` nanoseconds: `period / limit` is 0.
            (
                Algorithm::Gcra {
                    limit: 10,
                    period: Duration::from_nanos(5),
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

/// One step of a random run: wait some milliseconds, then a request for one of three keys.
fn steps() -> impl Strategy<Value = Vec<(u64, usize)>> {
    vec(
        (prop_oneof![Just(0u64), 0..40u64, 0..400u64], 0..3usize),
        1..120,
    )
}

/// The definition of a token bucket, with the credit counted in nanoseconds: it grows with
/// time up to `capacity × interval`, and a request needs (and takes) one `interval`.
struct CreditModel {
    credit: u128,
    at: u128,
}

#[test]
fn token_bucket_and_gcra_match_the_model() {
    graded(|| {
        let mut runner = proptest_runner(200);
        let strategy = (1u32..6, 1u64..200, steps(), any::<bool>());
        runner
            .run(&strategy, |(limit, interval_ms, steps, gcra)| {
                let interval = Duration::from_millis(interval_ms);
                let algorithm = if gcra {
                    Algorithm::Gcra {
                        limit,
                        period: interval * limit,
                    }
                } else {
                    Algorithm::TokenBucket {
                        capacity: limit,
                        refill_every: interval,
                    }
                };
                let clock = ManualClock::new();
                let limiter: RateLimiter<usize> =
                    RateLimiter::with_clock(algorithm, clock.clone()).unwrap();
                let full = u128::from(limit) * interval.as_nanos();
                let mut models: Vec<CreditModel> = (0..3)
                    .map(|_| CreditModel {
                        credit: full,
                        at: 0,
                    })
                    .collect();
                let mut now = 0u128;
                for (wait, key) in steps {
                    clock.advance(Duration::from_millis(wait));
                    now += u128::from(wait) * 1_000_000;
                    let model = &mut models[key];
                    model.credit = (model.credit + (now - model.at)).min(full);
                    model.at = now;
                    let expect = model.credit >= interval.as_nanos();
                    let d = limiter.check(&key);
                    prop_assert_eq!(d.allowed, expect, "{:?} at {} ns", algorithm, now);
                    if expect {
                        model.credit -= interval.as_nanos();
                        prop_assert_eq!(
                            u128::from(d.remaining),
                            model.credit / interval.as_nanos()
                        );
                    } else {
                        let wait = interval.as_nanos() - model.credit;
                        prop_assert_eq!(d.retry_after.map(|d| d.as_nanos()), Some(wait));
                    }
                }
                Ok(())
            })
            .unwrap();
    });
}

#[test]
fn sliding_window_matches_the_log_model() {
    graded(|| {
        let mut runner = proptest_runner(200);
        let strategy = (1u32..6, 1u64..500, steps());
        runner
            .run(&strategy, |(limit, window_ms, steps)| {
                let window = u128::from(window_ms) * 1_000_000;
                let algorithm = Algorithm::SlidingWindow {
                    limit,
                    window: Duration::from_millis(window_ms),
                };
                let clock = ManualClock::new();
                let limiter: RateLimiter<usize> =
                    RateLimiter::with_clock(algorithm, clock.clone()).unwrap();
                let mut logs: Vec<Vec<u128>> = vec![Vec::new(); 3];
                let mut now = 0u128;
                for (wait, key) in steps {
                    clock.advance(Duration::from_millis(wait));
                    now += u128::from(wait) * 1_000_000;
                    // Every allowed request ever, counted over (now − window, now].
                    let log = &mut logs[key];
                    let inside: Vec<u128> =
                        log.iter().copied().filter(|&t| t + window > now).collect();
                    let expect = (inside.len() as u32) < limit;
                    let d = limiter.check(&key);
                    prop_assert_eq!(d.allowed, expect, "at {} ns, log {:?}", now, log);
                    if expect {
                        log.push(now);
                        prop_assert_eq!(d.remaining, limit - inside.len() as u32 - 1);
                    } else {
                        let wait = inside[0] + window - now;
                        prop_assert_eq!(d.retry_after.map(|d| d.as_nanos()), Some(wait));
                    }
                }
                Ok(())
            })
            .unwrap();
    });
}
