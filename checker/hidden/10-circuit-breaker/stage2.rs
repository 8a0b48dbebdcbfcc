// Stage 2 — what a production breaker adds: a call timeout that cancels the call and
// counts as a failure, a predicate for which errors count, the half-open trial limit, one
// open → half-open event however often the state is read, a registry by name, and a
// property test against a reference model.

use circuit_breaker::{BreakerError, CircuitBreaker, Clock, Config, Registry, State, Transition};
use kata_support::{graded, graded_async, proptest_runner};
use proptest::prelude::*;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

struct ManualClock {
    base: Instant,
    offset_ms: AtomicU64,
}

impl ManualClock {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            base: Instant::now(),
            offset_ms: AtomicU64::new(0),
        })
    }
    fn advance(&self, by: Duration) {
        self.offset_ms
            .fetch_add(by.as_millis() as u64, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        self.base + Duration::from_millis(self.offset_ms.load(Ordering::SeqCst))
    }
}

fn config(failures: u32, successes: u32, trials: u32) -> Config {
    Config {
        failure_threshold: failures,
        success_threshold: successes,
        reset_timeout: Duration::from_secs(10),
        half_open_max_calls: trials,
        call_timeout: None,
        failure_rate: None,
    }
}

/// Sets a flag when dropped: proof that a future was cancelled.
struct DropFlag(Arc<AtomicBool>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[tokio::test(start_paused = true)]
async fn a_call_past_the_timeout_is_cancelled_and_counts_as_a_failure() {
    graded_async(async {
        let breaker = CircuitBreaker::new(Config {
            call_timeout: Some(Duration::from_millis(100)),
            ..config(1, 1, 1)
        })
        .expect("valid");
        let dropped = Arc::new(AtomicBool::new(false));
        let finished = Arc::new(AtomicBool::new(false));
        let (d, f) = (Arc::clone(&dropped), Arc::clone(&finished));
        let outcome: Result<(), BreakerError<String>> = breaker
            .call(move || async move {
                let _flag = DropFlag(d);
                tokio::time::sleep(Duration::from_secs(5)).await;
                f.store(true, Ordering::SeqCst);
                Ok(())
            })
            .await;
        assert_eq!(outcome, Err(BreakerError::Timeout));
        assert!(
            dropped.load(Ordering::SeqCst),
            "the timed-out call must be cancelled (dropped)"
        );
        assert_eq!(
            breaker.state(),
            State::Open,
            "a timeout counts as a failure"
        );
        // Past the call's own 5 s, still within the 10 s reset timeout.
        tokio::time::sleep(Duration::from_secs(6)).await;
        assert!(
            !finished.load(Ordering::SeqCst),
            "the timed-out call ran on"
        );
        assert_eq!(breaker.state(), State::Open);
    })
    .await;
}

#[tokio::test]
async fn only_errors_the_predicate_accepts_count() {
    graded_async(async {
        let breaker =
            CircuitBreaker::with_clock(config(2, 1, 1), ManualClock::new()).expect("valid");
        let is_outage = |e: &String| e != "not found";
        for _ in 0..5 {
            let outcome: Result<(), _> = breaker
                .call_with(|| async { Err("not found".to_owned()) }, is_outage)
                .await;
            assert_eq!(outcome, Err(BreakerError::Inner("not found".to_owned())));
        }
        assert_eq!(
            breaker.state(),
            State::Closed,
            "a 404 is the caller's problem, not an outage"
        );
        for _ in 0..2 {
            let _: Result<(), _> = breaker
                .call_with(|| async { Err("timeout".to_owned()) }, is_outage)
                .await;
        }
        assert_eq!(breaker.state(), State::Open);

        // An excused error between two failures does not break their run.
        let breaker =
            CircuitBreaker::with_clock(config(2, 1, 1), ManualClock::new()).expect("valid");
        for error in ["timeout", "not found", "timeout"] {
            let _: Result<(), _> = breaker
                .call_with(|| async { Err(error.to_owned()) }, is_outage)
                .await;
        }
        assert_eq!(
            breaker.state(),
            State::Open,
            "an excused error is neither a success nor a failure: two failures around it are \
             still consecutive"
        );
    })
    .await;
}

#[test]
fn the_reset_timeout_counts_from_the_failures_report() {
    graded(|| {
        let clock = ManualClock::new();
        let breaker = CircuitBreaker::with_clock(config(1, 1, 1), clock.clone()).expect("valid");
        let slow = breaker.try_acquire().expect("closed");
        clock.advance(Duration::from_secs(5)); // the call takes 5 s, then fails
        slow.failure();
        assert_eq!(breaker.state(), State::Open);
        clock.advance(Duration::from_millis(9_999));
        assert_eq!(
            breaker.state(),
            State::Open,
            "the reset timeout counts from the failure's report, not from the call's start"
        );
        clock.advance(Duration::from_millis(1));
        assert_eq!(breaker.state(), State::HalfOpen);
    });
}

#[test]
fn a_permit_from_an_earlier_period_changes_nothing() {
    // Every change of state starts a new period; a permit taken before it is stale.
    graded(|| {
        // A trial left over from an earlier half-open period.
        let clock = ManualClock::new();
        let breaker = CircuitBreaker::with_clock(config(1, 5, 2), clock.clone()).expect("valid");
        breaker.try_acquire().expect("closed").failure();
        clock.advance(Duration::from_secs(10));
        let old = breaker.try_acquire().expect("trial 1");
        breaker.try_acquire().expect("trial 2").failure(); // reopens
        clock.advance(Duration::from_secs(10));
        let new = [
            breaker
                .try_acquire()
                .expect("the stale trial takes no slot: trial 1 of 2"),
            breaker
                .try_acquire()
                .expect("the stale trial takes no slot: trial 2 of 2"),
        ];
        old.failure();
        assert_eq!(
            breaker.state(),
            State::HalfOpen,
            "a stale trial's failure does not reopen the breaker"
        );
        assert!(
            breaker.try_acquire().is_err(),
            "a stale trial frees no slot: both are taken by this period's trials"
        );
        drop(new);

        // A trial that ends after another trial closed the breaker.
        let breaker = CircuitBreaker::with_clock(config(1, 1, 2), clock.clone()).expect("valid");
        breaker.try_acquire().expect("closed").failure();
        clock.advance(Duration::from_secs(10));
        let late = breaker.try_acquire().expect("trial 1");
        breaker.try_acquire().expect("trial 2").success(); // closes
        late.failure();
        assert_eq!(
            breaker.state(),
            State::Closed,
            "a trial from the half-open period does not count once the breaker closed"
        );

        // A call let through while closed that ends after the breaker opened and half-opened.
        let breaker = CircuitBreaker::with_clock(config(1, 1, 1), clock.clone()).expect("valid");
        let slow = breaker.try_acquire().expect("closed");
        breaker.try_acquire().expect("closed").failure(); // opens
        clock.advance(Duration::from_secs(10));
        assert_eq!(breaker.state(), State::HalfOpen);
        slow.success();
        assert_eq!(
            breaker.state(),
            State::HalfOpen,
            "a success from before the breaker opened is not a trial success"
        );
        breaker
            .try_acquire()
            .expect("the trial slot is still free")
            .success();
        assert_eq!(breaker.state(), State::Closed);
    });
}

#[test]
fn a_stale_trial_dropped_or_reported_frees_no_slot_of_the_current_period() {
    // Trials left over from an earlier half-open period end while the next one is full.
    graded(|| {
        let clock = ManualClock::new();
        let breaker = CircuitBreaker::with_clock(config(1, 3, 3), clock.clone()).expect("valid");
        breaker.try_acquire().expect("closed").failure();
        clock.advance(Duration::from_secs(10));
        let dropped = breaker.try_acquire().expect("trial 1");
        let succeeding = breaker.try_acquire().expect("trial 2");
        breaker.try_acquire().expect("trial 3").failure(); // reopens
        clock.advance(Duration::from_secs(10));
        assert_eq!(breaker.state(), State::HalfOpen);
        let current = [
            breaker
                .try_acquire()
                .expect("the stale trials take no slot: trial 1 of 3"),
            breaker
                .try_acquire()
                .expect("the stale trials take no slot: trial 2 of 3"),
            breaker
                .try_acquire()
                .expect("the stale trials take no slot: trial 3 of 3"),
        ];
        drop(dropped);
        assert!(
            breaker.try_acquire().is_err(),
            "dropping a stale trial frees no slot: all 3 are taken by this period's trials"
        );
        succeeding.success();
        assert!(
            breaker.try_acquire().is_err(),
            "a stale trial's success frees no slot: all 3 are taken by this period's trials"
        );
        let [first, second, third] = current;
        first.success();
        second.success();
        assert_eq!(
            breaker.state(),
            State::HalfOpen,
            "2 of 3 trial successes: a stale trial's success is not counted"
        );
        third.success();
        assert_eq!(breaker.state(), State::Closed, "3 of 3 trial successes");
    });
}

#[test]
fn half_open_lets_at_most_the_trial_limit_through_at_once() {
    // The seed let every concurrent call through while half-open.
    graded(|| {
        let clock = ManualClock::new();
        let breaker = CircuitBreaker::with_clock(config(1, 5, 2), clock.clone()).expect("valid");
        breaker.try_acquire().expect("closed").failure();
        clock.advance(Duration::from_secs(10));
        let first = breaker.try_acquire().expect("trial 1");
        let second = breaker.try_acquire().expect("trial 2");
        assert!(
            breaker.try_acquire().is_err(),
            "a third trial at once exceeds the limit of 2"
        );
        first.success();
        let third = breaker
            .try_acquire()
            .expect("a finished trial frees its slot");
        assert!(breaker.try_acquire().is_err());
        drop(second); // no outcome: the slot is freed, nothing is counted
        let fourth = breaker
            .try_acquire()
            .expect("a dropped permit frees its slot");
        third.success();
        fourth.success();
        assert_eq!(breaker.state(), State::HalfOpen, "3 of 5 successes so far");
    });
}

#[test]
fn open_to_half_open_is_reported_once() {
    // The seed moved OPEN to HALF_OPEN both from a timer and from a lazy check.
    graded(|| {
        let clock = ManualClock::new();
        let breaker = CircuitBreaker::with_clock(config(1, 1, 1), clock.clone()).expect("valid");
        let events = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&events);
        breaker.on_transition(move |t: Transition| log.lock().unwrap().push(t));
        breaker.try_acquire().expect("closed").failure();
        clock.advance(Duration::from_secs(60));
        for _ in 0..5 {
            assert_eq!(breaker.state(), State::HalfOpen);
        }
        let trial = breaker.try_acquire().expect("a trial");
        assert!(breaker.try_acquire().is_err());
        trial.success();
        let events = events.lock().unwrap();
        let half_opens = events.iter().filter(|t| t.to == State::HalfOpen).count();
        assert_eq!(half_opens, 1, "events: {events:?}");
        assert!(events.iter().all(|t| t.from != t.to), "events: {events:?}");
    });
}

