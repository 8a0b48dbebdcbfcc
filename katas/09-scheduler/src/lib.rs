//! # Kata 09 — a job scheduler with cron expressions
//!
//! - [`Schedule`]: a five-field cron expression (`FromStr`, with errors that name the field
//!   and the value) and [`Schedule::next_after`], which jumps field by field.
//! - [`Scheduler`]: runs interval and cron jobs on tokio, at most `max_concurrent` at once,
//!   with pause, resume, cancel and status; optionally keeps its state in a file.
//!
//! ```no_run
//! use chrono::NaiveDate;
//! use scheduler::Schedule;
//!
//! let weekdays_at_nine: Schedule = "0 9 * * MON-FRI".parse().expect("a valid expression");
//! let friday_evening = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap().and_hms_opt(18, 0, 0).unwrap();
//! let next = weekdays_at_nine.next_after(friday_evening).expect("it runs again");
//! assert_eq!(next.to_string(), "2026-11-30 09:00:00"); // Monday
//! ```
//!
//! # Cron semantics (Vixie cron)
//!
//! Fields: minute 0–59, hour 0–23, day of month 1–31, month 1–12 (or `JAN`–`DEC`), day of
//! week 0–7 (or `SUN`–`SAT`; 0 and 7 are both Sunday). Each field is a comma-separated list
//! of `*`, `a`, `a-b`, each optionally followed by `/step`; `a/step` means `a-max/step`.
//! When both day fields are restricted (neither starts with `*`), a day matches if
//! **either** matches; otherwise it must match both (a field written `*` allows every day,
//! `*/5` only every fifth).
//!
//! A range must not run backwards: `5-1` is an error (nothing wraps round). A step may pass
//! the end of its range: `58/7` is just 58. Left to you, as the tests use none of them:
//! macros such as `@daily` (the kata does not require them), a step as large as the whole
//! field or larger (`*/60` on minutes; `*/8` on days of the week, whose field has eight
//! values, 0–7), and a range that ends in `SUN` (`FRI-SUN`: refused as 5-0, or read as 5-7).
//!
//! Every `// TODO:` marks a place to write code. Run the examples with
//! `cargo test -p scheduler`; `cargo kata grade scheduler` grades the kata.
//!
//! # Stages
//!
//! 1. `Schedule`: parsing with errors that name the field and the value, and `next_after`.
//! 2. `Scheduler`: interval and cron jobs on tokio, a concurrency limit, the overlap
//!    policy, pause, resume, cancel, status.
//! 3. The state file: atomic saves, corrupt files refused, counts and missed runs after a
//!    restart.
//! 4. Performance: `next_after` jumps field by field.
//! 5. [`Scheduler::jobs`]: every job's status, live (running, waiting for a slot, next run,
//!    last outcome).
//! 6. Time zones: [`Schedule::next_after_in`] and [`Trigger::CronIn`], with daylight saving
//!    as cronie handles it (below).
//!
//! # The scheduler's policies
//!
//! - **Overlap:** a job still running (or waiting for a slot) when it is due again is not
//!   started twice; the run is counted as skipped.
//! - **Missed runs:** after a restart from a state file, a job that missed one or more runs
//!   while the scheduler was down runs once, at once — not once per missed run.
//! - **State file:** rewritten after every change, atomically (a temporary file in the same
//!   folder, then a rename), by one writer at a time. A file that cannot be parsed is an
//!   error and is left untouched.
//!
//! # Time zones and daylight saving (cronie's rule)
//!
//! A job in a time zone matches on that zone's clock (the IANA database of `chrono-tz`);
//! the scheduler's own clock (`start`, `now`, `next_run`) is then read as UTC. A job is a
//! *wildcard* job when its minute or its hour field starts with `*` (`*/15 * * * *`,
//! `30 * * * *`, `*/20 1 * * *`), and a *fixed-time* job otherwise (`30 2 * * *`, also
//! `0,30 2 * * *`: only the first character counts). When the clock jumps forward, a
//! fixed-time job whose time was skipped runs once, at the first instant after the jump
//! (2:30 on the night Berlin jumps from 2:00 to 3:00 runs at 3:00); a wildcard job skips
//! the missing times. When the clock goes back, a fixed-time job runs at the first of the
//! two instants that show its time only; a wildcard job runs at both. Several skipped times
//! of one job (and a skipped time and the first minute after the jump) make one run.
//! Interval jobs run every so much elapsed time, whatever the clocks show.

use std::fmt;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime};
use chrono_tz::Tz;

// ----------------------------------------------------------------------------------------
// Cron expressions
// ----------------------------------------------------------------------------------------

/// One of the five fields of a cron expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// Minute, 0–59.
    Minute,
    /// Hour, 0–23.
    Hour,
    /// Day of the month, 1–31.
    DayOfMonth,
    /// Month, 1–12.
    Month,
    /// Day of the week, 0–7 (0 and 7 are Sunday).
    DayOfWeek,
}

