// Stage 1 — the seed's queue: higher priority first, first come first served within a
// priority, at most `concurrency` running, pause and resume, and priority names that are
// checked rather than trusted. Timed on tokio's paused clock.

use kata_support::graded_async;
use priority_queue::{Config, Priority, PriorityQueue, QueueError};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::Duration;
use tokio::time::Instant;

fn config(concurrency: usize) -> Config {
    Config {
        concurrency,
        timeout: None,
        max_retries: 0,
        base_delay: Duration::from_millis(100),
        max_delay: Duration::from_secs(1),
        aging: None,
    }
}

/// Records which request started when.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<(&'static str, u128)>>>);

impl Log {
    fn names(&self) -> Vec<&'static str> {
        self.0.lock().unwrap().iter().map(|(n, _)| *n).collect()
    }
}

/// Adds request `name` on a spawned task; it records its start and takes `ms`.
fn spawn(
    queue: &PriorityQueue,
    log: &Log,
    origin: Instant,
    name: &'static str,
    priority: Priority,
    ms: u64,
) -> tokio::task::JoinHandle<Result<&'static str, QueueError<String>>> {
    let (queue, log) = (queue.clone(), log.clone());
    tokio::spawn(async move {
        queue
            .add(priority, || {
                let log = log.clone();
                async move {
                    log.0
                        .lock()
                        .unwrap()
                        .push((name, origin.elapsed().as_millis()));
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                    Ok(name)
                }
            })
            .await
    })
}

/// Lets every spawned task run until it waits (the paused clock moves only then).
async fn settle() {
    tokio::time::sleep(Duration::from_millis(1)).await;
}

