//! Example tests from the kata's prompt. They fail with "not yet implemented" until you
//! fill in the `todo!()`s; run them with `cargo test -p random-stream`.
//! The hidden tests go much further; `cargo kata grade random-stream` runs them.

use futures::StreamExt;
use random_stream::{NdjsonDecoder, RandomNumbers, encode, filter};
use std::time::Duration;

#[tokio::test(start_paused = true)]
async fn a_thousand_readings_filtered_above_one_half() {
    let source = RandomNumbers::new(42, 1000).with_delay(Duration::from_millis(10));
    let kept: Vec<_> = filter(source, |r| r.value > 0.5).collect().await;
    assert!(kept.iter().all(|r| r.value > 0.5));
    assert!(!kept.is_empty() && kept.len() < 1000);
}

#[tokio::test]
async fn readings_survive_ndjson() {
    let readings: Vec<_> = RandomNumbers::new(1, 3).collect().await;
    let text: String = readings.iter().map(encode).collect();
    let mut decoder = NdjsonDecoder::new();
    let decoded = decoder.decode(text.as_bytes()).unwrap();
    let indices: Vec<u64> = decoded.iter().map(|r| r.index).collect();
    assert_eq!(indices, [0, 1, 2]);
    for (got, sent) in decoded.iter().zip(&readings) {
        assert!((got.value - sent.value).abs() < 1e-12);
    }
}
