// Stage 3 — NDJSON across arbitrary chunk boundaries, and a pipeline from a producer to a
// slow consumer through a bounded buffer: back-pressure, no loss or duplication, errors
// on either side that stop it at once, and dropping that stops the producer.

use futures::{Stream, StreamExt};
use kata_support::{graded, graded_async, proptest_runner};
use proptest::prelude::*;
use random_stream::{NdjsonDecoder, PipelineError, RandomNumbers, Reading, encode, pipeline};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

fn readings(seed: u64, count: u64) -> Vec<Reading> {
    // Inside a runtime: an implementation may create its timer up front.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a runtime");
    runtime.block_on(async { RandomNumbers::new(seed, count).collect().await })
}

/// Whether two lists of readings are the same: indices exactly, values to 1e-12 (a JSON
/// round trip of an `f64` need not be bit-exact, e.g. serde_json without `float_roundtrip`).
fn same(a: &[Reading], b: &[Reading]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.index == y.index && (x.value - y.value).abs() <= 1e-12)
}

fn decode_in_chunks(bytes: &[u8], cuts: &[usize]) -> Vec<Reading> {
    let mut decoder = NdjsonDecoder::new();
    let mut decoded = Vec::new();
    let mut last = 0;
    for &cut in cuts.iter().chain(std::iter::once(&bytes.len())) {
        let cut = cut.clamp(last, bytes.len());
        decoded.extend(decoder.decode(&bytes[last..cut]).expect("valid NDJSON"));
        last = cut;
    }
    decoded.extend(decoder.finish().expect("nothing left over"));
    decoded
}

#[test]
fn lines_cut_anywhere_decode_to_the_same_readings() {
    // The seed's collector parsed each chunk as one JSON document, so a line split across
    // two chunks broke it.
    graded(|| {
        let strategy = (0u64..40, proptest::collection::vec(0usize..2_000, 0..30));
        let result = proptest_runner(128).run(&strategy, |(count, mut cuts)| {
            let original = readings(count + 1, count);
            let bytes: Vec<u8> = original
                .iter()
                .flat_map(|r| encode(r).into_bytes())
                .collect();
            cuts.sort_unstable();
            let decoded = decode_in_chunks(&bytes, &cuts);
            prop_assert!(
                same(&decoded, &original),
                "decoded {decoded:?}\nexpected {original:?}"
            );
            Ok(())
        });
        if let Err(failure) = result {
            panic!("{failure}");
        }
    });
}

#[test]
fn one_byte_at_a_time_decodes() {
    graded(|| {
        let original = readings(3, 20);
        let bytes: Vec<u8> = original
            .iter()
            .flat_map(|r| encode(r).into_bytes())
            .collect();
        let cuts: Vec<usize> = (1..bytes.len()).collect();
        let decoded = decode_in_chunks(&bytes, &cuts);
        assert!(
            same(&decoded, &original),
            "decoded {decoded:?}\nexpected {original:?}"
        );
    });
}

#[test]
fn each_encoded_reading_is_one_line() {
    graded(|| {
        for reading in readings(5, 10) {
            let line = encode(&reading);
            assert!(line.ends_with('\n'), "a line ends with a newline: {line:?}");
            assert_eq!(line.matches('\n').count(), 1, "exactly one line: {line:?}");
        }
    });
}

#[test]
fn a_bad_line_is_an_error_naming_it() {
    graded(|| {
        let mut decoder = NdjsonDecoder::new();
        let good = encode(&Reading {
            index: 0,
            value: 0.25,
        });
        assert_eq!(
            decoder.decode(good.as_bytes()).expect("a good line").len(),
            1
        );
        let error = decoder
            .decode(b"{\"index\": oops}\n")
            .expect_err("not JSON");
        assert_eq!(error.line, 2);
        assert!(!error.to_string().is_empty());
    });
}

#[test]
fn a_cut_off_last_line_is_reported_by_finish() {
    graded(|| {
        let mut decoder = NdjsonDecoder::new();
        let line = encode(&Reading {
            index: 0,
            value: 0.5,
        });
        let half = &line.as_bytes()[..line.len() / 2];
        assert!(
            decoder
                .decode(half)
                .expect("no line is complete yet")
                .is_empty()
        );
        assert!(
            decoder.finish().is_err(),
            "half a line at the end is an error"
        );
    });
}

