// Stage 1 — the seed's task: a stream of seeded random numbers with an optional delay,
// and a filter over it.

use futures::StreamExt;
use kata_support::graded_async;
use random_stream::{RandomNumbers, Reading, filter};
use std::time::Duration;

async fn all(stream: RandomNumbers) -> Vec<Reading> {
    stream.collect().await
}

#[tokio::test]
async fn yields_count_readings_indexed_from_zero() {
    graded_async(async {
        let readings = all(RandomNumbers::new(42, 25)).await;
        let indices: Vec<u64> = readings.iter().map(|r| r.index).collect();
        assert_eq!(
            indices,
            (0..25).collect::<Vec<_>>(),
            "each index once, in order"
        );
        assert!(
            readings.iter().all(|r| (0.0..1.0).contains(&r.value)),
            "values lie in [0, 1)"
        );
    })
    .await;
}

#[tokio::test]
async fn the_same_seed_gives_the_same_numbers() {
    graded_async(async {
        let first = all(RandomNumbers::new(7, 50)).await;
        let second = all(RandomNumbers::new(7, 50)).await;
        let other = all(RandomNumbers::new(8, 50)).await;
        assert_eq!(
            first, second,
            "a seed must fix the sequence, for tests to be repeatable"
        );
        assert_ne!(first, other, "different seeds give different numbers");
        let distinct: std::collections::BTreeSet<u64> =
            first.iter().map(|r| r.value.to_bits()).collect();
        assert!(
            distinct.len() > 45,
            "the numbers vary ({} distinct of 50)",
            distinct.len()
        );
    })
    .await;
}

#[tokio::test]
async fn an_empty_stream_ends_at_once() {
    graded_async(async {
        assert!(all(RandomNumbers::new(1, 0)).await.is_empty());
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn the_delay_comes_before_each_reading() {
    graded_async(async {
        let start = tokio::time::Instant::now();
        let mut stream = RandomNumbers::new(3, 4).with_delay(Duration::from_millis(10));
        let mut times = Vec::new();
        while let Some(reading) = stream.next().await {
            times.push((reading.index, start.elapsed().as_millis()));
        }
        assert_eq!(times, [(0, 10), (1, 20), (2, 30), (3, 40)]);
    })
    .await;
}

#[tokio::test]
async fn filter_keeps_what_the_predicate_accepts_in_order() {
    graded_async(async {
        let everything = all(RandomNumbers::new(11, 200)).await;
        let kept: Vec<Reading> = filter(RandomNumbers::new(11, 200), |r: &Reading| r.value > 0.5)
            .collect()
            .await;
        let expected: Vec<Reading> = everything.into_iter().filter(|r| r.value > 0.5).collect();
        assert!(!expected.is_empty());
        assert_eq!(kept, expected);
    })
    .await;
}

#[tokio::test]
async fn filter_that_accepts_nothing_ends_empty() {
    graded_async(async {
        let kept: Vec<Reading> = filter(RandomNumbers::new(5, 1_000), |_: &Reading| false)
            .collect()
            .await;
        assert!(kept.is_empty());
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn the_seed_usage_collects_the_high_readings() {
    // The prompt's pipeline, in miniature: 1000 readings 10 ms apart, keep values > 0.5.
    graded_async(async {
        let start = tokio::time::Instant::now();
        let source = RandomNumbers::new(2024, 1_000).with_delay(Duration::from_millis(10));
        let kept: Vec<Reading> = filter(source, |r: &Reading| r.value > 0.5).collect().await;
        assert!(
            (400..600).contains(&kept.len()),
            "about half of 1000: {}",
            kept.len()
        );
        assert_eq!(
            start.elapsed(),
            Duration::from_secs(10),
            "1000 readings, 10 ms each"
        );
    })
    .await;
}
