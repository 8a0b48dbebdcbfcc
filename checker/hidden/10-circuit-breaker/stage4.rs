// Stage 4 — the failure-rate window (resilience4j's count-based window): the breaker also
// opens when, over the last `window` recorded calls, failures reach `threshold_percent` —
// judged only once the window holds `minimum_calls` — beside the consecutive-failure rule;
// every change of state, override and release starts an empty window. Checked against a
// reference model too.

use circuit_breaker::{
    BreakerError, CircuitBreaker, Clock, Config, ConfigError, FailureRate, State, Transition,
};
use kata_support::{graded, graded_async, proptest_runner};
use proptest::prelude::*;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
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

fn rate(window: u32, minimum_calls: u32, threshold_percent: u32) -> FailureRate {
    FailureRate {
        window,
        minimum_calls,
        threshold_percent,
    }
}

/// A breaker with the rate rule and a consecutive-failure threshold of `failures`; one
/// trial success closes it, the reset timeout is 10 s.
fn rated(failures: u32, rule: FailureRate) -> (CircuitBreaker, Arc<ManualClock>) {
    let clock = ManualClock::new();
    let config = Config {
        failure_threshold: failures,
        success_threshold: 1,
        reset_timeout: Duration::from_secs(10),
        half_open_max_calls: 1,
        call_timeout: None,
        failure_rate: Some(rule),
    };
    let breaker = CircuitBreaker::with_clock(config, clock.clone()).expect("a valid configuration");
    (breaker, clock)
}

/// Records outcomes through permits: `F` a failure, `S` a success.
fn record(breaker: &CircuitBreaker, outcomes: &str) {
    for outcome in outcomes.chars() {
        let permit = breaker
            .try_acquire()
            .unwrap_or_else(|_| panic!("a closed breaker refused a call (after {outcomes:?})"));
        match outcome {
            'F' => permit.failure(),
            'S' => permit.success(),
            other => unreachable!("{other}"),
        }
    }
}

#[test]
fn it_opens_when_the_rate_reaches_the_threshold_after_the_minimum_calls() {
    graded(|| {
        let (breaker, _) = rated(100, rate(4, 4, 50));
        record(&breaker, "FFF");
        assert_eq!(
            breaker.state(),
            State::Closed,
            "3 failures of 3 calls, but the minimum is 4 calls: not judged yet"
        );
        record(&breaker, "S");
        assert_eq!(
            breaker.state(),
            State::Open,
            "3 failures of 4 calls is 75% ≥ 50%: judged after a success too"
        );

        let (breaker, _) = rated(100, rate(4, 4, 50));
        record(&breaker, "SFS");
        assert_eq!(breaker.state(), State::Closed);
        record(&breaker, "F");
        assert_eq!(
            breaker.state(),
            State::Open,
            "2 failures of 4 calls is exactly 50%: reaching the threshold opens it"
        );

        let (breaker, _) = rated(100, rate(4, 4, 51));
        record(&breaker, "SFSF");
        assert_eq!(breaker.state(), State::Closed, "50% is below 51%");

        let (breaker, _) = rated(100, rate(10, 3, 60));
        record(&breaker, "FS");
        assert_eq!(breaker.state(), State::Closed, "2 calls, the minimum is 3");
        record(&breaker, "F");
        assert_eq!(
            breaker.state(),
            State::Open,
            "2 of 3 is 66.7% ≥ 60%: the minimum counts calls, not a full window"
        );
    });
}

#[test]
fn only_the_last_calls_of_the_window_count() {
    graded(|| {
        let (breaker, _) = rated(100, rate(4, 4, 50));
        record(&breaker, "SSSSSS");
        assert_eq!(breaker.state(), State::Closed);
        record(&breaker, "F");
        assert_eq!(breaker.state(), State::Closed, "SSSF: 25%");
        record(&breaker, "F");
        assert_eq!(
            breaker.state(),
            State::Open,
            "the last 4 calls are SSFF, 50%: older calls have left the window"
        );

        let (breaker, _) = rated(100, rate(3, 3, 60));
        record(&breaker, "SSSSSSSSSSFS");
        assert_eq!(breaker.state(), State::Closed, "SFS: 33%");
        record(&breaker, "F");
        assert_eq!(
            breaker.state(),
            State::Open,
            "FSF: 2 of the last 3 calls failed, 66.7% ≥ 60% (a window of 4 would hold SFSF, \
             50%)"
        );
    });
}

#[test]
fn both_rules_apply_and_whichever_trips_first_opens_it() {
    graded(|| {
        let (breaker, _) = rated(3, rate(10, 10, 50));
        record(&breaker, "SSFFF");
        assert_eq!(
            breaker.state(),
            State::Open,
            "3 consecutive failures open it before the rate is even judged"
        );

        let (breaker, _) = rated(3, rate(4, 4, 50));
        record(&breaker, "FSF");
        assert_eq!(breaker.state(), State::Closed);
        record(&breaker, "S");
        assert_eq!(
            breaker.state(),
            State::Open,
            "never two failures in a row, but FSFS is 50% of the window"
        );
    });
}

