// STUB: //! Kata 03: rate-limiter middleware.
// STUB: //!
// STUB: //! Build a keyed rate limiter that reads the time from an injected [`Clock`], with four
// STUB: //! ways of counting ([`Algorithm`]), then put it in front of an axum service as a
// STUB: //! `tower::Layer` ([`RateLimitLayer`], in `layer.rs`) that answers `429 Too Many Requests`.
// STUB: //!
// STUB: //! The rules every algorithm follows:
// STUB: //!
// STUB: //! - [`RateLimiter::check`] counts the request if it is allowed and returns a [`Decision`].
// STUB: //! - Clones of a limiter share one state: a limit of 10 stays 10 however many clones (or
// STUB: //!   services, or connections) there are.
// STUB: //! - Nothing runs in the background: no timer, no thread, no task. Refills are computed
// STUB: //!   from the clock when a key is checked, and keys that are back to their full allowance
// STUB: //!   are forgotten during later checks, so memory stays bounded however many distinct keys
// STUB: //!   are seen.
// STUB: //! - Safe to call from many threads at once; the limit holds under any interleaving: two
// STUB: //!   threads checking the same key at once never both spend its last request.
// STUB: //!
// STUB: //! Build the shared state's locks (and any atomics) from the `sync` module (`sync.rs`),
// STUB: //! not from `std::sync`: it re-exports `std::sync`'s types, and the hidden stage-4 tests
// STUB: //! build the crate with the feature `kata-loom`, which swaps in [loom](https://docs.rs/loom)'s
// STUB: //! versions so that every interleaving of threads calling [`RateLimiter::check`] can be
// STUB: //! explored. A lock loom cannot see is a race it cannot find.
// STUB: //!
// STUB: //! Every `// TODO:` marks a place to write code. Run the examples with
// STUB: //! `cargo test -p rate-limiter`; `cargo kata grade rate-limiter` grades the kata.
// BEGIN SOLUTION
//! Kata 03 reference solution: a keyed rate limiter with an injected clock (fixed window,
//! sliding window, token bucket, GCRA), and a `tower::Layer` that puts it in front of an
//! axum service.
//!
//! One `Mutex<HashMap<K, KeyState>>` behind an `Arc` holds every key: cloning the limiter,
//! the layer or the service shares it. The mutex comes from the `sync` module, so that the
//! hidden loom tests can interleave two threads' checks; each check reads, decides and
//! writes the key's state under one lock. Nothing runs in the background: refills are computed
//! lazily from the clock when a key is checked, and idle keys are swept during `check`, at
//! most once per period, so memory stays bounded without a timer.
// END SOLUTION

// BEGIN SOLUTION
use std::collections::HashMap;
// END SOLUTION
use std::hash::Hash;
// STUB: use std::marker::PhantomData;
use std::sync::Arc;
use std::time::{Duration, Instant};

// BEGIN SOLUTION
use crate::sync::{Mutex, MutexGuard};

// END SOLUTION
mod layer;
mod sync;

pub use layer::{HeaderFields, KeyBy, RateLimit, RateLimitLayer};

/// A source of the current time; tests pass a clock they move by hand.
pub trait Clock: Send + Sync + 'static {
    /// The current instant.
    fn now(&self) -> Instant;
}

/// The real clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// How a limiter counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// At most `limit` requests per window. A key's window starts at its first request and
    /// lasts `window`; the next request after it ends starts a new one. Allows a burst of
    /// up to `2 × limit` across a window boundary.
    FixedWindow {
        /// Requests allowed per window.
        limit: u32,
        /// The window's length.
        window: Duration,
    },
    /// At most `limit` requests in any interval `(t − window, t]`: a log of the times of
    /// the allowed requests.
    SlidingWindow {
        /// Requests allowed in any window.
        limit: u32,
        /// The window's length.
        window: Duration,
    },
    /// A bucket of `capacity` tokens, full at first; a request takes one; one token comes
    /// back every `refill_every`, computed lazily when the key is next checked.
    TokenBucket {
        /// The most tokens the bucket holds.
        capacity: u32,
        /// Time for one token to come back.
        refill_every: Duration,
    },
    /// The generic cell rate algorithm: the same decisions as a token bucket of `limit`
    /// tokens refilled one every `period / limit`, kept as one instant per key.
    Gcra {
        /// The burst allowed at once, and the requests allowed per `period`.
        limit: u32,
        /// The period over which `limit` requests are allowed.
        period: Duration,
    },
}

