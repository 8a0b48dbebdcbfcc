//! Kata 09, a correct answer written differently from the reference: fields are sorted
//! value lists searched with `partition_point`, every job has a task of its own driven by a
//! `watch` channel instead of one driving loop, and the state file is a list rather than a
//! map. `cargo kata verify` requires it to score 100%.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Datelike, LocalResult, NaiveDate, NaiveDateTime, TimeDelta, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use tokio::sync::{Semaphore, watch};
use tokio::time::Instant;

/// A cron field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// Minute.
    Minute,
    /// Hour.
    Hour,
    /// Day of month.
    DayOfMonth,
    /// Month.
    Month,
    /// Day of week.
    DayOfWeek,
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = format!("{self:?}").to_lowercase();
        f.write_str(&name)
    }
}

/// A refused expression.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseError {
    /// Not five fields.
    FieldCount(usize),
    /// A bad field.
    Invalid {
        /// Which.
        field: Field,
        /// The bad part.
        value: String,
        /// Why.
        reason: String,
    },
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::FieldCount(n) => write!(f, "expected 5 fields, found {n}"),
            ParseError::Invalid { field, value, reason } => write!(f, "{field} `{value}`: {reason}"),
        }
    }
}

impl std::error::Error for ParseError {}

/// A cron expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    fields: [Vec<u32>; 5],
    either_day: bool,
    /// cronie's wildcard job: the minute or hour field starts with `*`.
    wild: bool,
}

const LIMITS: [(u32, u32); 5] = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)];
const FIELDS: [Field; 5] = [Field::Minute, Field::Hour, Field::DayOfMonth, Field::Month, Field::DayOfWeek];
const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

fn number(index: usize, word: &str) -> Option<u32> {
    if let Ok(n) = word.parse() {
        return Some(n);
    }
    let lower = word.to_lowercase();
    match index {
        3 => MONTHS.iter().position(|m| *m == lower).map(|i| i as u32 + 1),
        4 => DAYS.iter().position(|d| *d == lower).map(|i| i as u32),
        _ => None,
    }
}

fn field_values(index: usize, text: &str) -> Result<Vec<u32>, ParseError> {
    let (low, high) = LIMITS[index];
    let mut values = Vec::new();
    for part in text.split(',') {
        let bad = |reason: &str| ParseError::Invalid { field: FIELDS[index], value: part.into(), reason: reason.into() };
        let (body, step) = match part.split_once('/') {
            None => (part, None),
            Some((body, step)) => (body, Some(step.parse::<u32>().ok().filter(|s| *s > 0).ok_or_else(|| bad("bad step"))?)),
        };
        let value = |w: &str| number(index, w).filter(|n| (low..=high).contains(n)).ok_or_else(|| bad("out of range"));
        let (first, last) = match body.split_once('-') {
            _ if body == "*" => (low, high),
            Some((a, b)) => (value(a)?, value(b)?),
            None => {
                let a = value(body)?;
                (a, if step.is_some() { high } else { a })
            }
        };
        if first > last {
            return Err(bad("backwards range"));
        }
        values.extend((first..=last).step_by(step.unwrap_or(1) as usize));
    }
    if index == 4 {
        for v in values.iter_mut().filter(|v| **v == 7) {
            *v = 0;
        }
    }
    values.sort_unstable();
    values.dedup();
    Ok(values)
}

impl FromStr for Schedule {
    type Err = ParseError;

    fn from_str(text: &str) -> Result<Self, ParseError> {
        let parts: Vec<&str> = text.split_whitespace().collect();
        if parts.len() != 5 {
            return Err(ParseError::FieldCount(parts.len()));
        }
        let mut fields: [Vec<u32>; 5] = Default::default();
        for (index, part) in parts.iter().enumerate() {
            fields[index] = field_values(index, part)?;
        }
        Ok(Schedule {
            fields,
            either_day: !parts[2].starts_with('*') && !parts[4].starts_with('*'),
            wild: parts[0].starts_with('*') || parts[1].starts_with('*'),
        })
    }
}

impl Schedule {
    fn allows(&self, index: usize, value: u32) -> bool {
        self.fields[index].binary_search(&value).is_ok()
    }

    fn day_ok(&self, date: NaiveDate) -> bool {
        let dom = self.allows(2, date.day());
        let dow = self.allows(4, date.weekday().num_days_from_sunday());
        if self.either_day { dom || dow } else { dom && dow }
    }

    /// Whether `time`'s minute matches.
    pub fn matches(&self, time: NaiveDateTime) -> bool {
        self.allows(3, time.month()) && self.day_ok(time.date()) && self.allows(1, time.hour()) && self.allows(0, time.minute())
    }

