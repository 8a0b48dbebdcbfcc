//! Kata 10, a correct answer written differently from the reference: the state is an enum
//! that carries its own data, permits hold an epoch, and events go through a channel-like
//! queue drained after the lock; the failure-rate window is a fixed ring of slots. `cargo
//! kata verify` requires it to score 100%.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

mod sync;

use sync::Mutex;

/// A source of the current time.
pub trait Clock: Send + Sync + 'static {
    /// Now.
    fn now(&self) -> Instant;
}

/// tokio's (pausable) clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct TokioClock;

impl Clock for TokioClock {
    fn now(&self) -> Instant {
        tokio::time::Instant::now().into_std()
    }
}

/// Settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// Failures in a row that open the breaker.
    pub failure_threshold: u32,
    /// Trial successes that close it.
    pub success_threshold: u32,
    /// Time spent open.
    pub reset_timeout: Duration,
    /// Concurrent trials.
    pub half_open_max_calls: u32,
    /// Per-call limit.
    pub call_timeout: Option<Duration>,
    /// The failure-rate rule, if any.
    pub failure_rate: Option<FailureRate>,
}

/// A count-based failure-rate rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureRate {
    /// Calls kept.
    pub window: u32,
    /// Calls needed before judging.
    pub minimum_calls: u32,
    /// Percent that opens.
    pub threshold_percent: u32,
}

impl FailureRate {
    fn valid(&self) -> bool {
        self.window >= 1 && (1..=self.window).contains(&self.minimum_calls) && (1..=100).contains(&self.threshold_percent)
    }
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

/// Invalid settings.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// failure_threshold == 0.
    ZeroFailureThreshold,
    /// success_threshold == 0.
    ZeroSuccessThreshold,
    /// half_open_max_calls == 0.
    ZeroHalfOpenCalls,
    /// A failure_rate out of range.
    InvalidFailureRate,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid configuration: {self:?}")
    }
}

impl std::error::Error for ConfigError {}

/// Public state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// Closed.
    Closed,
    /// Open.
    Open,
    /// Half-open.
    HalfOpen,
}

/// A snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Status {
    /// State.
    pub state: State,
    /// Held by an override.
    pub forced: bool,
    /// Failures in a row while closed.
    pub consecutive_failures: u32,
    /// Trial successes while half-open.
    pub trial_successes: u32,
    /// Trials out while half-open.
    pub trials_running: u32,
    /// Calls in the rate window.
    pub window_calls: u32,
    /// Failures in the rate window.
    pub window_failures: u32,
}

/// A state change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    /// Before.
    pub from: State,
    /// After.
    pub to: State,
}

/// Call errors.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BreakerError<E> {
    /// Rejected.
    Open,
    /// Timed out.
    Timeout,
    /// The call's error.
    Inner(E),
}

impl<E: fmt::Display> fmt::Display for BreakerError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BreakerError::Open => f.write_str("open"),
            BreakerError::Timeout => f.write_str("timeout"),
            BreakerError::Inner(e) => e.fmt(f),
        }
    }
}

impl<E: fmt::Debug + fmt::Display> std::error::Error for BreakerError<E> {}

/// No room for a call.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Rejected;

impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("rejected")
    }
}

impl std::error::Error for Rejected {}

#[derive(Debug, Clone, Copy)]
enum Phase {
    Closed { failures: u32 },
    Open { until: Instant },
    HalfOpen { successes: u32, running: u32 },
}

impl Phase {
    fn public(self) -> State {
        match self {
            Phase::Closed { .. } => State::Closed,
            Phase::Open { .. } => State::Open,
            Phase::HalfOpen { .. } => State::HalfOpen,
        }
    }
}

/// The last outcomes of a closed period in a fixed ring.
#[derive(Default)]
struct Ring {
    slots: Vec<bool>,
    next: usize,
    filled: u32,
    failed: u32,
}