impl Algorithm {
    // STUB: /// The limit (or the bucket's capacity).
    // STUB: pub fn limit(&self) -> u32 {
    // BEGIN SOLUTION
    fn limit(&self) -> u32 {
        // END SOLUTION
        match *self {
            Algorithm::FixedWindow { limit, .. }
            | Algorithm::SlidingWindow { limit, .. }
            | Algorithm::Gcra { limit, .. } => limit,
            Algorithm::TokenBucket { capacity, .. } => capacity,
        }
    }
    // BEGIN SOLUTION

    /// The time after which an untouched key is as good as new.
    fn idle_period(&self) -> Duration {
        match *self {
            Algorithm::FixedWindow { window, .. } | Algorithm::SlidingWindow { window, .. } => {
                window
            }
            Algorithm::TokenBucket {
                capacity,
                refill_every,
            } => refill_every.saturating_mul(capacity),
            Algorithm::Gcra { period, .. } => period,
        }
    }
    // END SOLUTION
}

/// A configuration the limiter refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigError {
    /// A limit or capacity of 0 would refuse everything.
    ZeroLimit,
    /// A window, refill time or period of 0 would allow everything.
    ZeroDuration,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ConfigError::ZeroLimit => "the limit must be at least 1",
            ConfigError::ZeroDuration => "the window or refill time must be longer than 0",
        })
    }
}

impl std::error::Error for ConfigError {}

/// The answer to one request.
// STUB: ///
// STUB: /// For a refused request `remaining` is 0 and `retry_after` is the exact time until the
// STUB: /// same request would be allowed (never zero). `reset_after` is the time until the key is
// STUB: /// back to its full allowance: the end of the window (fixed), the moment the newest
// STUB: /// counted request leaves the window (sliding), or the time to refill the bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// Whether the request may go ahead (it has been counted if so).
    pub allowed: bool,
    /// The configured limit (or bucket capacity).
    pub limit: u32,
    /// How many more requests would be allowed right now, after this one.
    pub remaining: u32,
    /// Time until the key is back to its full allowance.
    pub reset_after: Duration,
    /// For a refused request, the time until a request would be allowed; never zero.
    /// `None` when allowed.
    pub retry_after: Option<Duration>,
}

// BEGIN SOLUTION
/// One key's state.
#[derive(Debug)]
enum KeyState {
    Fixed {
        start: Instant,
        count: u32,
    },
    Sliding {
        log: std::collections::VecDeque<Instant>,
    },
    Bucket {
        tokens: u32,
        last: Instant,
    },
    Gcra {
        tat: Instant,
    },
}

struct Table<K> {
    keys: HashMap<K, KeyState>,
    last_sweep: Instant,
}

struct Shared<K> {
    algorithm: Algorithm,
    clock: Arc<dyn Clock>,
    table: Mutex<Table<K>>,
}

// END SOLUTION
/// A keyed rate limiter. Clones share their state.
pub struct RateLimiter<K> {
    // STUB: // TODO: the state every clone shares (the algorithm, the clock, and each key's state
    // STUB: // behind a `sync::Mutex`). The marker only lets the skeleton compile; remove it.
    // STUB: _keys: PhantomData<fn(K)>,
    // BEGIN SOLUTION
    shared: Arc<Shared<K>>,
    // END SOLUTION
}

impl<K> Clone for RateLimiter<K> {
    fn clone(&self) -> Self {
        // STUB: todo!("a clone shares the original's state")
        // BEGIN SOLUTION
        Self {
            shared: Arc::clone(&self.shared),
        }
        // END SOLUTION
    }
}

impl<K> std::fmt::Debug for RateLimiter<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // STUB: f.debug_struct("RateLimiter").finish_non_exhaustive()
        // BEGIN SOLUTION
        f.debug_struct("RateLimiter")
            .field("algorithm", &self.shared.algorithm)
            .finish_non_exhaustive()
        // END SOLUTION
    }
}

impl<K: Hash + Eq + Clone> RateLimiter<K> {
    /// A limiter on the system clock.
    pub fn new(algorithm: Algorithm) -> Result<Self, ConfigError> {
        Self::with_clock(algorithm, Arc::new(SystemClock))
    }