#[test]
fn every_change_of_state_starts_an_empty_window() {
    graded(|| {
        let (breaker, clock) = rated(100, rate(4, 4, 50));
        record(&breaker, "SSFF");
        assert_eq!(breaker.state(), State::Open);
        assert_eq!(
            breaker.status().window_calls,
            0,
            "opening empties the window"
        );
        clock.advance(Duration::from_secs(10));
        record(&breaker, "S");
        assert_eq!(breaker.state(), State::Closed, "a trial success closed it");
        record(&breaker, "S");
        assert_eq!(
            breaker.state(),
            State::Closed,
            "a closed period starts with an empty window: SSFF from before do not count"
        );
        record(&breaker, "FF");
        assert_eq!(
            breaker.state(),
            State::Closed,
            "SFF: 3 calls since it closed, the minimum is 4"
        );
        let status = breaker.status();
        assert_eq!((status.window_calls, status.window_failures), (3, 2));
        record(&breaker, "S");
        assert_eq!(breaker.state(), State::Open, "SFFS: 50%");

        // An override and its release start a new period too.
        let (breaker, _) = rated(100, rate(4, 4, 50));
        record(&breaker, "FFS");
        breaker.force_close();
        record(&breaker, "FFFFFF");
        assert_eq!(
            breaker.status().window_calls,
            0,
            "nothing is counted while forced"
        );
        breaker.release();
        record(&breaker, "F");
        assert_eq!(
            breaker.state(),
            State::Closed,
            "after the release the window holds one call: FFS from before the override do \
             not count"
        );
        let status = breaker.status();
        assert_eq!((status.window_calls, status.window_failures), (1, 1));
    });
}

#[tokio::test]
async fn only_reported_outcomes_enter_the_window() {
    graded_async(async {
        let (breaker, _) = rated(100, rate(2, 2, 50));
        let is_outage = |e: &String| e != "not found";
        for _ in 0..3 {
            let excused: Result<(), _> = breaker
                .call_with(|| async { Err("not found".to_owned()) }, is_outage)
                .await;
            assert_eq!(excused, Err(BreakerError::Inner("not found".to_owned())));
            drop(breaker.try_acquire().expect("closed"));
        }
        assert_eq!(
            breaker.status().window_calls,
            0,
            "excused errors and dropped permits are not calls of the window"
        );
        let ok: Result<u32, BreakerError<String>> = breaker.call(|| async { Ok(1) }).await;
        assert_eq!(ok, Ok(1));
        let failed: Result<u32, BreakerError<String>> = breaker
            .call_with(|| async { Err("timeout".to_owned()) }, is_outage)
            .await;
        assert!(failed.is_err());
        assert_eq!(breaker.state(), State::Open, "S then F: 50% of 2 calls");
    })
    .await;
}

#[test]
fn status_shows_the_window() {
    graded(|| {
        let (breaker, _) = rated(100, rate(3, 3, 100));
        let status = breaker.status();
        assert_eq!((status.window_calls, status.window_failures), (0, 0));
        record(&breaker, "FS");
        let status = breaker.status();
        assert_eq!((status.window_calls, status.window_failures), (2, 1));
        record(&breaker, "SS");
        let status = breaker.status();
        assert_eq!(
            (status.window_calls, status.window_failures),
            (3, 0),
            "the window holds the last 3 calls: SSS"
        );

        let plain =
            CircuitBreaker::with_clock(Config::default(), ManualClock::new()).expect("valid");
        plain.try_acquire().expect("closed").failure();
        plain.try_acquire().expect("closed").success();
        assert_eq!(
            plain.status().window_calls,
            0,
            "without a failure-rate rule there is no window"
        );
    });
}

