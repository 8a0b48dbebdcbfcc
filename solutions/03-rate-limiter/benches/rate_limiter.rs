//! Kata 03's `check` against `governor` (GCRA, keyed), in the same run: one thread cycling
//! over 1000 keys, and two threads on the same 1000 keys at once. Both limiters get a quota
//! large enough that almost every check is allowed, so the cost measured is the check.
//!
//! `cargo bench -p rate-limiter-solution --bench rate_limiter`; the ratio is reference
//! time ÷ peer time.

use std::hint::black_box;
use std::num::NonZeroU32;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use governor::{Quota, RateLimiter as Governor};
use rate_limiter_solution::{Algorithm, RateLimiter};

const KEYS: u64 = 1000;
const PER_SECOND: u32 = 1_000_000_000;

fn ours() -> RateLimiter<u64> {
    RateLimiter::new(Algorithm::Gcra {
        limit: PER_SECOND,
        period: Duration::from_secs(1),
    })
    .expect("valid")
}

fn peer() -> governor::DefaultKeyedRateLimiter<u64> {
    Governor::keyed(Quota::per_second(
        NonZeroU32::new(PER_SECOND).expect("not 0"),
    ))
}

/// Runs `check` for `iters` keys on each of two threads; the time of the slower thread.
fn contended(iters: u64, check: impl Fn(u64) + Sync) -> Duration {
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..2)
            .map(|_| {
                scope.spawn(|| {
                    let start = Instant::now();
                    for i in 0..iters {
                        check(i % KEYS);
                    }
                    start.elapsed()
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("no panic"))
            .max()
            .expect("two threads")
    })
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("check, 1000 keys, one thread");
    let limiter = ours();
    let mut key = 0;
    group.bench_function("reference gcra", |b| {
        b.iter(|| {
            key = (key + 1) % KEYS;
            black_box(limiter.check(&key).allowed)
        })
    });
    let governor = peer();
    group.bench_function("peer governor keyed", |b| {
        b.iter(|| {
            key = (key + 1) % KEYS;
            black_box(governor.check_key(&key).is_ok())
        })
    });
    group.finish();

    let mut group = c.benchmark_group("check, 1000 keys, two threads");
    let limiter = ours();
    group.bench_function("reference gcra", |b| {
        b.iter_custom(|iters| {
            contended(iters, |k| {
                black_box(limiter.check(&k).allowed);
            })
        })
    });
    let governor = peer();
    group.bench_function("peer governor keyed", |b| {
        b.iter_custom(|iters| {
            contended(iters, |k| {
                black_box(governor.check_key(&k).is_ok());
            })
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
