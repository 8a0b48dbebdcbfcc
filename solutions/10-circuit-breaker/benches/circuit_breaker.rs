//! Kata 10's overhead per call in the closed state, against `recloser` and `failsafe`, in
//! the same run: each wraps a call that succeeds at once.
//!
//! `cargo bench -p circuit-breaker-solution --bench circuit_breaker`; the ratio is
//! reference time ÷ peer time.

use std::hint::black_box;

use circuit_breaker_solution::{CircuitBreaker, Config};
use criterion::{Criterion, criterion_group, criterion_main};
use failsafe::CircuitBreaker as _;

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("one successful call, closed");

    let ours = CircuitBreaker::new(Config::default()).expect("valid");
    group.bench_function("reference try_acquire + success", |b| {
        b.iter(|| {
            let permit = ours.try_acquire().expect("closed");
            black_box(1 + 1);
            permit.success();
        })
    });

    let recloser = recloser::Recloser::default();
    group.bench_function("peer recloser call", |b| {
        b.iter(|| recloser.call(|| Ok::<u32, ()>(black_box(1 + 1))))
    });

    let failsafe = failsafe::Config::new().build();
    group.bench_function("peer failsafe call", |b| {
        b.iter(|| failsafe.call(|| Ok::<u32, ()>(black_box(1 + 1))))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