    /// Whether some allowed month has an allowed day of the month (in a leap year, 2000).
    fn some_date_exists(&self) -> bool {
        self.fields[3].iter().any(|&m| self.fields[2].iter().any(|&d| NaiveDate::from_ymd_opt(2000, m, d).is_some()))
    }

    /// The first matching minute after `after`: within 400 years (the calendar's cycle,
    /// a whole number of weeks) or never.
    pub fn next_after(&self, after: NaiveDateTime) -> Option<NaiveDateTime> {
        if !self.either_day && !self.some_date_exists() {
            return None;
        }
        let mut t = after.date().and_hms_opt(after.hour(), after.minute(), 0)? + TimeDelta::minutes(1);
        let stop = NaiveDate::from_ymd_opt(after.year() + 401, 1, 1)?.and_hms_opt(0, 0, 0)?;
        while t < stop {
            if !self.allows(3, t.month()) || !self.day_ok(t.date()) {
                t = t.date().succ_opt()?.and_hms_opt(0, 0, 0)?;
                continue;
            }
            let hours = &self.fields[1];
            let h = hours.partition_point(|&x| x < t.hour());
            if h == hours.len() {
                t = t.date().succ_opt()?.and_hms_opt(0, 0, 0)?;
                continue;
            }
            if hours[h] != t.hour() {
                t = t.date().and_hms_opt(hours[h], 0, 0)?;
            }
            let minutes = &self.fields[0];
            let m = minutes.partition_point(|&x| x < t.minute());
            if m == minutes.len() {
                t = t.date().and_hms_opt(t.hour(), 0, 0)? + TimeDelta::hours(1);
                continue;
            }
            return t.date().and_hms_opt(t.hour(), minutes[m], 0);
        }
        None
    }

    /// The next run strictly after `after` on its zone's clock, with cronie's daylight
    /// saving rule: every local match in an hour the clock shows once; in a repeated hour
    /// the first pass only, unless wild; a skipped time at the end of the gap, unless wild.
    pub fn next_after_in(&self, after: DateTime<Tz>) -> Option<DateTime<Tz>> {
        let zone = after.timezone();
        // Three hours back covers the repeated hour of every zone in use today.
        let mut local = after.naive_local() - TimeDelta::hours(3);
        let mut found: Vec<DateTime<Tz>> = Vec::new();
        loop {
            local = self.next_after(local)?;
            let (first, later) = match zone.from_local_datetime(&local) {
                LocalResult::Single(t) => (Some(t), None),
                LocalResult::Ambiguous(a, b) => (Some(a), self.wild.then_some(b)),
                LocalResult::None if self.wild => (None, None),
                LocalResult::None => {
                    let mut probe = local;
                    let mut end = None;
                    for _ in 0..3000 {
                        probe += TimeDelta::minutes(1);
                        if let LocalResult::Single(t) = zone.from_local_datetime(&probe) {
                            end = Some(t);
                            break;
                        }
                    }
                    (Some(end?), None)
                }
            };
            found.extend(later.filter(|t| *t > after));
            if let Some(t) = first.filter(|t| *t > after) {
                found.push(t);
                return found.into_iter().min();
            }
        }
    }
}

/// What fires a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    /// An interval.
    Every(Duration),
    /// A cron expression.
    Cron(Schedule),
    /// A cron expression on a time zone's clock (the scheduler's clock is UTC).
    CronIn(Schedule, Tz),
}

/// A job's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct JobId(u64);

/// A job's status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobStatus {
    /// Id.
    pub id: JobId,
    /// Name.
    pub name: String,
    /// Trigger.
    pub trigger: Trigger,
    /// Finished runs.
    pub runs: u64,
    /// Failed runs.
    pub failures: u64,
    /// Overlapping due times skipped.
    pub skipped: u64,
    /// A run is going or waiting.
    pub running: bool,
    /// A run waits for a slot.
    pub waiting: bool,
    /// Paused.
    pub paused: bool,
    /// Next due time.
    pub next_run: Option<NaiveDateTime>,
    /// The last finished run's result.
    pub last_outcome: Option<Result<(), String>>,
}

/// State-file problems.
#[derive(Debug)]
#[non_exhaustive]
pub enum StateError {
    /// Unparseable file, left alone.
    Corrupt {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// An I/O failure.
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
            StateError::Corrupt { path, reason } => write!(f, "corrupt state file {}: {reason}", path.display()),
            StateError::Io { path, source } => write!(f, "state file {}: {source}", path.display()),
        }
    }
}

impl std::error::Error for StateError {}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Record {
    name: String,
    runs: u64,
    failures: u64,
    skipped: u64,
    last: Option<NaiveDateTime>,
}

type Work = Arc<dyn Fn() -> Pin<Box<dyn Future<Output = Result<(), String>> + Send>> + Send + Sync>;

