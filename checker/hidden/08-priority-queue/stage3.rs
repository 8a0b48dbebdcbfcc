// Stage 3 — fairness and a model: with aging a low-priority request is not starved by a
// stream of high ones, and random mixes of priorities start in the model's order.

use kata_support::{graded, graded_async, proptest_runner};
use priority_queue::{Config, Priority, PriorityQueue};
use proptest::prelude::*;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[tokio::test(start_paused = true)]
async fn aging_lets_a_waiting_low_request_through() {
    graded_async(async {
        let queue = PriorityQueue::new(Config {
            concurrency: 1,
            aging: Some(ms(100)),
            max_retries: 0,
            ..Config::default()
        });
        let order = Arc::new(Mutex::new(Vec::new()));
        let spawn = |name: &'static str, p: Priority, run: u64| {
            let (q, order) = (queue.clone(), Arc::clone(&order));
            tokio::spawn(async move {
                q.add(p, move || {
                    let order = Arc::clone(&order);
                    async move {
                        order.lock().unwrap().push(name);
                        tokio::time::sleep(ms(run)).await;
                        Ok::<_, String>(())
                    }
                })
                .await
            })
        };
        let mut tasks = vec![spawn("first high", Priority::High, 300)];
        tokio::time::sleep(ms(1)).await;
        tasks.push(spawn("low", Priority::Low, 10));
        tokio::time::sleep(ms(1)).await;
        for name in ["high 1", "high 2", "high 3"] {
            tasks.push(spawn(name, Priority::High, 10));
        }
        for task in tasks {
            task.await.unwrap().expect("succeeds");
        }
        let order = order.lock().unwrap();
        assert_eq!(
            order[1], "low",
            "after 300 ms of waiting the low request has aged past the high ones: {order:?}"
        );
    })
    .await;
}

