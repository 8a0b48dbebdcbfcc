// STUB: //! # Kata 09 — a job scheduler with cron expressions
// STUB: //!
// STUB: //! - [`Schedule`]: a five-field cron expression (`FromStr`, with errors that name the field
// STUB: //!   and the value) and [`Schedule::next_after`], which jumps field by field.
// STUB: //! - [`Scheduler`]: runs interval and cron jobs on tokio, at most `max_concurrent` at once,
// STUB: //!   with pause, resume, cancel and status; optionally keeps its state in a file.
// STUB: //!
// STUB: //! ```no_run
// STUB: //! use chrono::NaiveDate;
// STUB: //! use scheduler::Schedule;
// STUB: //!
// STUB: //! let weekdays_at_nine: Schedule = "0 9 * * MON-FRI".parse().expect("a valid expression");
// STUB: //! let friday_evening = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap().and_hms_opt(18, 0, 0).unwrap();
// STUB: //! let next = weekdays_at_nine.next_after(friday_evening).expect("it runs again");
// STUB: //! assert_eq!(next.to_string(), "2026-11-30 09:00:00"); // Monday
// STUB: //! ```
// STUB: //!
// STUB: //! # Cron semantics (Vixie cron)
// STUB: //!
// STUB: //! Fields: minute 0–59, hour 0–23, day of month 1–31, month 1–12 (or `JAN`–`DEC`), day of
// STUB: //! week 0–7 (or `SUN`–`SAT`; 0 and 7 are both Sunday). Each field is a comma-separated list
// STUB: //! of `*`, `a`, `a-b`, each optionally followed by `/step`; `a/step` means `a-max/step`.
// STUB: //! When both day fields are restricted (neither starts with `*`), a day matches if
// STUB: //! **either** matches; otherwise it must match both (a field written `*` allows every day,
// STUB: //! `*/5` only every fifth).
// STUB: //!
// STUB: //! A range must not run backwards: `5-1` is an error (nothing wraps round). A step may pass
// STUB: //! the end of its range: `58/7` is just 58. Left to you, as the tests use none of them:
// STUB: //! macros such as `@daily` (the kata does not require them), a step as large as the whole
// STUB: //! field or larger (`*/60` on minutes; `*/8` on days of the week, whose field has eight
// STUB: //! values, 0–7), and a range that ends in `SUN` (`FRI-SUN`: refused as 5-0, or read as 5-7).
// STUB: //!
// STUB: //! Every `// TODO:` marks a place to write code. Run the examples with
// STUB: //! `cargo test -p scheduler`; `cargo kata grade scheduler` grades the kata.
// STUB: //!
// STUB: //! # Stages
// STUB: //!
// STUB: //! 1. `Schedule`: parsing with errors that name the field and the value, and `next_after`.
// STUB: //! 2. `Scheduler`: interval and cron jobs on tokio, a concurrency limit, the overlap
// STUB: //!    policy, pause, resume, cancel, status.
// STUB: //! 3. The state file: atomic saves, corrupt files refused, counts and missed runs after a
// STUB: //!    restart.
// STUB: //! 4. Performance: `next_after` jumps field by field.
// STUB: //! 5. [`Scheduler::jobs`]: every job's status, live (running, waiting for a slot, next run,
// STUB: //!    last outcome).
// STUB: //! 6. Time zones: [`Schedule::next_after_in`] and [`Trigger::CronIn`], with daylight saving
// STUB: //!    as cronie handles it (below).
// STUB: //!
// BEGIN SOLUTION
//! # Kata 09 — a job scheduler with cron expressions, reference solution
//!
//! - [`Schedule`]: a five-field cron expression (`FromStr`, with errors that name the field
//!   and the value) and [`Schedule::next_after`], which jumps field by field.
//! - [`Scheduler`]: runs interval and cron jobs on tokio, at most `max_concurrent` at once,
//!   with pause, resume, cancel and status; optionally keeps its state in a file.
//!
//! ```
//! use chrono::NaiveDate;
//! use scheduler_solution::Schedule;
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
// END SOLUTION
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

// BEGIN SOLUTION
use std::collections::HashMap;
// END SOLUTION
use std::fmt;
use std::future::Future;
use std::path::{Path, PathBuf};
// BEGIN SOLUTION
use std::pin::Pin;
// END SOLUTION
use std::str::FromStr;
// BEGIN SOLUTION
use std::sync::{Arc, Mutex};
// END SOLUTION
use std::time::Duration;

