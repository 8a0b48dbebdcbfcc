// Stage 2 — shutting down: `shutdown` finishes the queue, `shutdown_now` cancels it,
// nothing is accepted afterwards, and dropping the pool joins every thread.

use kata_support::graded;
use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use worker_pool::{JobError, ThreadPool};

/// A pool of one thread whose first job holds it until `release` is sent.
fn blocked_pool() -> (
    ThreadPool,
    mpsc::Sender<()>,
    worker_pool::JobHandle<&'static str>,
) {
    let pool = ThreadPool::new(1).expect("one thread");
    let (release, wait) = mpsc::channel::<()>();
    let (started, start) = mpsc::channel::<()>();
    let blocker = pool
        .execute(move || {
            started.send(()).unwrap();
            wait.recv().unwrap();
            "blocker done"
        })
        .expect("running");
    start.recv().unwrap();
    (pool, release, blocker)
}

/// Waits (without sleeping) until the pool refuses new jobs: shutdown has begun.
fn until_refusing(pool: &ThreadPool) {
    while pool.execute(|| ()).is_ok() {
        std::thread::yield_now();
    }
}

#[test]
fn stats_during_a_shutdown_count_only_the_waiting_jobs() {
    graded(|| {
        let (pool, release, blocker) = blocked_pool();
        let mut waiting: Vec<_> = (0..2)
            .map(|_| pool.execute(|| ()).expect("running"))
            .collect();
        std::thread::scope(|s| {
            let stopping = s.spawn(|| pool.shutdown());
            // Until the pool refuses, every job it accepts is one more waiting job.
            while let Ok(probe) = pool.execute(|| ()) {
                waiting.push(probe);
                std::thread::yield_now();
            }
            let stats = pool.stats();
            assert_eq!(
                (stats.busy, stats.queued),
                (1, waiting.len()),
                "while a shutdown drains, `queued` counts the jobs waiting for a worker \
                 and nothing else: {stats:?}"
            );
            release.send(()).unwrap();
            stopping.join().unwrap();
        });
        assert_eq!(blocker.join(), Ok("blocker done"));
        for job in waiting {
            job.join().expect("shutdown runs what was queued");
        }
        let done = pool.stats();
        assert_eq!((done.total, done.queued), (0, 0), "{done:?}");
    });
}

#[test]
fn shutdown_finishes_the_queued_jobs() {
    graded(|| {
        let (pool, release, blocker) = blocked_pool();
        let queued: Vec<_> = (0..5)
            .map(|n| pool.execute(move || n * 10).expect("running"))
            .collect();
        std::thread::scope(|s| {
            let stopping = s.spawn(|| pool.shutdown());
            until_refusing(&pool);
            release.send(()).unwrap();
            stopping.join().unwrap();
        });
        assert_eq!(blocker.join(), Ok("blocker done"));
        let results: Vec<_> = queued.into_iter().map(|h| h.join()).collect();
        assert_eq!(
            results,
            [Ok(0), Ok(10), Ok(20), Ok(30), Ok(40)],
            "shutdown runs what was queued"
        );
    });
}

#[test]
fn shutdown_now_cancels_the_queue_and_lets_the_running_job_finish() {
    graded(|| {
        let (pool, release, blocker) = blocked_pool();
        let ran = Arc::new(AtomicUsize::new(0));
        let queued: Vec<_> = (0..5)
            .map(|_| {
                let ran = Arc::clone(&ran);
                pool.execute(move || ran.fetch_add(1, Ordering::SeqCst))
                    .expect("running")
            })
            .collect();
        std::thread::scope(|s| {
            let stopping = s.spawn(|| pool.shutdown_now());
            // The queued jobs are cancelled while the blocker still runs.
            for handle in queued {
                assert_eq!(handle.join(), Err(JobError::Cancelled));
            }
            release.send(()).unwrap();
            stopping.join().unwrap();
        });
        assert_eq!(
            blocker.join(),
            Ok("blocker done"),
            "a running job is not interrupted"
        );
        assert_eq!(ran.load(Ordering::SeqCst), 0, "no cancelled job ran");
    });
}

#[test]
fn execute_after_shutdown_is_an_error() {
    graded(|| {
        let pool = ThreadPool::new(2).expect("two threads");
        pool.shutdown();
        assert!(pool.execute(|| 1).is_err(), "a shut-down pool refuses work");
        let other = ThreadPool::new(2).expect("two threads");
        other.shutdown_now();
        assert!(other.execute(|| 1).is_err());
        other.shutdown(); // a second shutdown is harmless
        assert_eq!(other.stats().total, 0, "no worker is left after shutdown");
    });
}

/// Counts worker threads that are still alive: each job leaves a guard in its thread's
/// local storage, and the guard is dropped only when that thread exits.
struct Alive(Arc<AtomicUsize>);

impl Drop for Alive {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

thread_local! {
    static GUARD: RefCell<Option<Alive>> = const { RefCell::new(None) };
}

#[test]
fn dropping_the_pool_joins_every_thread() {
    graded(|| {
        let alive = Arc::new(AtomicUsize::new(0));
        let pool = ThreadPool::new(4).expect("four threads");
        let (started, starts) = mpsc::channel::<()>();
        let gate = Arc::new(std::sync::Barrier::new(4));
        for _ in 0..4 {
            let (alive, started, gate) = (Arc::clone(&alive), started.clone(), Arc::clone(&gate));
            drop(pool.execute(move || {
                GUARD.with(|g| {
                    if g.borrow().is_none() {
                        alive.fetch_add(1, Ordering::SeqCst);
                        *g.borrow_mut() = Some(Alive(Arc::clone(&alive)));
                    }
                });
                gate.wait(); // so that all four workers take one job each
                started.send(()).unwrap();
            }));
        }
        for _ in 0..4 {
            starts.recv().unwrap();
        }
        assert_eq!(alive.load(Ordering::SeqCst), 4);
        drop(pool);
        assert_eq!(
            alive.load(Ordering::SeqCst),
            0,
            "threads still alive after the pool was dropped"
        );
    });
}

#[test]
fn queued_work_finishes_when_the_pool_is_dropped() {
    graded(|| {
        let done = Arc::new(Mutex::new(Vec::new()));
        {
            let pool = ThreadPool::new(2).expect("two threads");
            for n in 0..10 {
                let done = Arc::clone(&done);
                drop(pool.execute(move || done.lock().unwrap().push(n)));
            }
        }
        let mut done = done.lock().unwrap().clone();
        done.sort_unstable();
        assert_eq!(done, (0..10).collect::<Vec<_>>());
    });
}
