//! # Kata 10 — a circuit breaker
//!
//! Build [`CircuitBreaker`]: it stands between a caller and a service that may be failing.
//! While **closed** it lets calls through and counts consecutive failures; at
//! [`Config::failure_threshold`] it **opens** and fails fast, without calling the service,
//! for [`Config::reset_timeout`]. Then it is **half-open**: at most
//! [`Config::half_open_max_calls`] trial calls at a time go through; after
//! [`Config::success_threshold`] successes it closes again, and one failure reopens it.
//! With a [`Config::failure_rate`] it also opens when the failure rate over the last calls
//! reaches a threshold, once enough calls were made.
//!
//! ```no_run
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use circuit_breaker::{BreakerError, CircuitBreaker, Config, State};
//!
//! let breaker = CircuitBreaker::new(Config { failure_threshold: 2, ..Config::default() }).unwrap();
//! for _ in 0..2 {
//!     let _: Result<(), _> = breaker.call(|| async { Err("service down") }).await;
//! }
//! assert_eq!(breaker.state(), State::Open);
//! let rejected: Result<(), BreakerError<&str>> = breaker.call(|| async { Ok(()) }).await;
//! assert!(matches!(rejected, Err(BreakerError::Open)));
//! # }
//! ```
//!
//! Every `// TODO:` marks a place to write code. Run the examples with
//! `cargo test -p circuit-breaker`; `cargo kata grade circuit-breaker` grades the kata.
//!
//! # Stages
//!
//! 1. Closed → open after consecutive failures, fail fast, half-open after the reset
//!    timeout, closed after enough successes, reopened by a failed trial; transitions
//!    reported with the right `from` and `to`; counts of 0 refused.
//! 2. Call timeout (cancels, counts as a failure), an error predicate, the half-open trial
//!    limit, one open → half-open event, a registry by name; checked against a model.
//! 3. A manual override held until released (`force_open`, `force_close`, `release`), the
//!    state and counts of one breaker (`status`) and of every breaker of a registry
//!    (`list`), and `call_or`, which runs a fallback when the breaker refuses a call.
//! 4. A failure-rate window ([`FailureRate`]) beside the consecutive-failure rule.
//! 5. Thread safety, checked with loom: build the state from the `sync` module's types.

// TODO: delete this line once everything is written: it silences the warnings about
// the unfinished code (unused arguments and fields).
#![allow(unused)]

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::{Duration, Instant};

mod sync;

/// A source of the current time.
pub trait Clock: Send + Sync + 'static {
    /// The current instant.
    fn now(&self) -> Instant;
}

/// tokio's clock: real time, or the paused, hand-advanced time of tokio's test utilities.
#[derive(Debug, Default, Clone, Copy)]
pub struct TokioClock;

impl Clock for TokioClock {
    fn now(&self) -> Instant {
        // TODO: implement TokioClock::now.
        todo!("TokioClock::now")
    }
}

/// How a breaker behaves. Every count must be at least 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// Consecutive failures that open a closed breaker. Default 5.
    pub failure_threshold: u32,
    /// Successful trial calls that close a half-open breaker. Default 2.
    pub success_threshold: u32,
    /// How long an open breaker fails fast before it allows trial calls, counted from the
    /// report of the failure that opened it: exactly this long after, it is half-open. 0 is
    /// allowed. Default 30 s.
    pub reset_timeout: Duration,
    /// Trial permits of the current half-open period that may be out (taken, not yet
    /// reported or dropped) at the same time. Stale permits of earlier periods do not count.
    /// Default 1.
    pub half_open_max_calls: u32,
    /// A call running longer than this is cancelled and counts as a failure. Measured on
    /// tokio's timer, whatever the breaker's clock. Default none.
    pub call_timeout: Option<Duration>,
    /// A second rule that opens a closed breaker: the failure rate over the last calls.
    /// Both rules apply; whichever is met first opens the breaker. Default none.
    pub failure_rate: Option<FailureRate>,
}

