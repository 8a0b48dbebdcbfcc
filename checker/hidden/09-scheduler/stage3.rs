// Stage 3 — persistence: the state file is replaced atomically (a new file renamed over
// the old one), a corrupt file is an error and is left alone, and after a restart jobs
// continue their counts, with one catch-up run for any runs missed while down.

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use kata_support::graded_async;
use scheduler::{Scheduler, StateError, Trigger};
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::time::Duration;

fn start() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 3, 2)
        .unwrap()
        .and_hms_opt(8, 0, 0)
        .unwrap()
}

fn folder(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kata09-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a test folder");
    dir
}

async fn ok() -> Result<(), String> {
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn the_state_file_is_replaced_not_rewritten_in_place() {
    // The seed fired overlapping writes at one file without waiting for any of them.
    graded_async(async {
        let dir = folder("atomic");
        let path = dir.join("state.json");
        let scheduler =
            Scheduler::start_with_state(2, start(), &path).expect("no file yet is fine");
        scheduler
            .add("tick", Trigger::Every(Duration::from_secs(10)), ok)
            .expect("added");
        tokio::time::sleep(Duration::from_secs(11)).await;
        // Keep the file as it is now open: a writer that replaces the file (a new file
        // renamed over the old) never changes what this handle reads; one that rewrites it
        // in place does.
        let mut old = std::fs::File::open(&path).expect("the state file exists after a run");
        let mut before = String::new();
        old.read_to_string(&mut before).unwrap();
        tokio::time::sleep(Duration::from_secs(30)).await;
        let mut through_old_handle = String::new();
        old.seek(SeekFrom::Start(0)).unwrap();
        old.read_to_string(&mut through_old_handle).unwrap();
        assert_eq!(
            through_old_handle, before,
            "the state file was rewritten in place, not replaced"
        );
        assert_ne!(
            std::fs::read_to_string(&path).unwrap(),
            before,
            "later runs must update the state file"
        );
        let leftovers: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(
            leftovers.len(),
            1,
            "no temporary file is left behind: {leftovers:?}"
        );
        let _ = std::fs::remove_dir_all(dir);
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_corrupt_state_file_is_an_error_and_left_alone() {
    graded_async(async {
        let dir = folder("corrupt");
        let path = dir.join("state.json");
        std::fs::write(&path, b"{ this is not a state file").unwrap();
        let error =
            Scheduler::start_with_state(1, start(), &path).expect_err("a corrupt file is an error");
        assert!(matches!(error, StateError::Corrupt { .. }), "{error:?}");
        assert!(
            error.to_string().contains("state.json"),
            "the message names the file: {error}"
        );
        assert_eq!(
            std::fs::read(&path).unwrap(),
            b"{ this is not a state file",
            "the file must not be overwritten"
        );
        let _ = std::fs::remove_dir_all(dir);
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn after_a_restart_jobs_continue_their_counts() {
    graded_async(async {
        let dir = folder("restart");
        let path = dir.join("state.json");
        {
            let first = Scheduler::start_with_state(2, start(), &path).expect("fresh");
            let id = first
                .add("report", Trigger::Every(Duration::from_secs(60)), ok)
                .expect("added");
            first
                .add(
                    "failing",
                    Trigger::Every(Duration::from_secs(60)),
                    || async { Err("no".to_owned()) },
                )
                .expect("added");
            tokio::time::sleep(Duration::from_secs(185)).await;
            assert_eq!(first.status(id).expect("exists").runs, 3);
        } // The first scheduler stops here.
        let later = start() + TimeDelta::seconds(200);
        let second = Scheduler::start_with_state(2, later, &path).expect("the saved file loads");
        let id = second
            .add("report", Trigger::Every(Duration::from_secs(60)), ok)
            .expect("added");
        let failing = second
            .add(
                "failing",
                Trigger::Every(Duration::from_secs(60)),
                || async { Err("no".to_owned()) },
            )
            .expect("added");
        assert_eq!(
            second.status(id).expect("exists").runs,
            3,
            "the count continues from the file"
        );
        assert_eq!(second.status(failing).expect("exists").failures, 3);
        let new = second
            .add("new", Trigger::Every(Duration::from_secs(60)), ok)
            .expect("added");
        assert_eq!(second.status(new).expect("exists").runs, 0);
        let _ = std::fs::remove_dir_all(dir);
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn missed_runs_are_caught_up_once() {
    graded_async(async {
        let dir = folder("missed");
        let path = dir.join("state.json");
        {
            let first = Scheduler::start_with_state(1, start(), &path).expect("fresh");
            first
                .add(
                    "hourly",
                    Trigger::Cron("0 * * * *".parse().expect("valid")),
                    ok,
                )
                .expect("added");
            tokio::time::sleep(Duration::from_secs(3600 + 30)).await;
        }
        // Down from 9:00:30 to 14:10: five hourly runs were missed.
        let later = start() + TimeDelta::minutes(6 * 60 + 10);
        let second = Scheduler::start_with_state(1, later, &path).expect("loads");
        let id = second
            .add(
                "hourly",
                Trigger::Cron("0 * * * *".parse().expect("valid")),
                ok,
            )
            .expect("added");
        tokio::time::sleep(Duration::from_secs(5)).await;
        let status = second.status(id).expect("exists");
        assert_eq!(
            status.runs, 2,
            "one catch-up run for all the missed ones: {status:?}"
        );
        assert_eq!(
            status.skipped, 0,
            "missed runs are not replayed (nor counted as overlaps): {status:?}"
        );
        tokio::time::sleep(Duration::from_secs(50 * 60)).await;
        assert_eq!(
            second.status(id).expect("exists").runs,
            3,
            "then the regular 15:00 run"
        );
        let _ = std::fs::remove_dir_all(dir);
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_missing_folder_is_an_io_error() {
    // The file is created if missing, at start or at the first save: either call may be
    // the one that reports the missing folder, as an `Io` error.
    graded_async(async {
        let path = std::env::temp_dir().join(format!(
            "kata09-{}-no-such-folder/state.json",
            std::process::id()
        ));
        let error = match Scheduler::start_with_state(1, start(), &path) {
            Err(error) => error,
            Ok(scheduler) => scheduler
                .add("x", Trigger::Every(Duration::from_secs(1)), ok)
                .expect_err("saving into a missing folder fails"),
        };
        assert!(matches!(error, StateError::Io { .. }), "{error:?}");
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn interval_and_zoned_jobs_catch_up_missed_runs_too() {
    graded_async(async {
        let dir = folder("missed-kinds");
        let path = dir.join("state.json");
        let zoned = || {
            Trigger::CronIn(
                "0 * * * *".parse().expect("valid"),
                chrono_tz::Europe::Berlin,
            )
        };
        let hourly = || Trigger::Every(Duration::from_secs(3600));
        {
            let first = Scheduler::start_with_state(1, start(), &path).expect("fresh");
            first.add("interval", hourly(), ok).expect("added");
            first.add("zoned", zoned(), ok).expect("added");
            // Both are due at 9:00 (UTC, and 10:00 in Berlin) and run then.
            tokio::time::sleep(Duration::from_secs(3600 + 30)).await;
        }
        // Down from 9:00:30 to 14:10: both missed runs.
        let later = start() + TimeDelta::minutes(6 * 60 + 10);
        let second = Scheduler::start_with_state(1, later, &path).expect("loads");
        let interval = second.add("interval", hourly(), ok).expect("added");
        let zoned = second.add("zoned", zoned(), ok).expect("added");
        tokio::time::sleep(Duration::from_secs(5)).await;
        for id in [interval, zoned] {
            let status = second.status(id).expect("exists");
            assert_eq!(status.runs, 2, "one catch-up run at once: {status:?}");
        }
        let _ = std::fs::remove_dir_all(dir);
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn an_interval_job_that_missed_nothing_does_not_run_at_a_restart() {
    graded_async(async {
        let dir = folder("missed-none");
        let path = dir.join("state.json");
        let hourly = || Trigger::Every(Duration::from_secs(3600));
        {
            let first = Scheduler::start_with_state(1, start(), &path).expect("fresh");
            first.add("interval", hourly(), ok).expect("added");
            tokio::time::sleep(Duration::from_secs(3600 + 30)).await;
        }
        // It ran at 9:00 and is next due at 10:00; the scheduler is back at 9:10.
        let later = start() + TimeDelta::minutes(70);
        let second = Scheduler::start_with_state(1, later, &path).expect("loads");
        let id = second.add("interval", hourly(), ok).expect("added");
        tokio::time::sleep(Duration::from_secs(5)).await;
        let status = second.status(id).expect("exists");
        assert_eq!(
            status.runs, 1,
            "no run was missed while it was down, so none runs at once: {status:?}"
        );
        let _ = std::fs::remove_dir_all(dir);
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_state_file_that_cannot_be_read_is_an_io_error() {
    graded_async(async {
        // A folder where the file should be: it exists, and reading it fails.
        let dir = folder("unreadable");
        match Scheduler::start_with_state(1, start(), &dir) {
            Err(StateError::Io { .. }) => {}
            Err(other) => panic!("expected StateError::Io, got {other:?}"),
            Ok(_) => panic!("a state file that cannot be read is an error, not an empty state"),
        }
        let _ = std::fs::remove_dir_all(dir);
    })
    .await;
}
