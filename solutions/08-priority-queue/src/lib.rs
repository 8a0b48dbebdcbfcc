// STUB: //! # Kata 08 — a priority request queue
// STUB: //!
// STUB: //! Build [`PriorityQueue`]: it runs requests (async closures) with at most `concurrency`
// STUB: //! at once, higher priority first and first-come-first-served within a priority. Each
// STUB: //! attempt may time out (drop it: that cancels it), and failed attempts are retried with
// STUB: //! exponential back-off, without holding a slot while they wait.
// STUB: //!
// STUB: //! ```no_run
// STUB: //! # #[tokio::main(flavor = "current_thread")]
// STUB: //! # async fn main() {
// STUB: //! use priority_queue::{Config, Priority, PriorityQueue};
// STUB: //!
// STUB: //! let queue = PriorityQueue::new(Config { concurrency: 2, ..Config::default() });
// STUB: //! let answer: Result<u32, _> = queue.add(Priority::High, || async { Ok::<_, String>(42) }).await;
// STUB: //! assert_eq!(answer, Ok(42));
// STUB: //! # }
// STUB: //! ```
// STUB: //!
// STUB: //! Every `// TODO:` marks a place to write code. Run the examples with
// STUB: //! `cargo test -p priority-queue`; `cargo kata grade priority-queue` grades the kata.
// STUB: //!
// STUB: //! # Stages
// BEGIN SOLUTION
//! # Kata 08 — a priority request queue, reference solution
//!
//! A [`PriorityQueue`] runs requests (async closures) with at most `concurrency` at once,
//! higher priority first and first-come-first-served within a priority. Each attempt may
//! time out (it is dropped, which cancels it) and failed attempts are retried with
//! exponential back-off, without holding a slot while they wait.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use priority_queue_solution::{Config, Priority, PriorityQueue};
//!
//! let queue = PriorityQueue::new(Config { concurrency: 2, ..Config::default() });
//! let answer: Result<u32, _> = queue.add(Priority::High, || async { Ok::<_, String>(42) }).await;
//! assert_eq!(answer, Ok(42));
//! # }
//! ```
//!
//! # Design
//!
//! Each call to [`PriorityQueue::add`] drives its own request; the queue only decides who
//! may start. Waiting requests sit in a binary heap ordered by (priority, aging, arrival
//! number); whenever a slot frees, the queue is resumed or a request arrives, the best
//! waiting request is handed a slot through a one-shot channel. A slot is given back by a
//! guard's `Drop`, so a request whose caller gives up cannot leak it — not even one handed
//! over while the caller was not looking: the place in line is a guard too. [`clear`] bumps an
//! epoch: requests still queued are told at once, requests waiting out a retry delay see
//! the new epoch when they wake and stop.
// END SOLUTION
//!
// STUB: //! 1. Priority order, FIFO within a priority, the concurrency limit, pause and resume,
// STUB: //!    checked priority names.
// STUB: //! 2. Timeouts that cancel, retries (not attempts) with capped back-off, no slot held
// STUB: //!    during a retry delay, `clear` that also stops retrying requests, zero meaning zero.
// STUB: //! 3. Aging, so that low priority is not starved; a model check of the order.
// STUB:
// STUB: // TODO: delete this line once everything is written: it silences the warnings about the
// STUB: // unfinished code (unused arguments and fields).
// STUB: #![allow(unused)]
// BEGIN SOLUTION
//! [`clear`]: PriorityQueue::clear
// END SOLUTION

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
        // STUB: // TODO: implement parsing (`low`, `medium`, `high`, any case); anything else is an
        // STUB: // error, never a panic.
        // STUB: todo!("Priority::from_str")
        // BEGIN SOLUTION
        match name.to_ascii_lowercase().as_str() {
            "low" => Ok(Priority::Low),
            "medium" => Ok(Priority::Medium),
            "high" => Ok(Priority::High),
            _ => Err(UnknownPriority(name.to_owned())),
        }
        // END SOLUTION
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
    // STUB: // TODO: implement backoff (doubling step by step until the cap, or `u128` nanoseconds).
    // STUB: todo!("backoff")
    // BEGIN SOLUTION
    // Exact in u128 nanoseconds; whatever does not fit is past any `max`.
    let doublings = retry.saturating_sub(1);
    let exact = (doublings < u128::BITS)
        .then(|| base.as_nanos().checked_mul(1 << doublings))
        .flatten();
    match exact {
        Some(nanos) if nanos < max.as_nanos() => {
            // Below `max`, so the seconds fit a u64.
            Duration::new(
                (nanos / 1_000_000_000) as u64,
                (nanos % 1_000_000_000) as u32,
            )
        }
        _ => max,
    }
    // END SOLUTION
}

// BEGIN SOLUTION
/// One request waiting for a slot.
struct Waiting {
    priority: Priority,
    /// When it started waiting; read only with aging (so only then is the clock read).
    since: Option<Instant>,
    seq: u64,
    grant: oneshot::Sender<()>,
}

