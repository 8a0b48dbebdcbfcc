// Stage 1 — the seed's pool: results come back to the job that made them, jobs start in
// order, a panicking job fails only itself, and the pool keeps its workers.

use kata_support::graded;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};
use worker_pool::{JobError, ThreadPool};

#[test]
fn results_come_back_to_their_jobs() {
    graded(|| {
        let pool = ThreadPool::new(4).expect("four threads");
        let handles: Vec<_> = (0..100u64)
            .map(|n| pool.execute(move || n * 3 + 1).expect("running"))
            .collect();
        for (n, handle) in handles.into_iter().enumerate().rev() {
            assert_eq!(handle.join(), Ok(n as u64 * 3 + 1));
        }
    });
}

#[test]
fn is_finished_tells_whether_join_would_wait() {
    graded(|| {
        let pool = ThreadPool::new(1).expect("one thread");
        let (release, wait) = mpsc::channel::<()>();
        let first = pool
            .execute(move || {
                wait.recv().expect("released");
                7
            })
            .expect("running");
        assert!(
            !first.is_finished(),
            "a job still waiting to be released is not finished"
        );
        release.send(()).unwrap();
        // The only worker starts the next job after the first one returned.
        let (started, has_started) = mpsc::channel::<()>();
        let (go, wait_go) = mpsc::channel::<()>();
        let second = pool
            .execute(move || {
                started.send(()).expect("the test waits");
                wait_go.recv().expect("released");
            })
            .expect("running");
        has_started.recv().expect("the second job starts");
        let deadline = Instant::now() + Duration::from_secs(5);
        while !first.is_finished() {
            assert!(
                Instant::now() < deadline,
                "a job that returned must be finished (its result is there)"
            );
            std::thread::yield_now();
        }
        assert_eq!(first.join(), Ok(7));
        assert!(!second.is_finished(), "the second job is still running");
        go.send(()).unwrap();
        second.join().expect("no panic");
    });
}

#[test]
fn jobs_start_in_the_order_they_were_queued() {
    graded(|| {
        let pool = ThreadPool::new(1).expect("one thread");
        let (release, wait) = mpsc::channel::<()>();
        let blocker = pool
            .execute(move || wait.recv().expect("released"))
            .expect("running");
        let order = Arc::new(Mutex::new(Vec::new()));
        let handles: Vec<_> = (0..10)
            .map(|n| {
                let order = Arc::clone(&order);
                pool.execute(move || order.lock().unwrap().push(n))
                    .expect("running")
            })
            .collect();
        release.send(()).unwrap();
        blocker.join().expect("the blocker finishes");
        for handle in handles {
            handle.join().expect("no panic");
        }
        assert_eq!(
            *order.lock().unwrap(),
            (0..10).collect::<Vec<_>>(),
            "first in, first started"
        );
    });
}

#[test]
fn a_panicking_job_fails_only_itself() {
    graded(|| {
        let pool = ThreadPool::new(2).expect("two threads");
        let bad = pool
            .execute(|| -> u32 { panic!("boom in a job") })
            .expect("running");
        let good = pool.execute(|| 7).expect("running");
        assert_eq!(
            bad.join(),
            Err(JobError::Panicked("boom in a job".to_owned()))
        );
        assert_eq!(good.join(), Ok(7));
        let formatted = pool
            .execute(|| -> u32 { panic!("code {}", 42) })
            .expect("running");
        assert_eq!(
            formatted.join(),
            Err(JobError::Panicked("code 42".to_owned()))
        );
        // A message formatted at run time is a `String` payload, not a `&str` one.
        let code = std::hint::black_box(43);
        let at_run_time = pool
            .execute(move || -> u32 { panic!("code {code}") })
            .expect("running");
        assert_eq!(
            at_run_time.join(),
            Err(JobError::Panicked("code 43".to_owned())),
            "the message of a panic formatted at run time (a String payload) is kept too"
        );
    });
}

#[test]
fn the_pool_keeps_all_its_workers_after_panics() {
    // The seed's crashed worker fired both `error` and `exit`, and each spawned a
    // replacement: the pool grew with every crash.
    graded(|| {
        let pool = ThreadPool::new(3).expect("three threads");
        let crashes: Vec<_> = (0..10)
            .map(|_| pool.execute(|| panic!("crash")).expect("running"))
            .collect();
        for crash in crashes {
            assert!(crash.join().is_err());
        }
        let stats = pool.stats();
        assert_eq!(
            stats.total, 3,
            "exactly three workers after ten panics: {stats:?}"
        );
        // All three must still work: three jobs that only finish together.
        let barrier = Arc::new(Barrier::new(3));
        let together: Vec<_> = (0..3)
            .map(|_| {
                let barrier = Arc::clone(&barrier);
                pool.execute(move || {
                    barrier.wait();
                })
                .expect("running")
            })
            .collect();
        for job in together {
            job.join().expect("three workers ran at once");
        }
    });
}

#[test]
fn a_job_whose_handle_was_dropped_does_not_hurt_the_pool() {
    // The seed crashed when a worker's message arrived with no task waiting for it.
    graded(|| {
        let pool = ThreadPool::new(2).expect("two threads");
        let ran = Arc::new(AtomicUsize::new(0));
        for _ in 0..20 {
            let ran = Arc::clone(&ran);
            drop(
                pool.execute(move || ran.fetch_add(1, Ordering::SeqCst))
                    .expect("running"),
            );
        }
        let last = pool.execute(|| "still here").expect("running");
        assert_eq!(last.join(), Ok("still here"));
        pool.shutdown();
        assert_eq!(
            ran.load(Ordering::SeqCst),
            20,
            "every fire-and-forget job ran"
        );
    });
}

#[test]
fn zero_threads_is_an_error() {
    graded(|| {
        let error = ThreadPool::new(0).expect_err("a pool needs a thread");
        assert!(!error.to_string().is_empty());
    });
}

#[test]
fn stats_add_up_at_every_look() {
    graded(|| {
        let pool = ThreadPool::new(3).expect("three threads");
        let (release, wait) = mpsc::channel::<()>();
        let wait = Arc::new(Mutex::new(wait));
        let (started, starts) = mpsc::channel::<()>();
        let blockers: Vec<_> = (0..3)
            .map(|_| {
                let (wait, started) = (Arc::clone(&wait), started.clone());
                pool.execute(move || {
                    started.send(()).unwrap();
                    wait.lock().unwrap().recv().unwrap();
                })
                .expect("running")
            })
            .collect();
        for _ in 0..3 {
            starts.recv().unwrap();
        }
        let queued: Vec<_> = (0..5)
            .map(|n| pool.execute(move || n).expect("running"))
            .collect();
        let stats = pool.stats();
        assert_eq!(
            (stats.total, stats.busy, stats.idle, stats.queued),
            (3, 3, 0, 5),
            "{stats:?}"
        );
        for _ in 0..3 {
            release.send(()).unwrap();
        }
        for _ in 0..200 {
            let s = pool.stats();
            assert_eq!(
                s.busy + s.idle,
                s.total,
                "busy + idle must equal total: {s:?}"
            );
            assert_eq!(s.total, 3);
        }
        for handle in blockers {
            handle.join().unwrap();
        }
        for handle in queued {
            handle.join().unwrap();
        }
        // A handle may see its result a moment before the worker counts itself idle again.
        while pool.stats().busy != 0 {
            std::thread::yield_now();
        }
        let done = pool.stats();
        assert_eq!((done.total, done.idle, done.queued), (3, 3, 0), "{done:?}");
    });
}
