//! Kata 07's reference against the same work built from `tokio_stream` adaptors, in the
//! same run: generate and filter 100 000 readings, and move them through a bounded buffer
//! of 64 to a consumer.
//!
//! `cargo bench -p random-stream-solution`; the ratio is reference time ÷ peer time.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use random_stream_solution::{RandomNumbers, Reading, filter, pipeline};
use tokio_stream::StreamExt as _;

const COUNT: u64 = 100_000;

/// The peer's source: the same numbers from an iterator, as `tokio_stream::iter` takes.
fn peer_numbers(seed: u64) -> impl Iterator<Item = Reading> {
    let mut state = seed;
    (0..COUNT).map(move |index| {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        Reading {
            index,
            value: (z >> 11) as f64 / (1u64 << 53) as f64,
        }
    })
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");

    let mut group = c.benchmark_group("generate and filter 100 000 readings");
    group.bench_function("reference RandomNumbers + filter", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let kept = filter(RandomNumbers::new(black_box(7), COUNT), |r: &Reading| {
                    r.value > 0.5
                });
                futures::StreamExt::fold(kept, 0u64, |n, _| async move { n + 1 }).await
            })
        })
    });
    group.bench_function("peer tokio_stream::iter + filter", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let kept = tokio_stream::iter(peer_numbers(black_box(7))).filter(|r| r.value > 0.5);
                kept.fold(0u64, |n, _| n + 1).await
            })
        })
    });
    group.finish();

    let mut group = c.benchmark_group("100 000 readings through a buffer of 64");
    group.bench_function("reference pipeline", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let source =
                    futures::StreamExt::map(RandomNumbers::new(black_box(7), COUNT), Ok::<_, ()>);
                pipeline(source, 64, |reading: Reading| async move {
                    black_box(reading);
                    Ok(())
                })
                .await
            })
        })
    });
    group.bench_function("peer mpsc + ReceiverStream", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let (sender, receiver) = tokio::sync::mpsc::channel(64);
                let produce = async move {
                    let mut source = tokio_stream::iter(peer_numbers(black_box(7)));
                    while let Some(reading) = source.next().await {
                        if sender.send(reading).await.is_err() {
                            break;
                        }
                    }
                };
                let consume =
                    tokio_stream::wrappers::ReceiverStream::new(receiver).fold(0u64, |n, r| {
                        black_box(r);
                        n + 1
                    });
                tokio::join!(produce, consume).1
            })
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
