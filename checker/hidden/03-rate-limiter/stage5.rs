// Stage 5 — performance, measured against itself: a `check` must cost about the same
// whether the limiter holds 10 keys or 20 000. An attempt that walks every key on every
// check (sweeping idle keys each time, say) is thousands of times slower with many keys.
// Times are compared within this one process, and the bound is generous (50×), so a busy
// machine does not change the verdict.

use kata_support::graded;
use rate_limiter::{Algorithm, Clock, RateLimiter};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A clock that never moves: no key ever becomes idle, so none may be dropped.
struct Frozen(Instant);

impl Clock for Frozen {
    fn now(&self) -> Instant {
        self.0
    }
}

/// The fastest of five timings of 2000 checks on keys the limiter already holds.
fn per_check(limiter: &RateLimiter<u64>, keys: u64) -> Duration {
    (0..5)
        .map(|_| {
            let start = Instant::now();
            for i in 0..2000u64 {
                std::hint::black_box(limiter.check(&(i % keys)));
            }
            start.elapsed() / 2000
        })
        .min()
        .expect("five timings")
}

#[test]
fn a_check_costs_the_same_with_many_keys() {
    graded(|| {
        for algorithm in [
            Algorithm::SlidingWindow {
                limit: 1_000_000,
                window: Duration::from_secs(60),
            },
            Algorithm::TokenBucket {
                capacity: 1_000_000,
                refill_every: Duration::from_secs(1),
            },
        ] {
            let clock = Arc::new(Frozen(Instant::now()));
            let few: RateLimiter<u64> = RateLimiter::with_clock(algorithm, clock.clone()).unwrap();
            let many: RateLimiter<u64> = RateLimiter::with_clock(algorithm, clock).unwrap();
            for key in 0..20_000 {
                many.check(&key);
            }
            for key in 0..10 {
                few.check(&key);
            }
            let small = per_check(&few, 10);
            let large = per_check(&many, 20_000);
            let ratio = large.as_secs_f64() / small.as_secs_f64().max(1e-9);
            assert!(
                ratio < 50.0,
                "{algorithm:?}: a check costs {large:?} with 20 000 keys and {small:?} with 10 \
                 ({ratio:.0}×): something walks every key on each check"
            );
        }
    });
}
