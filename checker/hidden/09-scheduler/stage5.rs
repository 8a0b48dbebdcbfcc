// Stage 5 — the listing of every job: each job's id, name, trigger, whether it is idle,
// running or waiting for a slot, its next run and the outcome of its last run, read live
// (never a snapshot taken when the job was added).

use chrono::{NaiveDate, NaiveDateTime};
use kata_support::graded_async;
use scheduler::{JobStatus, Scheduler, Trigger};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

fn start() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 3, 2)
        .unwrap()
        .and_hms_opt(8, 0, 0)
        .unwrap()
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

async fn wait(d: Duration) {
    tokio::time::sleep(d).await;
}

async fn ok() -> Result<(), String> {
    Ok(())
}

/// A job that takes `length` and succeeds.
fn slow(
    length: Duration,
) -> impl Fn() -> std::pin::Pin<Box<dyn Future<Output = Result<(), String>> + Send>>
+ Send
+ Sync
+ 'static {
    move || {
        Box::pin(async move {
            tokio::time::sleep(length).await;
            Ok(())
        })
    }
}

fn names(list: &[JobStatus]) -> Vec<&str> {
    list.iter().map(|job| job.name.as_str()).collect()
}

#[tokio::test(start_paused = true)]
async fn every_job_is_listed_in_the_order_it_was_added() {
    graded_async(async {
        let scheduler = Scheduler::start(4, start());
        assert!(scheduler.jobs().is_empty(), "no jobs yet");
        let hourly: scheduler::Schedule = "0 * * * *".parse().expect("valid");
        let tick = scheduler
            .add("tick", Trigger::Every(secs(10)), ok)
            .expect("added");
        let report = scheduler
            .add("report", Trigger::Cron(hourly.clone()), ok)
            .expect("added");
        let sweep = scheduler
            .add("sweep", Trigger::Every(secs(60)), ok)
            .expect("added");

        let list = scheduler.jobs();
        assert_eq!(names(&list), ["tick", "report", "sweep"]);
        assert_eq!(list[0].id, tick);
        assert_eq!(list[1].id, report);
        assert_eq!(list[2].id, sweep);
        assert_eq!(list[0].trigger, Trigger::Every(secs(10)));
        assert_eq!(list[1].trigger, Trigger::Cron(hourly));
        assert_eq!(
            list[1].next_run,
            Some(start() + chrono::TimeDelta::hours(1)),
            "the cron job runs next at 9:00"
        );
        for job in &list {
            assert!(
                !job.running && !job.waiting && !job.paused,
                "{job:?} is idle"
            );
            assert_eq!(job.last_outcome, None, "{} has not run yet", job.name);
            assert_eq!(
                Some(job.clone()),
                scheduler.status(job.id),
                "as status says"
            );
        }

        // A paused job is still listed, as paused; a cancelled one is gone.
        assert!(scheduler.pause(sweep));
        assert!(scheduler.cancel(tick));
        let list = scheduler.jobs();
        assert_eq!(
            names(&list),
            ["report", "sweep"],
            "the cancelled job is gone"
        );
        assert!(list[1].paused, "{:?} is paused", list[1]);
        assert_eq!(list[1].next_run, None, "a paused job has no next run");

        // The listing is read now, not when the jobs were added.
        wait(secs(35)).await;
        assert!(scheduler.resume(sweep));
        let late = scheduler
            .add("late", Trigger::Every(secs(5)), ok)
            .expect("added");
        let list = scheduler.jobs();
        assert_eq!(names(&list), ["report", "sweep", "late"]);
        assert_eq!(list[2].id, late);
        assert!(!list[1].paused, "resumed");
        assert_eq!(
            list[1].next_run,
            Some(start() + chrono::TimeDelta::seconds(95)),
            "resumed at 35 s, it runs a minute later"
        );
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn the_listing_tells_running_from_waiting_for_a_slot() {
    graded_async(async {
        // One slot, two jobs due at the same time: one runs, the other waits for the slot.
        let scheduler = Scheduler::start(1, start());
        let a = scheduler
            .add("a", Trigger::Every(secs(100)), slow(secs(15)))
            .expect("added");
        let b = scheduler
            .add("b", Trigger::Every(secs(100)), slow(secs(15)))
            .expect("added");

        wait(secs(101)).await;
        let list = scheduler.jobs();
        assert!(
            list.iter().all(|job| job.running),
            "a run that waits for a slot counts as running too: {list:?}"
        );
        let waiting: Vec<_> = list.iter().filter(|job| job.waiting).collect();
        assert_eq!(
            waiting.len(),
            1,
            "one runs, one waits for the slot: {list:?}"
        );
        let second = waiting[0].id;
        let first = if second == a { b } else { a };

        // At 116 s the first run is over and the second has the slot.
        wait(secs(15)).await;
        let now_first = scheduler.status(first).expect("exists");
        let now_second = scheduler.status(second).expect("exists");
        assert!(
            !now_first.running && !now_first.waiting,
            "finished: {now_first:?}"
        );
        assert_eq!(now_first.last_outcome, Some(Ok(())));
        assert!(
            now_second.running && !now_second.waiting,
            "it has the slot now: {now_second:?}"
        );
        assert_eq!(now_second.last_outcome, None, "its run is not over yet");
        let list = scheduler.jobs();
        assert!(
            list.contains(&now_first) && list.contains(&now_second),
            "{list:?}"
        );

        wait(secs(15)).await;
        for job in scheduler.jobs() {
            assert!(!job.running && !job.waiting, "both done: {job:?}");
            assert_eq!(job.runs, 1);
            assert_eq!(job.last_outcome, Some(Ok(())));
        }
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn the_listing_shows_the_outcome_of_the_last_run() {
    graded_async(async {
        let scheduler = Scheduler::start(2, start());
        // Runs 2 and 4 fail, with their number in the error.
        let calls = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&calls);
        let id = scheduler
            .add("flaky", Trigger::Every(secs(10)), move || {
                let call = counter.fetch_add(1, Ordering::SeqCst) + 1;
                async move {
                    if call.is_multiple_of(2) {
                        Err(format!("failure {call}"))
                    } else {
                        Ok(())
                    }
                }
            })
            .expect("added");
        let steady = scheduler
            .add("steady", Trigger::Every(secs(10)), ok)
            .expect("added");
        let outcome = |scheduler: &Scheduler| {
            let list = scheduler.jobs();
            assert_eq!(list.len(), 2, "{list:?}");
            assert_eq!(list[1].id, steady);
            assert_eq!(list[1].last_outcome, Some(Ok(())));
            assert_eq!(list[0].id, id);
            list[0].last_outcome.clone()
        };
        wait(secs(11)).await;
        assert_eq!(outcome(&scheduler), Some(Ok(())));
        wait(secs(10)).await;
        assert_eq!(outcome(&scheduler), Some(Err("failure 2".to_owned())));
        wait(secs(10)).await;
        assert_eq!(
            outcome(&scheduler),
            Some(Ok(())),
            "the last run, not the worst"
        );
        wait(secs(10)).await;
        assert_eq!(outcome(&scheduler), Some(Err("failure 4".to_owned())));
        let status = scheduler.status(id).expect("exists");
        assert_eq!((status.runs, status.failures), (4, 2));
    })
    .await;
}