/// The failure-rate rule: a count-based sliding window over the outcomes recorded while
/// closed (successes and failures; excused errors and dropped permits are not calls). After
/// each recorded outcome, once the window holds at least `minimum_calls` calls, the breaker
/// opens when `failures × 100 ≥ threshold_percent × calls` over the calls in the window.
/// Every change of state, override and release starts an empty window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureRate {
    /// How many of the latest calls the window holds; older ones leave it. At least 1.
    pub window: u32,
    /// How many calls the window must hold before the rate is judged; 1 to `window`.
    pub minimum_calls: u32,
    /// The failure rate, in percent, that opens the breaker when reached; 1 to 100.
    pub threshold_percent: u32,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            failure_threshold: 5,
            success_threshold: 2,
            reset_timeout: Duration::from_secs(30),
            half_open_max_calls: 1,
            call_timeout: None,
            failure_rate: None,
        }
    }
}

/// A configuration the breaker cannot work with.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// `failure_threshold` is 0.
    ZeroFailureThreshold,
    /// `success_threshold` is 0.
    ZeroSuccessThreshold,
    /// `half_open_max_calls` is 0.
    ZeroHalfOpenCalls,
    /// `failure_rate` has a window of 0, a minimum of calls outside 1 to `window`, or a
    /// threshold outside 1 to 100 percent.
    InvalidFailureRate,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ConfigError::ZeroFailureThreshold => "failure_threshold must be at least 1",
            ConfigError::ZeroSuccessThreshold => "success_threshold must be at least 1",
            ConfigError::ZeroHalfOpenCalls => "half_open_max_calls must be at least 1",
            ConfigError::InvalidFailureRate => {
                "failure_rate needs a window of at least 1 call, a minimum of 1 to window \
                 calls and a threshold of 1 to 100 percent"
            }
        })
    }
}

impl std::error::Error for ConfigError {}

/// The breaker's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// Calls go through; consecutive failures are counted.
    Closed,
    /// Calls fail fast.
    Open,
    /// A limited number of trial calls go through.
    HalfOpen,
}

/// A breaker's state and counts at one moment, from [`CircuitBreaker::status`] and
/// [`Registry::list`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Status {
    /// The state (an open breaker whose reset timeout has passed is half-open).
    pub state: State,
    /// Whether [`CircuitBreaker::force_open`] or [`CircuitBreaker::force_close`] holds the
    /// state until [`CircuitBreaker::release`].
    pub forced: bool,
    /// Consecutive failures counted in the current closed period; 0 in other states and
    /// while forced.
    pub consecutive_failures: u32,
    /// Successful trials of the current half-open period; 0 in other states.
    pub trial_successes: u32,
    /// Trial permits of the current half-open period that are out (taken, not yet reported
    /// or dropped); 0 in other states.
    pub trials_running: u32,
    /// Calls in the failure-rate window (0 without a [`Config::failure_rate`]).
    pub window_calls: u32,
    /// Failures among them.
    pub window_failures: u32,
}

/// A change of state, as listeners see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    /// The state before.
    pub from: State,
    /// The state after.
    pub to: State,
}

/// Why a call through the breaker did not return the service's value.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BreakerError<E> {
    /// The breaker is open (or half-open with every trial slot taken): the call was not made.
    Open,
    /// The call took longer than `call_timeout` and was cancelled.
    Timeout,
    /// The call returned this error.
    Inner(E),
}

impl<E: fmt::Display> fmt::Display for BreakerError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BreakerError::Open => f.write_str("the circuit breaker is open"),
            BreakerError::Timeout => f.write_str("the call timed out"),
            BreakerError::Inner(e) => write!(f, "{e}"),
        }
    }
}

impl<E: fmt::Debug + fmt::Display> std::error::Error for BreakerError<E> {}

/// [`CircuitBreaker::try_acquire`] found no room for a call.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Rejected;

impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the circuit breaker rejected the call")
    }
}

impl std::error::Error for Rejected {}