// Helpers for your parser; remove the `allow` once you use them.
#[allow(dead_code)]
impl Field {
    const ALL: [Field; 5] = [
        Field::Minute,
        Field::Hour,
        Field::DayOfMonth,
        Field::Month,
        Field::DayOfWeek,
    ];

    fn range(self) -> (u32, u32) {
        match self {
            Field::Minute => (0, 59),
            Field::Hour => (0, 23),
            Field::DayOfMonth => (1, 31),
            Field::Month => (1, 12),
            Field::DayOfWeek => (0, 7),
        }
    }

    fn names(self) -> &'static [&'static str] {
        match self {
            Field::Month => &[
                "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
            ],
            Field::DayOfWeek => &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"],
            _ => &[],
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Field::Minute => "minute",
            Field::Hour => "hour",
            Field::DayOfMonth => "day-of-month",
            Field::Month => "month",
            Field::DayOfWeek => "day-of-week",
        })
    }
}

/// Why a cron expression was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseError {
    /// The expression does not have exactly five fields.
    FieldCount(usize),
    /// A field holds a value it cannot.
    Invalid {
        /// The field.
        field: Field,
        /// The offending part of the field, as written: the whole list item (`*/0`, `5-1`,
        /// or `32` in `1,32`).
        value: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::FieldCount(n) => write!(f, "a cron expression has 5 fields, not {n}"),
            ParseError::Invalid {
                field,
                value,
                reason,
            } => write!(f, "{field} field: `{value}` {reason}"),
        }
    }
}

impl std::error::Error for ParseError {}

/// A parsed five-field cron expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    // TODO: choose the fields — for example one bit set per field, and whether each of the
    // two day fields is restricted (does not start with `*`).
    _todo: (),
}

impl FromStr for Schedule {
    type Err = ParseError;

    fn from_str(source: &str) -> Result<Self, ParseError> {
        // TODO: implement parsing: five fields, lists, ranges, steps, names, 7 = Sunday.
        let _ = source;
        todo!("Schedule::from_str")
    }
}

impl Schedule {
    /// Whether the expression matches the minute `time` is in.
    pub fn matches(&self, time: NaiveDateTime) -> bool {
        // TODO: implement Schedule::matches.
        let _ = time;
        todo!("Schedule::matches")
    }

    /// The first minute strictly after `after` that matches, or `None` if no date ever
    /// does (like `0 0 30 2 *`, February 30th, answered at once). `None` means never, not
    /// "not soon": `0 0 29 2 */7`, February 29th that is also a Sunday, fires in 2004 and
    /// next in 2032.
    ///
    /// Jump a month, a day or an hour at a time when that field does not match, so that a
    /// yearly schedule costs a few dozen steps, not half a million minutes.
    pub fn next_after(&self, after: NaiveDateTime) -> Option<NaiveDateTime> {
        // TODO: implement Schedule::next_after.
        let _ = after;
        todo!("Schedule::next_after")
    }

    /// The first time strictly after `after` at which the job runs on the clock of
    /// `after`'s time zone (the answer is on that clock too), or `None` if no date ever
    /// matches. Daylight saving follows cronie's rule (see the crate's documentation):
    /// a fixed-time job runs once for a time the clock skips, right after the change, and
    /// once for a time it shows twice, the first time; a wildcard job runs at every time
    /// the clock shows that matches.
    pub fn next_after_in(&self, after: DateTime<Tz>) -> Option<DateTime<Tz>> {
        // TODO: implement Schedule::next_after_in.
        let _ = after;
        todo!("Schedule::next_after_in")
    }
}

// ----------------------------------------------------------------------------------------
// The scheduler
// ----------------------------------------------------------------------------------------

/// When a job runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    /// Every so often, the first time one interval after the job is added. The interval
    /// must not be zero ([`Scheduler::add`] panics).
    Every(Duration),
    /// At the minutes a cron expression matches, the first strictly after the job is added:
    /// a `*/15` job added at 8:00 first runs at 8:15.
    Cron(Schedule),
    /// Like [`Cron`](Self::Cron), on the clock of a time zone, with its daylight saving
    /// (see [`Schedule::next_after_in`]); the scheduler's own clock is then read as UTC.
    CronIn(Schedule, Tz),
}

/// Names one job of a scheduler.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct JobId(u64);

/// What a job is doing and has done so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobStatus {
    /// The job's id.
    pub id: JobId,
    /// The job's name.
    pub name: String,
    /// When it runs, as it was added.
    pub trigger: Trigger,
    /// Completed runs, successful or not.
    pub runs: u64,
    /// Runs that returned an error.
    pub failures: u64,
    /// Runs not started because the previous one was still going (the overlap policy).
    pub skipped: u64,
    /// Whether a run is going (or waiting for a slot) now.
    pub running: bool,
    /// Whether a run is due but waits for a slot of the concurrency limit (`running` is
    /// true then too).
    pub waiting: bool,
    /// Whether the job is paused.
    pub paused: bool,
    /// When it runs next (`None` when paused, or when its schedule never matches again).
    pub next_run: Option<NaiveDateTime>,
    /// What the last completed run returned (`None` before the first one ends).
    pub last_outcome: Option<Result<(), String>>,
}

