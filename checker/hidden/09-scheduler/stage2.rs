// Stage 2 — the scheduler on tokio's paused clock: interval and cron jobs, the
// concurrency limit, the overlap policy, pause, resume, cancel and status, and a drop that
// stops it.

use chrono::{NaiveDate, NaiveDateTime};
use kata_support::graded_async;
use scheduler::{JobId, Scheduler, Trigger};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, mo, d)
        .unwrap()
        .and_hms_opt(h, mi, 0)
        .unwrap()
}

fn start() -> NaiveDateTime {
    at(2026, 3, 2, 8, 0)
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// Counts how many of a job's runs are going at once, and the most ever seen.
#[derive(Default)]
struct Gauge {
    now: AtomicUsize,
    max: AtomicUsize,
    done: AtomicUsize,
}

/// A job that takes `length` and records itself in `gauge`.
fn job(
    gauge: &Arc<Gauge>,
    length: Duration,
) -> impl Fn() -> std::pin::Pin<Box<dyn Future<Output = Result<(), String>> + Send>>
+ Send
+ Sync
+ 'static {
    let gauge = Arc::clone(gauge);
    move || {
        let gauge = Arc::clone(&gauge);
        Box::pin(async move {
            let now = gauge.now.fetch_add(1, Ordering::SeqCst) + 1;
            gauge.max.fetch_max(now, Ordering::SeqCst);
            tokio::time::sleep(length).await;
            gauge.now.fetch_sub(1, Ordering::SeqCst);
            gauge.done.fetch_add(1, Ordering::SeqCst);
            Ok(())
        })
    }
}

async fn wait(d: Duration) {
    tokio::time::sleep(d).await;
}

fn runs(scheduler: &Scheduler, id: JobId) -> u64 {
    scheduler.status(id).expect("the job exists").runs
}