impl Ring {
    fn clear(&mut self) {
        (self.next, self.filled, self.failed) = (0, 0, 0);
    }

    /// Stores an outcome, overwriting the oldest once full; returns (calls, failures).
    fn push(&mut self, failed: bool, size: u32) -> (u32, u32) {
        if self.slots.len() != size as usize {
            self.slots = vec![false; size as usize];
            self.clear();
        }
        if self.filled == size {
            self.failed -= u32::from(self.slots[self.next]);
        } else {
            self.filled += 1;
        }
        self.slots[self.next] = failed;
        self.failed += u32::from(failed);
        self.next = (self.next + 1) % self.slots.len();
        (self.filled, self.failed)
    }
}

struct Core {
    ring: Ring,
    phase: Phase,
    epoch: u64,
    pending: Vec<Transition>,
    /// An override pins the phase: no timer, no outcome moves it.
    pinned: bool,
}

impl Core {
    fn bump(&mut self) {
        self.epoch += 1;
        self.ring.clear();
    }

    fn set(&mut self, phase: Phase) {
        let from = self.phase.public();
        self.phase = phase;
        self.bump();
        self.pending.push(Transition { from, to: phase.public() });
    }
}

/// The breaker.
pub struct CircuitBreaker {
    config: Config,
    clock: Arc<dyn Clock>,
    core: Mutex<Core>,
    listeners: Mutex<Vec<Arc<dyn Fn(Transition) + Send + Sync>>>,
}

impl fmt::Debug for CircuitBreaker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CircuitBreaker").finish_non_exhaustive()
    }
}

/// One call's right.
#[derive(Debug)]
#[must_use]
pub struct Permit<'a> {
    owner: &'a CircuitBreaker,
    epoch: u64,
    trial: bool,
    open: bool,
}

impl Permit<'_> {
    /// Succeeded.
    pub fn success(mut self) {
        self.open = false;
        self.owner.finish(self.epoch, self.trial, Some(true));
    }

    /// Failed.
    pub fn failure(mut self) {
        self.open = false;
        self.owner.finish(self.epoch, self.trial, Some(false));
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if self.open {
            self.owner.finish(self.epoch, self.trial, None);
        }
    }
}

impl CircuitBreaker {
    /// On tokio's clock.
    ///
    /// # Errors
    ///
    /// Zero counts.
    pub fn new(config: Config) -> Result<Self, ConfigError> {
        Self::with_clock(config, Arc::new(TokioClock))
    }

