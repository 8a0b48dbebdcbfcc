// STUB: //! # Kata 10 — a circuit breaker
// STUB: //!
// STUB: //! Build [`CircuitBreaker`]: it stands between a caller and a service that may be failing.
// STUB: //! While **closed** it lets calls through and counts consecutive failures; at
// STUB: //! [`Config::failure_threshold`] it **opens** and fails fast, without calling the service,
// STUB: //! for [`Config::reset_timeout`]. Then it is **half-open**: at most
// STUB: //! [`Config::half_open_max_calls`] trial calls at a time go through; after
// STUB: //! [`Config::success_threshold`] successes it closes again, and one failure reopens it.
// STUB: //! With a [`Config::failure_rate`] it also opens when the failure rate over the last calls
// STUB: //! reaches a threshold, once enough calls were made.
// STUB: //!
// STUB: //! ```no_run
// STUB: //! # #[tokio::main(flavor = "current_thread")]
// STUB: //! # async fn main() {
// STUB: //! use circuit_breaker::{BreakerError, CircuitBreaker, Config, State};
// STUB: //!
// STUB: //! let breaker = CircuitBreaker::new(Config { failure_threshold: 2, ..Config::default() }).unwrap();
// STUB: //! for _ in 0..2 {
// STUB: //!     let _: Result<(), _> = breaker.call(|| async { Err("service down") }).await;
// STUB: //! }
// STUB: //! assert_eq!(breaker.state(), State::Open);
// STUB: //! let rejected: Result<(), BreakerError<&str>> = breaker.call(|| async { Ok(()) }).await;
// STUB: //! assert!(matches!(rejected, Err(BreakerError::Open)));
// STUB: //! # }
// STUB: //! ```
// STUB: //!
// STUB: //! Every `// TODO:` marks a place to write code. Run the examples with
// STUB: //! `cargo test -p circuit-breaker`; `cargo kata grade circuit-breaker` grades the kata.
// STUB: //!
// STUB: //! # Stages
// STUB: //!
// STUB: //! 1. Closed → open after consecutive failures, fail fast, half-open after the reset
// STUB: //!    timeout, closed after enough successes, reopened by a failed trial; transitions
// STUB: //!    reported with the right `from` and `to`; counts of 0 refused.
// STUB: //! 2. Call timeout (cancels, counts as a failure), an error predicate, the half-open trial
// STUB: //!    limit, one open → half-open event, a registry by name; checked against a model.
// STUB: //! 3. A manual override held until released (`force_open`, `force_close`, `release`), the
// STUB: //!    state and counts of one breaker (`status`) and of every breaker of a registry
// STUB: //!    (`list`), and `call_or`, which runs a fallback when the breaker refuses a call.
// STUB: //! 4. A failure-rate window ([`FailureRate`]) beside the consecutive-failure rule.
// STUB: //! 5. Thread safety, checked with loom: build the state from the `sync` module's types.
// BEGIN SOLUTION
//! # Kata 10 — a circuit breaker, reference solution
//!
//! A [`CircuitBreaker`] stands between a caller and a service that may be failing. While
//! **closed** it lets calls through and counts consecutive failures; at
//! [`Config::failure_threshold`] it **opens** and fails fast, without calling the service,
//! for [`Config::reset_timeout`]. Then it is **half-open**: at most
//! [`Config::half_open_max_calls`] trial calls at a time go through; after
//! [`Config::success_threshold`] successes it closes again, and one failure reopens it.
//! With a [`Config::failure_rate`] it also opens when the failure rate over the last calls
//! reaches a threshold, once enough calls were made.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use circuit_breaker_solution::{BreakerError, CircuitBreaker, Config, State};
//!
//! let breaker = CircuitBreaker::new(Config { failure_threshold: 2, ..Config::default() })
//!     .expect("a valid configuration");
//! for _ in 0..2 {
//!     let failed: Result<(), _> = breaker.call(|| async { Err("service down") }).await;
//!     assert!(matches!(failed, Err(BreakerError::Inner("service down"))));
//! }
//! assert_eq!(breaker.state(), State::Open);
//! let rejected: Result<(), BreakerError<&str>> = breaker.call(|| async { Ok(()) }).await;
//! assert!(matches!(rejected, Err(BreakerError::Open)));
//! # }
//! ```
//!
//! # Design
//!
//! Time comes from a [`Clock`], so tests move it by hand. All state sits behind one mutex
//! and every change goes through one function, `transition`, which records `from` *before*
//! it assigns `to`, bumps a *generation* and resets the counters. A [`Permit`] remembers the
//! generation it was issued in; the outcome of a call that started before the breaker
//! changed state is ignored, and its half-open slot was already freed by the reset. The move
//! from open to half-open happens lazily, when someone asks (a call, or [`state`]), and only
//! there — no timer races it. Listeners are called after the lock is released, so they may
//! use the breaker.
//!
//! A manual override is one flag beside the state: the lazy step and the recording of
//! outcomes both skip a forced breaker, so neither time nor results move it; forcing and
//! releasing each start a new period, like a transition.
//!
//! The failure-rate window is a ring of the last outcomes (a `VecDeque<bool>`) and a count
//! of the failures in it, kept in the same struct under the same lock and emptied with the
//! other counts whenever a period starts.
//!
//! [`state`]: CircuitBreaker::state
// END SOLUTION

