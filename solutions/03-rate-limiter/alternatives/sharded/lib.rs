//! Kata 03, a correct answer written differently from the reference: keys spread over 16
//! locked shards, buckets and GCRA kept as a credit in nanoseconds (one formula for both),
//! windows as a `Vec` of times, and a layer whose future is a hand-written enum instead of a
//! box. The shards' locks come from the `sync` module, like the reference's (its
//! `sync.rs` is the reference's file). `cargo kata verify` requires it to score 100%.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::sync::Mutex;

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
    fn limit(&self) -> u32 {
        match *self {
            Algorithm::FixedWindow { limit, .. }
            | Algorithm::SlidingWindow { limit, .. }
            | Algorithm::Gcra { limit, .. } => limit,
            Algorithm::TokenBucket { capacity, .. } => capacity,
        }
    }
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


/// Per-key state. Buckets and GCRA keep a "credit" in nanoseconds: it grows with time up to
/// `limit × interval`, and a request spends one `interval`. Windows keep their times.
#[derive(Debug)]
enum Slot {
    Window { times: Vec<Instant>, start: Instant },
    Credit { credit: u128, at: Instant },
}

const SHARDS: usize = 16;

struct Shard<K> {
    keys: HashMap<K, Slot>,
    swept: Instant,
}

struct Inner<K> {
    algorithm: Algorithm,
    clock: Arc<dyn Clock>,
    hasher: std::collections::hash_map::RandomState,
    shards: Vec<Mutex<Shard<K>>>,
}

/// A keyed rate limiter, its keys spread over 16 locked shards. Clones share their state.
pub struct RateLimiter<K> {
    inner: Arc<Inner<K>>,
}

impl<K> Clone for RateLimiter<K> {
    fn clone(&self) -> Self {
        RateLimiter {
            inner: self.inner.clone(),
        }
    }
}

impl<K> std::fmt::Debug for RateLimiter<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RateLimiter({:?})", self.inner.algorithm)
    }
}

fn interval(algorithm: Algorithm) -> Duration {
    match algorithm {
        Algorithm::FixedWindow { window, .. } | Algorithm::SlidingWindow { window, .. } => window,
        Algorithm::TokenBucket { refill_every, .. } => refill_every,
        Algorithm::Gcra { limit, period } => {
            if limit == 0 {
                Duration::ZERO
            } else {
                period / limit
            }
        }
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
        if algorithm.limit() == 0 {
            return Err(ConfigError::ZeroLimit);
        }
        if interval(algorithm).is_zero() {
            return Err(ConfigError::ZeroDuration);
        }
        let now = clock.now();
        let shards = (0..SHARDS)
            .map(|_| {
                Mutex::new(Shard {
                    keys: HashMap::new(),
                    swept: now,
                })
            })
            .collect();
        Ok(RateLimiter {
            inner: Arc::new(Inner {
                algorithm,
                clock,
                hasher: Default::default(),
                shards,
            }),
        })
    }

    /// The configured algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.inner.algorithm
    }

    /// Counts a request for `key` if it is allowed, and says what was decided.
    pub fn check(&self, key: &K) -> Decision {
        let index = (self.inner.hasher.hash_one(key) as usize) % SHARDS;
        let mut shard = self.inner.shards[index]
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let now = self.inner.clock.now();
        let algorithm = self.inner.algorithm;
        let full = full_credit(algorithm);
        let idle = match algorithm {
            Algorithm::FixedWindow { window, .. } | Algorithm::SlidingWindow { window, .. } => {
                window
            }
            _ => Duration::from_nanos(full as u64),
        };
        if now.duration_since(shard.swept) >= idle {
            shard.keys.retain(|_, slot| match slot {
                Slot::Window { times, start } => match algorithm {
                    Algorithm::FixedWindow { window, .. } => now.duration_since(*start) < window,
                    _ => times.last().is_some_and(|t| now.duration_since(*t) < idle),
                },
                Slot::Credit { credit, at } => *credit + now.duration_since(*at).as_nanos() < full,
            });
            shard.swept = now;
        }
        let slot = shard.keys.entry(key.clone()).or_insert_with(|| match algorithm {
            Algorithm::FixedWindow { .. } | Algorithm::SlidingWindow { .. } => Slot::Window {
                times: Vec::new(),
                start: now,
            },
            _ => Slot::Credit {
                credit: full,
                at: now,
            },
        });
        let limit = algorithm.limit();
        match (slot, algorithm) {
            (Slot::Window { times, start }, Algorithm::FixedWindow { window, .. }) => {
                if now.duration_since(*start) >= window {
                    *start = now;
                    times.clear();
                }
                let ends = window - now.duration_since(*start);
                let allowed = times.len() < limit as usize;
                if allowed {
                    times.push(now);
                }
                Decision {
                    allowed,
                    limit,
                    remaining: limit - times.len() as u32,
                    reset_after: ends,
                    retry_after: if allowed { None } else { Some(ends) },
                }
            }
            (Slot::Window { times, .. }, Algorithm::SlidingWindow { window, .. }) => {
                let expired = times
                    .iter()
                    .take_while(|t| now.duration_since(**t) >= window)
                    .count();
                times.drain(..expired);
                let allowed = times.len() < limit as usize;
                if allowed {
                    times.push(now);
                }
                let leaves = |t: &Instant| window - now.duration_since(*t);
                Decision {
                    allowed,
                    limit,
                    remaining: limit - times.len() as u32,
                    reset_after: times.last().map(leaves).unwrap_or_default(),
                    retry_after: if allowed { None } else { times.first().map(leaves) },
                }
            }
            (Slot::Credit { credit, at }, _) => {
                let step = interval(algorithm).as_nanos();
                *credit = (*credit + now.duration_since(*at).as_nanos()).min(full);
                *at = now;
                let allowed = *credit >= step;
                if allowed {
                    *credit -= step;
                }
                let nanos = |n: u128| Duration::from_nanos(n as u64);
                Decision {
                    allowed,
                    limit,
                    remaining: (*credit / step) as u32,
                    reset_after: nanos(full - *credit),
                    retry_after: if allowed { None } else { Some(nanos(step - *credit)) },
                }
            }
            (slot, _) => unreachable!("a slot of the wrong kind: {slot:?}"),
        }
    }

    /// How many keys the limiter holds state for. Keys that are back to their full
    /// allowance are forgotten within about one period: the window, or the time to refill
    /// a whole bucket (`capacity × refill_every`; for GCRA, `period`).
    pub fn tracked_keys(&self) -> usize {
        self.inner
            .shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(|e| e.into_inner()).keys.len())
            .sum()
    }
}

fn full_credit(algorithm: Algorithm) -> u128 {
    u128::from(algorithm.limit()) * interval(algorithm).as_nanos()
}
