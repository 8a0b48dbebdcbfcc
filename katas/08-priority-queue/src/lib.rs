//! # Kata 08 — a priority request queue
//!
//! Build [`PriorityQueue`]: it runs requests (async closures) with at most `concurrency`
//! at once, higher priority first and first-come-first-served within a priority. Each
//! attempt may time out (drop it: that cancels it), and failed attempts are retried with
//! exponential back-off, without holding a slot while they wait.
//!
//! ```no_run
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use priority_queue::{Config, Priority, PriorityQueue};
//!
//! let queue = PriorityQueue::new(Config { concurrency: 2, ..Config::default() });
//! let answer: Result<u32, _> = queue.add(Priority::High, || async { Ok::<_, String>(42) }).await;
//! assert_eq!(answer, Ok(42));
//! # }
//! ```
//!
//! Every `// TODO:` marks a place to write code. Run the examples with
//! `cargo test -p priority-queue`; `cargo kata grade priority-queue` grades the kata.
//!
//! # Stages
//!
//! 1. Priority order, FIFO within a priority, the concurrency limit, pause and resume,
//!    checked priority names.
//! 2. Timeouts that cancel, retries (not attempts) with capped back-off, no slot held
//!    during a retry delay, `clear` that also stops retrying requests, zero meaning zero.
//! 3. Aging, so that low priority is not starved; a model check of the order.

// TODO: delete this line once everything is written: it silences the warnings about the
// unfinished code (unused arguments and fields).
#![allow(unused)]

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::fmt;
use std::future::Future;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::time::Instant;

/// How urgent a request is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Priority {
    /// Runs last.
    Low,
    /// The default.
    Medium,
    /// Runs first.
    High,
}

/// A priority name that is not `low`, `medium` or `high`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownPriority(pub String);

impl fmt::Display for UnknownPriority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown priority `{}` (expected low, medium or high)",
            self.0
        )
    }
}

impl std::error::Error for UnknownPriority {}

impl FromStr for Priority {
    type Err = UnknownPriority;

    fn from_str(name: &str) -> Result<Self, UnknownPriority> {
        // TODO: implement parsing (`low`, `medium`, `high`, any case); anything else is an
        // error, never a panic.
        todo!("Priority::from_str")
    }
}

/// How the queue behaves. Zero means zero: a concurrency of 0 starts nothing, 0 retries
/// means one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// Requests running at once. Default 5.
    pub concurrency: usize,
    /// Longest an attempt may run before it is cancelled. Zero times out an attempt that
    /// is not ready at once (whether one that is ready at once succeeds is not specified).
    /// Default none.
    pub timeout: Option<Duration>,
    /// Attempts after the first one. Default 3.
    pub max_retries: u32,
    /// Delay before the first retry; each later retry waits twice as long. Default 100 ms.
    pub base_delay: Duration,
    /// The longest delay between attempts. Default 10 s.
    pub max_delay: Duration,
    /// A request that has waited this long counts as one priority higher, twice as long
    /// as two higher (never above `High`; equal ranks go by arrival), so low priority is
    /// never starved. `Some(Duration::ZERO)` is the same as `None`. Default none.
    pub aging: Option<Duration>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            concurrency: 5,
            timeout: None,
            max_retries: 3,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(10),
            aging: None,
        }
    }
}

/// Why a request produced no value.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum QueueError<E> {
    /// Every attempt failed; this is the last attempt's error.
    Failed(E),
    /// The last attempt timed out.
    TimedOut,
    /// The request was removed by [`PriorityQueue::clear`].
    Cleared,
}

impl<E: fmt::Display> fmt::Display for QueueError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QueueError::Failed(e) => write!(f, "the request failed: {e}"),
            QueueError::TimedOut => f.write_str("the request timed out"),
            QueueError::Cleared => f.write_str("the request was cleared from the queue"),
        }
    }
}

impl<E: fmt::Debug + fmt::Display> std::error::Error for QueueError<E> {}

/// A snapshot of the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stats {
    /// Requests waiting for a slot.
    pub queued: usize,
    /// Requests running an attempt.
    pub running: usize,
    /// Requests waiting out a retry delay.
    pub retrying: usize,
    /// Requests that finished with a value.
    pub succeeded: u64,
    /// Requests that finished with an error (cleared ones included). A request whose
    /// `add` future was dropped counts in neither this nor `succeeded`.
    pub failed: u64,
}

/// The delay before retry number `retry` (1 for the first retry): exactly
/// `base × 2^(retry−1)` until that passes `max`, then `max` — with no overflow however
/// large `retry` or `max` is. Retry 0 counts as retry 1.
pub fn backoff(base: Duration, max: Duration, retry: u32) -> Duration {
    // TODO: implement backoff (doubling step by step until the cap, or `u128` nanoseconds).
    todo!("backoff")
}

/// A queue of prioritised requests. Clone it to share it; clones share one queue.
#[derive(Clone)]
pub struct PriorityQueue {
    // TODO: choose the fields: shared state (waiting requests ordered by priority and
    // arrival, the number running, paused or not) behind an `Arc<Mutex<…>>`.
    _todo: (),
}

impl fmt::Debug for PriorityQueue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PriorityQueue").finish_non_exhaustive()
    }
}

impl PriorityQueue {
    /// An empty, running queue.
    pub fn new(config: Config) -> Self {
        // TODO: implement PriorityQueue::new.
        todo!("PriorityQueue::new")
    }

    /// Runs a request: waits for a slot (by priority, then arrival), calls `attempt` and
    /// awaits it, and retries failures and timeouts with back-off. `attempt` is called
    /// once per attempt. A retry joins the queue as a new arrival, behind the requests of
    /// its priority already waiting, and its waiting time for aging starts again.
    ///
    /// The future it returns is `Send` when `attempt`, the futures it makes, `T` and `E`
    /// are, so it can be handed to `tokio::spawn` (do not hold a `std::sync::MutexGuard`
    /// across an `.await`). Dropping that future, at any point, takes the request out of
    /// the queue and gives back any slot it holds or was handed, so later requests still
    /// run.
    ///
    /// # Errors
    ///
    /// [`QueueError::Failed`] with the last error, or [`QueueError::TimedOut`], when every
    /// attempt failed; [`QueueError::Cleared`] when [`clear`](Self::clear) removed it.
    pub async fn add<T, E, F, Fut>(
        &self,
        priority: Priority,
        attempt: F,
    ) -> Result<T, QueueError<E>>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        // TODO: implement PriorityQueue::add.
        todo!("PriorityQueue::add")
    }

    /// Starts nothing new until [`resume`](Self::resume); running requests go on.
    pub fn pause(&self) {
        // TODO: implement PriorityQueue::pause.
        todo!("PriorityQueue::pause")
    }

    /// Starts requests again.
    pub fn resume(&self) {
        // TODO: implement PriorityQueue::resume.
        todo!("PriorityQueue::resume")
    }

    /// Removes the waiting requests of `priority` (or of every priority) — those queued
    /// and those waiting out a retry delay; their `add` returns [`QueueError::Cleared`]
    /// (a retrying one's at the latest when its delay ends). Running attempts finish;
    /// whether a request whose attempt was running and then fails is retried or cleared is
    /// not specified.
    pub fn clear(&self, priority: Option<Priority>) {
        // TODO: implement PriorityQueue::clear.
        todo!("PriorityQueue::clear")
    }

    /// A snapshot of the queue. After a slot frees or `clear` removes requests, the counts
    /// may lag until the tasks concerned have run.
    pub fn stats(&self) -> Stats {
        // TODO: implement PriorityQueue::stats.
        todo!("PriorityQueue::stats")
    }
}