#[test]
fn blank_lines_and_crlf_endings_are_accepted() {
    graded(|| {
        let one = Reading {
            index: 0,
            value: 0.25,
        };
        let two = Reading {
            index: 1,
            value: 0.75,
        };
        let text = format!(
            "\n  \t\n{}\r\n \r\n {} ",
            encode(&one).trim_end(),
            encode(&two).trim_end()
        );
        let mut decoder = NdjsonDecoder::new();
        let mut decoded = decoder
            .decode(text.as_bytes())
            .expect("blank lines and \\r\\n endings are not errors");
        decoded.extend(decoder.finish().expect("a last line without its newline"));
        assert!(
            same(&decoded, &[one, two]),
            "decoded {decoded:?} from {text:?}"
        );
    });
}

/// A source that counts how many items were pulled and records when it is dropped.
struct Counted<S> {
    inner: S,
    pulled: Arc<AtomicU64>,
    dropped: Arc<AtomicBool>,
}

impl<S: Stream + Unpin> Stream for Counted<S> {
    type Item = S::Item;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let polled = self.inner.poll_next_unpin(cx);
        if let Poll::Ready(Some(_)) = &polled {
            self.pulled.fetch_add(1, Ordering::SeqCst);
        }
        polled
    }
}

impl<S> Drop for Counted<S> {
    fn drop(&mut self) {
        self.dropped.store(true, Ordering::SeqCst);
    }
}

fn counted(
    count: u64,
    delay: Option<Duration>,
) -> (
    Counted<impl Stream<Item = Result<Reading, String>> + Unpin>,
    Arc<AtomicU64>,
    Arc<AtomicBool>,
) {
    let pulled = Arc::new(AtomicU64::new(0));
    let dropped = Arc::new(AtomicBool::new(false));
    let numbers = RandomNumbers::new(17, count);
    let numbers = match delay {
        Some(delay) => numbers.with_delay(delay),
        None => numbers,
    };
    let source = Counted {
        inner: numbers.map(Ok::<Reading, String>),
        pulled: Arc::clone(&pulled),
        dropped: Arc::clone(&dropped),
    };
    (source, pulled, dropped)
}

