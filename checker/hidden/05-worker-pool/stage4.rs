// Stage 4 — performance, measured against a baseline in this same process: a job sent to
// an idle pool, and waited for, must come back about as fast as a job run on a brand-new
// thread (`std::thread::spawn` + `join`), which is the cost a pool exists to save. Workers
// that sleep and poll the queue instead of waiting on a condition variable add their whole
// polling interval to every job. The bound is generous: 20× the new thread's time.

#![cfg(not(feature = "kata-loom"))]

use kata_support::graded;
use std::time::{Duration, Instant};
use worker_pool::ThreadPool;

/// The fastest of five timings of 20 jobs, each waited for before the next is sent (few
/// enough that a pool that naps between jobs fails here, not at the time limit).
fn per_job(mut run_one: impl FnMut()) -> Duration {
    (0..5)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..20 {
                run_one();
            }
            start.elapsed() / 20
        })
        .min()
        .expect("five timings")
}

#[test]
fn a_job_on_an_idle_pool_is_no_slower_than_a_new_thread() {
    graded(|| {
        let pool = ThreadPool::new(2).unwrap();
        let pooled = per_job(|| {
            let handle = pool.execute(|| std::hint::black_box(1 + 1)).unwrap();
            assert_eq!(handle.join().unwrap(), 2);
        });
        let spawned = per_job(|| {
            let handle = std::thread::spawn(|| std::hint::black_box(1 + 1));
            assert_eq!(handle.join().unwrap(), 2);
        });
        let ratio = pooled.as_secs_f64() / spawned.as_secs_f64().max(1e-9);
        assert!(
            ratio < 20.0,
            "a job on an idle pool takes {pooled:?}, a new thread {spawned:?} ({ratio:.0}×): \
             idle workers must wait on a condition variable, not sleep and poll"
        );
    });
}