#[tokio::test(start_paused = true)]
async fn an_interval_job_runs_every_interval() {
    graded_async(async {
        let scheduler = Scheduler::start(4, start());
        let gauge = Arc::new(Gauge::default());
        let id = scheduler
            .add(
                "tick",
                Trigger::Every(secs(10)),
                job(&gauge, Duration::ZERO),
            )
            .expect("added");
        wait(secs(35)).await;
        assert_eq!(runs(&scheduler, id), 3, "at 10, 20 and 30 s");
        wait(secs(10)).await;
        assert_eq!(runs(&scheduler, id), 4);
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_cron_job_runs_at_the_matching_minutes() {
    graded_async(async {
        let scheduler = Scheduler::start(4, start());
        let gauge = Arc::new(Gauge::default());
        let schedule = "*/15 * * * *".parse().expect("valid");
        let id = scheduler
            .add(
                "quarterly",
                Trigger::Cron(schedule),
                job(&gauge, Duration::ZERO),
            )
            .expect("added");
        assert_eq!(
            scheduler.status(id).expect("exists").next_run,
            Some(at(2026, 3, 2, 8, 15))
        );
        wait(secs(50 * 60)).await;
        let status = scheduler.status(id).expect("exists");
        assert_eq!(status.runs, 3, "at 8:15, 8:30 and 8:45");
        assert_eq!(status.next_run, Some(at(2026, 3, 2, 9, 0)));
        assert_eq!(status.name, "quarterly");
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn no_more_than_the_limit_run_at_once() {
    graded_async(async {
        let scheduler = Scheduler::start(2, start());
        let gauge = Arc::new(Gauge::default());
        for n in 0..5 {
            scheduler
                .add(
                    &format!("job {n}"),
                    Trigger::Every(secs(10)),
                    job(&gauge, secs(25)),
                )
                .expect("added");
        }
        wait(secs(120)).await;
        assert_eq!(gauge.max.load(Ordering::SeqCst), 2, "five jobs, two slots");
        assert!(
            gauge.done.load(Ordering::SeqCst) >= 6,
            "the slots are used: {} runs",
            gauge.done.load(Ordering::SeqCst)
        );
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_job_still_running_is_not_started_again() {
    graded_async(async {
        let scheduler = Scheduler::start(4, start());
        let gauge = Arc::new(Gauge::default());
        let id = scheduler
            .add("slow", Trigger::Every(secs(10)), job(&gauge, secs(25)))
            .expect("added");
        wait(secs(61)).await;
        let status = scheduler.status(id).expect("exists");
        assert_eq!(
            gauge.max.load(Ordering::SeqCst),
            1,
            "two runs of one job overlapped"
        );
        assert!(
            status.skipped >= 2,
            "due times that found it running are skipped: {status:?}"
        );
        assert!(
            status.running,
            "the run started at 40 s is still going at 61 s"
        );
        assert_eq!(status.runs, 1, "only the run of 10–35 s has finished");
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_job_waiting_for_a_slot_is_not_queued_again() {
    // One slot. `hog` takes it from 10 s to 70 s; `waiting` is due at 15 s and waits for
    // the slot. Its due times at 30, 45 and 60 s find it still waiting: a run waiting for a
    // slot counts as running, so they are skipped, not queued behind it.
    graded_async(async {
        let scheduler = Scheduler::start(1, start());
        let hog = Arc::new(Gauge::default());
        let quick = Arc::new(Gauge::default());
        scheduler
            .add("hog", Trigger::Every(secs(10)), job(&hog, secs(60)))
            .expect("added");
        let id = scheduler
            .add(
                "waiting",
                Trigger::Every(secs(15)),
                job(&quick, Duration::ZERO),
            )
            .expect("added");
        wait(secs(61)).await;
        let status = scheduler.status(id).expect("exists");
        assert!(
            status.running,
            "a run waiting for a slot counts as running: {status:?}"
        );
        assert_eq!(
            (status.runs, status.skipped),
            (0, 3),
            "due at 15 s and waiting; 30, 45 and 60 s skipped: {status:?}"
        );
        wait(secs(11)).await; // 72 s: the slot was free at 70 s.
        let status = scheduler.status(id).expect("exists");
        assert_eq!(
            (status.runs, status.skipped),
            (1, 3),
            "one run when the slot came free, not one per due time: {status:?}"
        );
        assert!(!status.running, "the run is over: {status:?}");
        assert_eq!(quick.done.load(Ordering::SeqCst), 1);
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn pause_and_resume() {
    graded_async(async {
        let scheduler = Scheduler::start(4, start());
        let gauge = Arc::new(Gauge::default());
        let id = scheduler
            .add(
                "tick",
                Trigger::Every(secs(10)),
                job(&gauge, Duration::ZERO),
            )
            .expect("added");
        wait(secs(25)).await;
        assert_eq!(runs(&scheduler, id), 2);
        assert!(scheduler.pause(id));
        let paused = scheduler.status(id).expect("exists");
        assert!(paused.paused && paused.next_run.is_none());
        wait(secs(100)).await;
        assert_eq!(runs(&scheduler, id), 2, "a paused job does not run");
        assert!(scheduler.resume(id));
        wait(secs(25)).await;
        assert_eq!(runs(&scheduler, id), 4, "it runs again after resume");
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn cancel_removes_the_job() {
    graded_async(async {
        let scheduler = Scheduler::start(4, start());
        let gauge = Arc::new(Gauge::default());
        let id = scheduler
            .add(
                "tick",
                Trigger::Every(secs(10)),
                job(&gauge, Duration::ZERO),
            )
            .expect("added");
        let other = scheduler
            .add(
                "other",
                Trigger::Every(secs(10)),
                job(&gauge, Duration::ZERO),
            )
            .expect("added");
        wait(secs(15)).await;
        assert!(scheduler.cancel(id));
        assert!(
            !scheduler.cancel(id),
            "cancelling twice reports the job is gone"
        );
        assert!(scheduler.status(id).is_none());
        wait(secs(60)).await;
        assert_eq!(
            gauge.done.load(Ordering::SeqCst),
            1 + 7,
            "one run of the cancelled job, seven of the other"
        );
        assert!(!scheduler.pause(id) && !scheduler.resume(id));
        assert_eq!(runs(&scheduler, other), 7);
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn failures_are_counted() {
    graded_async(async {
        let scheduler = Scheduler::start(1, start());
        let id = scheduler
            .add("flaky", Trigger::Every(secs(10)), || async {
                Err("backend down".to_owned())
            })
            .expect("added");
        wait(secs(31)).await;
        let status = scheduler.status(id).expect("exists");
        assert_eq!((status.runs, status.failures), (3, 3));
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn dropping_the_scheduler_stops_it() {
    graded_async(async {
        let scheduler = Scheduler::start(4, start());
        let gauge = Arc::new(Gauge::default());
        scheduler
            .add(
                "tick",
                Trigger::Every(secs(10)),
                job(&gauge, Duration::ZERO),
            )
            .expect("added");
        wait(secs(25)).await;
        assert_eq!(gauge.done.load(Ordering::SeqCst), 2, "at 10 and 20 s");
        drop(scheduler);
        wait(secs(100)).await;
        assert_eq!(
            gauge.done.load(Ordering::SeqCst),
            2,
            "a dropped scheduler starts no more runs"
        );
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_zero_interval_is_refused() {
    // `Every(Duration::ZERO)` would be due again the instant it was due: `add` panics (an
    // error returned instead is accepted too).
    graded_async(async {
        let scheduler = Scheduler::start(1, start());
        let gauge = Arc::new(Gauge::default());
        let zero = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            scheduler.add(
                "zero",
                Trigger::Every(Duration::ZERO),
                job(&gauge, Duration::ZERO),
            )
        }));
        assert!(
            !matches!(zero, Ok(Ok(_))),
            "a job with an interval of zero must be refused"
        );
    })
    .await;
}