/// A circuit breaker. Share it with an `Arc`; every method takes `&self`.
pub struct CircuitBreaker {
    // TODO: choose the fields: the configuration, the clock, the state behind a
    // `sync::Mutex`, the listeners.
    _todo: (),
}

impl fmt::Debug for CircuitBreaker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CircuitBreaker").finish_non_exhaustive()
    }
}

/// The right to make one call, from [`CircuitBreaker::try_acquire`]. Report the outcome
/// with [`success`](Self::success) or [`failure`](Self::failure); dropping it reports
/// nothing and only frees its slot.
///
/// A permit belongs to the period it was taken in; every change of state starts a new one.
/// A permit from an earlier period is stale: its outcome, or its drop, changes nothing and
/// frees no slot.
#[derive(Debug)]
#[must_use = "report the call's outcome with success() or failure()"]
pub struct Permit<'a> {
    // TODO: choose the fields.
    _todo: PhantomData<&'a CircuitBreaker>,
}

impl Permit<'_> {
    /// The call succeeded.
    pub fn success(mut self) {
        // TODO: implement Permit::success.
        todo!("Permit::success")
    }

    /// The call failed.
    pub fn failure(mut self) {
        // TODO: implement Permit::failure.
        todo!("Permit::failure")
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        // TODO: a permit dropped without an outcome must still free its half-open slot.
    }
}

impl CircuitBreaker {
    /// A closed breaker on tokio's clock.
    ///
    /// # Errors
    ///
    /// [`ConfigError`] when a count in `config` is 0 or its `failure_rate` is invalid.
    pub fn new(config: Config) -> Result<Self, ConfigError> {
        Self::with_clock(config, Arc::new(TokioClock))
    }

    /// A closed breaker on the given clock.
    ///
    /// # Errors
    ///
    /// [`ConfigError`] when a count in `config` is 0 or its `failure_rate` is invalid (with
    /// several, the first in the order of the fields).
    pub fn with_clock(config: Config, clock: Arc<dyn Clock>) -> Result<Self, ConfigError> {
        // TODO: implement CircuitBreaker::with_clock.
        todo!("CircuitBreaker::with_clock")
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        // TODO: implement CircuitBreaker::config.
        todo!("CircuitBreaker::config")
    }

    /// Calls `listener` on every change of state, after the change: on the thread whose call
    /// made it, before that call returns, and outside the breaker's lock, so a listener may
    /// use the breaker.
    pub fn on_transition(&self, listener: impl Fn(Transition) + Send + Sync + 'static) {
        // TODO: implement CircuitBreaker::on_transition.
        todo!("CircuitBreaker::on_transition")
    }

    /// The current state (an open breaker whose reset timeout has passed is half-open).
    pub fn state(&self) -> State {
        // TODO: implement CircuitBreaker::state.
        todo!("CircuitBreaker::state")
    }

    /// The state and the counts, read together.
    pub fn status(&self) -> Status {
        // TODO: implement CircuitBreaker::status.
        todo!("CircuitBreaker::status")
    }

    /// Moves the breaker to open and holds it there until [`release`](Self::release):
    /// every call is refused, however much time passes.
    pub fn force_open(&self) {
        // TODO: implement CircuitBreaker::force_open.
        todo!("CircuitBreaker::force_open")
    }

    /// Moves the breaker to closed and holds it there until [`release`](Self::release):
    /// every call is let through and no outcome is counted, so nothing opens it.
    pub fn force_close(&self) {
        // TODO: implement CircuitBreaker::force_close.
        todo!("CircuitBreaker::force_close")
    }

    /// Ends an override: automatic behaviour resumes from the state the breaker was held
    /// in, as a fresh period (counts at 0; a breaker held open half-opens `reset_timeout`
    /// after the release). No event, as the state does not change. On a breaker that is
    /// not forced, it does nothing.
    pub fn release(&self) {
        // TODO: implement CircuitBreaker::release.
        todo!("CircuitBreaker::release")
    }