#[test]
fn a_bad_failure_rate_is_refused() {
    graded(|| {
        let make = |rule: FailureRate| {
            CircuitBreaker::with_clock(
                Config {
                    failure_rate: Some(rule),
                    ..Config::default()
                },
                ManualClock::new(),
            )
            .map(|_| ())
        };
        for (bad, why) in [
            (rate(0, 1, 50), "a window of 0 calls"),
            (rate(5, 0, 50), "a minimum of 0 calls"),
            (rate(5, 6, 50), "a minimum larger than the window"),
            (rate(5, 5, 0), "a threshold of 0%"),
            (rate(5, 5, 101), "a threshold above 100%"),
        ] {
            assert_eq!(make(bad), Err(ConfigError::InvalidFailureRate), "{why}");
        }
        for good in [rate(1, 1, 1), rate(5, 5, 100), rate(100, 1, 50)] {
            assert_eq!(make(good), Ok(()), "{good:?} is valid");
        }
        assert_eq!(
            CircuitBreaker::with_clock(
                Config {
                    half_open_max_calls: 0,
                    failure_rate: Some(rate(0, 0, 0)),
                    ..Config::default()
                },
                ManualClock::new(),
            )
            .map(|_| ()),
            Err(ConfigError::ZeroHalfOpenCalls),
            "the first invalid field in field order is named"
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

/// The reference model: both rules, written as plainly as possible.
struct Model {
    config: Config,
    state: State,
    failures: u32,
    successes: u32,
    opened_at: u64,
    /// The outcomes of the current closed period, newest last; `true` is a failure.
    window: VecDeque<bool>,
}

impl Model {
    fn enter(&mut self, state: State, now: u64) {
        self.state = state;
        self.failures = 0;
        self.successes = 0;
        self.window.clear();
        if state == State::Open {
            self.opened_at = now;
        }
    }

    fn refresh(&mut self, now: u64) {
        if self.state == State::Open
            && now - self.opened_at >= self.config.reset_timeout.as_millis() as u64
        {
            self.enter(State::HalfOpen, now);
        }
    }

    fn rate_trips(&self) -> bool {
        let rule = self.config.failure_rate.expect("the model has a rate rule");
        let calls = self.window.len() as u64;
        let failed = self.window.iter().filter(|f| **f).count() as u64;
        calls >= u64::from(rule.minimum_calls)
            && failed * 100 >= u64::from(rule.threshold_percent) * calls
    }

    /// Whether the call is let through.
    fn call(&mut self, now: u64, success: bool) -> bool {
        self.refresh(now);
        match self.state {
            State::Open => return false,
            State::Closed => {
                self.failures = if success { 0 } else { self.failures + 1 };
                self.window.push_back(!success);
                let keep = self.config.failure_rate.expect("rule").window as usize;
                while self.window.len() > keep {
                    self.window.pop_front();
                }
                if self.failures >= self.config.failure_threshold || self.rate_trips() {
                    self.enter(State::Open, now);
                }
            }
            State::HalfOpen if success => {
                self.successes += 1;
                if self.successes >= self.config.success_threshold {
                    self.enter(State::Closed, now);
                }
            }
            State::HalfOpen => self.enter(State::Open, now),
        }
        true
    }
}

#[test]
fn random_call_sequences_follow_the_reference_model() {
    graded(|| {
        let step = prop_oneof![
            1 => (1u64..15_000).prop_map(Step::Advance),
            3 => Just(Step::Succeed),
            3 => Just(Step::Fail),
        ];
        let rule = (1u32..7)
            .prop_flat_map(|window| (Just(window), 1..=window, 1u32..=100))
            .prop_map(|(window, minimum, percent)| rate(window, minimum, percent));
        let strategy = (
            1u32..8,
            1u32..3,
            rule,
            proptest::collection::vec(step, 1..80),
        );
        let result = proptest_runner(300).run(&strategy, |(failures, successes, rule, steps)| {
            let config = Config {
                failure_threshold: failures,
                success_threshold: successes,
                reset_timeout: Duration::from_secs(10),
                half_open_max_calls: 1,
                call_timeout: None,
                failure_rate: Some(rule),
            };
            let clock = ManualClock::new();
            let breaker = CircuitBreaker::with_clock(config, clock.clone()).expect("valid");
            let events = Arc::new(Mutex::new(Vec::new()));
            let log = Arc::clone(&events);
            breaker.on_transition(move |t: Transition| log.lock().unwrap().push(t));
            let mut model = Model {
                config,
                state: State::Closed,
                failures: 0,
                successes: 0,
                opened_at: 0,
                window: VecDeque::new(),
            };
            let mut now = 0;
            for (index, step) in steps.iter().enumerate() {
                match step {
                    Step::Advance(ms) => {
                        now += ms;
                        clock.advance(Duration::from_millis(*ms));
                        model.refresh(now);
                    }
                    Step::Succeed | Step::Fail => {
                        let success = matches!(step, Step::Succeed);
                        let admitted = model.call(now, success);
                        let permit = breaker.try_acquire();
                        prop_assert_eq!(
                            permit.is_ok(),
                            admitted,
                            "step {}: was the call let through?",
                            index
                        );
                        if let Ok(permit) = permit {
                            if success {
                                permit.success()
                            } else {
                                permit.failure()
                            }
                        }
                    }
                }
                let status = breaker.status();
                prop_assert_eq!(status.state, model.state, "step {}: the state", index);
                if model.state == State::Closed {
                    prop_assert_eq!(
                        status.window_calls as usize,
                        model.window.len(),
                        "step {}: calls in the window",
                        index
                    );
                    prop_assert_eq!(
                        status.window_failures as usize,
                        model.window.iter().filter(|f| **f).count(),
                        "step {}: failures in the window",
                        index
                    );
                }
            }
            let events = events.lock().unwrap();
            prop_assert!(
                events
                    .windows(2)
                    .all(|w| w[0].to == w[1].from && w[0].from != w[0].to),
                "events do not chain: {events:?}"
            );
            Ok(())
        });
        if let Err(failure) = result {
            panic!("{failure}");
        }
    });
}