// STUB: // TODO: delete this line once everything is written: it silences the warnings about
// STUB: // the unfinished code (unused arguments and fields).
// STUB: #![allow(unused)]
// STUB:
// STUB: use std::collections::HashMap;
// BEGIN SOLUTION
use std::collections::{HashMap, VecDeque};
// END SOLUTION
use std::fmt;
use std::future::Future;
// STUB: use std::marker::PhantomData;
use std::sync::Arc;
use std::time::{Duration, Instant};

mod sync;

// BEGIN SOLUTION
use sync::Mutex;

// END SOLUTION
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
        // STUB: // TODO: implement TokioClock::now.
        // STUB: todo!("TokioClock::now")
        // BEGIN SOLUTION
        tokio::time::Instant::now().into_std()
        // END SOLUTION
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

// BEGIN SOLUTION
/// Everything the mutex guards.
#[derive(Debug, Clone)]
struct Inner {
    state: State,
    /// Consecutive failures while closed.
    failures: u32,
    /// Successful trials while half-open.
    successes: u32,
    /// Trial calls running while half-open.
    in_flight: u32,
    opened_at: Instant,
    /// Changes on every transition; permits of an older generation are stale.
    generation: u64,
    /// Held in `state` by `force_open`/`force_close` until `release`.
    forced: bool,
    /// The failure-rate window of the current closed period, oldest first; `true` is a
    /// failure.
    window: VecDeque<bool>,
    /// Failures in `window`.
    window_failures: u32,
}

impl Inner {
    fn status(&self) -> Status {
        Status {
            state: self.state,
            forced: self.forced,
            consecutive_failures: self.failures,
            trial_successes: self.successes,
            trials_running: self.in_flight,
            window_calls: self.window.len() as u32,
            window_failures: self.window_failures,
        }
    }

    /// Adds an outcome to the failure-rate window and says whether the rate now opens the
    /// breaker.
    fn remember(&mut self, failed: bool, rule: FailureRate) -> bool {
        self.window.push_back(failed);
        self.window_failures += u32::from(failed);
        if self.window.len() > rule.window as usize && self.window.pop_front() == Some(true) {
            self.window_failures -= 1;
        }
        let calls = self.window.len() as u64;
        calls >= u64::from(rule.minimum_calls)
            && u64::from(self.window_failures) * 100 >= u64::from(rule.threshold_percent) * calls
    }
}

type Listener = Arc<dyn Fn(Transition) + Send + Sync>;

// END SOLUTION
/// A circuit breaker. Share it with an `Arc`; every method takes `&self`.
pub struct CircuitBreaker {
    // STUB: // TODO: choose the fields: the configuration, the clock, the state behind a
    // STUB: // `sync::Mutex`, the listeners.
    // STUB: _todo: (),
    // BEGIN SOLUTION
    config: Config,
    clock: Arc<dyn Clock>,
    inner: Mutex<Inner>,
    listeners: Mutex<Vec<Listener>>,
    // END SOLUTION
}

impl fmt::Debug for CircuitBreaker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // STUB: f.debug_struct("CircuitBreaker").finish_non_exhaustive()
        // BEGIN SOLUTION
        f.debug_struct("CircuitBreaker")
            .field("config", &self.config)
            .finish_non_exhaustive()
        // END SOLUTION
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
    // STUB: // TODO: choose the fields.
    // STUB: _todo: PhantomData<&'a CircuitBreaker>,
    // BEGIN SOLUTION
    breaker: &'a CircuitBreaker,
    generation: u64,
    trial: bool,
    reported: bool,
    // END SOLUTION
}

