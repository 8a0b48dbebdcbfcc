// Stage 2 — the scheduling of `map_with_limit`, measured exactly on tokio's paused clock:
// never more than `limit` in flight, a slot refilled the moment it frees (so the whole
// run takes exactly as long as the greedy schedule), results in input order, and futures
// created only when a slot is free.

use kata_support::{graded, graded_async, proptest_runner};
use proptest::prelude::*;
use read_files::map_with_limit;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// Counts what the instrumented jobs do.
#[derive(Default)]
struct Probe {
    created: AtomicUsize,
    finished: AtomicUsize,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    max_created_unfinished: AtomicUsize,
    starts: Mutex<Vec<(usize, u128)>>,
}

impl Probe {
    /// A job that records when it starts, sleeps `ms`, and returns its index. Creating it
    /// (calling the closure) is counted separately from starting it (its first poll).
    fn job(
        self: &Arc<Self>,
        index: usize,
        ms: u64,
        origin: Instant,
    ) -> impl Future<Output = usize> + Send + 'static {
        let created = self.created.fetch_add(1, Ordering::SeqCst) + 1;
        let unfinished = created - self.finished.load(Ordering::SeqCst);
        self.max_created_unfinished
            .fetch_max(unfinished, Ordering::SeqCst);
        let probe = Arc::clone(self);
        async move {
            let now = probe.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            probe.max_in_flight.fetch_max(now, Ordering::SeqCst);
            probe
                .starts
                .lock()
                .unwrap()
                .push((index, origin.elapsed().as_millis()));
            tokio::time::sleep(Duration::from_millis(ms)).await;
            probe.in_flight.fetch_sub(1, Ordering::SeqCst);
            probe.finished.fetch_add(1, Ordering::SeqCst);
            index
        }
    }

    fn starts(&self) -> Vec<u128> {
        let mut starts = self.starts.lock().unwrap().clone();
        starts.sort();
        starts.into_iter().map(|(_, at)| at).collect()
    }
}

/// Start times and total time of the greedy schedule: each item, in order, starts on the
/// slot that frees first.
fn greedy(durations: &[u64], limit: usize) -> (Vec<u128>, u128) {
    let mut free = vec![0u128; limit.min(durations.len()).max(1)];
    let mut starts = Vec::new();
    for &d in durations {
        let (slot, &at) = free.iter().enumerate().min_by_key(|(_, t)| **t).unwrap();
        starts.push(at);
        free[slot] = at + u128::from(d);
    }
    let total = free.into_iter().max().unwrap_or(0);
    (starts, if durations.is_empty() { 0 } else { total })
}

/// Runs `map_with_limit` over jobs of the given durations on a paused clock.
async fn run(durations: &[u64], limit: usize) -> (Arc<Probe>, Vec<usize>, u128) {
    let probe = Arc::new(Probe::default());
    let origin = Instant::now();
    let jobs: Vec<(usize, u64)> = durations.iter().copied().enumerate().collect();
    let outputs = map_with_limit(jobs, limit, |(index, ms)| probe.job(index, ms, origin))
        .await
        .expect("a positive limit is valid");
    (probe, outputs, origin.elapsed().as_millis())
}

#[tokio::test(start_paused = true)]
async fn never_more_than_limit_in_flight() {
    graded_async(async {
        let (probe, outputs, _) = run(&[30; 20], 4).await;
        assert_eq!(
            probe.max_in_flight.load(Ordering::SeqCst),
            4,
            "at most (and, with 20 jobs, exactly) 4 at once"
        );
        assert_eq!(outputs, (0..20).collect::<Vec<_>>());
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_free_slot_is_refilled_at_once() {
    // One slow job and three quick ones with two slots: the quick ones must share the
    // second slot while the slow one runs. Reading in batches of two takes 110 ms.
    graded_async(async {
        let (probe, _, total) = run(&[100, 10, 10, 10], 2).await;
        assert_eq!(
            probe.starts(),
            [0, 0, 10, 20],
            "start times (ms) of the four jobs"
        );
        assert_eq!(
            total, 100,
            "the run takes as long as the slowest job, not a batch more"
        );
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn results_follow_the_input_not_the_finishing_order() {
    graded_async(async {
        let (_, outputs, total) = run(&[50, 40, 30, 20, 10], 5).await;
        assert_eq!(outputs, [0, 1, 2, 3, 4]);
        assert_eq!(total, 50);
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn futures_are_created_only_when_a_slot_is_free() {
    // 10 000 items with a limit of 4: at no time may more than 4 have been created and
    // not yet finished (no eager `map(f).collect()` of every future up front).
    graded_async(async {
        let probe = Arc::new(Probe::default());
        let origin = Instant::now();
        let outputs = map_with_limit(0..10_000usize, 4, |i| probe.job(i, 1, origin))
            .await
            .expect("valid limit");
        assert_eq!(outputs.len(), 10_000);
        assert!(
            outputs.iter().enumerate().all(|(i, o)| i == *o),
            "results out of order"
        );
        let ahead = probe.max_created_unfinished.load(Ordering::SeqCst);
        assert!(
            ahead <= 4,
            "{ahead} futures existed at once with a limit of 4"
        );
    })
    .await;
}

#[test]
fn any_durations_and_limit_follow_the_greedy_schedule() {
    graded(|| {
        let strategy = (proptest::collection::vec(1u64..60, 0..16), 1usize..6);
        let result = proptest_runner(96).run(&strategy, |(durations, limit)| {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .start_paused(true)
                .build()
                .expect("a runtime");
            let (probe, outputs, total) = runtime.block_on(run(&durations, limit));
            let (starts, expected_total) = greedy(&durations, limit);
            prop_assert!(
                probe.max_in_flight.load(Ordering::SeqCst) <= limit,
                "more than {limit} in flight"
            );
            prop_assert_eq!(
                outputs,
                (0..durations.len()).collect::<Vec<_>>(),
                "input order"
            );
            prop_assert_eq!(
                probe.starts(),
                starts,
                "each job starts when the first slot frees"
            );
            prop_assert_eq!(total, expected_total, "total time of the greedy schedule");
            Ok(())
        });
        if let Err(failure) = result {
            panic!("{failure}");
        }
    });
}