#[test]
fn a_listener_may_read_the_breaker() {
    graded(|| {
        let breaker = Arc::new(
            CircuitBreaker::with_clock(config(1, 1, 1), ManualClock::new()).expect("valid"),
        );
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (b, s) = (Arc::downgrade(&breaker), Arc::clone(&seen));
        breaker.on_transition(move |_| {
            if let Some(b) = b.upgrade() {
                s.lock().unwrap().push(b.state());
            }
        });
        breaker.try_acquire().expect("closed").failure();
        assert_eq!(
            *seen.lock().unwrap(),
            [State::Open],
            "listeners run after the change, without a deadlock"
        );
    });
}

#[test]
fn the_registry_shares_one_breaker_per_name() {
    graded(|| {
        let registry = Registry::with_clock(ManualClock::new());
        let a = registry
            .get_or_create("payments", config(1, 1, 1))
            .expect("valid");
        let again = registry
            .get_or_create("payments", config(9, 9, 9))
            .expect("exists");
        assert!(
            Arc::ptr_eq(&a, &again),
            "the same name gives the same breaker"
        );
        let b = registry
            .get_or_create("search", config(1, 1, 1))
            .expect("valid");
        a.try_acquire().expect("closed").failure();
        assert_eq!(a.state(), State::Open);
        assert_eq!(
            b.state(),
            State::Closed,
            "breakers of different names are independent"
        );
        assert!(
            registry
                .get("payments")
                .is_some_and(|p| Arc::ptr_eq(&p, &a))
        );
        assert!(registry.get("unknown").is_none());
        assert!(registry.get_or_create("bad", config(0, 1, 1)).is_err());
        assert!(
            registry.get("bad").is_none(),
            "an invalid configuration registers nothing"
        );
    });
}