impl Permit<'_> {
    /// The call succeeded.
    pub fn success(mut self) {
        // STUB: // TODO: implement Permit::success.
        // STUB: todo!("Permit::success")
        // BEGIN SOLUTION
        self.reported = true;
        self.breaker.record(self.generation, self.trial, Some(true));
        // END SOLUTION
    }

    /// The call failed.
    pub fn failure(mut self) {
        // STUB: // TODO: implement Permit::failure.
        // STUB: todo!("Permit::failure")
        // BEGIN SOLUTION
        self.reported = true;
        self.breaker
            .record(self.generation, self.trial, Some(false));
        // END SOLUTION
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        // STUB: // TODO: a permit dropped without an outcome must still free its half-open slot.
        // BEGIN SOLUTION
        if !self.reported {
            self.breaker.record(self.generation, self.trial, None);
        }
        // END SOLUTION
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
        // STUB: // TODO: implement CircuitBreaker::with_clock.
        // STUB: todo!("CircuitBreaker::with_clock")
        // BEGIN SOLUTION
        if config.failure_threshold == 0 {
            return Err(ConfigError::ZeroFailureThreshold);
        }
        if config.success_threshold == 0 {
            return Err(ConfigError::ZeroSuccessThreshold);
        }
        if config.half_open_max_calls == 0 {
            return Err(ConfigError::ZeroHalfOpenCalls);
        }
        if let Some(rule) = config.failure_rate
            && (rule.window == 0
                || rule.minimum_calls == 0
                || rule.minimum_calls > rule.window
                || !(1..=100).contains(&rule.threshold_percent))
        {
            return Err(ConfigError::InvalidFailureRate);
        }
        let now = clock.now();
        Ok(Self {
            config,
            clock,
            inner: Mutex::new(Inner {
                state: State::Closed,
                failures: 0,
                successes: 0,
                in_flight: 0,
                opened_at: now,
                generation: 0,
                forced: false,
                window: VecDeque::new(),
                window_failures: 0,
            }),
            listeners: Mutex::new(Vec::new()),
        })
        // END SOLUTION
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        // STUB: // TODO: implement CircuitBreaker::config.
        // STUB: todo!("CircuitBreaker::config")
        // BEGIN SOLUTION
        &self.config
        // END SOLUTION
    }

    /// Calls `listener` on every change of state, after the change: on the thread whose call
    /// made it, before that call returns, and outside the breaker's lock, so a listener may
    /// use the breaker.
    pub fn on_transition(&self, listener: impl Fn(Transition) + Send + Sync + 'static) {
        // STUB: // TODO: implement CircuitBreaker::on_transition.
        // STUB: todo!("CircuitBreaker::on_transition")
        // BEGIN SOLUTION
        self.listeners
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(Arc::new(listener));
        // END SOLUTION
    }

    /// The current state (an open breaker whose reset timeout has passed is half-open).
    pub fn state(&self) -> State {
        // STUB: // TODO: implement CircuitBreaker::state.
        // STUB: todo!("CircuitBreaker::state")
        // BEGIN SOLUTION
        self.with_inner(|inner, _, _| inner.state)
        // END SOLUTION
    }

    /// The state and the counts, read together.
    pub fn status(&self) -> Status {
        // STUB: // TODO: implement CircuitBreaker::status.
        // STUB: todo!("CircuitBreaker::status")
        // BEGIN SOLUTION
        self.with_inner(|inner, _, _| inner.status())
        // END SOLUTION
    }

    /// Moves the breaker to open and holds it there until [`release`](Self::release):
    /// every call is refused, however much time passes.
    pub fn force_open(&self) {
        // STUB: // TODO: implement CircuitBreaker::force_open.
        // STUB: todo!("CircuitBreaker::force_open")
        // BEGIN SOLUTION
        self.force(State::Open);
        // END SOLUTION
    }

    /// Moves the breaker to closed and holds it there until [`release`](Self::release):
    /// every call is let through and no outcome is counted, so nothing opens it.
    pub fn force_close(&self) {
        // STUB: // TODO: implement CircuitBreaker::force_close.
        // STUB: todo!("CircuitBreaker::force_close")
        // BEGIN SOLUTION
        self.force(State::Closed);
        // END SOLUTION
    }

    /// Ends an override: automatic behaviour resumes from the state the breaker was held
    /// in, as a fresh period (counts at 0; a breaker held open half-opens `reset_timeout`
    /// after the release). No event, as the state does not change. On a breaker that is
    /// not forced, it does nothing.
    pub fn release(&self) {
        // STUB: // TODO: implement CircuitBreaker::release.
        // STUB: todo!("CircuitBreaker::release")
        // BEGIN SOLUTION
        self.with_inner(|inner, clock, _| {
            if inner.forced {
                inner.forced = false;
                new_period(inner);
                inner.opened_at = clock.now();
            }
        });
        // END SOLUTION
    }

    // BEGIN SOLUTION
    /// Holds the breaker in `to`: a transition (with its event) when the state changes,
    /// a new period without an event when it is already there.
    fn force(&self, to: State) {
        self.with_inner(|inner, clock, events| {
            if inner.state == to {
                new_period(inner);
            } else {
                transition(inner, to, clock.now(), events);
            }
            inner.forced = true;
        });
    }

    // END SOLUTION
    /// Asks for room for one call.
    ///
    /// # Errors
    ///
    /// [`Rejected`] while open, or while half-open with every trial slot taken.
    pub fn try_acquire(&self) -> Result<Permit<'_>, Rejected> {
        // STUB: // TODO: implement CircuitBreaker::try_acquire.
        // STUB: todo!("CircuitBreaker::try_acquire")
        // BEGIN SOLUTION
        let config = self.config;
        let granted = self.with_inner(|inner, _, _| match inner.state {
            State::Closed => Some((inner.generation, false)),
            State::Open => None,
            State::HalfOpen if inner.in_flight < config.half_open_max_calls => {
                inner.in_flight += 1;
                Some((inner.generation, true))
            }
            State::HalfOpen => None,
        });
        let (generation, trial) = granted.ok_or(Rejected)?;
        Ok(Permit {
            breaker: self,
            generation,
            trial,
            reported: false,
        })
        // END SOLUTION
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
        // STUB: // TODO: implement CircuitBreaker::call_or.
        // STUB: todo!("CircuitBreaker::call_or")
        // BEGIN SOLUTION
        match self.call(f).await {
            Err(BreakerError::Open) => Ok(fallback()),
            outcome => outcome,
        }
        // END SOLUTION
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
        // STUB: // TODO: implement CircuitBreaker::call_with.
        // STUB: todo!("CircuitBreaker::call_with")
        // BEGIN SOLUTION
        let permit = self.try_acquire().map_err(|Rejected| BreakerError::Open)?;
        let outcome = match self.config.call_timeout {
            Some(limit) => match tokio::time::timeout(limit, f()).await {
                Ok(outcome) => outcome,
                Err(_elapsed) => {
                    permit.failure();
                    return Err(BreakerError::Timeout);
                }
            },
            None => f().await,
        };
        match outcome {
            Ok(value) => {
                permit.success();
                Ok(value)
            }
            Err(error) => {
                if is_failure(&error) {
                    permit.failure();
                } else {
                    drop(permit);
                }
                Err(BreakerError::Inner(error))
            }
        }
        // END SOLUTION
    }
    // BEGIN SOLUTION

    /// Runs `f` on the state under the lock, after the lazy open → half-open step, then
    /// tells the listeners about every transition, outside the lock. The clock is read only
    /// when a decision needs the time, which keeps the closed fast path cheap.
    fn with_inner<R>(
        &self,
        f: impl FnOnce(&mut Inner, &dyn Clock, &mut Vec<Transition>) -> R,
    ) -> R {
        let clock = &*self.clock;
        let mut events = Vec::new();
        let result = {
            let mut inner = self
                .inner
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if inner.state == State::Open && !inner.forced {
                let now = clock.now();
                if now.saturating_duration_since(inner.opened_at) >= self.config.reset_timeout {
                    transition(&mut inner, State::HalfOpen, now, &mut events);
                }
            }
            f(&mut inner, clock, &mut events)
        };
        self.notify(&events);
        result
    }

    /// Records the outcome of a call made with a permit of `generation`; `None` means the
    /// permit was dropped without an outcome.
    fn record(&self, generation: u64, trial: bool, success: Option<bool>) {
        let config = self.config;
        self.with_inner(|inner, clock, events| {
            if generation != inner.generation {
                return; // Issued before the last transition: stale, and its slot was reset.
            }
            if trial {
                inner.in_flight -= 1;
            }
            if inner.forced {
                return; // Nothing is counted while an override holds the state.
            }
            match (inner.state, success) {
                (_, None) | (State::Open, _) => {}
                (State::Closed, Some(success)) => {
                    if success {
                        inner.failures = 0;
                    } else {
                        inner.failures += 1;
                    }
                    let consecutive = inner.failures >= config.failure_threshold;
                    let rate = config
                        .failure_rate
                        .is_some_and(|rule| inner.remember(!success, rule));
                    if consecutive || rate {
                        transition(inner, State::Open, clock.now(), events);
                    }
                }
                (State::HalfOpen, Some(true)) => {
                    inner.successes += 1;
                    if inner.successes >= config.success_threshold {
                        transition(inner, State::Closed, clock.now(), events);
                    }
                }
                (State::HalfOpen, Some(false)) => {
                    transition(inner, State::Open, clock.now(), events);
                }
            }
        });
    }

    fn notify(&self, events: &[Transition]) {
        if events.is_empty() {
            return;
        }
        let listeners = self
            .listeners
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        for event in events {
            for listener in &listeners {
                listener(*event);
            }
        }
    }
    // END SOLUTION
}