// STUB: use chrono::{DateTime, NaiveDateTime};
// BEGIN SOLUTION
use chrono::{
    DateTime, Datelike, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeDelta, TimeZone,
    Timelike,
};
// END SOLUTION
use chrono_tz::Tz;
// BEGIN SOLUTION
use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, Semaphore};
use tokio::time::Instant;
// END SOLUTION

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

// STUB: // Helpers for your parser; remove the `allow` once you use them.
// STUB: #[allow(dead_code)]
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
    // STUB: // TODO: choose the fields — for example one bit set per field, and whether each of the
    // STUB: // two day fields is restricted (does not start with `*`).
    // STUB: _todo: (),
    // BEGIN SOLUTION
    /// Bit `n` set when value `n` matches, per field.
    minutes: u64,
    hours: u64,
    days: u64,
    months: u64,
    weekdays: u64,
    /// Whether the day-of-month and day-of-week fields are restricted (do not start with `*`).
    days_restricted: bool,
    weekdays_restricted: bool,
    /// Whether any day at all can match (not so for February 30th), worked out once.
    some_day: bool,
    /// Whether the minute or the hour field starts with `*` (cronie's rule for which jobs
    /// run in both passes of a repeated hour and skip a missing one).
    wildcard: bool,
    source: String,
    // END SOLUTION
}

// BEGIN SOLUTION
fn parse_value(field: Field, text: &str, item: &str) -> Result<u32, ParseError> {
    let invalid = |reason: String| ParseError::Invalid {
        field,
        value: item.to_owned(),
        reason,
    };
    let (low, high) = field.range();
    let number = match text.parse::<u32>() {
        Ok(n) => n,
        Err(_) => {
            let upper = text.to_ascii_uppercase();
            let index = field
                .names()
                .iter()
                .position(|name| *name == upper)
                .ok_or_else(|| invalid("is not a number or a name".into()))?;
            // Month names start at 1, weekday names at 0 (Sunday).
            index as u32 + if field == Field::Month { 1 } else { 0 }
        }
    };
    if number < low || number > high {
        return Err(invalid(format!("is out of range {low}-{high}")));
    }
    Ok(number)
}

fn parse_field(field: Field, text: &str) -> Result<u64, ParseError> {
    let (low, high) = field.range();
    let mut bits = 0u64;
    for item in text.split(',') {
        let invalid = |reason: &str| ParseError::Invalid {
            field,
            value: item.to_owned(),
            reason: reason.into(),
        };
        let (range, step) = match item.split_once('/') {
            Some((range, step)) => {
                let step: u32 = step
                    .parse()
                    .map_err(|_| invalid("has a step that is not a number"))?;
                if step == 0 {
                    return Err(invalid("has a step of 0"));
                }
                (range, step)
            }
            None => (item, 1),
        };
        let (from, to) = if range == "*" {
            (low, high)
        } else if let Some((a, b)) = range.split_once('-') {
            (parse_value(field, a, item)?, parse_value(field, b, item)?)
        } else {
            let start = parse_value(field, range, item)?;
            // `a/step` runs from `a` to the field's end; a bare `a` is just `a`.
            let has_step = item.contains('/');
            (start, if has_step { high } else { start })
        };
        if from > to {
            return Err(invalid("is a range that ends before it starts"));
        }
        if range.is_empty() {
            return Err(invalid("is empty"));
        }
        let mut value = from;
        while value <= to {
            bits |= 1 << value;
            value += step;
        }
    }
    if field == Field::DayOfWeek && bits & (1 << 7) != 0 {
        bits = (bits & !(1 << 7)) | 1; // 7 is Sunday, like 0.
    }
    Ok(bits)
}

// END SOLUTION
impl FromStr for Schedule {
    type Err = ParseError;