/// One step of the property test.
#[derive(Debug, Clone)]
enum Step {
    Advance(u64),
    Succeed,
    Fail,
}

/// The reference model: the rules of the breaker, written as plainly as possible.
struct Model {
    state: State,
    failures: u32,
    successes: u32,
    opened_at: u64,
}

impl Model {
    fn refresh(&mut self, now: u64, config: &Config) {
        if self.state == State::Open
            && now - self.opened_at >= config.reset_timeout.as_millis() as u64
        {
            self.state = State::HalfOpen;
            self.successes = 0;
        }
    }
    /// Whether the call is let through, and the state after it.
    fn call(&mut self, now: u64, success: bool, config: &Config) -> bool {
        self.refresh(now, config);
        match (self.state, success) {
            (State::Open, _) => return false,
            (State::Closed, true) => self.failures = 0,
            (State::Closed, false) => {
                self.failures += 1;
                if self.failures >= config.failure_threshold {
                    self.state = State::Open;
                    self.opened_at = now;
                }
            }
            (State::HalfOpen, true) => {
                self.successes += 1;
                if self.successes >= config.success_threshold {
                    self.state = State::Closed;
                    self.failures = 0;
                }
            }
            (State::HalfOpen, false) => {
                self.state = State::Open;
                self.opened_at = now;
            }
        }
        true
    }
}