struct Entry {
    trigger: Trigger,
    record: Record,
    running: bool,
    waiting: bool,
    paused: bool,
    next: Option<NaiveDateTime>,
    outcome: Option<Result<(), String>>,
    wake: watch::Sender<u64>,
    task: tokio::task::JoinHandle<()>,
}

struct Core {
    entries: Mutex<BTreeMap<u64, Entry>>,
    old: Mutex<Vec<Record>>,
    slots: Arc<Semaphore>,
    origin: (Instant, NaiveDateTime),
    file: Option<PathBuf>,
    saving: Mutex<()>,
}

impl Core {
    fn now(&self) -> NaiveDateTime {
        self.origin.1 + TimeDelta::from_std(self.origin.0.elapsed()).unwrap_or(TimeDelta::zero())
    }

    fn when(&self, wall: NaiveDateTime) -> Instant {
        self.origin.0 + (wall - self.origin.1).to_std().unwrap_or_default()
    }

    fn persist(&self) -> Result<(), StateError> {
        let Some(file) = &self.file else { return Ok(()) };
        let _one_at_a_time = self.saving.lock().unwrap();
        let mut records: Vec<Record> = self.old.lock().unwrap().clone();
        records.extend(self.entries.lock().unwrap().values().map(|e| e.record.clone()));
        let fail = |source| StateError::Io { path: file.clone(), source };
        let mut temp = file.clone().into_os_string();
        temp.push(".partial");
        std::fs::write(&temp, serde_json::to_string(&records).unwrap()).map_err(fail)?;
        std::fs::rename(&temp, file).map_err(fail)
    }
}

/// The scheduler.
pub struct Scheduler {
    core: Arc<Core>,
    ids: AtomicU64,
}

impl fmt::Debug for Scheduler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Scheduler")
    }
}

impl Drop for Scheduler {
    fn drop(&mut self) {
        for entry in self.core.entries.lock().unwrap().values() {
            entry.task.abort();
        }
    }
}

fn after(trigger: &Trigger, t: NaiveDateTime) -> Option<NaiveDateTime> {
    match trigger {
        Trigger::Every(d) => TimeDelta::from_std(*d).ok().map(|d| t + d),
        Trigger::Cron(s) => s.next_after(t),
        Trigger::CronIn(s, zone) => s.next_after_in(Utc.from_utc_datetime(&t).with_timezone(zone)).map(|t| t.naive_utc()),
    }
}

fn report(id: u64, e: &Entry) -> JobStatus {
    JobStatus {
        id: JobId(id),
        name: e.record.name.clone(),
        trigger: e.trigger.clone(),
        runs: e.record.runs,
        failures: e.record.failures,
        skipped: e.record.skipped,
        running: e.running,
        waiting: e.waiting,
        paused: e.paused,
        next_run: e.next,
        last_outcome: e.outcome.clone(),
    }
}

impl Scheduler {
    /// Starts a scheduler.
    ///
    /// # Panics
    ///
    /// When `max_concurrent` is 0.
    pub fn start(max_concurrent: usize, start: NaiveDateTime) -> Self {
        Self::make(max_concurrent, start, None, Vec::new())
    }

    /// Starts a scheduler with a state file.
    ///
    /// # Errors
    ///
    /// A corrupt or unreadable file.
    ///
    /// # Panics
    ///
    /// When `max_concurrent` is 0.
    pub fn start_with_state(max_concurrent: usize, start: NaiveDateTime, path: &Path) -> Result<Self, StateError> {
        let old = match std::fs::read_to_string(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(source) => return Err(StateError::Io { path: path.into(), source }),
            Ok(text) => serde_json::from_str(&text).map_err(|e| StateError::Corrupt { path: path.into(), reason: e.to_string() })?,
        };
        Ok(Self::make(max_concurrent, start, Some(path.into()), old))
    }

    fn make(max: usize, start: NaiveDateTime, file: Option<PathBuf>, old: Vec<Record>) -> Self {
        assert!(max >= 1, "max_concurrent must be at least 1");
        Scheduler {
            core: Arc::new(Core {
                entries: Mutex::new(BTreeMap::new()),
                old: Mutex::new(old),
                slots: Arc::new(Semaphore::new(max)),
                origin: (Instant::now(), start),
                file,
                saving: Mutex::new(()),
            }),
            ids: AtomicU64::new(0),
        }
    }

    /// The wall clock.
    pub fn now(&self) -> NaiveDateTime {
        self.core.now()
    }

