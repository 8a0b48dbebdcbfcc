//! Example tests from the kata's prompt. They fail with "not yet implemented" until you
//! fill in the `todo!()`s; run them with `cargo test -p scheduler`.
//! The hidden tests go much further; `cargo kata grade scheduler` runs them.

use chrono::NaiveDate;
use scheduler::{Schedule, Scheduler, Trigger};
use std::time::Duration;

#[test]
fn every_weekday_at_nine() {
    let schedule: Schedule = "0 9 * * 1-5".parse().unwrap();
    let friday_evening = NaiveDate::from_ymd_opt(2026, 11, 27)
        .unwrap()
        .and_hms_opt(18, 0, 0)
        .unwrap();
    let monday_nine = NaiveDate::from_ymd_opt(2026, 11, 30)
        .unwrap()
        .and_hms_opt(9, 0, 0)
        .unwrap();
    assert_eq!(schedule.next_after(friday_evening), Some(monday_nine));
}

#[tokio::test(start_paused = true)]
async fn an_interval_job_runs_every_five_seconds() {
    let start = NaiveDate::from_ymd_opt(2026, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    let scheduler = Scheduler::start(2, start);
    let id = scheduler
        .add(
            "heartbeat",
            Trigger::Every(Duration::from_secs(5)),
            || async { Ok(()) },
        )
        .unwrap();
    tokio::time::sleep(Duration::from_secs(16)).await;
    assert_eq!(scheduler.status(id).unwrap().runs, 3);
}
