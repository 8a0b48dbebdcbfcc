//! Kata 08, a correct answer written differently from the reference: no channels and no
//! dispatcher — every waiting request holds a ticket, and whenever anything changes all of
//! them are woken with one `Notify` and check whether theirs is now the best ticket.
//! A cleared request notices at once, even in the middle of a retry delay.
//! `cargo kata verify` requires it to score 100%.

use std::fmt;
use std::future::Future;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

/// Urgency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Priority {
    /// Last.
    Low,
    /// Middle.
    Medium,
    /// First.
    High,
}

/// Not a priority name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownPriority(pub String);

impl fmt::Display for UnknownPriority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` is not a priority", self.0)
    }
}

impl std::error::Error for UnknownPriority {}

impl FromStr for Priority {
    type Err = UnknownPriority;

    fn from_str(s: &str) -> Result<Self, UnknownPriority> {
        [("low", Priority::Low), ("medium", Priority::Medium), ("high", Priority::High)]
            .into_iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(s))
            .map(|(_, p)| p)
            .ok_or_else(|| UnknownPriority(s.to_owned()))
    }
}

/// Settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// Slots.
    pub concurrency: usize,
    /// Per-attempt limit.
    pub timeout: Option<Duration>,
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// First retry delay.
    pub base_delay: Duration,
    /// Delay cap.
    pub max_delay: Duration,
    /// Aging step.
    pub aging: Option<Duration>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            concurrency: 5,
            timeout: None,
            max_retries: 3,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(10),
            aging: None,
        }
    }
}

/// Failure.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum QueueError<E> {
    /// Last error.
    Failed(E),
    /// Last attempt timed out.
    TimedOut,
    /// Cleared.
    Cleared,
}

impl<E: fmt::Display> fmt::Display for QueueError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QueueError::Failed(e) => e.fmt(f),
            QueueError::TimedOut => f.write_str("timed out"),
            QueueError::Cleared => f.write_str("cleared"),
        }
    }
}

impl<E: fmt::Debug + fmt::Display> std::error::Error for QueueError<E> {}

/// Counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stats {
    /// Waiting for a slot.
    pub queued: usize,
    /// Running.
    pub running: usize,
    /// In a retry delay.
    pub retrying: usize,
    /// Succeeded.
    pub succeeded: u64,
    /// Failed.
    pub failed: u64,
}

/// `base × 2^(retry−1)`, at most `max`.
pub fn backoff(base: Duration, max: Duration, retry: u32) -> Duration {
    let mut delay = base;
    for _ in 1..retry {
        if delay >= max || delay.is_zero() {
            break;
        }
        delay = delay.saturating_add(delay);
    }
    delay.min(max)
}

#[derive(Debug, Clone, Copy)]
struct Ticket {
    id: u64,
    priority: Priority,
    since: Instant,
}

#[derive(Default)]
struct Board {
    tickets: Vec<Ticket>,
    running: usize,
    retrying: usize,
    paused: bool,
    next: u64,
    cleared: [u64; 3],
    succeeded: u64,
    failed: u64,
}

struct Core {
    config: Config,
    board: Mutex<Board>,
    changed: Notify,
}

impl Core {
    fn board(&self) -> std::sync::MutexGuard<'_, Board> {
        self.board.lock().unwrap()
    }

    fn score(&self, t: &Ticket, now: Instant) -> (u128, std::cmp::Reverse<u64>) {
        let aged = self.config.aging.filter(|a| !a.is_zero()).map_or(0, |a| now.duration_since(t.since).as_nanos() / a.as_nanos());
        ((t.priority as u128 + aged).min(Priority::High as u128), std::cmp::Reverse(t.id))
    }

    /// Takes a slot for ticket `id` if it is the best and a slot is free.
    fn try_start(&self, board: &mut Board, id: u64) -> bool {
        if board.paused || board.running >= self.config.concurrency {
            return false;
        }
        let now = Instant::now();
        let best = board.tickets.iter().max_by_key(|t| self.score(t, now)).map(|t| t.id);
        if best != Some(id) {
            return false;
        }
        board.tickets.retain(|t| t.id != id);
        board.running += 1;
        true
    }
}

/// A ticket in line; a caller that gives up (drops `add`) takes its ticket away with it,
/// or the best ticket could belong to nobody and block the line for ever.
struct InLine<'a> {
    core: &'a Core,
    id: u64,
}

impl Drop for InLine<'_> {
    fn drop(&mut self) {
        let id = self.id;
        self.core.board().tickets.retain(|t| t.id != id);
        self.core.changed.notify_waiters();
    }
}

struct Running<'a>(&'a Core);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.board().running -= 1;
        self.0.changed.notify_waiters();
    }
}

/// The queue.
#[derive(Clone)]
pub struct PriorityQueue(Arc<Core>);

impl fmt::Debug for PriorityQueue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PriorityQueue")
    }
}

impl PriorityQueue {
    /// A new queue.
    pub fn new(config: Config) -> Self {
        PriorityQueue(Arc::new(Core { config, board: Mutex::new(Board::default()), changed: Notify::new() }))
    }

    /// Waits for a slot; `false` when cleared first.
    async fn wait_turn(&self, priority: Priority, epoch: u64) -> bool {
        let core = &*self.0;
        let id = {
            let mut board = core.board();
            let id = board.next;
            board.next += 1;
            board.tickets.push(Ticket { id, priority, since: Instant::now() });
            id
        };
        let line = InLine { core, id };
        loop {
            let notified = core.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let mut board = core.board();
                if board.cleared[priority as usize] != epoch {
                    drop(board);
                    drop(line); // leaves the line
                    return false;
                }
                if core.try_start(&mut board, id) {
                    drop(board);
                    std::mem::forget(line); // `try_start` took the ticket
                    // The next best ticket may now be first in line for another free slot.
                    core.changed.notify_waiters();
                    return true;
                }
            }
            // With aging the best ticket changes with time alone: look again after a step.
            match core.config.aging {
                Some(step) if !step.is_zero() => {
                    tokio::select! {
                        () = notified => {}
                        () = tokio::time::sleep(step) => {}
                    }
                }
                _ => notified.await,
            }
        }
    }

    /// Runs a request with retries.
    ///
    /// # Errors
    ///
    /// Failed, timed out, or cleared.
    pub async fn add<T, E, F, Fut>(&self, priority: Priority, mut attempt: F) -> Result<T, QueueError<E>>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let core = &*self.0;
        let epoch = core.board().cleared[priority as usize];
        let mut retry = 0;
        let outcome = loop {
            if !self.wait_turn(priority, epoch).await {
                break Err(QueueError::Cleared);
            }
            let running = Running(core);
            let result = match core.config.timeout {
                Some(limit) => match tokio::time::timeout(limit, attempt()).await {
                    Ok(r) => r.map_err(QueueError::Failed),
                    Err(_) => Err(QueueError::TimedOut),
                },
                None => attempt().await.map_err(QueueError::Failed),
            };
            drop(running);
            let error = match result {
                Ok(value) => break Ok(value),
                Err(e) => e,
            };
            if retry == core.config.max_retries {
                break Err(error);
            }
            retry += 1;
            core.board().retrying += 1;
            let wake_at = Instant::now() + backoff(core.config.base_delay, core.config.max_delay, retry);
            let cleared = loop {
                let notified = core.changed.notified();
                tokio::pin!(notified);
                notified.as_mut().enable();
                if core.board().cleared[priority as usize] != epoch {
                    break true;
                }
                tokio::select! {
                    () = tokio::time::sleep_until(wake_at) => break false,
                    () = notified => {}
                }
            };
            core.board().retrying -= 1;
            if cleared {
                break Err(QueueError::Cleared);
            }
        };
        let mut board = core.board();
        if outcome.is_ok() {
            board.succeeded += 1;
        } else {
            board.failed += 1;
        }
        outcome
    }

    /// Pauses.
    pub fn pause(&self) {
        self.0.board().paused = true;
    }

    /// Resumes.
    pub fn resume(&self) {
        self.0.board().paused = false;
        self.0.changed.notify_waiters();
    }

    /// Clears.
    pub fn clear(&self, priority: Option<Priority>) {
        let mut board = self.0.board();
        for p in [Priority::Low, Priority::Medium, Priority::High] {
            if priority.is_none_or(|only| only == p) {
                board.cleared[p as usize] += 1;
            }
        }
        drop(board);
        self.0.changed.notify_waiters();
    }

    /// Counts.
    pub fn stats(&self) -> Stats {
        let board = self.0.board();
        Stats {
            queued: board.tickets.len(),
            running: board.running,
            retrying: board.retrying,
            succeeded: board.succeeded,
            failed: board.failed,
        }
    }
}