/// The heap orders by priority, then by arrival; aging is applied when choosing.
impl PartialEq for Waiting {
    fn eq(&self, other: &Self) -> bool {
        self.seq == other.seq
    }
}
impl Eq for Waiting {}
impl PartialOrd for Waiting {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Waiting {
    fn cmp(&self, other: &Self) -> Ordering {
        self.priority
            .cmp(&other.priority)
            .then_with(|| other.seq.cmp(&self.seq)) // earlier first
    }
}

struct State {
    waiting: BinaryHeap<Waiting>,
    running: usize,
    retrying: usize,
    paused: bool,
    next_seq: u64,
    /// Bumped by `clear`, per priority.
    epochs: [u64; 3],
    succeeded: u64,
    failed: u64,
}

struct Shared {
    config: Config,
    state: Mutex<State>,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The effective rank of a waiting request: its priority, raised by aging.
    fn rank(&self, waiting: &Waiting, now: Instant) -> (usize, std::cmp::Reverse<u64>) {
        let base = waiting.priority as usize;
        let boost = match self.config.aging {
            Some(step) if !step.is_zero() => {
                let since = waiting.since.unwrap_or(now);
                let waited = now.saturating_duration_since(since).as_nanos();
                usize::try_from(waited / step.as_nanos()).unwrap_or(usize::MAX)
            }
            _ => 0,
        };
        (
            base.saturating_add(boost).min(Priority::High as usize),
            std::cmp::Reverse(waiting.seq),
        )
    }

    /// Hands free slots to the best waiting requests.
    fn dispatch(&self, state: &mut State) {
        while !state.paused && state.running < self.config.concurrency {
            let chosen = if self.config.aging.is_some() {
                // With aging the order changes over time: pick the best by effective rank.
                let now = Instant::now();
                let mut all = std::mem::take(&mut state.waiting).into_vec();
                let best = (0..all.len()).max_by_key(|&i| self.rank(&all[i], now));
                let chosen = best.map(|i| all.swap_remove(i));
                state.waiting = all.into();
                chosen
            } else {
                state.waiting.pop()
            };
            let Some(next) = chosen else { break };
            // A caller that gave up has dropped its receiver; skip it.
            if next.grant.send(()).is_ok() {
                state.running += 1;
            }
        }
    }
}

/// A request's place in line while its `add` waits for a slot. Dropped before the slot is
/// taken up (the caller gave up), it leaves the line — and gives back a slot the queue
/// already handed it, which nobody else would ever free.
struct InLine<'a> {
    shared: &'a Shared,
    seq: u64,
    granted: oneshot::Receiver<()>,
    /// Set once the grant (or the news of `clear`) was received: nothing to undo.
    done: bool,
}

impl Drop for InLine<'_> {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        // Under the lock, as `dispatch` is: either we are still in the heap, or we were
        // sent a slot.
        let mut state = self.shared.lock();
        if self.granted.try_recv().is_ok() {
            state.running -= 1;
            self.shared.dispatch(&mut state);
        } else {
            let seq = self.seq;
            state.waiting.retain(|w| w.seq != seq);
        }
    }
}

/// Gives a slot back when the attempt ends, however it ends.
struct Slot<'a>(&'a Shared);

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        let mut state = self.0.lock();
        state.running -= 1;
        self.0.dispatch(&mut state);
    }
}

// END SOLUTION
/// A queue of prioritised requests. Clone it to share it; clones share one queue.
#[derive(Clone)]
pub struct PriorityQueue {
    // STUB: // TODO: choose the fields: shared state (waiting requests ordered by priority and
    // STUB: // arrival, the number running, paused or not) behind an `Arc<Mutex<…>>`.
    // STUB: _todo: (),
    // BEGIN SOLUTION
    shared: Arc<Shared>,
    // END SOLUTION
}

impl fmt::Debug for PriorityQueue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // STUB: f.debug_struct("PriorityQueue").finish_non_exhaustive()
        // BEGIN SOLUTION
        f.debug_struct("PriorityQueue")
            .field("stats", &self.stats())
            .finish()
        // END SOLUTION
    }
}