    /// Asks for room for one call.
    ///
    /// # Errors
    ///
    /// [`Rejected`] while open, or while half-open with every trial slot taken.
    pub fn try_acquire(&self) -> Result<Permit<'_>, Rejected> {
        // TODO: implement CircuitBreaker::try_acquire.
        todo!("CircuitBreaker::try_acquire")
    }

    /// Makes a call through the breaker; every `Err` counts as a failure.
    ///
    /// # Errors
    ///
    /// [`BreakerError::Open`] without calling `f` when the breaker rejects the call;
    /// [`BreakerError::Timeout`] when it ran past `call_timeout` (it is dropped, which
    /// cancels it); [`BreakerError::Inner`] with the call's own error.
    pub async fn call<T, E, Fut>(&self, f: impl FnOnce() -> Fut) -> Result<T, BreakerError<E>>
    where
        Fut: Future<Output = Result<T, E>>,
    {
        self.call_with(f, |_| true).await
    }

    /// Like [`call`](Self::call), but when the breaker refuses the call (open, or every
    /// trial slot taken) it runs `fallback` instead, outside the breaker's lock, and
    /// returns its value. The fallback runs only on a refusal: never after a success, an
    /// error of the call or a timeout.
    ///
    /// # Errors
    ///
    /// [`BreakerError::Timeout`] and [`BreakerError::Inner`] as [`call`](Self::call);
    /// never [`BreakerError::Open`].
    pub async fn call_or<T, E, Fut>(
        &self,
        f: impl FnOnce() -> Fut,
        fallback: impl FnOnce() -> T,
    ) -> Result<T, BreakerError<E>>
    where
        Fut: Future<Output = Result<T, E>>,
    {
        // TODO: implement CircuitBreaker::call_or.
        todo!("CircuitBreaker::call_or")
    }

    /// Like [`call`](Self::call), but only errors for which `is_failure` returns `true`
    /// count as failures; the others count as neither success nor failure (they do not
    /// break a run of consecutive failures either).
    ///
    /// # Errors
    ///
    /// As [`call`](Self::call).
    pub async fn call_with<T, E, Fut>(
        &self,
        f: impl FnOnce() -> Fut,
        is_failure: impl Fn(&E) -> bool,
    ) -> Result<T, BreakerError<E>>
    where
        Fut: Future<Output = Result<T, E>>,
    {
        // TODO: implement CircuitBreaker::call_with.
        todo!("CircuitBreaker::call_with")
    }
}

/// Breakers by name, created on first use and shared afterwards.
pub struct Registry {
    // TODO: choose the fields.
    _todo: PhantomData<HashMap<String, Arc<CircuitBreaker>>>,
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry").finish_non_exhaustive()
    }
}

impl Default for Registry {
    fn default() -> Self {
        Self::new()
    }
}

impl Registry {
    /// An empty registry whose breakers use tokio's clock.
    pub fn new() -> Self {
        Self::with_clock(Arc::new(TokioClock))
    }

    /// An empty registry whose breakers use `clock`.
    pub fn with_clock(clock: Arc<dyn Clock>) -> Self {
        // TODO: implement Registry::with_clock.
        todo!("Registry::with_clock")
    }

    /// The breaker called `name`, created with `config` if there is none yet (an existing
    /// breaker keeps its own configuration).
    ///
    /// # Errors
    ///
    /// [`ConfigError`] when the breaker must be created and `config` is invalid.
    pub fn get_or_create(
        &self,
        name: &str,
        config: Config,
    ) -> Result<Arc<CircuitBreaker>, ConfigError> {
        // TODO: implement Registry::get_or_create.
        todo!("Registry::get_or_create")
    }

    /// The breaker called `name`, if it exists.
    pub fn get(&self, name: &str) -> Option<Arc<CircuitBreaker>> {
        // TODO: implement Registry::get.
        todo!("Registry::get")
    }

    /// Every breaker of the registry with its name and [`Status`], sorted by name. The
    /// breakers are read after the registry's lock is released, so a listener may use the
    /// registry.
    pub fn list(&self) -> Vec<(String, Status)> {
        // TODO: implement Registry::list.
        todo!("Registry::list")
    }
}
