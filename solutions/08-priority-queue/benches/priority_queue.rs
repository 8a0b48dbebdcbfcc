//! Kata 08's overhead per request against a bare `tokio::sync::Semaphore` with the same
//! limit, in the same run: 1 000 requests that complete at once, 8 at a time.
//!
//! `cargo bench -p priority-queue-solution --bench priority_queue`; the ratio is reference
//! time ÷ peer time.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use priority_queue_solution::{Config, Priority, PriorityQueue};
use tokio::sync::Semaphore;

const REQUESTS: u64 = 1_000;
const LIMIT: usize = 8;

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    let mut group = c.benchmark_group("1 000 instant requests, 8 at a time");
    group.bench_function("reference PriorityQueue", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let queue = PriorityQueue::new(Config {
                    concurrency: LIMIT,
                    ..Config::default()
                });
                let mut total = 0;
                for n in 0..REQUESTS {
                    let priority =
                        [Priority::Low, Priority::Medium, Priority::High][(n % 3) as usize];
                    total += queue
                        .add(priority, || async move { Ok::<_, ()>(black_box(n)) })
                        .await
                        .expect("succeeds");
                }
                total
            })
        })
    });
    group.bench_function("peer Semaphore", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let permits = Arc::new(Semaphore::new(LIMIT));
                let mut total = 0;
                for n in 0..REQUESTS {
                    let _permit = permits.acquire().await.expect("open");
                    total += async move { Ok::<_, ()>(black_box(n)) }
                        .await
                        .expect("succeeds");
                }
                total
            })
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