    fn from_str(source: &str) -> Result<Self, ParseError> {
        // STUB: // TODO: implement parsing: five fields, lists, ranges, steps, names, 7 = Sunday.
        // STUB: let _ = source;
        // STUB: todo!("Schedule::from_str")
        // BEGIN SOLUTION
        let fields: Vec<&str> = source.split_whitespace().collect();
        if fields.len() != 5 {
            return Err(ParseError::FieldCount(fields.len()));
        }
        let mut bits = [0u64; 5];
        for (slot, (field, text)) in bits.iter_mut().zip(Field::ALL.iter().zip(&fields)) {
            *slot = parse_field(*field, text)?;
        }
        let mut schedule = Schedule {
            minutes: bits[0],
            hours: bits[1],
            days: bits[2],
            months: bits[3],
            weekdays: bits[4],
            days_restricted: !fields[2].starts_with('*'),
            weekdays_restricted: !fields[4].starts_with('*'),
            some_day: true,
            wildcard: fields[0].starts_with('*') || fields[1].starts_with('*'),
            source: fields.join(" "),
        };
        schedule.some_day = schedule.some_day_can_match();
        Ok(schedule)
        // END SOLUTION
    }
}

// BEGIN SOLUTION
impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

fn has(bits: u64, value: u32) -> bool {
    bits & (1 << value) != 0
}

/// How many years `next_after` looks ahead. The Gregorian calendar repeats every 400 years
/// (146 097 days, a whole number of weeks), so a schedule that matches at all matches
/// within 400 years of any time; rare days are far apart (February 29th on a Sunday comes in
/// 2004 and next in 2032).
const SEARCH_YEARS: i32 = 400;

/// The longest each month can be (February in a leap year).
const MONTH_LENGTHS: [u32; 12] = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

// END SOLUTION
impl Schedule {
    // BEGIN SOLUTION
    /// Whether the expression matches the day of `date` (the day-of-month/day-of-week rule).
    fn day_matches(&self, date: NaiveDate) -> bool {
        let day = has(self.days, date.day());
        let weekday = has(self.weekdays, date.weekday().num_days_from_sunday());
        // Vixie cron: either field when both are restricted, otherwise both (a field that
        // starts with `*` allows every day, unless it has a step like `*/5`).
        if self.days_restricted && self.weekdays_restricted {
            day || weekday
        } else {
            day && weekday
        }
    }

    /// Whether any day at all can match. When both day fields must match (one of them
    /// starts with `*`) and no allowed month has an allowed day of the month, like
    /// February 30th, none can: every other combination of a day of the month and a day
    /// of the week comes round within the 400-year cycle.
    fn some_day_can_match(&self) -> bool {
        if self.weekdays_restricted && self.days_restricted {
            return true; // Either field will do, and every month has every day of the week.
        }
        (1..=12u32).filter(|&m| has(self.months, m)).any(|m| {
            let upto = MONTH_LENGTHS[m as usize - 1];
            self.days & ((1u64 << (upto + 1)) - 2) != 0
        })
    }

    // END SOLUTION
    /// Whether the expression matches the minute `time` is in.
    pub fn matches(&self, time: NaiveDateTime) -> bool {
        // STUB: // TODO: implement Schedule::matches.
        // STUB: let _ = time;
        // STUB: todo!("Schedule::matches")
        // BEGIN SOLUTION
        has(self.months, time.month())
            && self.day_matches(time.date())
            && has(self.hours, time.hour())
            && has(self.minutes, time.minute())
        // END SOLUTION
    }

    /// The first minute strictly after `after` that matches, or `None` if no date ever
    /// does (like `0 0 30 2 *`, February 30th, answered at once). `None` means never, not
    /// "not soon": `0 0 29 2 */7`, February 29th that is also a Sunday, fires in 2004 and
    /// next in 2032.
    ///
    /// Jump a month, a day or an hour at a time when that field does not match, so that a
    /// yearly schedule costs a few dozen steps, not half a million minutes.
    pub fn next_after(&self, after: NaiveDateTime) -> Option<NaiveDateTime> {
        // STUB: // TODO: implement Schedule::next_after.
        // STUB: let _ = after;
        // STUB: todo!("Schedule::next_after")
        // BEGIN SOLUTION
        if !self.some_day {
            return None;
        }
        let start = after.with_second(0)?.with_nanosecond(0)? + TimeDelta::minutes(1);
        let last_year = start.year() + SEARCH_YEARS;
        let mut time = start;
        while time.year() <= last_year {
            if !has(self.months, time.month()) {
                // The first minute of the next month.
                let (year, month) = if time.month() == 12 {
                    (time.year() + 1, 1)
                } else {
                    (time.year(), time.month() + 1)
                };
                time = NaiveDate::from_ymd_opt(year, month, 1)?.and_hms_opt(0, 0, 0)?;
            } else if !self.day_matches(time.date()) {
                time = time.date().succ_opt()?.and_hms_opt(0, 0, 0)?;
            } else if !has(self.hours, time.hour()) {
                time = time.with_minute(0)? + TimeDelta::hours(1);
            } else {
                // The next allowed minute of this hour, straight from the bit set.
                let later = self.minutes >> time.minute();
                if later == 0 {
                    time = time.with_minute(0)? + TimeDelta::hours(1);
                } else if later & 1 == 0 {
                    time += TimeDelta::minutes(i64::from(later.trailing_zeros()));
                } else {
                    return Some(time);
                }
            }
        }
        None
        // END SOLUTION
    }