    /// A limiter that reads the time from `clock`. A limit or capacity of 0 is
    /// [`ConfigError::ZeroLimit`]; a window or refill time of 0 (for GCRA, a
    /// `period / limit` of 0) is [`ConfigError::ZeroDuration`]; when both are 0, either
    /// error is right.
    pub fn with_clock(algorithm: Algorithm, clock: Arc<dyn Clock>) -> Result<Self, ConfigError> {
        // STUB: // TODO: validate, then build the shared state.
        // STUB: let _ = (algorithm, clock);
        // STUB: todo!()
        // BEGIN SOLUTION
        if algorithm.limit() == 0 {
            return Err(ConfigError::ZeroLimit);
        }
        let duration = match algorithm {
            Algorithm::FixedWindow { window, .. } | Algorithm::SlidingWindow { window, .. } => {
                window
            }
            Algorithm::TokenBucket { refill_every, .. } => refill_every,
            Algorithm::Gcra { limit, period } => period / limit,
        };
        if duration.is_zero() {
            return Err(ConfigError::ZeroDuration);
        }
        let now = clock.now();
        Ok(Self {
            shared: Arc::new(Shared {
                algorithm,
                clock,
                table: Mutex::new(Table {
                    keys: HashMap::new(),
                    last_sweep: now,
                }),
            }),
        })
        // END SOLUTION
    }

    /// The configured algorithm.
    pub fn algorithm(&self) -> Algorithm {
        // STUB: todo!()
        // BEGIN SOLUTION
        self.shared.algorithm
        // END SOLUTION
    }

    /// Counts a request for `key` if it is allowed, and says what was decided.
    pub fn check(&self, key: &K) -> Decision {
        // STUB: // TODO: read the clock once, bring the key's state up to date, decide, and now
        // STUB: // and then forget keys that are back to their full allowance.
        // STUB: let _ = key;
        // STUB: todo!()
        // BEGIN SOLUTION
        let algorithm = self.shared.algorithm;
        let mut table = self.lock();
        let now = self.shared.clock.now();
        let period = algorithm.idle_period();
        if now.saturating_duration_since(table.last_sweep) >= period {
            table
                .keys
                .retain(|_, state| !is_idle(algorithm, state, now));
            table.last_sweep = now;
        }
        let state = match table.keys.get_mut(key) {
            Some(state) => state,
            None => table
                .keys
                .entry(key.clone())
                .or_insert_with(|| fresh(algorithm, now)),
        };
        decide(algorithm, state, now)
        // END SOLUTION
    }

    /// How many keys the limiter holds state for. Keys that are back to their full
    /// allowance must be forgotten within about one period: the window, or the time to
    /// refill a whole bucket (`capacity × refill_every`; for GCRA, `period`). Sooner is fine.
    pub fn tracked_keys(&self) -> usize {
        // STUB: todo!()
        // BEGIN SOLUTION
        self.lock().keys.len()
        // END SOLUTION
    }
    // BEGIN SOLUTION

    fn lock(&self) -> MutexGuard<'_, Table<K>> {
        // A panic while holding the lock cannot leave a key half-updated in a way that
        // matters more than refusing every later request would.
        self.shared
            .table
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
    // END SOLUTION
}
// BEGIN SOLUTION

fn fresh(algorithm: Algorithm, now: Instant) -> KeyState {
    match algorithm {
        Algorithm::FixedWindow { .. } => KeyState::Fixed {
            start: now,
            count: 0,
        },
        Algorithm::SlidingWindow { limit, .. } => KeyState::Sliding {
            log: std::collections::VecDeque::with_capacity(limit.min(64) as usize),
        },
        Algorithm::TokenBucket { capacity, .. } => KeyState::Bucket {
            tokens: capacity,
            last: now,
        },
        Algorithm::Gcra { .. } => KeyState::Gcra { tat: now },
    }
}