#[tokio::test(start_paused = true)]
async fn the_producer_stops_when_the_buffer_is_full() {
    graded_async(async {
        let (source, pulled, _) = counted(100, None);
        let consumed = Arc::new(AtomicU64::new(0));
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let (c, s, p) = (
            Arc::clone(&consumed),
            Arc::clone(&seen),
            Arc::clone(&pulled),
        );
        let total = pipeline(source, 4, move |reading: Reading| {
            let (c, s, p) = (Arc::clone(&c), Arc::clone(&s), Arc::clone(&p));
            async move {
                // How far ahead of the consumer is the producer?
                let ahead = p.load(Ordering::SeqCst) - c.load(Ordering::SeqCst);
                assert!(
                    ahead <= 4 + 2,
                    "the producer ran {ahead} items ahead of a buffer of 4"
                );
                tokio::time::sleep(Duration::from_millis(50)).await; // a slow consumer
                s.lock().unwrap().push(reading.index);
                c.fetch_add(1, Ordering::SeqCst);
                Ok(())
            }
        })
        .await
        .expect("nothing fails");
        assert_eq!(total, 100);
        assert_eq!(
            *seen.lock().unwrap(),
            (0..100).collect::<Vec<_>>(),
            "nothing lost or duplicated"
        );
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn an_error_from_the_source_stops_the_pipeline_and_is_returned() {
    graded_async(async {
        let source =
            futures::stream::iter(vec![Ok(1u32), Ok(2), Err("disk on fire".to_owned()), Ok(4)]);
        let consumed = Arc::new(std::sync::Mutex::new(Vec::new()));
        let c = Arc::clone(&consumed);
        let outcome = pipeline(source, 2, move |n: u32| {
            let c = Arc::clone(&c);
            async move {
                c.lock().unwrap().push(n);
                Ok(())
            }
        })
        .await;
        assert_eq!(
            outcome,
            Err(PipelineError::Source("disk on fire".to_owned()))
        );
        assert!(
            !consumed.lock().unwrap().contains(&4),
            "nothing after the error is consumed"
        );
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn an_error_from_the_consumer_stops_the_producer() {
    graded_async(async {
        let (source, pulled, dropped) = counted(1_000, Some(Duration::from_millis(1)));
        let outcome = pipeline(source, 3, |reading: Reading| async move {
            if reading.index == 5 {
                Err("full disk".to_owned())
            } else {
                Ok(())
            }
        })
        .await;
        assert_eq!(
            outcome,
            Err(PipelineError::Consumer("full disk".to_owned()))
        );
        tokio::time::sleep(Duration::from_secs(5)).await;
        assert!(
            dropped.load(Ordering::SeqCst),
            "the source is dropped when the pipeline stops"
        );
        assert!(
            pulled.load(Ordering::SeqCst) <= 5 + 1 + 3 + 1,
            "the producer kept pulling"
        );
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_consumer_error_is_returned_even_when_the_source_stalls() {
    // A pipeline that waits for both halves to end (`join!` rather than failing fast)
    // notices the consumer's error only when the source yields again: here, never.
    graded_async(async {
        let source = futures::stream::iter((0u32..5).map(Ok::<u32, String>))
            .chain(futures::stream::pending());
        let work = pipeline(source, 16, |n: u32| async move {
            if n == 2 {
                Err("rejected".to_owned())
            } else {
                Ok(())
            }
        });
        // On the paused clock this second passes as soon as every task waits.
        match tokio::time::timeout(Duration::from_secs(1), work).await {
            Ok(outcome) => assert_eq!(outcome, Err(PipelineError::Consumer("rejected".to_owned()))),
            Err(_) => panic!(
                "the consumer failed, but the pipeline went on waiting for a source that \
                 stalled: when either side fails, the other stops"
            ),
        }
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_source_error_stops_a_slow_consumer_without_draining_the_buffer() {
    // A pipeline that waits for both halves to end (`join!` rather than failing fast) lets
    // the consumer work through the whole buffer after the source failed.
    graded_async(async {
        const WORK: Duration = Duration::from_millis(100);
        let failed_at: Arc<std::sync::Mutex<Option<tokio::time::Instant>>> = Arc::default();
        let f = Arc::clone(&failed_at);
        let source = futures::stream::iter(0u32..=20).map(move |n| {
            if n == 20 {
                *f.lock().unwrap() = Some(tokio::time::Instant::now());
                Err("disk on fire".to_owned())
            } else {
                Ok(n)
            }
        });
        // Each call of the consumer, and whether the source had failed when it was made.
        let calls: Arc<std::sync::Mutex<Vec<(u32, bool)>>> = Arc::default();
        let (c, f) = (Arc::clone(&calls), Arc::clone(&failed_at));
        let outcome = pipeline(source, 4, move |n: u32| {
            let after_the_error = f.lock().unwrap().is_some();
            c.lock().unwrap().push((n, after_the_error));
            async {
                tokio::time::sleep(WORK).await; // a slow consumer: the buffer fills up
                Ok(())
            }
        })
        .await;
        let returned = tokio::time::Instant::now();
        assert_eq!(
            outcome,
            Err(PipelineError::Source("disk on fire".to_owned()))
        );
        let failed_at = failed_at
            .lock()
            .unwrap()
            .expect("the source's error was read");
        let late: Vec<u32> = calls
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, after)| *after)
            .map(|(n, _)| *n)
            .collect();
        assert!(
            late.is_empty(),
            "after the source failed the consumer was still given items {late:?}: when \
             either side fails, the other stops (the buffered items are not consumed)"
        );
        assert!(
            returned - failed_at <= WORK,
            "the pipeline returned {:?} after the source failed; the consumer's item under \
             way takes at most {WORK:?}",
            returned - failed_at
        );
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn dropping_the_pipeline_stops_the_producer() {
    graded_async(async {
        let (source, pulled, dropped) = counted(1_000, Some(Duration::from_millis(10)));
        let work = pipeline(source, 2, |_: Reading| async { Ok::<(), String>(()) });
        let finished = tokio::time::timeout(Duration::from_millis(55), work).await;
        assert!(
            finished.is_err(),
            "1000 readings 10 ms apart take longer than 55 ms"
        );
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        assert!(
            dropped.load(Ordering::SeqCst),
            "the source must be dropped with the pipeline"
        );
        let at_drop = pulled.load(Ordering::SeqCst);
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert_eq!(
            pulled.load(Ordering::SeqCst),
            at_drop,
            "the producer went on after the drop"
        );
    })
    .await;
}

#[tokio::test]
async fn a_buffer_of_zero_is_an_error() {
    graded_async(async {
        let source = futures::stream::iter(vec![Ok::<u8, String>(1)]);
        let outcome = pipeline(source, 0, |_| async { Ok(()) }).await;
        assert_eq!(outcome, Err(PipelineError::ZeroCapacity));
    })
    .await;
}