    /// The first time strictly after `after` at which the job runs on the clock of
    /// `after`'s time zone (the answer is on that clock too), or `None` if no date ever
    /// matches. Daylight saving follows cronie's rule (see the crate's documentation):
    /// a fixed-time job runs once for a time the clock skips, right after the change, and
    /// once for a time it shows twice, the first time; a wildcard job runs at every time
    /// the clock shows that matches.
    pub fn next_after_in(&self, after: DateTime<Tz>) -> Option<DateTime<Tz>> {
        // STUB: // TODO: implement Schedule::next_after_in.
        // STUB: let _ = after;
        // STUB: todo!("Schedule::next_after_in")
        // BEGIN SOLUTION
        let zone = after.timezone();
        // A clock that goes back within the next day shows, in the second pass of the
        // repeated time, local times before the one it shows now: search from there.
        let later = zone.from_utc_datetime(&(after.naive_utc() + TimeDelta::hours(26)));
        let back = after.offset().fix().local_minus_utc() - later.offset().fix().local_minus_utc();
        let mut local = after.naive_local() - TimeDelta::seconds(i64::from(back.max(0)));
        // The earliest second-pass run found so far (wildcard jobs only).
        let mut second_pass: Option<DateTime<Tz>> = None;
        let earliest = |time: DateTime<Tz>, other: Option<DateTime<Tz>>| {
            Some(other.map_or(time, |other| other.min(time)))
        };
        loop {
            local = self.next_after(local)?;
            match zone.from_local_datetime(&local) {
                LocalResult::Single(time) => {
                    if time > after {
                        return earliest(time, second_pass);
                    }
                }
                LocalResult::Ambiguous(first, second) => {
                    if first > after {
                        return earliest(first, second_pass);
                    }
                    if self.wildcard && second > after {
                        second_pass = earliest(second, second_pass);
                    }
                }
                LocalResult::None => {
                    if !self.wildcard {
                        let time = first_after_gap(zone, local)?;
                        if time > after {
                            return earliest(time, second_pass);
                        }
                    }
                }
            }
        }
        // END SOLUTION
    }
}

// BEGIN SOLUTION
/// The first instant after the gap (a spring-forward night's skipped hour) that `local`
/// falls in.
fn first_after_gap(zone: Tz, mut local: NaiveDateTime) -> Option<DateTime<Tz>> {
    for _ in 0..2 * 24 * 60 {
        local += TimeDelta::minutes(1);
        if let Some(time) = zone.from_local_datetime(&local).earliest() {
            return Some(time);
        }
    }
    None
}

// END SOLUTION
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

// BEGIN SOLUTION
type JobFuture = Pin<Box<dyn Future<Output = Result<(), String>> + Send>>;
type JobFn = Arc<dyn Fn() -> JobFuture + Send + Sync>;

/// One saved job, as the state file holds it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
struct Saved {
    runs: u64,
    failures: u64,
    skipped: u64,
    last_due: Option<NaiveDateTime>,
}

struct Job {
    id: JobId,
    name: String,
    trigger: Trigger,
    run: JobFn,
    saved: Saved,
    running: bool,
    waiting: bool,
    paused: bool,
    next: Option<NaiveDateTime>,
    last_outcome: Option<Result<(), String>>,
}