#[test]
fn random_call_sequences_follow_the_reference_model() {
    graded(|| {
        let step = prop_oneof![
            (1u64..15_000).prop_map(Step::Advance),
            Just(Step::Succeed),
            Just(Step::Fail),
        ];
        let strategy = (1u32..4, 1u32..4, proptest::collection::vec(step, 1..60));
        let result = proptest_runner(200).run(&strategy, |(failures, successes, steps)| {
            let config = config(failures, successes, 1);
            let clock = ManualClock::new();
            let breaker = CircuitBreaker::with_clock(config, clock.clone()).expect("valid");
            let events = Arc::new(Mutex::new(Vec::new()));
            let log = Arc::clone(&events);
            breaker.on_transition(move |t: Transition| log.lock().unwrap().push(t));
            let mut model = Model {
                state: State::Closed,
                failures: 0,
                successes: 0,
                opened_at: 0,
            };
            let mut now = 0;
            let mut changes = 0;
            for step in &steps {
                let before = model.state;
                match step {
                    Step::Advance(ms) => {
                        now += ms;
                        clock.advance(Duration::from_millis(*ms));
                        model.refresh(now, &config);
                        prop_assert_eq!(breaker.state(), model.state, "after advancing {} ms", ms);
                    }
                    Step::Succeed | Step::Fail => {
                        let success = matches!(step, Step::Succeed);
                        let admitted = model.call(now, success, &config);
                        let permit = breaker.try_acquire();
                        prop_assert_eq!(permit.is_ok(), admitted, "was the call let through?");
                        if let Ok(permit) = permit {
                            if success {
                                permit.success()
                            } else {
                                permit.failure()
                            }
                        }
                        prop_assert_eq!(breaker.state(), model.state);
                    }
                }
                if before != model.state {
                    changes += 1;
                }
            }
            let events = events.lock().unwrap();
            prop_assert!(
                events.iter().all(|t| t.from != t.to),
                "an event from a state to itself: {events:?}"
            );
            prop_assert!(
                events.windows(2).all(|w| w[0].to == w[1].from),
                "events do not chain: {events:?}"
            );
            prop_assert!(events.len() >= changes, "missing events: {events:?}");
            if let Some(last) = events.last() {
                prop_assert_eq!(last.to, model.state);
            }
            Ok(())
        });
        if let Err(failure) = result {
            panic!("{failure}");
        }
    });
}