/// With `aging` of 100 ms and one slot: a high-priority blocker runs from 0 to `blocker` ms,
/// each request is added at its time (ms) and finishes at once; the order the requests
/// start in after the blocker.
async fn order_after_blocker(
    blocker: u64,
    requests: &[(&'static str, Priority, u64)],
) -> Vec<&'static str> {
    let queue = PriorityQueue::new(Config {
        concurrency: 1,
        aging: Some(ms(100)),
        max_retries: 0,
        ..Config::default()
    });
    let origin = Instant::now();
    let order = Arc::new(Mutex::new(Vec::new()));
    let q = queue.clone();
    let mut tasks = vec![tokio::spawn(async move {
        q.add(Priority::High, || async move {
            tokio::time::sleep(ms(blocker)).await;
            Ok::<_, String>(())
        })
        .await
    })];
    for &(name, priority, at) in requests {
        tokio::time::sleep_until(origin + ms(at)).await;
        let (q, order) = (queue.clone(), Arc::clone(&order));
        tasks.push(tokio::spawn(async move {
            q.add(priority, move || {
                order.lock().unwrap().push(name);
                async { Ok::<_, String>(()) }
            })
            .await
        }));
    }
    for task in tasks {
        task.await.unwrap().expect("succeeds");
    }
    order.lock().unwrap().clone()
}

#[tokio::test(start_paused = true)]
async fn aging_counts_whole_steps_and_stops_at_high() {
    graded_async(async {
        // At 151 ms the low request has waited 150 ms: one whole step, so it counts as
        // medium, and the high request (waited 1 ms) goes first.
        assert_eq!(
            order_after_blocker(
                151,
                &[("low", Priority::Low, 1), ("high", Priority::High, 150)]
            )
            .await,
            ["high", "low"],
            "a low request that waited 1.5 steps counts as medium, not high"
        );
        // At 121 ms the low request (waited 120 ms) counts as medium, like the medium one
        // (waited 10 ms): equal ranks go by arrival.
        assert_eq!(
            order_after_blocker(
                121,
                &[("low", Priority::Low, 1), ("medium", Priority::Medium, 111)]
            )
            .await,
            ["low", "medium"],
            "a low request that waited one step ranks with a medium one, and arrived first"
        );
        // At 151 ms the medium request (waited 150 ms) and the high one (waited 110 ms)
        // both count as high, never above: they go by arrival.
        assert_eq!(
            order_after_blocker(
                151,
                &[
                    ("medium", Priority::Medium, 1),
                    ("high", Priority::High, 41)
                ]
            )
            .await,
            ["medium", "high"],
            "aging stops at high: two requests ranked high go by arrival"
        );
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_retry_ages_from_when_it_rejoins_the_queue() {
    graded_async(async {
        let queue = PriorityQueue::new(Config {
            concurrency: 1,
            aging: Some(ms(100)),
            max_retries: 1,
            base_delay: ms(100),
            ..Config::default()
        });
        let origin = Instant::now();
        let order = Arc::new(Mutex::new(Vec::new()));
        let spawn = |name: &'static str, p: Priority, run: u64, fails_first: bool| {
            let (q, order) = (queue.clone(), Arc::clone(&order));
            let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
            tokio::spawn(async move {
                q.add(p, move || {
                    order.lock().unwrap().push(name);
                    let first = calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0;
                    async move {
                        if run > 0 {
                            tokio::time::sleep(ms(run)).await;
                        }
                        if fails_first && first {
                            Err("busy".to_owned())
                        } else {
                            Ok(())
                        }
                    }
                })
                .await
            })
        };
        // Fails at 0 ms and rejoins the queue at 100 ms, as a low request.
        let mut tasks = vec![spawn("retry", Priority::Low, 0, true)];
        tokio::time::sleep_until(origin + ms(1)).await;
        // Holds the only slot from 1 ms to 180 ms.
        tasks.push(spawn("blocker", Priority::High, 179, false));
        tokio::time::sleep_until(origin + ms(150)).await;
        tasks.push(spawn("medium", Priority::Medium, 0, false));
        for task in tasks {
            task.await.unwrap().expect("succeeds");
        }
        // At 180 ms the retry has waited 80 ms since it rejoined (still low); counted from
        // its first arrival it would rank with the medium request and go first.
        assert_eq!(
            *order.lock().unwrap(),
            ["retry", "blocker", "medium", "retry"],
            "a retry's waiting time for aging starts again when it rejoins the queue"
        );
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn without_aging_priority_is_strict() {
    graded_async(async {
        // `Some(Duration::ZERO)` is the same as `None`.
        for aging in [None, Some(Duration::ZERO)] {
            strict_without_aging(aging).await;
        }
    })
    .await;
}

/// Three requests queued while paused for an hour start by priority alone.
async fn strict_without_aging(aging: Option<Duration>) {
    let queue = PriorityQueue::new(Config {
        concurrency: 1,
        aging,
        max_retries: 0,
        ..Config::default()
    });
    let order = Arc::new(Mutex::new(Vec::new()));
    queue.pause();
    let mut tasks = Vec::new();
    for (name, p) in [
        ("low", Priority::Low),
        ("high 1", Priority::High),
        ("high 2", Priority::High),
    ] {
        let (q, order) = (queue.clone(), Arc::clone(&order));
        tasks.push(tokio::spawn(async move {
            q.add(p, move || {
                order.lock().unwrap().push(name);
                async { Ok::<_, String>(()) }
            })
            .await
        }));
    }
    tokio::time::sleep(Duration::from_secs(3600)).await;
    queue.resume();
    for task in tasks {
        task.await.unwrap().expect("succeeds");
    }
    assert_eq!(
        *order.lock().unwrap(),
        ["high 1", "high 2", "low"],
        "aging: {aging:?}"
    );
}

#[test]
fn random_mixes_start_in_the_models_order() {
    graded(|| {
        let priority = prop_oneof![
            Just(Priority::Low),
            Just(Priority::Medium),
            Just(Priority::High)
        ];
        let strategy = (
            1usize..4,
            proptest::collection::vec((priority, 1u64..40), 1..20),
        );
        let result = proptest_runner(64).run(&strategy, |(concurrency, requests)| {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .start_paused(true)
                .build()
                .unwrap();
            let (order, most) = runtime.block_on(async {
                let queue = PriorityQueue::new(Config {
                    concurrency,
                    max_retries: 0,
                    ..Config::default()
                });
                queue.pause();
                let order = Arc::new(Mutex::new(Vec::new()));
                let running = Arc::new(std::sync::atomic::AtomicUsize::new(0));
                let most = Arc::new(std::sync::atomic::AtomicUsize::new(0));
                let mut tasks = Vec::new();
                for (index, (p, run)) in requests.iter().copied().enumerate() {
                    let (q, order, running, most) = (
                        queue.clone(),
                        Arc::clone(&order),
                        Arc::clone(&running),
                        Arc::clone(&most),
                    );
                    tasks.push(tokio::spawn(async move {
                        q.add(p, move || {
                            let (order, running, most) =
                                (Arc::clone(&order), Arc::clone(&running), Arc::clone(&most));
                            async move {
                                order.lock().unwrap().push(index);
                                let now =
                                    running.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                                most.fetch_max(now, std::sync::atomic::Ordering::SeqCst);
                                tokio::time::sleep(ms(run)).await;
                                running.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                                Ok::<_, String>(())
                            }
                        })
                        .await
                    }));
                    tokio::time::sleep(ms(1)).await;
                }
                let _start = Instant::now();
                queue.resume();
                for task in tasks {
                    task.await.unwrap().unwrap();
                }
                let order = order.lock().unwrap().clone();
                (order, most.load(std::sync::atomic::Ordering::SeqCst))
            });
            // The model: everything was queued before `resume`, so requests start by
            // priority, highest first, then by arrival.
            let mut expected: Vec<usize> = (0..requests.len()).collect();
            expected.sort_by_key(|&i| (std::cmp::Reverse(requests[i].0), i));
            prop_assert_eq!(order, expected);
            prop_assert!(
                most <= concurrency,
                "{} running with a limit of {}",
                most,
                concurrency
            );
            Ok(())
        });
        if let Err(failure) = result {
            panic!("{failure}");
        }
    });
}

/// One step of the state-machine test.
#[derive(Debug, Clone)]
enum Op {
    Add(Priority),
    Pause,
    Resume,
    Clear(Option<Priority>),
    /// Let the `n`-th oldest running request finish.
    Finish(usize),
}

/// The reference model: a queue ordered by priority, then arrival.
#[derive(Default)]
struct Model {
    queued: Vec<(Priority, usize)>,
    running: Vec<usize>,
    started: Vec<usize>,
    cleared: Vec<usize>,
    paused: bool,
}

impl Model {
    fn dispatch(&mut self, limit: usize) {
        while !self.paused && self.running.len() < limit && !self.queued.is_empty() {
            let best = (0..self.queued.len())
                .max_by_key(|&i| (self.queued[i].0, std::cmp::Reverse(self.queued[i].1)))
                .expect("not empty");
            let (_, id) = self.queued.remove(best);
            self.running.push(id);
            self.started.push(id);
        }
    }
}

#[test]
fn random_operation_sequences_follow_the_model() {
    graded(|| {
        let priority = prop_oneof![
            Just(Priority::Low),
            Just(Priority::Medium),
            Just(Priority::High)
        ];
        let op = prop_oneof![
            4 => priority.clone().prop_map(Op::Add),
            1 => Just(Op::Pause),
            2 => Just(Op::Resume),
            1 => proptest::option::of(priority).prop_map(Op::Clear),
            3 => (0usize..4).prop_map(Op::Finish),
        ];
        let strategy = (1usize..4, proptest::collection::vec(op, 1..40));
        let result = proptest_runner(96).run(&strategy, |(limit, ops)| {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .build()
                .unwrap();
            runtime.block_on(async {
                let queue = PriorityQueue::new(Config {
                    concurrency: limit,
                    max_retries: 0,
                    ..Config::default()
                });
                let started = Arc::new(Mutex::new(Vec::new()));
                let mut releases: Vec<Option<tokio::sync::oneshot::Sender<()>>> = Vec::new();
                let mut outcomes = Vec::new();
                let mut model = Model::default();
                for op in &ops {
                    match op {
                        Op::Add(p) => {
                            let id = releases.len();
                            let (release, wait) = tokio::sync::oneshot::channel::<()>();
                            releases.push(Some(release));
                            let wait = Arc::new(Mutex::new(Some(wait)));
                            let (q, started, p) = (queue.clone(), Arc::clone(&started), *p);
                            outcomes.push(tokio::spawn(async move {
                                q.add(p, move || {
                                    started.lock().unwrap().push(id);
                                    let wait = wait.lock().unwrap().take();
                                    async move {
                                        if let Some(wait) = wait {
                                            let _ = wait.await;
                                        }
                                        Ok::<_, String>(id)
                                    }
                                })
                                .await
                            }));
                            model.queued.push((p, id));
                        }
                        Op::Pause => {
                            queue.pause();
                            model.paused = true;
                        }
                        Op::Resume => {
                            queue.resume();
                            model.paused = false;
                        }
                        Op::Clear(only) => {
                            queue.clear(*only);
                            let (gone, kept): (Vec<_>, Vec<_>) = model
                                .queued
                                .iter()
                                .copied()
                                .partition(|(p, _)| only.is_none_or(|o| o == *p));
                            model.queued = kept;
                            model.cleared.extend(gone.into_iter().map(|(_, id)| id));
                        }
                        Op::Finish(n) => {
                            if !model.running.is_empty() {
                                let id = model.running.remove(n % model.running.len());
                                if let Some(release) = releases[id].take() {
                                    let _ = release.send(());
                                }
                            }
                        }
                    }
                    model.dispatch(limit);
                    // Let every task react; nothing here waits on time.
                    for _ in 0..25 {
                        tokio::task::yield_now().await;
                    }
                    prop_assert_eq!(
                        &*started.lock().unwrap(),
                        &model.started,
                        "start order after {:?}",
                        op
                    );
                    let stats = queue.stats();
                    prop_assert_eq!(stats.running, model.running.len(), "running after {:?}", op);
                    prop_assert_eq!(stats.queued, model.queued.len(), "queued after {:?}", op);
                }
                for id in model.cleared.clone() {
                    let outcome = (&mut outcomes[id]).await.unwrap();
                    prop_assert_eq!(outcome, Err(priority_queue::QueueError::Cleared));
                }
                Ok(())
            })
        });
        if let Err(failure) = result {
            panic!("{failure}");
        }
    });
}
