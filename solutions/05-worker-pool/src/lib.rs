//! # Kata 05 — a worker thread pool, reference solution
//!
//! A [`ThreadPool`] runs jobs on a fixed number of OS threads. [`ThreadPool::execute`]
//! queues a job and returns a [`JobHandle`] that yields the job's result — or the job's
//! panic, which fails that job only. [`ThreadPool::shutdown`] finishes the queued work;
//! [`ThreadPool::shutdown_now`] cancels it. Dropping the pool is a `shutdown`: it finishes the
//! queue and joins every thread.
//!
//! ```
//! use worker_pool_solution::ThreadPool;
//!
//! let pool = ThreadPool::new(4).expect("four threads");
//! let squares: Vec<_> = (1..=5u64)
//!     .map(|n| pool.execute(move || n * n).expect("the pool is running"))
//!     .collect();
//! let results: Vec<u64> = squares.into_iter().map(|h| h.join().expect("no panic")).collect();
//! assert_eq!(results, [1, 4, 9, 16, 25]);
//! ```
//!
//! # Design
//!
//! One mutex guards the queue, the pool's state (running, draining, stopping) and the
//! counts; one condition variable wakes idle workers. A worker takes a job under the lock
//! and runs it outside, inside `catch_unwind`, so a panic is turned into that job's error
//! and the worker lives on: the pool never needs to replace a thread. Each job's result
//! travels through a small slot shared with its handle; the slot's sender side sets
//! "cancelled" when it is dropped unused, which is how queued jobs dropped by
//! `shutdown_now` tell their handles.

use std::collections::VecDeque;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};

mod sync;

use sync::{Arc, Condvar, Mutex, MutexGuard, thread};

/// `ThreadPool::new` with 0 threads. `#[non_exhaustive]`: outside this crate, match it as
/// `Err(_)` or test `is_err()`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ZeroThreads;

impl fmt::Display for ZeroThreads {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a thread pool needs at least one thread")
    }
}

impl std::error::Error for ZeroThreads {}

/// `execute` on a pool that is shutting down or shut down. `#[non_exhaustive]`: outside this
/// crate, match it as `Err(_)` or test `is_err()`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ShutDown;

impl fmt::Display for ShutDown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the thread pool is shut down")
    }
}

impl std::error::Error for ShutDown {}

/// Why a job produced no result.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JobError {
    /// The job panicked, with this message: the panic's text as written (`panic!("code {}", 42)`
    /// gives `"code 42"`, with no location); any text for a payload that is not a string.
    Panicked(String),
    /// The job was still queued when `shutdown_now` cancelled it.
    Cancelled,
}

impl fmt::Display for JobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JobError::Panicked(message) => write!(f, "the job panicked: {message}"),
            JobError::Cancelled => f.write_str("the job was cancelled before it started"),
        }
    }
}

impl std::error::Error for JobError {}

/// A snapshot of the pool. `busy + idle == total` always holds. A handle may get its result a
/// moment before its worker counts itself idle again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    /// Worker threads alive: the pool's size while it runs (panicking jobs do not change
    /// it), 0 once a shutdown has joined the workers.
    pub total: usize,
    /// Workers running a job.
    pub busy: usize,
    /// Workers waiting for a job.
    pub idle: usize,
    /// Jobs waiting for a worker.
    pub queued: usize,
}

/// Where a job's result waits for its handle.
struct Slot<T> {
    result: Mutex<Option<Result<T, JobError>>>,
    ready: Condvar,
}

/// The job's side of its slot. Dropped without a result, it reports `Cancelled`.
struct Completion<T>(Arc<Slot<T>>);

impl<T> Completion<T> {
    fn set(&self, result: Result<T, JobError>) {
        let mut slot = self.0.result.lock().unwrap_or_else(|e| e.into_inner());
        if slot.is_none() {
            *slot = Some(result);
            self.0.ready.notify_all();
        }
    }
}

impl<T> Drop for Completion<T> {
    fn drop(&mut self) {
        self.set(Err(JobError::Cancelled));
    }
}

/// The result of one job, from [`ThreadPool::execute`].
pub struct JobHandle<T> {
    slot: Arc<Slot<T>>,
}

impl<T> fmt::Debug for JobHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JobHandle").finish_non_exhaustive()
    }
}

impl<T> JobHandle<T> {
    /// Waits for the job and returns its result.
    ///
    /// # Errors
    ///
    /// [`JobError::Panicked`] if the job panicked; [`JobError::Cancelled`] if
    /// `shutdown_now` cancelled it before it started.
    pub fn join(self) -> Result<T, JobError> {
        let mut slot = self.slot.result.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(result) = slot.take() {
                return result;
            }
            slot = self
                .slot
                .ready
                .wait(slot)
                .unwrap_or_else(|e| e.into_inner());
        }
    }

    /// Whether the result is there (`join` would not wait).
    pub fn is_finished(&self) -> bool {
        self.slot
            .result
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some()
    }
}