/// Whether a key's state is as good as a fresh one at `now`.
fn is_idle(algorithm: Algorithm, state: &KeyState, now: Instant) -> bool {
    match (algorithm, state) {
        (Algorithm::FixedWindow { window, .. }, KeyState::Fixed { start, .. }) => {
            now.saturating_duration_since(*start) >= window
        }
        (Algorithm::SlidingWindow { window, .. }, KeyState::Sliding { log }) => log
            .back()
            .is_none_or(|last| now.saturating_duration_since(*last) >= window),
        (
            Algorithm::TokenBucket {
                capacity,
                refill_every,
            },
            KeyState::Bucket { tokens, last },
        ) => {
            let missing = capacity - tokens;
            now.saturating_duration_since(*last) >= refill_every.saturating_mul(missing)
        }
        (Algorithm::Gcra { .. }, KeyState::Gcra { tat }) => *tat <= now,
        _ => true,
    }
}

/// Ceil of `a / b` for durations, as a count.
fn div_ceil(a: Duration, b: Duration) -> u128 {
    a.as_nanos().div_ceil(b.as_nanos())
}

fn decide(algorithm: Algorithm, state: &mut KeyState, now: Instant) -> Decision {
    let limit = algorithm.limit();
    match (algorithm, state) {
        (Algorithm::FixedWindow { window, .. }, KeyState::Fixed { start, count }) => {
            if now.saturating_duration_since(*start) >= window {
                *start = now;
                *count = 0;
            }
            let reset_after = (*start + window).saturating_duration_since(now);
            if *count < limit {
                *count += 1;
                Decision {
                    allowed: true,
                    limit,
                    remaining: limit - *count,
                    reset_after,
                    retry_after: None,
                }
            } else {
                Decision {
                    allowed: false,
                    limit,
                    remaining: 0,
                    reset_after,
                    retry_after: Some(reset_after),
                }
            }
        }
        (Algorithm::SlidingWindow { window, .. }, KeyState::Sliding { log }) => {
            // Keep only the requests inside (now − window, now].
            while log
                .front()
                .is_some_and(|t| now.saturating_duration_since(*t) >= window)
            {
                log.pop_front();
            }
            let allowed = (log.len() as u32) < limit;
            if allowed {
                log.push_back(now);
            }
            let used = log.len() as u32;
            let reset_after = log.back().map_or(Duration::ZERO, |t| {
                (*t + window).saturating_duration_since(now)
            });
            let retry_after = (!allowed).then(|| {
                let oldest = *log.front().expect("a full log is not empty");
                (oldest + window).saturating_duration_since(now)
            });
            Decision {
                allowed,
                limit,
                remaining: limit - used,
                reset_after,
                retry_after,
            }
        }
        (
            Algorithm::TokenBucket {
                capacity,
                refill_every,
            },
            KeyState::Bucket { tokens, last },
        ) => {
            // Lazy refill: whole tokens earned since `last`, keeping the fraction.
            let earned = now.saturating_duration_since(*last).as_nanos() / refill_every.as_nanos();
            let missing = capacity - *tokens;
            if earned >= u128::from(missing) {
                *tokens = capacity;
                *last = now;
            } else {
                *tokens += earned as u32;
                *last += refill_every * earned as u32;
            }
            let allowed = *tokens > 0;
            if allowed {
                *tokens -= 1;
            }
            let since = now.saturating_duration_since(*last);
            let next_token = refill_every.saturating_sub(since);
            let reset_after = refill_every
                .saturating_mul(capacity - *tokens)
                .saturating_sub(since);
            Decision {
                allowed,
                limit,
                remaining: *tokens,
                reset_after,
                retry_after: (!allowed).then_some(next_token),
            }
        }
        (Algorithm::Gcra { period, .. }, KeyState::Gcra { tat }) => {
            let interval = period / limit;
            let tolerance = interval * (limit - 1);
            let start = (*tat).max(now);
            let ahead = start - now;
            if ahead <= tolerance {
                *tat = start + interval;
                let ahead = *tat - now;
                let used = div_ceil(ahead, interval) as u32;
                Decision {
                    allowed: true,
                    limit,
                    remaining: limit - used.min(limit),
                    reset_after: ahead,
                    retry_after: None,
                }
            } else {
                Decision {
                    allowed: false,
                    limit,
                    remaining: 0,
                    reset_after: ahead,
                    retry_after: Some(ahead - tolerance),
                }
            }
        }
        (algorithm, state) => {
            // A key's state always matches the limiter's algorithm, which never changes.
            *state = fresh(algorithm, now);
            decide(algorithm, state, now)
        }
    }
}
// END SOLUTION
