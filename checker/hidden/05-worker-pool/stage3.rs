// Stage 3 — concurrency, checked with loom: however the submitting threads, the workers
// and a shutdown interleave, every accepted job runs exactly once and every refused job
// never runs. A job accepted and then forgotten leaves its handle waiting forever, which
// loom reports as a deadlock.
//
// Built only with the `kata-loom` feature, which makes the kata's `sync` module re-export
// loom's types (threads included).
#![cfg(feature = "kata-loom")]

use kata_support::graded;
use loom::sync::Arc;
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::thread;
use worker_pool::{JobError, ThreadPool};

fn check(model: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    if std::env::var_os("LOOM_MAX_PREEMPTIONS").is_none() {
        builder.preemption_bound = Some(2);
    }
    builder.check(model);
}

#[test]
fn a_job_submitted_during_shutdown_runs_once_or_is_refused() {
    graded(|| {
        check(|| {
            let pool = Arc::new(ThreadPool::new(1).expect("one thread"));
            let runs = Arc::new(AtomicUsize::new(0));
            let (p, r) = (Arc::clone(&pool), Arc::clone(&runs));
            let submitter = thread::spawn(move || {
                let r2 = Arc::clone(&r);
                match p.execute(move || r2.fetch_add(1, Ordering::SeqCst)) {
                    Ok(handle) => {
                        assert!(handle.join().is_ok(), "an accepted job must run");
                        true
                    }
                    Err(_) => false,
                }
            });
            pool.shutdown();
            let accepted = submitter.join().expect("submitter");
            assert_eq!(
                runs.load(Ordering::SeqCst),
                usize::from(accepted),
                "accepted jobs run exactly once"
            );
        });
    });
}

#[test]
fn two_submitters_lose_no_job() {
    graded(|| {
        check(|| {
            let pool = Arc::new(ThreadPool::new(1).expect("one thread"));
            let runs = Arc::new(AtomicUsize::new(0));
            let submitters: Vec<_> = (0..2)
                .map(|_| {
                    let (p, r) = (Arc::clone(&pool), Arc::clone(&runs));
                    thread::spawn(move || {
                        let handle = p
                            .execute(move || r.fetch_add(1, Ordering::SeqCst))
                            .expect("running");
                        handle.join().expect("no panic");
                    })
                })
                .collect();
            for s in submitters {
                s.join().expect("submitter");
            }
            pool.shutdown();
            assert_eq!(runs.load(Ordering::SeqCst), 2);
        });
    });
}

#[test]
fn shutdown_now_against_a_submitter_cancels_or_runs_never_loses() {
    graded(|| {
        check(|| {
            let pool = Arc::new(ThreadPool::new(1).expect("one thread"));
            let runs = Arc::new(AtomicUsize::new(0));
            let (p, r) = (Arc::clone(&pool), Arc::clone(&runs));
            let submitter =
                thread::spawn(
                    move || match p.execute(move || r.fetch_add(1, Ordering::SeqCst)) {
                        Ok(handle) => match handle.join() {
                            Ok(_) => 1,
                            Err(JobError::Cancelled) => 0,
                            Err(other) => panic!("unexpected {other:?}"),
                        },
                        Err(_) => 0,
                    },
                );
            pool.shutdown_now();
            let ran = submitter.join().expect("submitter");
            assert_eq!(
                runs.load(Ordering::SeqCst),
                ran,
                "the handle and the job agree"
            );
        });
    });
}
