//! Kata 03: rate-limiter middleware.
//!
//! Build a keyed rate limiter that reads the time from an injected [`Clock`], with four
//! ways of counting ([`Algorithm`]), then put it in front of an axum service as a
//! `tower::Layer` ([`RateLimitLayer`], in `layer.rs`) that answers `429 Too Many Requests`.
//!
//! The rules every algorithm follows:
//!
//! - [`RateLimiter::check`] counts the request if it is allowed and returns a [`Decision`].
//! - Clones of a limiter share one state: a limit of 10 stays 10 however many clones (or
//!   services, or connections) there are.
//! - Nothing runs in the background: no timer, no thread, no task. Refills are computed
//!   from the clock when a key is checked, and keys that are back to their full allowance
//!   are forgotten during later checks, so memory stays bounded however many distinct keys
//!   are seen.
//! - Safe to call from many threads at once; the limit holds under any interleaving: two
//!   threads checking the same key at once never both spend its last request.
//!
//! Build the shared state's locks (and any atomics) from the `sync` module (`sync.rs`),
//! not from `std::sync`: it re-exports `std::sync`'s types, and the hidden stage-4 tests
//! build the crate with the feature `kata-loom`, which swaps in [loom](https://docs.rs/loom)'s
//! versions so that every interleaving of threads calling [`RateLimiter::check`] can be
//! explored. A lock loom cannot see is a race it cannot find.
//!
//! Every `// TODO:` marks a place to write code. Run the examples with
//! `cargo test -p rate-limiter`; `cargo kata grade rate-limiter` grades the kata.

use std::hash::Hash;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::{Duration, Instant};

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
    /// The limit (or the bucket's capacity).
    pub fn limit(&self) -> u32 {
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
///
/// For a refused request `remaining` is 0 and `retry_after` is the exact time until the
/// same request would be allowed (never zero). `reset_after` is the time until the key is
/// back to its full allowance: the end of the window (fixed), the moment the newest
/// counted request leaves the window (sliding), or the time to refill the bucket.
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

/// A keyed rate limiter. Clones share their state.
pub struct RateLimiter<K> {
    // TODO: the state every clone shares (the algorithm, the clock, and each key's state
    // behind a `sync::Mutex`). The marker only lets the skeleton compile; remove it.
    _keys: PhantomData<fn(K)>,
}

impl<K> Clone for RateLimiter<K> {
    fn clone(&self) -> Self {
        todo!("a clone shares the original's state")
    }
}

impl<K> std::fmt::Debug for RateLimiter<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter").finish_non_exhaustive()
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
        // TODO: validate, then build the shared state.
        let _ = (algorithm, clock);
        todo!()
    }

    /// The configured algorithm.
    pub fn algorithm(&self) -> Algorithm {
        todo!()
    }

    /// Counts a request for `key` if it is allowed, and says what was decided.
    pub fn check(&self, key: &K) -> Decision {
        // TODO: read the clock once, bring the key's state up to date, decide, and now
        // and then forget keys that are back to their full allowance.
        let _ = key;
        todo!()
    }

    /// How many keys the limiter holds state for. Keys that are back to their full
    /// allowance must be forgotten within about one period: the window, or the time to
    /// refill a whole bucket (`capacity × refill_every`; for GCRA, `period`). Sooner is fine.
    pub fn tracked_keys(&self) -> usize {
        todo!()
    }
}