    /// On a given clock.
    ///
    /// # Errors
    ///
    /// Zero counts.
    pub fn with_clock(config: Config, clock: Arc<dyn Clock>) -> Result<Self, ConfigError> {
        match (config.failure_threshold, config.success_threshold, config.half_open_max_calls) {
            (0, _, _) => Err(ConfigError::ZeroFailureThreshold),
            (_, 0, _) => Err(ConfigError::ZeroSuccessThreshold),
            (_, _, 0) => Err(ConfigError::ZeroHalfOpenCalls),
            _ if config.failure_rate.is_some_and(|rule| !rule.valid()) => Err(ConfigError::InvalidFailureRate),
            _ => Ok(Self {
                config,
                clock,
                core: Mutex::new(Core {
                    ring: Ring::default(),
                    phase: Phase::Closed { failures: 0 },
                    epoch: 0,
                    pending: Vec::new(),
                    pinned: false,
                }),
                listeners: Mutex::new(Vec::new()),
            }),
        }
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Subscribes to transitions.
    pub fn on_transition(&self, listener: impl Fn(Transition) + Send + Sync + 'static) {
        self.listeners.lock().unwrap_or_else(|e| e.into_inner()).push(Arc::new(listener));
    }

    fn locked<R>(&self, f: impl FnOnce(&mut Core, Instant) -> R) -> R {
        let now = self.clock.now();
        let (result, events) = {
            let mut core = self.core.lock().unwrap_or_else(|e| e.into_inner());
            if let Phase::Open { until } = core.phase
                && now >= until
                && !core.pinned
            {
                core.set(Phase::HalfOpen { successes: 0, running: 0 });
            }
            let result = f(&mut core, now);
            (result, std::mem::take(&mut core.pending))
        };
        if !events.is_empty() {
            let listeners = self.listeners.lock().unwrap_or_else(|e| e.into_inner()).clone();
            for event in events {
                listeners.iter().for_each(|l| l(event));
            }
        }
        result
    }

    /// The state.
    pub fn state(&self) -> State {
        self.locked(|core, _| core.phase.public())
    }

    /// State and counts.
    pub fn status(&self) -> Status {
        self.locked(|core, _| {
            let (mut failures, mut successes, mut running) = (0, 0, 0);
            match core.phase {
                Phase::Closed { failures: f } => failures = f,
                Phase::HalfOpen { successes: s, running: r } => (successes, running) = (s, r),
                Phase::Open { .. } => {}
            }
            Status {
                state: core.phase.public(),
                forced: core.pinned,
                consecutive_failures: failures,
                trial_successes: successes,
                trials_running: running,
                window_calls: core.ring.filled,
                window_failures: core.ring.failed,
            }
        })
    }

    fn pin(&self, target: State) {
        let reset = self.config.reset_timeout;
        self.locked(|core, now| {
            let phase = if target == State::Open { Phase::Open { until: now + reset } } else { Phase::Closed { failures: 0 } };
            if core.phase.public() == target {
                core.phase = phase;
                core.bump();
            } else {
                core.set(phase);
            }
            core.pinned = true;
        });
    }

    /// Pins open.
    pub fn force_open(&self) {
        self.pin(State::Open);
    }

    /// Pins closed.
    pub fn force_close(&self) {
        self.pin(State::Closed);
    }

    /// Unpins.
    pub fn release(&self) {
        let reset = self.config.reset_timeout;
        self.locked(|core, now| {
            if !std::mem::take(&mut core.pinned) {
                return;
            }
            core.bump();
            core.phase = match core.phase {
                Phase::Open { .. } => Phase::Open { until: now + reset },
                _ => Phase::Closed { failures: 0 },
            };
        });
    }

    /// Room for a call.
    ///
    /// # Errors
    ///
    /// [`Rejected`] when there is none.
    pub fn try_acquire(&self) -> Result<Permit<'_>, Rejected> {
        let limit = self.config.half_open_max_calls;
        let (epoch, trial) = self.locked(|core, _| match &mut core.phase {
            Phase::Closed { .. } => Ok((core.epoch, false)),
            Phase::HalfOpen { running, .. } if *running < limit => {
                *running += 1;
                Ok((core.epoch, true))
            }
            _ => Err(Rejected),
        })?;
        Ok(Permit { owner: self, epoch, trial, open: true })
    }

    fn finish(&self, epoch: u64, trial: bool, success: Option<bool>) {
        let config = self.config;
        self.locked(|core, now| {
            if core.epoch != epoch || core.pinned {
                return;
            }
            let open = Phase::Open { until: now + config.reset_timeout };
            match (core.phase, success) {
                (Phase::HalfOpen { successes, running }, outcome) => {
                    let running = if trial { running - 1 } else { running };
                    match outcome {
                        None => core.phase = Phase::HalfOpen { successes, running },
                        Some(false) => core.set(open),
                        Some(true) if successes + 1 >= config.success_threshold => {
                            core.set(Phase::Closed { failures: 0 });
                        }
                        Some(true) => core.phase = Phase::HalfOpen { successes: successes + 1, running },
                    }
                }
                (Phase::Closed { failures }, Some(ok)) => {
                    let failures = if ok { 0 } else { failures + 1 };
                    let by_rate = config.failure_rate.is_some_and(|rule| {
                        let (calls, failed) = core.ring.push(!ok, rule.window);
                        calls >= rule.minimum_calls
                            && u64::from(failed) * 100 >= u64::from(rule.threshold_percent) * u64::from(calls)
                    });
                    if failures >= config.failure_threshold || by_rate {
                        core.set(open);
                    } else {
                        core.phase = Phase::Closed { failures };
                    }
                }
                _ => {}
            }
        });
    }