type Job = Box<dyn FnOnce() + Send>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Running,
    /// `shutdown`: no new jobs, finish the queue.
    Draining,
    /// `shutdown_now`: no new jobs, the queue was dropped.
    Stopping,
}

struct Queue {
    jobs: VecDeque<Job>,
    phase: Phase,
    alive: usize,
    busy: usize,
}

struct Shared {
    queue: Mutex<Queue>,
    work: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A pool of worker threads.
pub struct ThreadPool {
    shared: Arc<Shared>,
    workers: Mutex<Vec<thread::JoinHandle<()>>>,
}

impl fmt::Debug for ThreadPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadPool")
            .field("stats", &self.stats())
            .finish()
    }
}

impl ThreadPool {
    /// Starts `threads` worker threads.
    ///
    /// # Errors
    ///
    /// [`ZeroThreads`] when `threads` is 0.
    pub fn new(threads: usize) -> Result<Self, ZeroThreads> {
        if threads == 0 {
            return Err(ZeroThreads);
        }
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue {
                jobs: VecDeque::new(),
                phase: Phase::Running,
                alive: threads,
                busy: 0,
            }),
            work: Condvar::new(),
        });
        let workers = (0..threads)
            .map(|_| {
                let shared = Arc::clone(&shared);
                thread::spawn(move || work(&shared))
            })
            .collect();
        Ok(Self {
            shared,
            workers: Mutex::new(workers),
        })
    }

    /// Queues `job`; jobs start in the order they were queued.
    ///
    /// # Errors
    ///
    /// [`ShutDown`] once `shutdown` or `shutdown_now` has been called.
    pub fn execute<F, T>(&self, job: F) -> Result<JobHandle<T>, ShutDown>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let slot = Arc::new(Slot {
            result: Mutex::new(None),
            ready: Condvar::new(),
        });
        let completion = Completion(Arc::clone(&slot));
        let job: Job = Box::new(move || {
            let result = catch_unwind(AssertUnwindSafe(job)).map_err(|panic| {
                let message = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "a panic with a non-text payload".to_owned());
                JobError::Panicked(message)
            });
            completion.set(result);
        });
        {
            // The check and the push happen under one lock: a job is either refused or
            // queued before any shutdown begins, never accepted and then forgotten.
            let mut queue = self.shared.lock();
            if queue.phase != Phase::Running {
                return Err(ShutDown);
            }
            queue.jobs.push_back(job);
        }
        self.shared.work.notify_one();
        Ok(JobHandle { slot })
    }

    /// A consistent snapshot of the pool.
    pub fn stats(&self) -> Stats {
        let queue = self.shared.lock();
        Stats {
            total: queue.alive,
            busy: queue.busy,
            idle: queue.alive - queue.busy,
            queued: queue.jobs.len(),
        }
    }

    /// Refuses new jobs, finishes every queued one, and joins the workers. Dropping the pool
    /// does the same. A second call after the first has returned is harmless.
    pub fn shutdown(&self) {
        self.stop(Phase::Draining);
    }

    /// Refuses new jobs, cancels the queued ones (their handles get
    /// [`JobError::Cancelled`]), lets running jobs finish, and joins the workers.
    pub fn shutdown_now(&self) {
        self.stop(Phase::Stopping);
    }

    fn stop(&self, phase: Phase) {
        let dropped = {
            let mut queue = self.shared.lock();
            if queue.phase == Phase::Running {
                queue.phase = phase;
            }
            if phase == Phase::Stopping {
                queue.phase = Phase::Stopping;
                std::mem::take(&mut queue.jobs)
            } else {
                VecDeque::new()
            }
        };
        drop(dropped); // Outside the lock: each dropped job tells its handle "cancelled".
        self.shared.work.notify_all();
        let workers = std::mem::take(&mut *self.workers.lock().unwrap_or_else(|e| e.into_inner()));
        for worker in workers {
            // A worker never panics (jobs run inside catch_unwind); ignore it if one did.
            let _ = worker.join();
        }
    }
}

impl Drop for ThreadPool {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// A worker: take the next job, run it, repeat until the pool stops and the queue is empty.
fn work(shared: &Shared) {
    loop {
        let job = {
            let mut queue = shared.lock();
            loop {
                if let Some(job) = queue.jobs.pop_front() {
                    queue.busy += 1;
                    break job;
                }
                if queue.phase != Phase::Running {
                    queue.alive -= 1;
                    return;
                }
                queue = shared.work.wait(queue).unwrap_or_else(|e| e.into_inner());
            }
        };
        job(); // Catches the job's own panic; see `execute`.
        shared.lock().busy -= 1;
    }
}