impl Job {
    fn status(&self) -> JobStatus {
        JobStatus {
            id: self.id,
            name: self.name.clone(),
            trigger: self.trigger.clone(),
            runs: self.saved.runs,
            failures: self.saved.failures,
            skipped: self.saved.skipped,
            running: self.running,
            waiting: self.waiting,
            paused: self.paused,
            next_run: self.next,
            last_outcome: self.last_outcome.clone(),
        }
    }
}

struct State {
    jobs: Vec<Job>,
    next_id: u64,
    /// What the state file held at start, for jobs not added (again) yet.
    restored: HashMap<String, Saved>,
}

struct Shared {
    state: Mutex<State>,
    changed: Notify,
    slots: Arc<Semaphore>,
    start_wall: NaiveDateTime,
    start_instant: Instant,
    state_file: Option<PathBuf>,
    /// One writer of the state file at a time.
    writer: Mutex<()>,
}

impl Shared {
    fn wall_now(&self) -> NaiveDateTime {
        self.wall_at(Instant::now())
    }

    fn wall_at(&self, instant: Instant) -> NaiveDateTime {
        let elapsed = instant.saturating_duration_since(self.start_instant);
        self.start_wall + TimeDelta::from_std(elapsed).unwrap_or(TimeDelta::MAX)
    }

    fn instant_at(&self, wall: NaiveDateTime) -> Instant {
        let offset = (wall - self.start_wall).to_std().unwrap_or(Duration::ZERO);
        self.start_instant + offset
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Writes every job's counts to the state file, atomically.
    fn save(&self) -> Result<(), StateError> {
        let Some(path) = &self.state_file else {
            return Ok(());
        };
        let _writer = self
            .writer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let snapshot: HashMap<String, Saved> = {
            let state = self.lock();
            let mut all = state.restored.clone();
            for job in &state.jobs {
                all.insert(job.name.clone(), job.saved.clone());
            }
            all
        };
        let io = |source| StateError::Io {
            path: path.clone(),
            source,
        };
        let text = serde_json::to_vec_pretty(&snapshot).expect("the state always serialises");
        let temporary = path.with_extension("tmp");
        std::fs::write(&temporary, text).map_err(io)?;
        std::fs::rename(&temporary, path).map_err(io)
    }
}

// END SOLUTION
/// Runs interval and cron jobs on the tokio runtime it was started on.
///
/// Dropping the scheduler stops it; runs already going finish on their own.
pub struct Scheduler {
    // STUB: // TODO: choose the fields: the jobs behind a lock, something to wake the driving task
    // STUB: // when they change (`tokio::sync::Notify`), a `tokio::sync::Semaphore` for the limit,
    // STUB: // the wall-clock origin, the state file.
    // STUB: _todo: (),
    // BEGIN SOLUTION
    shared: Arc<Shared>,
    driver: tokio::task::JoinHandle<()>,
    // END SOLUTION
}

impl fmt::Debug for Scheduler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scheduler").finish_non_exhaustive()
    }
}

// BEGIN SOLUTION
impl Drop for Scheduler {
    fn drop(&mut self) {
        self.driver.abort();
    }
}

// END SOLUTION
impl Scheduler {
    /// Starts a scheduler running at most `max_concurrent` jobs at once. Cron times are
    /// read on a wall clock that shows `start` now and moves with tokio's clock.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime, or when `max_concurrent` is 0.
    pub fn start(max_concurrent: usize, start: NaiveDateTime) -> Self {
        // STUB: // TODO: implement Scheduler::start (spawn the task that drives the jobs).
        // STUB: let _ = (max_concurrent, start);
        // STUB: todo!("Scheduler::start")
        // BEGIN SOLUTION
        Self::launch(max_concurrent, start, None, HashMap::new())
        // END SOLUTION
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
        // STUB: // TODO: implement Scheduler::start_with_state.
        // STUB: let _ = (max_concurrent, start, path);
        // STUB: todo!("Scheduler::start_with_state")
        // BEGIN SOLUTION
        let restored = match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| StateError::Corrupt {
                path: path.to_owned(),
                reason: e.to_string(),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => HashMap::new(),
            Err(source) => {
                return Err(StateError::Io {
                    path: path.to_owned(),
                    source,
                });
            }
        };
        Ok(Self::launch(
            max_concurrent,
            start,
            Some(path.to_owned()),
            restored,
        ))
        // END SOLUTION
    }

