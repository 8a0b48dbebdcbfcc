// Stage 2 — timeouts, retries and clearing: a timed-out attempt is cancelled and retried,
// retries back off exponentially up to a cap without overflowing, a retry delay holds no
// slot, `clear` also stops requests waiting to retry, and zero means zero.

use kata_support::{graded, graded_async};
use priority_queue::{Config, Priority, PriorityQueue, QueueError, backoff};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn config(concurrency: usize, retries: u32) -> Config {
    Config {
        concurrency,
        timeout: None,
        max_retries: retries,
        base_delay: ms(100),
        max_delay: ms(1000),
        aging: None,
    }
}

struct DropFlag(Arc<AtomicBool>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[tokio::test(start_paused = true)]
async fn a_timed_out_attempt_is_cancelled_and_fails() {
    graded_async(async {
        let queue = PriorityQueue::new(Config {
            timeout: Some(ms(50)),
            ..config(1, 0)
        });
        let dropped = Arc::new(AtomicBool::new(false));
        let finished = Arc::new(AtomicBool::new(false));
        let (d, f) = (Arc::clone(&dropped), Arc::clone(&finished));
        let outcome: Result<(), QueueError<String>> = queue
            .add(Priority::High, move || {
                let (d, f) = (Arc::clone(&d), Arc::clone(&f));
                async move {
                    let _flag = DropFlag(d);
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    f.store(true, Ordering::SeqCst);
                    Ok(())
                }
            })
            .await;
        assert_eq!(outcome, Err(QueueError::TimedOut));
        assert!(
            dropped.load(Ordering::SeqCst),
            "the timed-out attempt must be dropped (cancelled)"
        );
        tokio::time::sleep(Duration::from_secs(5)).await;
        assert!(
            !finished.load(Ordering::SeqCst),
            "the timed-out attempt ran on"
        );
    })
    .await;
}

/// An attempt that always fails, counting its calls and recording when each began.
fn failing(
    calls: &Arc<Mutex<Vec<u128>>>,
    origin: Instant,
) -> impl FnMut() -> std::pin::Pin<Box<dyn Future<Output = Result<(), String>> + Send>> {
    let calls = Arc::clone(calls);
    move || {
        calls.lock().unwrap().push(origin.elapsed().as_millis());
        Box::pin(async { Err("down".to_owned()) })
    }
}

#[tokio::test(start_paused = true)]
async fn retries_are_retries_not_attempts() {
    // The seed counted attempts: `maxRetries: 3` made three attempts, not four.
    graded_async(async {
        for retries in [0u32, 1, 3] {
            let queue = PriorityQueue::new(config(1, retries));
            let calls = Arc::new(Mutex::new(Vec::new()));
            let outcome = queue
                .add(Priority::Medium, failing(&calls, Instant::now()))
                .await;
            assert_eq!(outcome, Err(QueueError::Failed("down".to_owned())));
            assert_eq!(
                calls.lock().unwrap().len() as u32,
                retries + 1,
                "max_retries = {retries}"
            );
        }
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn retries_back_off_exponentially_up_to_the_cap() {
    graded_async(async {
        let queue = PriorityQueue::new(config(1, 5));
        let calls = Arc::new(Mutex::new(Vec::new()));
        let _ = queue
            .add(Priority::Medium, failing(&calls, Instant::now()))
            .await;
        // Delays of 100, 200, 400, 800, then 1000 (capped) ms.
        assert_eq!(*calls.lock().unwrap(), [0, 100, 300, 700, 1500, 2500]);
    })
    .await;
}

#[test]
fn backoff_never_overflows() {
    graded(|| {
        assert_eq!(backoff(ms(100), ms(10_000), 1), ms(100));
        assert_eq!(backoff(ms(100), ms(10_000), 2), ms(200));
        assert_eq!(backoff(ms(100), ms(10_000), 7), ms(6_400));
        assert_eq!(backoff(ms(100), ms(10_000), 8), ms(10_000));
        for retry in [31, 32, 64, 128, 129, 130, 1_000, u32::MAX] {
            assert_eq!(
                backoff(ms(100), ms(10_000), retry),
                ms(10_000),
                "retry {retry}"
            );
        }
        assert_eq!(
            backoff(Duration::MAX, Duration::MAX, u32::MAX),
            Duration::MAX
        );
        assert_eq!(
            backoff(ms(100), ms(10_000), 0),
            ms(100),
            "retry 0 counts as retry 1"
        );
        // Exact, not a saturated factor: 2^40 ns is about 18 minutes, below the cap.
        assert_eq!(
            backoff(Duration::from_nanos(1), Duration::from_secs(3600), 41),
            Duration::from_nanos(1 << 40)
        );
        assert_eq!(
            backoff(ms(100), Duration::MAX, 100),
            Duration::MAX,
            "100 ms × 2^99 is past any cap"
        );
    });
}

#[tokio::test(start_paused = true)]
async fn a_retry_delay_holds_no_slot() {
    graded_async(async {
        let queue = PriorityQueue::new(Config {
            base_delay: ms(1_000),
            ..config(1, 1)
        });
        let origin = Instant::now();
        let calls = Arc::new(Mutex::new(Vec::new()));
        let q = queue.clone();
        let c = Arc::clone(&calls);
        let retrying =
            tokio::spawn(async move { q.add(Priority::High, failing(&c, origin)).await });
        tokio::time::sleep(ms(10)).await; // the first attempt failed; its retry waits 1 s
        let started: Result<u128, QueueError<String>> = queue
            .add(
                Priority::Low,
                || async move { Ok(origin.elapsed().as_millis()) },
            )
            .await;
        assert_eq!(
            started,
            Ok(10),
            "the low request runs while the other waits to retry"
        );
        let _ = retrying.await.unwrap();
        assert_eq!(*calls.lock().unwrap(), [0, 1_000]);
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_retry_joins_the_queue_behind_those_already_waiting() {
    graded_async(async {
        let queue = PriorityQueue::new(config(1, 1));
        let started = Arc::new(Mutex::new(Vec::new()));
        let spawn = |name: &'static str, priority: Priority, fails_first: bool, run: u64| {
            let (q, started) = (queue.clone(), Arc::clone(&started));
            let calls = Arc::new(AtomicUsize::new(0));
            tokio::spawn(async move {
                q.add(priority, move || {
                    started.lock().unwrap().push(name);
                    let first = calls.fetch_add(1, Ordering::SeqCst) == 0;
                    async move {
                        if run > 0 {
                            tokio::time::sleep(ms(run)).await;
                        }
                        if fails_first && first {
                            Err("busy".to_owned())
                        } else {
                            Ok(())
                        }
                    }
                })
                .await
            })
        };
        // Fails at 0 ms and comes back to the queue at 100 ms.
        let retrying = spawn("retrying", Priority::Medium, true, 0);
        tokio::time::sleep(ms(1)).await;
        // Holds the only slot from 1 ms to 501 ms.
        let long = spawn("long", Priority::High, false, 500);
        tokio::time::sleep(ms(49)).await;
        // Queued at 50 ms, before the retry comes back.
        let waiting = spawn("waiting", Priority::Medium, false, 0);
        for task in [retrying, long, waiting] {
            task.await.unwrap().expect("succeeds");
        }
        assert_eq!(
            *started.lock().unwrap(),
            ["retrying", "long", "waiting", "retrying"],
            "a retry is a new arrival: it queues behind the request of its priority that \
             was already waiting"
        );
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn clear_removes_queued_and_retrying_requests() {
    // In the seed, a request waiting out its retry delay survived `clear` and came back.
    graded_async(async {
        let queue = PriorityQueue::new(config(1, 3));
        let origin = Instant::now();
        let calls = Arc::new(Mutex::new(Vec::new()));
        let (q, c) = (queue.clone(), Arc::clone(&calls));
        let retrying = tokio::spawn(async move { q.add(Priority::Low, failing(&c, origin)).await });
        tokio::time::sleep(ms(1)).await; // failed once, waiting 100 ms to retry
        let q = queue.clone();
        let long = tokio::spawn(async move {
            q.add(Priority::High, || async {
                tokio::time::sleep(ms(500)).await;
                Ok::<_, String>("long done")
            })
            .await
        });
        tokio::time::sleep(ms(1)).await;
        let q = queue.clone();
        let queued = tokio::spawn(async move {
            q.add(Priority::Medium, || async { Ok::<_, String>("ran") })
                .await
        });
        tokio::time::sleep(ms(10)).await;
        queue.clear(None);
        assert_eq!(
            queued.await.unwrap(),
            Err(QueueError::Cleared),
            "a queued request is cleared"
        );
        assert_eq!(
            retrying.await.unwrap(),
            Err(QueueError::Cleared),
            "a retrying request is cleared too"
        );
        assert_eq!(
            calls.lock().unwrap().len(),
            1,
            "the cleared request never ran again"
        );
        assert_eq!(
            long.await.unwrap(),
            Ok("long done"),
            "a running request finishes"
        );
        assert_eq!(queue.stats().queued, 0);
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn clear_of_one_priority_keeps_the_others() {
    graded_async(async {
        let queue = PriorityQueue::new(config(1, 0));
        queue.pause();
        let spawn = |p: Priority| {
            let q = queue.clone();
            tokio::spawn(async move { q.add(p, || async { Ok::<_, String>(p) }).await })
        };
        let (low, high) = (spawn(Priority::Low), spawn(Priority::High));
        tokio::time::sleep(ms(1)).await;
        queue.clear(Some(Priority::Low));
        queue.resume();
        assert_eq!(low.await.unwrap(), Err(QueueError::Cleared));
        assert_eq!(high.await.unwrap(), Ok(Priority::High));
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn clear_of_one_priority_spares_the_others_waiting_to_retry() {
    // Requests waiting out a retry delay kept in one list for all priorities: clearing one
    // priority cancelled every request waiting to retry.
    graded_async(async {
        let all = [Priority::Low, Priority::Medium, Priority::High];
        for cleared in all {
            let queue = PriorityQueue::new(config(3, 1));
            let mut requests = Vec::new();
            for priority in all {
                let calls = Arc::new(AtomicUsize::new(0));
                let (q, c) = (queue.clone(), Arc::clone(&calls));
                let request = tokio::spawn(async move {
                    q.add(priority, move || {
                        let first = c.fetch_add(1, Ordering::SeqCst) == 0;
                        async move {
                            if first {
                                Err("busy".to_owned())
                            } else {
                                Ok(priority)
                            }
                        }
                    })
                    .await
                });
                requests.push((priority, calls, request));
            }
            tokio::time::sleep(ms(10)).await; // each failed once and waits 100 ms to retry
            for (priority, calls, _) in &requests {
                assert_eq!(
                    calls.load(Ordering::SeqCst),
                    1,
                    "the {priority:?} request made its first attempt"
                );
            }
            queue.clear(Some(cleared));
            for (priority, calls, request) in requests {
                let outcome = request.await.unwrap();
                if priority == cleared {
                    assert_eq!(
                        outcome,
                        Err(QueueError::Cleared),
                        "clear(Some({cleared:?})) cancels the {priority:?} request waiting to retry"
                    );
                    assert_eq!(calls.load(Ordering::SeqCst), 1, "a cleared request never runs again");
                } else {
                    assert_eq!(
                        outcome,
                        Ok(priority),
                        "clear(Some({cleared:?})) must leave the {priority:?} request waiting to retry alone"
                    );
                    assert_eq!(calls.load(Ordering::SeqCst), 2);
                }
            }
        }
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_concurrency_of_zero_starts_nothing() {
    // The seed's `options.concurrency || 5` turned 0 into 5.
    graded_async(async {
        let queue = PriorityQueue::new(config(0, 0));
        let calls = Arc::new(AtomicUsize::new(0));
        let (q, c) = (queue.clone(), Arc::clone(&calls));
        let _waiting = tokio::spawn(async move {
            q.add(Priority::High, || {
                c.fetch_add(1, Ordering::SeqCst);
                async { Ok::<_, String>(()) }
            })
            .await
        });
        tokio::time::sleep(Duration::from_secs(3600)).await;
        assert_eq!(
            calls.load(Ordering::SeqCst),
            0,
            "concurrency 0 means nothing runs"
        );
        assert_eq!(queue.stats().queued, 1);
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_zero_timeout_times_out_an_attempt_that_is_not_ready_at_once() {
    // Zero means zero: `Some(Duration::ZERO)` is not "no timeout". (Whether an attempt that
    // is ready at once succeeds is not specified, so the attempts here always wait.)
    graded_async(async {
        let queue = PriorityQueue::new(Config {
            timeout: Some(Duration::ZERO),
            ..config(1, 1)
        });
        let calls = Arc::new(AtomicUsize::new(0));
        let finished = Arc::new(AtomicBool::new(false));
        let (c, f) = (Arc::clone(&calls), Arc::clone(&finished));
        let outcome: Result<(), QueueError<String>> = queue
            .add(Priority::Medium, move || {
                c.fetch_add(1, Ordering::SeqCst);
                let f = Arc::clone(&f);
                async move {
                    tokio::time::sleep(ms(1)).await;
                    f.store(true, Ordering::SeqCst);
                    Ok(())
                }
            })
            .await;
        assert_eq!(
            outcome,
            Err(QueueError::TimedOut),
            "a timeout of zero times out an attempt that is not ready at once"
        );
        assert_eq!(calls.load(Ordering::SeqCst), 2, "one attempt and one retry");
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert!(
            !finished.load(Ordering::SeqCst),
            "the timed-out attempts are cancelled"
        );
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn when_every_attempt_fails_the_last_error_is_returned() {
    graded_async(async {
        let queue = PriorityQueue::new(Config {
            timeout: Some(ms(50)),
            ..config(1, 2)
        });
        // Each request's attempts, in order: `None` times out, `Some(e)` fails with `e`.
        let cases: [([Option<&'static str>; 3], QueueError<String>); 2] = [
            ([Some("first"), Some("second"), None], QueueError::TimedOut),
            (
                [None, Some("second"), Some("third")],
                QueueError::Failed("third".to_owned()),
            ),
        ];
        for (attempts, expected) in cases {
            let calls = Arc::new(AtomicUsize::new(0));
            let c = Arc::clone(&calls);
            let outcome: Result<(), QueueError<String>> = queue
                .add(Priority::Medium, move || {
                    let this = attempts[c.fetch_add(1, Ordering::SeqCst)];
                    async move {
                        match this {
                            Some(error) => Err(error.to_owned()),
                            None => {
                                tokio::time::sleep(Duration::from_secs(1)).await;
                                Ok(())
                            }
                        }
                    }
                })
                .await;
            assert_eq!(calls.load(Ordering::SeqCst), 3, "{attempts:?}");
            assert_eq!(
                outcome,
                Err(expected),
                "the last attempt's error, for attempts {attempts:?}"
            );
        }
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn stats_count_requests_waiting_to_retry_and_cleared_ones() {
    graded_async(async {
        let queue = PriorityQueue::new(config(1, 1));
        let calls = Arc::new(Mutex::new(Vec::new()));
        let (q, c) = (queue.clone(), Arc::clone(&calls));
        let origin = Instant::now();
        let retrying = tokio::spawn(async move { q.add(Priority::Low, failing(&c, origin)).await });
        tokio::time::sleep(ms(10)).await; // failed once, waiting 100 ms to retry
        let stats = queue.stats();
        assert_eq!(
            (stats.retrying, stats.running, stats.queued),
            (1, 0, 0),
            "one request waits out its retry delay: {stats:?}"
        );
        assert_eq!(
            retrying.await.unwrap(),
            Err(QueueError::Failed("down".to_owned()))
        );
        let stats = queue.stats();
        assert_eq!(
            (stats.retrying, stats.failed, stats.succeeded),
            (0, 1, 0),
            "the request retried and failed: {stats:?}"
        );
        queue.pause();
        let q = queue.clone();
        let queued = tokio::spawn(async move {
            q.add(Priority::High, || async { Ok::<_, String>(()) })
                .await
        });
        tokio::time::sleep(ms(1)).await;
        queue.clear(None);
        assert_eq!(queued.await.unwrap(), Err(QueueError::Cleared));
        let stats = queue.stats();
        assert_eq!(
            (stats.queued, stats.failed, stats.succeeded),
            (0, 2, 0),
            "a cleared request counts as failed: {stats:?}"
        );
    })
    .await;
}
