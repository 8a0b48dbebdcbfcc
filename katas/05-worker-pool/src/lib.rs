//! # Kata 05 — a worker thread pool
//!
//! Build [`ThreadPool`]: it runs jobs on a fixed number of OS threads.
//! [`ThreadPool::execute`] queues a job and returns a [`JobHandle`] that yields the job's
//! result — or the job's panic, which must fail that job only.
//! [`ThreadPool::shutdown`] finishes the queued work; [`ThreadPool::shutdown_now`] cancels
//! it. Dropping the pool is a `shutdown`: it finishes the queue and joins every thread.
//!
//! ```no_run
//! use worker_pool::ThreadPool;
//!
//! let pool = ThreadPool::new(4).unwrap();
//! let result = pool.execute(|| (1..=3).map(|n| n * n).sum::<u32>()).unwrap();
//! assert_eq!(result.join(), Ok(14));
//! ```
//!
//! Every `// TODO:` marks a place to write code. Run the examples with
//! `cargo test -p worker-pool`; `cargo kata grade worker-pool` grades the kata.
//!
//! # Stages
//!
//! 1. Results back to their jobs, FIFO start, a panicking job fails only itself, the pool
//!    keeps its number of workers, consistent stats.
//! 2. `shutdown` finishes the queue, `shutdown_now` cancels it, `execute` afterwards is an
//!    error, dropping the pool joins every thread.
//! 3. Thread safety, checked with loom: import `Mutex`, `Condvar`, `Arc` and `thread` from
//!    the `sync` module, never from `std`.

// TODO: delete this line once everything is written: it silences the warnings about the
// unfinished code (unused arguments and fields).
#![allow(unused)]

use std::fmt;
use std::marker::PhantomData;

mod sync;

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

/// The result of one job, from [`ThreadPool::execute`].
pub struct JobHandle<T> {
    // TODO: choose the fields (somewhere the worker puts the result and the handle waits
    // for it: a `sync::Mutex` and a `sync::Condvar` in a `sync::Arc`, for example).
    _todo: PhantomData<T>,
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
        // TODO: implement JobHandle::join.
        todo!("JobHandle::join")
    }

    /// Whether the result is there (`join` would not wait).
    pub fn is_finished(&self) -> bool {
        // TODO: implement JobHandle::is_finished.
        todo!("JobHandle::is_finished")
    }
}

/// A pool of worker threads.
pub struct ThreadPool {
    // TODO: choose the fields: the queue and the counts behind one `sync::Mutex`, a
    // `sync::Condvar` to wake idle workers, the workers' join handles.
    _todo: (),
}

impl fmt::Debug for ThreadPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadPool").finish_non_exhaustive()
    }
}

impl ThreadPool {
    /// Starts `threads` worker threads.
    ///
    /// # Errors
    ///
    /// [`ZeroThreads`] when `threads` is 0.
    pub fn new(threads: usize) -> Result<Self, ZeroThreads> {
        // TODO: implement ThreadPool::new.
        todo!("ThreadPool::new")
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
        // TODO: implement ThreadPool::execute. A panic must fail this job only
        // (`std::panic::catch_unwind`).
        todo!("ThreadPool::execute")
    }

    /// A consistent snapshot of the pool.
    pub fn stats(&self) -> Stats {
        // TODO: implement ThreadPool::stats.
        todo!("ThreadPool::stats")
    }

    /// Refuses new jobs, finishes every queued one, and joins the workers. Dropping the pool
    /// does the same. A second call after the first has returned is harmless.
    pub fn shutdown(&self) {
        // TODO: implement ThreadPool::shutdown.
        todo!("ThreadPool::shutdown")
    }

    /// Refuses new jobs, cancels the queued ones (their handles get
    /// [`JobError::Cancelled`]), lets running jobs finish, and joins the workers.
    pub fn shutdown_now(&self) {
        // TODO: implement ThreadPool::shutdown_now.
        todo!("ThreadPool::shutdown_now")
    }
}

impl Drop for ThreadPool {
    fn drop(&mut self) {
        // TODO: shut down and join every worker thread.
    }
}