    // BEGIN SOLUTION
    fn launch(
        max: usize,
        start: NaiveDateTime,
        state_file: Option<PathBuf>,
        restored: HashMap<String, Saved>,
    ) -> Self {
        assert!(max > 0, "a scheduler needs at least one slot");
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                jobs: Vec::new(),
                next_id: 0,
                restored,
            }),
            changed: Notify::new(),
            slots: Arc::new(Semaphore::new(max)),
            start_wall: start.with_nanosecond(0).unwrap_or(start),
            start_instant: Instant::now(),
            state_file,
            writer: Mutex::new(()),
        });
        let driver = tokio::spawn(drive(Arc::clone(&shared)));
        Scheduler { shared, driver }
    }

    // END SOLUTION
    /// The scheduler's wall clock now.
    pub fn now(&self) -> NaiveDateTime {
        // STUB: // TODO: implement Scheduler::now.
        // STUB: todo!("Scheduler::now")
        // BEGIN SOLUTION
        self.shared.wall_now()
        // END SOLUTION
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
        // STUB: // TODO: implement Scheduler::add.
        // STUB: let _ = (name, trigger, job);
        // STUB: todo!("Scheduler::add")
        // BEGIN SOLUTION
        assert!(
            trigger != Trigger::Every(Duration::ZERO),
            "a job cannot run every 0 seconds"
        );
        let now = self.shared.wall_now();
        let id = {
            let mut state = self.shared.lock();
            let id = JobId(state.next_id);
            state.next_id += 1;
            let saved = state.restored.remove(name).unwrap_or_default();
            let missed = saved.last_due.is_some_and(|last| match &trigger {
                Trigger::Every(every) => {
                    last + TimeDelta::from_std(*every).unwrap_or(TimeDelta::MAX) <= now
                }
                Trigger::Cron(schedule) => {
                    schedule.next_after(last).is_some_and(|next| next <= now)
                }
                Trigger::CronIn(schedule, zone) => {
                    next_in_zone(schedule, *zone, last).is_some_and(|next| next <= now)
                }
            });
            // The missed-run policy: one catch-up run now, however many were missed.
            let next = if missed {
                Some(now)
            } else {
                first_due(&trigger, now)
            };
            state.jobs.push(Job {
                id,
                name: name.to_owned(),
                trigger,
                run: Arc::new(move || Box::pin(job()) as JobFuture),
                saved,
                running: false,
                waiting: false,
                paused: false,
                next,
                last_outcome: None,
            });
            id
        };
        self.shared.changed.notify_one();
        self.shared.save()?;
        Ok(id)
        // END SOLUTION
    }

    // BEGIN SOLUTION
    fn update(&self, id: JobId, f: impl FnOnce(&mut Job, NaiveDateTime)) -> bool {
        let now = self.shared.wall_now();
        let found = {
            let mut state = self.shared.lock();
            match state.jobs.iter_mut().find(|job| job.id == id) {
                Some(job) => {
                    f(job, now);
                    true
                }
                None => false,
            }
        };
        self.shared.changed.notify_one();
        found
    }

    // END SOLUTION
    /// Stops starting runs of the job until [`resume`](Self::resume). Returns whether the
    /// job exists.
    pub fn pause(&self, id: JobId) -> bool {
        // STUB: // TODO: implement Scheduler::pause.
        // STUB: let _ = id;
        // STUB: todo!("Scheduler::pause")
        // BEGIN SOLUTION
        self.update(id, |job, _| {
            job.paused = true;
            job.next = None;
        })
        // END SOLUTION
    }

    /// Starts scheduling a paused job again, from now. Returns whether the job exists.
    pub fn resume(&self, id: JobId) -> bool {
        // STUB: // TODO: implement Scheduler::resume.
        // STUB: let _ = id;
        // STUB: todo!("Scheduler::resume")
        // BEGIN SOLUTION
        self.update(id, |job, now| {
            if job.paused {
                job.paused = false;
                job.next = first_due(&job.trigger, now);
            }
        })
        // END SOLUTION
    }

    /// Removes the job; a run going now finishes. Returns whether the job existed.
    pub fn cancel(&self, id: JobId) -> bool {
        // STUB: // TODO: implement Scheduler::cancel.
        // STUB: let _ = id;
        // STUB: todo!("Scheduler::cancel")
        // BEGIN SOLUTION
        let removed = {
            let mut state = self.shared.lock();
            let before = state.jobs.len();
            state.jobs.retain(|job| job.id != id);
            state.jobs.len() != before
        };
        self.shared.changed.notify_one();
        removed
        // END SOLUTION
    }

    /// The job's status, or `None` for an unknown (or cancelled) job.
    pub fn status(&self, id: JobId) -> Option<JobStatus> {
        // STUB: // TODO: implement Scheduler::status.
        // STUB: let _ = id;
        // STUB: todo!("Scheduler::status")
        // BEGIN SOLUTION
        let state = self.shared.lock();
        state.jobs.iter().find(|job| job.id == id).map(Job::status)
        // END SOLUTION
    }

    /// The status of every job, in the order they were added (cancelled jobs are gone),
    /// read now: the same as [`status`](Self::status) says of each.
    pub fn jobs(&self) -> Vec<JobStatus> {
        // STUB: // TODO: implement Scheduler::jobs.
        // STUB: todo!("Scheduler::jobs")
        // BEGIN SOLUTION
        let state = self.shared.lock();
        state.jobs.iter().map(Job::status).collect()
        // END SOLUTION
    }
}
// BEGIN SOLUTION

