// Stage 2 — poll-level behaviour, checked with tokio-test's task harness: a stream that
// returns `Pending` must have registered the task's waker (so it is woken when the delay
// ends), must not wake itself at once (busy polling), and must stay ended after `None`.

use kata_support::graded_async;
use random_stream::{RandomNumbers, Reading, filter};
use std::time::Duration;
use tokio_test::task;
use tokio_test::{assert_pending, assert_ready};

const TICK: Duration = Duration::from_millis(10);

#[tokio::test(start_paused = true)]
async fn pending_registers_the_waker_and_does_not_busy_poll() {
    graded_async(async {
        let mut stream = task::spawn(RandomNumbers::new(1, 2).with_delay(TICK));
        assert_pending!(stream.poll_next(), "the first reading waits for its delay");
        assert!(
            !stream.is_woken(),
            "a stream that wakes itself at once is busy-polled"
        );
        tokio::time::advance(TICK).await;
        assert!(
            stream.is_woken(),
            "when the delay ends the task must be woken"
        );
        let first = assert_ready!(stream.poll_next()).expect("a reading");
        assert_eq!(first.index, 0);
        assert_pending!(stream.poll_next());
        assert!(!stream.is_woken());
        tokio::time::advance(TICK).await;
        assert!(stream.is_woken());
        assert_eq!(assert_ready!(stream.poll_next()).map(|r| r.index), Some(1));
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn polling_early_again_does_not_skip_the_delay() {
    graded_async(async {
        let mut stream = task::spawn(RandomNumbers::new(1, 1).with_delay(TICK));
        assert_pending!(stream.poll_next());
        tokio::time::advance(TICK / 2).await;
        assert_pending!(stream.poll_next(), "half the delay is not the delay");
        tokio::time::advance(TICK / 2).await;
        assert!(stream.is_woken());
        assert_ready!(stream.poll_next()).expect("the reading");
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn each_delay_starts_when_its_reading_is_asked_for() {
    graded_async(async {
        let mut stream = task::spawn(RandomNumbers::new(2, 2).with_delay(TICK));
        tokio::time::advance(TICK * 3).await; // made, not yet polled
        assert_pending!(
            stream.poll_next(),
            "the first delay starts at the first poll, not when the stream is made"
        );
        tokio::time::advance(TICK).await;
        assert_eq!(assert_ready!(stream.poll_next()).map(|r| r.index), Some(0));
        tokio::time::advance(TICK * 3).await; // a consumer that comes back late
        assert_pending!(
            stream.poll_next(),
            "the next delay starts when the next reading is asked for, not after the last one"
        );
        tokio::time::advance(TICK).await;
        assert!(stream.is_woken());
        assert_eq!(assert_ready!(stream.poll_next()).map(|r| r.index), Some(1));
    })
    .await;
}

#[tokio::test]
async fn the_stream_ends_and_stays_ended() {
    graded_async(async {
        let mut stream = task::spawn(RandomNumbers::new(9, 2));
        assert!(assert_ready!(stream.poll_next()).is_some());
        assert!(assert_ready!(stream.poll_next()).is_some());
        for _ in 0..5 {
            assert_eq!(
                assert_ready!(stream.poll_next()),
                None,
                "no reading after the end"
            );
        }
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn filter_passes_pending_and_wake_ups_through() {
    graded_async(async {
        let source = RandomNumbers::new(4, 3).with_delay(TICK);
        let mut kept = task::spawn(filter(source, |_: &Reading| true));
        assert_pending!(kept.poll_next());
        assert!(!kept.is_woken(), "the filter must not wake itself");
        tokio::time::advance(TICK).await;
        assert!(
            kept.is_woken(),
            "the inner stream's wake-up must reach the task"
        );
        assert_eq!(assert_ready!(kept.poll_next()).map(|r| r.index), Some(0));
    })
    .await;
}

#[tokio::test]
async fn a_rejected_item_does_not_stall_the_filter() {
    // With an always-ready source, rejecting an item must move on to the next one within
    // the same poll: returning `Pending` for it would never be woken.
    graded_async(async {
        let mut odd = task::spawn(filter(RandomNumbers::new(6, 10), |r: &Reading| {
            r.index % 2 == 1
        }));
        let mut seen = Vec::new();
        while let Some(reading) = assert_ready!(
            odd.poll_next(),
            "an always-ready source makes the filter ready"
        ) {
            seen.push(reading.index);
        }
        assert_eq!(seen, [1, 3, 5, 7, 9]);
        assert_eq!(
            assert_ready!(odd.poll_next()),
            None,
            "the filter stays ended"
        );
    })
    .await;
}