/// The scheduler's state file could not be used.
#[derive(Debug)]
#[non_exhaustive]
pub enum StateError {
    /// The file exists but is not a valid state file. It is left as it is.
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// Reading or writing the file failed.
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

impl fmt::Display for StateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StateError::Corrupt { path, reason } => {
                write!(
                    f,
                    "the state file {} is corrupt ({reason}); it was left untouched",
                    path.display()
                )
            }
            StateError::Io { path, source } => write!(
                f,
                "failed to use the state file {}: {source}",
                path.display()
            ),
        }
    }
}

impl std::error::Error for StateError {}

/// Runs interval and cron jobs on the tokio runtime it was started on.
///
/// Dropping the scheduler stops it; runs already going finish on their own.
pub struct Scheduler {
    // TODO: choose the fields: the jobs behind a lock, something to wake the driving task
    // when they change (`tokio::sync::Notify`), a `tokio::sync::Semaphore` for the limit,
    // the wall-clock origin, the state file.
    _todo: (),
}

impl fmt::Debug for Scheduler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scheduler").finish_non_exhaustive()
    }
}

impl Scheduler {
    /// Starts a scheduler running at most `max_concurrent` jobs at once. Cron times are
    /// read on a wall clock that shows `start` now and moves with tokio's clock.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime, or when `max_concurrent` is 0.
    pub fn start(max_concurrent: usize, start: NaiveDateTime) -> Self {
        // TODO: implement Scheduler::start (spawn the task that drives the jobs).
        let _ = (max_concurrent, start);
        todo!("Scheduler::start")
    }

    /// Like [`start`](Self::start), keeping job counts in the file at `path` (created if
    /// missing, here or at the first save: your choice). Jobs added later under a saved
    /// name continue from the saved counts; one that missed runs while the scheduler was
    /// down runs once at once.
    ///
    /// Left to you, as the tests do not look: whether a job that was never due before the
    /// stop has missed anything; when an interval job runs next after its catch-up run;
    /// what a restart does whose clock shows a time before the saved one; whether `cancel`
    /// drops the job's saved counts; whether a pause is saved; whether an empty file is
    /// corrupt.
    ///
    /// # Errors
    ///
    /// [`StateError::Corrupt`] when the file exists but cannot be parsed (it is left as it
    /// is); [`StateError::Io`] when it cannot be read (or created, if it is created here).
    ///
    /// # Panics
    ///
    /// As [`start`](Self::start).
    pub fn start_with_state(
        max_concurrent: usize,
        start: NaiveDateTime,
        path: &Path,
    ) -> Result<Self, StateError> {
        // TODO: implement Scheduler::start_with_state.
        let _ = (max_concurrent, start, path);
        todo!("Scheduler::start_with_state")
    }

    /// The scheduler's wall clock now.
    pub fn now(&self) -> NaiveDateTime {
        // TODO: implement Scheduler::now.
        todo!("Scheduler::now")
    }

    /// Adds a job. `job` is called for every run; an `Err` counts as a failure.
    ///
    /// # Errors
    ///
    /// [`StateError`] when the state file cannot be written.
    ///
    /// # Panics
    ///
    /// On `Trigger::Every(Duration::ZERO)`, as `tokio::time::interval` does.
    pub fn add<F, Fut>(&self, name: &str, trigger: Trigger, job: F) -> Result<JobId, StateError>
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), String>> + Send + 'static,
    {
        // TODO: implement Scheduler::add.
        let _ = (name, trigger, job);
        todo!("Scheduler::add")
    }

    /// Stops starting runs of the job until [`resume`](Self::resume). Returns whether the
    /// job exists.
    pub fn pause(&self, id: JobId) -> bool {
        // TODO: implement Scheduler::pause.
        let _ = id;
        todo!("Scheduler::pause")
    }

    /// Starts scheduling a paused job again, from now. Returns whether the job exists.
    pub fn resume(&self, id: JobId) -> bool {
        // TODO: implement Scheduler::resume.
        let _ = id;
        todo!("Scheduler::resume")
    }

    /// Removes the job; a run going now finishes. Returns whether the job existed.
    pub fn cancel(&self, id: JobId) -> bool {
        // TODO: implement Scheduler::cancel.
        let _ = id;
        todo!("Scheduler::cancel")
    }

    /// The job's status, or `None` for an unknown (or cancelled) job.
    pub fn status(&self, id: JobId) -> Option<JobStatus> {
        // TODO: implement Scheduler::status.
        let _ = id;
        todo!("Scheduler::status")
    }

    /// The status of every job, in the order they were added (cancelled jobs are gone),
    /// read now: the same as [`status`](Self::status) says of each.
    pub fn jobs(&self) -> Vec<JobStatus> {
        // TODO: implement Scheduler::jobs.
        todo!("Scheduler::jobs")
    }
}