/// When a trigger first fires after `now`.
fn first_due(trigger: &Trigger, now: NaiveDateTime) -> Option<NaiveDateTime> {
    match trigger {
        Trigger::Every(every) => Some(now + TimeDelta::from_std(*every).ok()?),
        Trigger::Cron(schedule) => schedule.next_after(now),
        Trigger::CronIn(schedule, zone) => next_in_zone(schedule, *zone, now),
    }
}

/// The next run of a cron job in `zone` after `now`, on the scheduler's clock (UTC).
fn next_in_zone(schedule: &Schedule, zone: Tz, now: NaiveDateTime) -> Option<NaiveDateTime> {
    let after = zone.from_utc_datetime(&now);
    schedule.next_after_in(after).map(|time| time.naive_utc())
}

/// The scheduler's loop: sleep until the earliest due job (or a change), start what is
/// due, repeat.
async fn drive(shared: Arc<Shared>) {
    loop {
        let changed = shared.changed.notified();
        let earliest = shared.lock().jobs.iter().filter_map(|job| job.next).min();
        match earliest {
            Some(due) => {
                tokio::select! {
                    () = tokio::time::sleep_until(shared.instant_at(due)) => {}
                    () = changed => continue,
                }
            }
            None => {
                changed.await;
                continue;
            }
        }
        let now = shared.wall_now();
        let mut to_start = Vec::new();
        {
            let mut state = shared.lock();
            for job in state
                .jobs
                .iter_mut()
                .filter(|job| job.next.is_some_and(|due| due <= now))
            {
                let due = job.next.unwrap_or(now);
                job.saved.last_due = Some(due);
                job.next = match &job.trigger {
                    // Fixed rate: the next run is due one interval after this one was due.
                    Trigger::Every(every) => TimeDelta::from_std(*every).ok().map(|e| due + e),
                    Trigger::Cron(schedule) => schedule.next_after(now),
                    Trigger::CronIn(schedule, zone) => next_in_zone(schedule, *zone, now),
                };
                if job.running {
                    job.saved.skipped += 1; // The overlap policy: never two runs at once.
                } else {
                    job.running = true;
                    job.waiting = true;
                    to_start.push((job.id, Arc::clone(&job.run)));
                }
            }
        }
        for (id, run) in to_start {
            tokio::spawn(run_once(Arc::clone(&shared), id, run));
        }
        let _ = shared.save();
    }
}

/// One run of one job, in a slot of the concurrency limit.
async fn run_once(shared: Arc<Shared>, id: JobId, run: JobFn) {
    let Ok(_slot) = Arc::clone(&shared.slots).acquire_owned().await else {
        return;
    };
    if let Some(job) = shared.lock().jobs.iter_mut().find(|job| job.id == id) {
        job.waiting = false;
    }
    let outcome = run().await;
    {
        let mut state = shared.lock();
        if let Some(job) = state.jobs.iter_mut().find(|job| job.id == id) {
            job.running = false;
            job.saved.runs += 1;
            if outcome.is_err() {
                job.saved.failures += 1;
            }
            job.last_outcome = Some(outcome);
        }
    }
    let _ = shared.save();
}
// END SOLUTION
