//! Kata 05's pool against `threadpool` and `rayon::ThreadPool`, in the same run, with two
//! threads each: 10 000 tiny jobs (the cost of handing a job over and getting its result
//! back), and 64 CPU-heavy jobs (which should cost the same everywhere).
//!
//! `cargo bench -p worker-pool-solution --bench worker_pool`; the ratio is reference time ÷
//! peer time.

use std::hint::black_box;
use std::sync::mpsc;

use criterion::{Criterion, criterion_group, criterion_main};
use worker_pool_solution::ThreadPool;

const THREADS: usize = 2;

fn heavy(seed: u64) -> u64 {
    (0..20_000u64).fold(seed, |acc, n| {
        acc.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(n)
    })
}

fn run_ours(pool: &ThreadPool, jobs: u64, work: fn(u64) -> u64) -> u64 {
    let handles: Vec<_> = (0..jobs)
        .map(|n| pool.execute(move || work(n)).expect("running"))
        .collect();
    handles
        .into_iter()
        .map(|h| h.join().expect("no panic"))
        .fold(0, u64::wrapping_add)
}

fn run_threadpool(pool: &threadpool::ThreadPool, jobs: u64, work: fn(u64) -> u64) -> u64 {
    let (send, receive) = mpsc::channel();
    for n in 0..jobs {
        let send = send.clone();
        pool.execute(move || send.send(work(n)).expect("the bench waits"));
    }
    drop(send);
    receive.iter().fold(0, u64::wrapping_add)
}

fn run_rayon(pool: &rayon::ThreadPool, jobs: u64, work: fn(u64) -> u64) -> u64 {
    let (send, receive) = mpsc::channel();
    for n in 0..jobs {
        let send = send.clone();
        pool.spawn(move || send.send(work(n)).expect("the bench waits"));
    }
    drop(send);
    receive.iter().fold(0, u64::wrapping_add)
}

fn bench(c: &mut Criterion) {
    let ours = ThreadPool::new(THREADS).expect("threads");
    let threadpool = threadpool::ThreadPool::new(THREADS);
    let rayon = rayon::ThreadPoolBuilder::new()
        .num_threads(THREADS)
        .build()
        .expect("threads");
    let tiny: fn(u64) -> u64 = |n| black_box(n) + 1;
    for (name, jobs, work) in [
        ("10 000 tiny jobs", 10_000, tiny),
        ("64 CPU-heavy jobs", 64, heavy as fn(u64) -> u64),
    ] {
        let mut group = c.benchmark_group(name);
        group.bench_function("reference ThreadPool", |b| {
            b.iter(|| run_ours(&ours, jobs, work))
        });
        group.bench_function("peer threadpool", |b| {
            b.iter(|| run_threadpool(&threadpool, jobs, work))
        });
        group.bench_function("peer rayon", |b| b.iter(|| run_rayon(&rayon, jobs, work)));
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