    /// A call; every error counts.
    ///
    /// # Errors
    ///
    /// Open, timeout, or the call's error.
    pub async fn call<T, E, Fut>(&self, f: impl FnOnce() -> Fut) -> Result<T, BreakerError<E>>
    where
        Fut: Future<Output = Result<T, E>>,
    {
        self.call_with(f, |_| true).await
    }

    /// A call, or the fallback when refused.
    ///
    /// # Errors
    ///
    /// Timeout, or the call's error.
    pub async fn call_or<T, E, Fut>(&self, f: impl FnOnce() -> Fut, fallback: impl FnOnce() -> T) -> Result<T, BreakerError<E>>
    where
        Fut: Future<Output = Result<T, E>>,
    {
        self.call(f).await.or_else(|error| match error {
            BreakerError::Open => Ok(fallback()),
            other => Err(other),
        })
    }

    /// A call; errors count when `is_failure` says so.
    ///
    /// # Errors
    ///
    /// Open, timeout, or the call's error.
    pub async fn call_with<T, E, Fut>(&self, f: impl FnOnce() -> Fut, is_failure: impl Fn(&E) -> bool) -> Result<T, BreakerError<E>>
    where
        Fut: Future<Output = Result<T, E>>,
    {
        let Ok(permit) = self.try_acquire() else {
            return Err(BreakerError::Open);
        };
        let result = if let Some(limit) = self.config.call_timeout {
            let Ok(result) = tokio::time::timeout(limit, f()).await else {
                permit.failure();
                return Err(BreakerError::Timeout);
            };
            result
        } else {
            f().await
        };
        match result {
            Ok(value) => {
                permit.success();
                Ok(value)
            }
            Err(error) if is_failure(&error) => {
                permit.failure();
                Err(BreakerError::Inner(error))
            }
            Err(error) => {
                drop(permit);
                Err(BreakerError::Inner(error))
            }
        }
    }
}

/// Named breakers.
pub struct Registry {
    clock: Arc<dyn Clock>,
    named: Mutex<HashMap<String, Arc<CircuitBreaker>>>,
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
    /// On tokio's clock.
    pub fn new() -> Self {
        Self::with_clock(Arc::new(TokioClock))
    }

    /// On a given clock.
    pub fn with_clock(clock: Arc<dyn Clock>) -> Self {
        Self { clock, named: Mutex::new(HashMap::new()) }
    }

    /// Gets or creates.
    ///
    /// # Errors
    ///
    /// Invalid configuration for a new breaker.
    pub fn get_or_create(&self, name: &str, config: Config) -> Result<Arc<CircuitBreaker>, ConfigError> {
        let mut named = self.named.lock().unwrap_or_else(|e| e.into_inner());
        match named.get(name) {
            Some(existing) => Ok(Arc::clone(existing)),
            None => {
                let created = Arc::new(CircuitBreaker::with_clock(config, Arc::clone(&self.clock))?);
                named.insert(name.to_owned(), Arc::clone(&created));
                Ok(created)
            }
        }
    }

    /// Gets.
    pub fn get(&self, name: &str) -> Option<Arc<CircuitBreaker>> {
        self.named.lock().unwrap_or_else(|e| e.into_inner()).get(name).cloned()
    }

    /// Every breaker by name.
    pub fn list(&self) -> Vec<(String, Status)> {
        let sorted: BTreeMap<String, Arc<CircuitBreaker>> =
            self.named.lock().unwrap_or_else(|e| e.into_inner()).iter().map(|(k, v)| (k.clone(), Arc::clone(v))).collect();
        sorted.into_iter().map(|(name, breaker)| (name, breaker.status())).collect()
    }
}