    /// Adds a job.
    ///
    /// # Errors
    ///
    /// When the state file cannot be written.
    ///
    /// # Panics
    ///
    /// On an interval of zero.
    pub fn add<F, Fut>(&self, name: &str, trigger: Trigger, job: F) -> Result<JobId, StateError>
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), String>> + Send + 'static,
    {
        assert!(!matches!(trigger, Trigger::Every(d) if d.is_zero()), "an interval of zero");
        let id = self.ids.fetch_add(1, Ordering::Relaxed);
        let now = self.core.now();
        let record = {
            let mut old = self.core.old.lock().unwrap();
            match old.iter().position(|r| r.name == name) {
                Some(i) => old.remove(i),
                None => Record { name: name.into(), runs: 0, failures: 0, skipped: 0, last: None },
            }
        };
        let caught_up = record.last.and_then(|last| after(&trigger, last)).is_some_and(|due| due <= now);
        let next = if caught_up { Some(now) } else { after(&trigger, now) };
        let work: Work = Arc::new(move || Box::pin(job()));
        let (wake, woken) = watch::channel(0);
        let task = tokio::spawn(job_loop(Arc::clone(&self.core), id, work, woken));
        let entry = Entry { trigger, record, running: false, waiting: false, paused: false, next, outcome: None, wake, task };
        self.core.entries.lock().unwrap().insert(id, entry);
        self.core.persist()?;
        Ok(JobId(id))
    }

    fn touch(&self, id: JobId, f: impl FnOnce(&mut Entry, NaiveDateTime)) -> bool {
        let now = self.core.now();
        let mut entries = self.core.entries.lock().unwrap();
        let Some(entry) = entries.get_mut(&id.0) else { return false };
        f(entry, now);
        entry.wake.send_modify(|n| *n += 1);
        true
    }

    /// Pauses.
    pub fn pause(&self, id: JobId) -> bool {
        self.touch(id, |e, _| {
            e.paused = true;
            e.next = None;
        })
    }

    /// Resumes.
    pub fn resume(&self, id: JobId) -> bool {
        self.touch(id, |e, now| {
            if e.paused {
                e.paused = false;
                e.next = after(&e.trigger, now);
            }
        })
    }

    /// Cancels.
    pub fn cancel(&self, id: JobId) -> bool {
        match self.core.entries.lock().unwrap().remove(&id.0) {
            Some(entry) => {
                entry.task.abort();
                true
            }
            None => false,
        }
    }

    /// Status.
    pub fn status(&self, id: JobId) -> Option<JobStatus> {
        let entries = self.core.entries.lock().unwrap();
        entries.get(&id.0).map(|e| report(id.0, e))
    }

    /// Every job's status, oldest first.
    pub fn jobs(&self) -> Vec<JobStatus> {
        self.core.entries.lock().unwrap().iter().map(|(id, e)| report(*id, e)).collect()
    }
}

/// One job's task: wait for its next time (or a change), then run or skip.
async fn job_loop(core: Arc<Core>, id: u64, work: Work, mut woken: watch::Receiver<u64>) {
    loop {
        let next = {
            let mut entries = core.entries.lock().unwrap();
            let Some(entry) = entries.get_mut(&id) else { return };
            woken.mark_unchanged();
            entry.next
        };
        match next {
            None => {
                if woken.changed().await.is_err() {
                    return;
                }
                continue;
            }
            Some(due) => {
                tokio::select! {
                    () = tokio::time::sleep_until(core.when(due)) => {}
                    changed = woken.changed() => {
                        if changed.is_err() { return; }
                        continue;
                    }
                }
            }
        }
        let now = core.now();
        let start = {
            let mut entries = core.entries.lock().unwrap();
            let Some(entry) = entries.get_mut(&id) else { return };
            let Some(due) = entry.next.filter(|d| *d <= now) else { continue };
            entry.record.last = Some(due);
            entry.next = match &entry.trigger {
                Trigger::Every(_) => after(&entry.trigger, due),
                Trigger::Cron(_) | Trigger::CronIn(..) => after(&entry.trigger, now),
            };
            if entry.running {
                entry.record.skipped += 1;
                false
            } else {
                entry.running = true;
                entry.waiting = true;
                true
            }
        };
        let _ = core.persist();
        if start {
            let (core, work) = (Arc::clone(&core), Arc::clone(&work));
            tokio::spawn(async move {
                let Ok(_slot) = Arc::clone(&core.slots).acquire_owned().await else { return };
                if let Some(entry) = core.entries.lock().unwrap().get_mut(&id) {
                    entry.waiting = false;
                }
                let outcome = work().await;
                if let Some(entry) = core.entries.lock().unwrap().get_mut(&id) {
                    entry.running = false;
                    entry.record.runs += 1;
                    entry.record.failures += u64::from(outcome.is_err());
                    entry.outcome = Some(outcome);
                }
                let _ = core.persist();
            });
        }
    }
}
