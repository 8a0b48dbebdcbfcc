// STUB: //! # Kata 05 — a worker thread pool
// STUB: //!
// STUB: //! Build [`ThreadPool`]: it runs jobs on a fixed number of OS threads.
// STUB: //! [`ThreadPool::execute`] queues a job and returns a [`JobHandle`] that yields the job's
// STUB: //! result — or the job's panic, which must fail that job only.
// STUB: //! [`ThreadPool::shutdown`] finishes the queued work; [`ThreadPool::shutdown_now`] cancels
// STUB: //! it. Dropping the pool is a `shutdown`: it finishes the queue and joins every thread.
// STUB: //!
// STUB: //! ```no_run
// STUB: //! use worker_pool::ThreadPool;
// STUB: //!
// STUB: //! let pool = ThreadPool::new(4).unwrap();
// STUB: //! let result = pool.execute(|| (1..=3).map(|n| n * n).sum::<u32>()).unwrap();
// STUB: //! assert_eq!(result.join(), Ok(14));
// STUB: //! ```
// STUB: //!
// STUB: //! Every `// TODO:` marks a place to write code. Run the examples with
// STUB: //! `cargo test -p worker-pool`; `cargo kata grade worker-pool` grades the kata.
// BEGIN SOLUTION
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
// END SOLUTION
//!
// STUB: //! # Stages
// STUB: //!
// STUB: //! 1. Results back to their jobs, FIFO start, a panicking job fails only itself, the pool
// STUB: //!    keeps its number of workers, consistent stats.
// STUB: //! 2. `shutdown` finishes the queue, `shutdown_now` cancels it, `execute` afterwards is an
// STUB: //!    error, dropping the pool joins every thread.
// STUB: //! 3. Thread safety, checked with loom: import `Mutex`, `Condvar`, `Arc` and `thread` from
// STUB: //!    the `sync` module, never from `std`.
// STUB:
// STUB: // TODO: delete this line once everything is written: it silences the warnings about the
// STUB: // unfinished code (unused arguments and fields).
// STUB: #![allow(unused)]
// BEGIN SOLUTION
//! One mutex guards the queue, the pool's state (running, draining, stopping) and the
//! counts; one condition variable wakes idle workers. A worker takes a job under the lock
//! and runs it outside, inside `catch_unwind`, so a panic is turned into that job's error
//! and the worker lives on: the pool never needs to replace a thread. Each job's result
//! travels through a small slot shared with its handle; the slot's sender side sets
//! "cancelled" when it is dropped unused, which is how queued jobs dropped by
//! `shutdown_now` tell their handles.
// END SOLUTION

// BEGIN SOLUTION
use std::collections::VecDeque;
// END SOLUTION
use std::fmt;
// STUB: use std::marker::PhantomData;
// BEGIN SOLUTION
use std::panic::{AssertUnwindSafe, catch_unwind};
// END SOLUTION

mod sync;

// BEGIN SOLUTION
use sync::{Arc, Condvar, Mutex, MutexGuard, thread};

// END SOLUTION
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

// BEGIN SOLUTION
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

// END SOLUTION
/// The result of one job, from [`ThreadPool::execute`].
pub struct JobHandle<T> {
    // STUB: // TODO: choose the fields (somewhere the worker puts the result and the handle waits
    // STUB: // for it: a `sync::Mutex` and a `sync::Condvar` in a `sync::Arc`, for example).
    // STUB: _todo: PhantomData<T>,
    // BEGIN SOLUTION
    slot: Arc<Slot<T>>,
    // END SOLUTION
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
        // STUB: // TODO: implement JobHandle::join.
        // STUB: todo!("JobHandle::join")
        // BEGIN SOLUTION
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
        // END SOLUTION
    }

    /// Whether the result is there (`join` would not wait).
    pub fn is_finished(&self) -> bool {
        // STUB: // TODO: implement JobHandle::is_finished.
        // STUB: todo!("JobHandle::is_finished")
        // BEGIN SOLUTION
        self.slot
            .result
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some()
        // END SOLUTION
    }
}

// BEGIN SOLUTION
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

// END SOLUTION
/// A pool of worker threads.
pub struct ThreadPool {
    // STUB: // TODO: choose the fields: the queue and the counts behind one `sync::Mutex`, a
    // STUB: // `sync::Condvar` to wake idle workers, the workers' join handles.
    // STUB: _todo: (),
    // BEGIN SOLUTION
    shared: Arc<Shared>,
    workers: Mutex<Vec<thread::JoinHandle<()>>>,
    // END SOLUTION
}

impl fmt::Debug for ThreadPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // STUB: f.debug_struct("ThreadPool").finish_non_exhaustive()
        // BEGIN SOLUTION
        f.debug_struct("ThreadPool")
            .field("stats", &self.stats())
            .finish()
        // END SOLUTION
    }
}

impl ThreadPool {
    /// Starts `threads` worker threads.
    ///
    /// # Errors
    ///
    /// [`ZeroThreads`] when `threads` is 0.
    pub fn new(threads: usize) -> Result<Self, ZeroThreads> {
        // STUB: // TODO: implement ThreadPool::new.
        // STUB: todo!("ThreadPool::new")
        // BEGIN SOLUTION
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
        // END SOLUTION
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
        // STUB: // TODO: implement ThreadPool::execute. A panic must fail this job only
        // STUB: // (`std::panic::catch_unwind`).
        // STUB: todo!("ThreadPool::execute")
        // BEGIN SOLUTION
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
        // END SOLUTION
    }

    /// A consistent snapshot of the pool.
    pub fn stats(&self) -> Stats {
        // STUB: // TODO: implement ThreadPool::stats.
        // STUB: todo!("ThreadPool::stats")
        // BEGIN SOLUTION
        let queue = self.shared.lock();
        Stats {
            total: queue.alive,
            busy: queue.busy,
            idle: queue.alive - queue.busy,
            queued: queue.jobs.len(),
        }
        // END SOLUTION
    }

    /// Refuses new jobs, finishes every queued one, and joins the workers. Dropping the pool
    /// does the same. A second call after the first has returned is harmless.
    pub fn shutdown(&self) {
        // STUB: // TODO: implement ThreadPool::shutdown.
        // STUB: todo!("ThreadPool::shutdown")
        // BEGIN SOLUTION
        self.stop(Phase::Draining);
        // END SOLUTION
    }

    /// Refuses new jobs, cancels the queued ones (their handles get
    /// [`JobError::Cancelled`]), lets running jobs finish, and joins the workers.
    pub fn shutdown_now(&self) {
        // STUB: // TODO: implement ThreadPool::shutdown_now.
        // STUB: todo!("ThreadPool::shutdown_now")
        // BEGIN SOLUTION
        self.stop(Phase::Stopping);
        // END SOLUTION
    }
    // BEGIN SOLUTION

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
    // END SOLUTION
}

impl Drop for ThreadPool {
    fn drop(&mut self) {
        // STUB: // TODO: shut down and join every worker thread.
        // BEGIN SOLUTION
        self.shutdown();
        // END SOLUTION
    }
}
// BEGIN SOLUTION

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
// END SOLUTION