// BEGIN SOLUTION
/// The one place the state changes: `from` is read before `to` is assigned.
fn transition(inner: &mut Inner, to: State, now: Instant, events: &mut Vec<Transition>) {
    let from = inner.state;
    inner.state = to;
    new_period(inner);
    if to == State::Open {
        inner.opened_at = now;
    }
    events.push(Transition { from, to });
}

/// Starts a new period: permits taken before it are stale, the counts start again.
fn new_period(inner: &mut Inner) {
    inner.generation += 1;
    inner.failures = 0;
    inner.successes = 0;
    inner.in_flight = 0;
    inner.window.clear();
    inner.window_failures = 0;
}

// END SOLUTION
/// Breakers by name, created on first use and shared afterwards.
pub struct Registry {
    // STUB: // TODO: choose the fields.
    // STUB: _todo: PhantomData<HashMap<String, Arc<CircuitBreaker>>>,
    // BEGIN SOLUTION
    clock: Arc<dyn Clock>,
    breakers: Mutex<HashMap<String, Arc<CircuitBreaker>>>,
    // END SOLUTION
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
        // STUB: // TODO: implement Registry::with_clock.
        // STUB: todo!("Registry::with_clock")
        // BEGIN SOLUTION
        Self {
            clock,
            breakers: Mutex::new(HashMap::new()),
        }
        // END SOLUTION
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
        // STUB: // TODO: implement Registry::get_or_create.
        // STUB: todo!("Registry::get_or_create")
        // BEGIN SOLUTION
        let mut breakers = self
            .breakers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(breaker) = breakers.get(name) {
            return Ok(Arc::clone(breaker));
        }
        let breaker = Arc::new(CircuitBreaker::with_clock(config, Arc::clone(&self.clock))?);
        breakers.insert(name.to_owned(), Arc::clone(&breaker));
        Ok(breaker)
        // END SOLUTION
    }

    /// The breaker called `name`, if it exists.
    pub fn get(&self, name: &str) -> Option<Arc<CircuitBreaker>> {
        // STUB: // TODO: implement Registry::get.
        // STUB: todo!("Registry::get")
        // BEGIN SOLUTION
        self.breakers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(name)
            .cloned()
        // END SOLUTION
    }

    /// Every breaker of the registry with its name and [`Status`], sorted by name. The
    /// breakers are read after the registry's lock is released, so a listener may use the
    /// registry.
    pub fn list(&self) -> Vec<(String, Status)> {
        // STUB: // TODO: implement Registry::list.
        // STUB: todo!("Registry::list")
        // BEGIN SOLUTION
        let breakers: Vec<(String, Arc<CircuitBreaker>)> = self
            .breakers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .map(|(name, breaker)| (name.clone(), Arc::clone(breaker)))
            .collect();
        let mut listed: Vec<(String, Status)> = breakers
            .into_iter()
            .map(|(name, breaker)| (name, breaker.status()))
            .collect();
        listed.sort_by(|a, b| a.0.cmp(&b.0));
        listed
        // END SOLUTION
    }
}
