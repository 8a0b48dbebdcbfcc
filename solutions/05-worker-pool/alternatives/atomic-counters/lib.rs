//! Kata 05, a correct answer written differently from the reference: the counts live in
//! atomics outside the queue's lock, each job is a trait object that knows how to cancel
//! itself, and workers are told to stop with a sentinel count rather than a phase enum.
//! `cargo kata verify` requires it to score 100%.

use std::collections::VecDeque;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};

mod sync;

use sync::{Arc, AtomicUsize, Condvar, Mutex, Ordering, thread};

/// Zero threads requested.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ZeroThreads;

impl fmt::Display for ZeroThreads {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("zero threads")
    }
}

impl std::error::Error for ZeroThreads {}

/// The pool no longer takes jobs.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ShutDown;

impl fmt::Display for ShutDown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("shut down")
    }
}

impl std::error::Error for ShutDown {}

/// Why there is no result.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JobError {
    /// The job panicked.
    Panicked(String),
    /// The job was cancelled.
    Cancelled,
}

impl fmt::Display for JobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }
}

impl std::error::Error for JobError {}

/// Counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    /// Alive workers.
    pub total: usize,
    /// Busy workers.
    pub busy: usize,
    /// Idle workers.
    pub idle: usize,
    /// Waiting jobs.
    pub queued: usize,
}

type Cell<T> = Arc<(Mutex<Option<Result<T, JobError>>>, Condvar)>;

fn fill<T>(cell: &Cell<T>, value: Result<T, JobError>) {
    let mut slot = cell.0.lock().unwrap();
    if slot.is_none() {
        *slot = Some(value);
        cell.1.notify_all();
    }
}

/// A queued job: run it, or cancel it.
trait Task: Send {
    fn run(self: Box<Self>);
    fn cancel(self: Box<Self>);
}

struct Pending<F, T> {
    job: F,
    cell: Cell<T>,
}

impl<F: FnOnce() -> T + Send, T: Send> Task for Pending<F, T> {
    fn run(self: Box<Self>) {
        let Pending { job, cell } = *self;
        let outcome = catch_unwind(AssertUnwindSafe(job)).map_err(|e| {
            JobError::Panicked(
                e.downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| e.downcast_ref::<String>().cloned())
                    .unwrap_or_default(),
            )
        });
        fill(&cell, outcome);
    }

    fn cancel(self: Box<Self>) {
        fill(&self.cell, Err(JobError::Cancelled));
    }
}

/// A job's result.
pub struct JobHandle<T>(Cell<T>);

impl<T> fmt::Debug for JobHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JobHandle")
    }
}

impl<T> JobHandle<T> {
    /// Waits for the result.
    ///
    /// # Errors
    ///
    /// Panicked or cancelled.
    pub fn join(self) -> Result<T, JobError> {
        let mut slot = self.0.0.lock().unwrap();
        while slot.is_none() {
            slot = self.0.1.wait(slot).unwrap();
        }
        slot.take().unwrap()
    }

    /// Whether the result is there.
    pub fn is_finished(&self) -> bool {
        self.0.0.lock().unwrap().is_some()
    }
}

struct Line {
    tasks: VecDeque<Box<dyn Task>>,
    open: bool,
    /// When set, workers exit even with tasks left (they were cancelled).
    abandon: bool,
}

struct Inner {
    line: Mutex<Line>,
    bell: Condvar,
    alive: AtomicUsize,
    busy: AtomicUsize,
}

/// The pool.
pub struct ThreadPool {
    inner: Arc<Inner>,
    threads: Mutex<Vec<thread::JoinHandle<()>>>,
}

impl fmt::Debug for ThreadPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ThreadPool")
    }
}

impl ThreadPool {
    /// Starts the workers.
    ///
    /// # Errors
    ///
    /// Zero threads.
    pub fn new(threads: usize) -> Result<Self, ZeroThreads> {
        if threads == 0 {
            return Err(ZeroThreads);
        }
        let inner = Arc::new(Inner {
            line: Mutex::new(Line { tasks: VecDeque::new(), open: true, abandon: false }),
            bell: Condvar::new(),
            alive: AtomicUsize::new(threads),
            busy: AtomicUsize::new(0),
        });
        let handles = (0..threads)
            .map(|_| {
                let inner = Arc::clone(&inner);
                thread::spawn(move || worker(&inner))
            })
            .collect();
        Ok(ThreadPool { inner, threads: Mutex::new(handles) })
    }

    /// Queues a job.
    ///
    /// # Errors
    ///
    /// After shutdown.
    pub fn execute<F, T>(&self, job: F) -> Result<JobHandle<T>, ShutDown>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let cell: Cell<T> = Arc::new((Mutex::new(None), Condvar::new()));
        let mut line = self.inner.line.lock().unwrap();
        if !line.open {
            return Err(ShutDown);
        }
        line.tasks.push_back(Box::new(Pending { job, cell: Arc::clone(&cell) }));
        drop(line);
        self.inner.bell.notify_one();
        Ok(JobHandle(cell))
    }

    /// Counts. Busy is read before alive, so busy never exceeds the total reported.
    pub fn stats(&self) -> Stats {
        let line = self.inner.line.lock().unwrap();
        let busy = self.inner.busy.load(Ordering::SeqCst);
        let total = self.inner.alive.load(Ordering::SeqCst);
        Stats { total, busy, idle: total - busy, queued: line.tasks.len() }
    }

    fn close(&self, abandon: bool) {
        let cancelled: Vec<Box<dyn Task>> = {
            let mut line = self.inner.line.lock().unwrap();
            line.open = false;
            if abandon {
                line.abandon = true;
                line.tasks.drain(..).collect()
            } else {
                Vec::new()
            }
        };
        for task in cancelled {
            task.cancel();
        }
        self.inner.bell.notify_all();
        let handles: Vec<_> = self.threads.lock().unwrap().drain(..).collect();
        for handle in handles {
            let _ = handle.join();
        }
    }

    /// Finishes the queue and stops.
    pub fn shutdown(&self) {
        self.close(false);
    }

    /// Cancels the queue and stops.
    pub fn shutdown_now(&self) {
        self.close(true);
    }
}

impl Drop for ThreadPool {
    fn drop(&mut self) {
        self.close(false);
    }
}

fn worker(inner: &Inner) {
    loop {
        let task = {
            let mut line = inner.line.lock().unwrap();
            loop {
                if !line.abandon
                    && let Some(task) = line.tasks.pop_front()
                {
                    // Counted busy while the queue's lock is held, so stats never see a
                    // job that is neither queued nor busy.
                    inner.busy.fetch_add(1, Ordering::SeqCst);
                    break Some(task);
                }
                if !line.open {
                    inner.alive.fetch_sub(1, Ordering::SeqCst);
                    break None;
                }
                line = inner.bell.wait(line).unwrap();
            }
        };
        let Some(task) = task else { return };
        task.run();
        let _line = inner.line.lock().unwrap();
        inner.busy.fetch_sub(1, Ordering::SeqCst);
    }
}