impl PriorityQueue {
    /// An empty, running queue.
    pub fn new(config: Config) -> Self {
        // STUB: // TODO: implement PriorityQueue::new.
        // STUB: todo!("PriorityQueue::new")
        // BEGIN SOLUTION
        Self {
            shared: Arc::new(Shared {
                config,
                state: Mutex::new(State {
                    waiting: BinaryHeap::new(),
                    running: 0,
                    retrying: 0,
                    paused: false,
                    next_seq: 0,
                    epochs: [0; 3],
                    succeeded: 0,
                    failed: 0,
                }),
            }),
        }
        // END SOLUTION
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
        // STUB: attempt: F,
        // BEGIN SOLUTION
        mut attempt: F,
        // END SOLUTION
    ) -> Result<T, QueueError<E>>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        // STUB: // TODO: implement PriorityQueue::add.
        // STUB: todo!("PriorityQueue::add")
        // BEGIN SOLUTION
        let shared = &*self.shared;
        let epoch = shared.lock().epochs[priority as usize];
        let mut retries = 0;
        let outcome = loop {
            // Wait for a slot — unless one is free and nobody is waiting, the common case.
            let granted = {
                let mut state = shared.lock();
                if !state.paused
                    && state.running < shared.config.concurrency
                    && state.waiting.is_empty()
                {
                    state.running += 1;
                    None
                } else {
                    let (grant, granted) = oneshot::channel();
                    let seq = state.next_seq;
                    state.next_seq += 1;
                    state.waiting.push(Waiting {
                        priority,
                        since: shared.config.aging.map(|_| Instant::now()),
                        seq,
                        grant,
                    });
                    shared.dispatch(&mut state);
                    Some(InLine {
                        shared,
                        seq,
                        granted,
                        done: false,
                    })
                }
            };
            if let Some(mut line) = granted {
                let outcome = (&mut line.granted).await;
                line.done = true;
                if outcome.is_err() {
                    break Err(QueueError::Cleared); // `clear` dropped our place in line.
                }
            }
            let slot = Slot(shared);
            let result = match shared.config.timeout {
                // On timeout the attempt's future is dropped: that cancels it.
                Some(limit) => tokio::time::timeout(limit, attempt())
                    .await
                    .map_err(|_elapsed| ()),
                None => Ok(attempt().await),
            };
            drop(slot); // The retry delay below holds no slot.
            let error = match result {
                Ok(Ok(value)) => break Ok(value),
                Ok(Err(error)) => QueueError::Failed(error),
                Err(()) => QueueError::TimedOut,
            };
            if retries >= shared.config.max_retries {
                break Err(error);
            }
            retries += 1;
            shared.lock().retrying += 1;
            let delay = backoff(shared.config.base_delay, shared.config.max_delay, retries);
            tokio::time::sleep(delay).await;
            let mut state = shared.lock();
            state.retrying -= 1;
            if state.epochs[priority as usize] != epoch {
                break Err(QueueError::Cleared); // Cleared while waiting to retry.
            }
        };
        let mut state = shared.lock();
        if outcome.is_ok() {
            state.succeeded += 1;
        } else {
            state.failed += 1;
        }
        outcome
        // END SOLUTION
    }

    /// Starts nothing new until [`resume`](Self::resume); running requests go on.
    pub fn pause(&self) {
        // STUB: // TODO: implement PriorityQueue::pause.
        // STUB: todo!("PriorityQueue::pause")
        // BEGIN SOLUTION
        self.shared.lock().paused = true;
        // END SOLUTION
    }

    /// Starts requests again.
    pub fn resume(&self) {
        // STUB: // TODO: implement PriorityQueue::resume.
        // STUB: todo!("PriorityQueue::resume")
        // BEGIN SOLUTION
        let mut state = self.shared.lock();
        state.paused = false;
        self.shared.dispatch(&mut state);
        // END SOLUTION
    }

    /// Removes the waiting requests of `priority` (or of every priority) — those queued
    /// and those waiting out a retry delay; their `add` returns [`QueueError::Cleared`]
    /// (a retrying one's at the latest when its delay ends). Running attempts finish;
    /// whether a request whose attempt was running and then fails is retried or cleared is
    /// not specified.
    pub fn clear(&self, priority: Option<Priority>) {
        // STUB: // TODO: implement PriorityQueue::clear.
        // STUB: todo!("PriorityQueue::clear")
        // BEGIN SOLUTION
        let removed = {
            let mut state = self.shared.lock();
            let hit = |p: Priority| priority.is_none_or(|only| only == p);
            for p in [Priority::Low, Priority::Medium, Priority::High] {
                if hit(p) {
                    state.epochs[p as usize] += 1;
                }
            }
            let (removed, kept): (Vec<Waiting>, Vec<Waiting>) = std::mem::take(&mut state.waiting)
                .into_iter()
                .partition(|w| hit(w.priority));
            state.waiting = kept.into();
            removed
        };
        drop(removed); // Dropping the grants tells each waiting `add`.
        // END SOLUTION
    }

    /// A snapshot of the queue. After a slot frees or `clear` removes requests, the counts
    /// may lag until the tasks concerned have run.
    pub fn stats(&self) -> Stats {
        // STUB: // TODO: implement PriorityQueue::stats.
        // STUB: todo!("PriorityQueue::stats")
        // BEGIN SOLUTION
        let state = self.shared.lock();
        Stats {
            queued: state.waiting.len(),
            running: state.running,
            retrying: state.retrying,
            succeeded: state.succeeded,
            failed: state.failed,
        }
        // END SOLUTION
    }
}
