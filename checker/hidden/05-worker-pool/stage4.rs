// Stage 4 — performance, measured against a baseline in this same process: a job sent to
// an idle pool, and waited for, must come back about as fast as the same job handed to a
// thread that already waits on a channel (woken the way a pool's worker is). Workers that
// sleep and poll the queue instead of waiting on a condition variable add most of their
// polling interval to every job. The bound is generous: 100× the waiting thread's time (a
// correct pool measured up to 34× on two cores under ten busy processes; a pool napping
// 50 ms over 2 000×). A brand-new thread is not the baseline: under load a new thread waits
// for its first turn far longer than a woken one, which hid a napping pool.

#![cfg(not(feature = "kata-loom"))]

use kata_support::graded;
use std::sync::mpsc;
use std::time::{Duration, Instant};
use worker_pool::ThreadPool;

/// Jobs per round: few enough that a pool that naps 50 ms between looks fails the ratio in
/// a few seconds, well inside the test's time limit.
const JOBS: u32 = 10;

/// Waits until the pool says its workers are all idle (yielding between looks, and giving up
/// after many looks, so a pool whose counts are off is graded here by its speed alone): the
/// next job then finds them waiting for work, not about to look at the queue once more.
fn settle(pool: &ThreadPool) {
    for _ in 0..100_000 {
        let stats = pool.stats();
        if stats.idle == stats.total {
            break;
        }
        std::thread::yield_now();
    }
    for _ in 0..3 {
        std::thread::yield_now();
    }
}

#[test]
fn a_job_on_an_idle_pool_is_about_as_fast_as_a_waiting_thread() {
    graded(|| {
        // One worker, idle before each job: a worker that naps instead of waiting makes
        // every job wait out most of a nap.
        let pool = ThreadPool::new(1).unwrap();
        // The baseline: the same job handed to a thread that already waits on a channel,
        // woken the way a pool's worker is.
        let (to_waiter, jobs) = mpsc::channel::<fn() -> i32>();
        let (results, from_waiter) = mpsc::channel();
        let waiter = std::thread::spawn(move || {
            for job in jobs {
                results.send(job()).unwrap();
            }
        });
        // Five rounds of JOBS jobs each way, the pool and the waiting thread in turn so that
        // both see the same load on the machine; the fastest round of each counts.
        let (mut pooled, mut waiting) = (Duration::MAX, Duration::MAX);
        for _ in 0..5 {
            let mut round = Duration::ZERO;
            for _ in 0..JOBS {
                settle(&pool);
                let start = Instant::now();
                let handle = pool.execute(|| std::hint::black_box(1 + 1)).unwrap();
                assert_eq!(handle.join().unwrap(), 2);
                round += start.elapsed();
            }
            pooled = pooled.min(round / JOBS);
            let start = Instant::now();
            for _ in 0..JOBS {
                to_waiter.send(|| std::hint::black_box(1 + 1)).unwrap();
                assert_eq!(from_waiter.recv().unwrap(), 2);
            }
            waiting = waiting.min(start.elapsed() / JOBS);
        }
        drop(to_waiter);
        waiter.join().unwrap();
        let ratio = pooled.as_secs_f64() / waiting.as_secs_f64().max(1e-9);
        assert!(
            ratio < 100.0,
            "a job on an idle pool takes {pooled:?}, on a thread waiting on a channel \
             {waiting:?} ({ratio:.0}×): idle workers must wait on a condition variable, not \
             sleep and poll"
        );
    });
}