#[tokio::test(start_paused = true)]
async fn higher_priority_runs_first() {
    graded_async(async {
        let queue = PriorityQueue::new(config(1));
        let (log, origin) = (Log::default(), Instant::now());
        queue.pause();
        let tasks = [
            spawn(&queue, &log, origin, "low", Priority::Low, 10),
            spawn(&queue, &log, origin, "medium 1", Priority::Medium, 10),
            spawn(&queue, &log, origin, "high", Priority::High, 10),
            spawn(&queue, &log, origin, "medium 2", Priority::Medium, 10),
        ];
        settle().await;
        assert!(log.names().is_empty(), "a paused queue starts nothing");
        queue.resume();
        for task in tasks {
            task.await.unwrap().expect("succeeds");
        }
        assert_eq!(log.names(), ["high", "medium 1", "medium 2", "low"]);
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn equal_priorities_run_in_arrival_order() {
    graded_async(async {
        let queue = PriorityQueue::new(config(1));
        let (log, origin) = (Log::default(), Instant::now());
        queue.pause();
        let names = ["a", "b", "c", "d", "e", "f"];
        let tasks: Vec<_> = names
            .iter()
            .map(|n| spawn(&queue, &log, origin, n, Priority::Low, 5))
            .collect();
        settle().await;
        queue.resume();
        for task in tasks {
            task.await.unwrap().expect("succeeds");
        }
        assert_eq!(
            log.names(),
            names,
            "first come, first served within a priority"
        );
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn never_more_than_the_concurrency_limit() {
    graded_async(async {
        let queue = PriorityQueue::new(config(3));
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let origin = Instant::now();
        let tasks: Vec<_> = (0..10)
            .map(|_| {
                let (queue, running, most) =
                    (queue.clone(), Arc::clone(&running), Arc::clone(&most));
                tokio::spawn(async move {
                    queue
                        .add(Priority::Medium, || {
                            let (running, most) = (Arc::clone(&running), Arc::clone(&most));
                            async move {
                                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                                most.fetch_max(now, Ordering::SeqCst);
                                tokio::time::sleep(Duration::from_millis(10)).await;
                                running.fetch_sub(1, Ordering::SeqCst);
                                Ok::<(), String>(())
                            }
                        })
                        .await
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap().expect("succeeds");
        }
        assert_eq!(most.load(Ordering::SeqCst), 3);
        assert_eq!(
            origin.elapsed(),
            Duration::from_millis(40),
            "ten 10 ms jobs, three at a time, no idle slot"
        );
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn pause_lets_running_requests_finish_and_starts_nothing_new() {
    graded_async(async {
        let queue = PriorityQueue::new(config(1));
        let (log, origin) = (Log::default(), Instant::now());
        let first = spawn(&queue, &log, origin, "first", Priority::High, 50);
        let second = spawn(&queue, &log, origin, "second", Priority::High, 50);
        settle().await;
        queue.pause();
        assert_eq!(
            first.await.unwrap(),
            Ok("first"),
            "a running request finishes"
        );
        tokio::time::sleep(Duration::from_secs(60)).await;
        assert_eq!(log.names(), ["first"], "nothing starts while paused");
        let stats = queue.stats();
        assert_eq!((stats.queued, stats.running), (1, 0), "{stats:?}");
        queue.resume();
        assert_eq!(second.await.unwrap(), Ok("second"));
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn values_and_errors_come_back_to_the_caller() {
    graded_async(async {
        let queue = PriorityQueue::new(config(2));
        let ok: Result<u32, QueueError<String>> =
            queue.add(Priority::Low, || async { Ok(7) }).await;
        assert_eq!(ok, Ok(7));
        let failed: Result<u32, QueueError<String>> = queue
            .add(Priority::Low, || async { Err("nope".to_owned()) })
            .await;
        assert_eq!(failed, Err(QueueError::Failed("nope".to_owned())));
        let stats = queue.stats();
        assert_eq!(
            (stats.succeeded, stats.failed, stats.running, stats.queued),
            (1, 1, 0, 0)
        );
    })
    .await;
}

#[test]
fn priority_names_are_checked() {
    // The seed indexed a map with whatever priority it was given and crashed on an unknown
    // one.
    kata_support::graded(|| {
        assert_eq!("high".parse::<Priority>(), Ok(Priority::High));
        assert_eq!("Medium".parse::<Priority>(), Ok(Priority::Medium));
        assert_eq!("LOW".parse::<Priority>(), Ok(Priority::Low));
        let error = "urgent".parse::<Priority>().expect_err("not a priority");
        assert!(error.to_string().contains("urgent"), "{error}");
        assert!(Priority::High > Priority::Medium && Priority::Medium > Priority::Low);
    });
}

#[tokio::test(start_paused = true)]
async fn a_dropped_request_gives_back_the_slot_it_was_handed() {
    // The slot frees while the waiting request's future is not being polled: the queue hands
    // it the slot, then its caller drops it without ever taking the slot up.
    graded_async(async {
        let queue = PriorityQueue::new(config(1));
        let (log, origin) = (Log::default(), Instant::now());
        let first = spawn(&queue, &log, origin, "first", Priority::High, 100);
        settle().await;
        // Only this test polls the second request, once: it waits in line behind "first".
        let second_log = log.clone();
        let mut second = Box::pin(queue.add(Priority::High, move || {
            second_log.0.lock().unwrap().push(("second", 0));
            async { Ok::<_, String>("second") }
        }));
        let polled = std::future::poll_fn(|cx| Poll::Ready(second.as_mut().poll(cx))).await;
        assert!(
            polled.is_pending(),
            "the second request waits for the only slot"
        );
        assert_eq!(first.await.unwrap(), Ok("first"));
        settle().await; // the slot is the second request's now, but nobody polls it
        drop(second);
        let third = tokio::time::timeout(Duration::from_secs(60), async {
            spawn(&queue, &log, origin, "third", Priority::Low, 10)
                .await
                .unwrap()
        })
        .await;
        assert_eq!(
            third,
            Ok(Ok("third")),
            "a request whose `add` future was dropped after it had been handed a slot \
             never gave the slot back: nothing else ever ran"
        );
        assert_eq!(
            log.names(),
            ["first", "third"],
            "the dropped request never ran"
        );
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn resume_fills_every_free_slot_and_freed_slots_go_on() {
    graded_async(async {
        let queue = PriorityQueue::new(config(3));
        let (log, origin) = (Log::default(), Instant::now());
        queue.pause();
        let tasks: Vec<_> = ["a", "b", "c", "d", "e"]
            .iter()
            .map(|n| spawn(&queue, &log, origin, n, Priority::Medium, 100))
            .collect();
        settle().await;
        queue.resume();
        settle().await;
        assert_eq!(
            log.names(),
            ["a", "b", "c"],
            "resume starts a waiting request in every free slot, not in one only"
        );
        let stats = queue.stats();
        assert_eq!((stats.running, stats.queued), (3, 2), "{stats:?}");
        for task in tasks {
            let outcome = tokio::time::timeout(Duration::from_secs(60), task)
                .await
                .expect("a slot freed by a finished request goes to a waiting one");
            outcome.unwrap().expect("succeeds");
        }
        assert_eq!(
            *log.0.lock().unwrap(),
            [("a", 1), ("b", 1), ("c", 1), ("d", 101), ("e", 101)],
            "the waiting requests start as soon as slots free"
        );
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_dropped_waiting_request_leaves_the_line_and_the_others_keep_their_places() {
    graded_async(async {
        let queue = PriorityQueue::new(config(1));
        let (log, origin) = (Log::default(), Instant::now());
        let blocker = spawn(&queue, &log, origin, "blocker", Priority::High, 100);
        settle().await;
        let first = spawn(&queue, &log, origin, "first", Priority::Low, 10);
        settle().await;
        // Only this test polls this request, once: it waits in line behind "first".
        let dropped_log = log.clone();
        let mut dropped = Box::pin(queue.add(Priority::Low, move || {
            dropped_log.0.lock().unwrap().push(("dropped", 0));
            async { Ok::<_, String>("dropped") }
        }));
        let polled = std::future::poll_fn(|cx| Poll::Ready(dropped.as_mut().poll(cx))).await;
        assert!(polled.is_pending(), "the request waits for the only slot");
        let last = spawn(&queue, &log, origin, "last", Priority::Low, 10);
        settle().await;
        assert_eq!(queue.stats().queued, 3, "{:?}", queue.stats());
        drop(dropped);
        assert_eq!(
            queue.stats().queued,
            2,
            "dropping a waiting request's `add` future takes it out of the queue"
        );
        for task in [blocker, first, last] {
            let outcome = tokio::time::timeout(Duration::from_secs(60), task)
                .await
                .expect("the requests still waiting run");
            outcome
                .unwrap()
                .expect("the others keep their places: they run, and are not cleared");
        }
        assert_eq!(log.names(), ["blocker", "first", "last"]);
    })
    .await;
}
