// Stage 6 — schedules in a named time zone, with daylight saving as cronie handles it: a
// fixed-time job whose time is skipped runs once, right after the change; one whose time
// comes twice runs the first time only; a wildcard job (minute or hour field starting with
// `*`) runs at every matching time the clock shows and skips what it does not show. Checked
// on Europe/Berlin and America/New_York, on the paused clock, and against croner.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use chrono_tz::{America::New_York, Europe::Berlin, Pacific};
use kata_support::{graded, graded_async, proptest_runner};
use proptest::prelude::*;
use scheduler::{Schedule, Scheduler, Trigger};
use std::str::FromStr;
use std::time::Duration;

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, mo, d)
        .unwrap()
        .and_hms_opt(h, mi, 0)
        .unwrap()
}

fn schedule(text: &str) -> Schedule {
    text.parse()
        .unwrap_or_else(|e| panic!("`{text}` is valid: {e}"))
}

/// The instant `time` (UTC) on the clock of `zone`.
fn in_zone(zone: Tz, time: NaiveDateTime) -> DateTime<Tz> {
    zone.from_utc_datetime(&time)
}

/// The next `n` runs in `zone` after `from` (UTC), as UTC times.
fn runs_after(text: &str, zone: Tz, from: NaiveDateTime, n: usize) -> Vec<NaiveDateTime> {
    let parsed = schedule(text);
    let mut time = in_zone(zone, from);
    let mut out = Vec::new();
    for _ in 0..n {
        let next = parsed
            .next_after_in(time)
            .unwrap_or_else(|| panic!("`{text}` runs again after {time}"));
        assert_eq!(next.timezone(), zone, "the answer is on the same clock");
        assert!(next > time, "`{text}`: {next} is not after {time}");
        out.push(next.naive_utc());
        time = next;
    }
    out
}

#[test]
fn a_schedule_follows_its_time_zone() {
    graded(|| {
        // 9:00 in New York is 14:00 UTC in winter (EST) and 13:00 UTC in summer (EDT).
        assert_eq!(
            runs_after("0 9 * * *", New_York, utc(2026, 1, 15, 12, 0), 2),
            [utc(2026, 1, 15, 14, 0), utc(2026, 1, 16, 14, 0)]
        );
        assert_eq!(
            runs_after("0 9 * * *", New_York, utc(2026, 7, 15, 12, 0), 1),
            [utc(2026, 7, 15, 13, 0)]
        );
        // 0:30 on Mondays in Berlin is Sunday 23:30 UTC in winter.
        assert_eq!(
            runs_after("30 0 * * MON", Berlin, utc(2026, 1, 10, 0, 0), 1),
            [utc(2026, 1, 11, 23, 30)]
        );
        let next = schedule("0 9 * * *")
            .next_after_in(in_zone(New_York, utc(2026, 1, 15, 12, 0)))
            .expect("runs");
        assert_eq!(
            next.naive_local(),
            utc(2026, 1, 15, 9, 0),
            "9:00 on the zone's clock"
        );
    });
}

#[test]
fn a_skipped_time_runs_once_right_after_the_change() {
    graded(|| {
        // Berlin, 29 March 2026: at 2:00 CET (1:00 UTC) the clock jumps to 3:00 CEST.
        assert_eq!(
            runs_after("30 2 * * *", Berlin, utc(2026, 3, 28, 12, 0), 2),
            [
                utc(2026, 3, 29, 1, 0),  // 3:00 CEST, right after the change
                utc(2026, 3, 30, 0, 30), // 2:30 CEST the next night
            ]
        );
        // New York, 8 March 2026: at 2:00 EST (7:00 UTC) the clock jumps to 3:00 EDT.
        assert_eq!(
            runs_after("15 2 * * *", New_York, utc(2026, 3, 7, 12, 0), 2),
            [utc(2026, 3, 8, 7, 0), utc(2026, 3, 9, 6, 15)]
        );
        // Only on the day of the change: a Sunday-only job at 2:15.
        assert_eq!(
            runs_after("15 2 * * SUN", New_York, utc(2026, 3, 1, 12, 0), 2),
            [utc(2026, 3, 8, 7, 0), utc(2026, 3, 15, 6, 15)]
        );
    });
}

#[test]
fn a_skipped_time_runs_after_a_jump_of_a_whole_day() {
    graded(|| {
        // Samoa moved across the date line at the end of 29 December 2011: its clock went
        // from 23:59:59 (UTC-10) straight to 0:00 on the 31st (UTC+14), 10:00 UTC on the
        // 30th. Noon on the 30th never came; the job runs at the first instant after the
        // jump, then at noon on the 31st (22:00 UTC on the 30th).
        assert_eq!(
            runs_after("0 12 * * *", Pacific::Apia, utc(2011, 12, 29, 23, 0), 2),
            [utc(2011, 12, 30, 10, 0), utc(2011, 12, 30, 22, 0)]
        );
    });
}

#[test]
fn a_wildcard_job_skips_the_times_the_clock_skips() {
    graded(|| {
        // Every half hour in Berlin: 1:30 CET, then 3:00 CEST (2:00 and 2:30 never happen).
        assert_eq!(
            runs_after("*/30 * * * *", Berlin, utc(2026, 3, 29, 0, 0), 3),
            [
                utc(2026, 3, 29, 0, 30),
                utc(2026, 3, 29, 1, 0),
                utc(2026, 3, 29, 1, 30)
            ]
        );
        // At minute 30 of every hour: 1:30 CET, then 3:30 CEST; 2:30 is not run late.
        assert_eq!(
            runs_after("30 * * * *", Berlin, utc(2026, 3, 29, 0, 0), 2),
            [utc(2026, 3, 29, 0, 30), utc(2026, 3, 29, 1, 30)]
        );
        // Every minute of the hour that is skipped: nothing until 3:00 CEST the next day.
        assert_eq!(
            runs_after("* 2 * * *", Berlin, utc(2026, 3, 28, 23, 0), 1),
            [utc(2026, 3, 30, 0, 0)]
        );
    });
}

#[test]
fn a_repeated_time_runs_once() {
    graded(|| {
        // Berlin, 25 October 2026: at 3:00 CEST (1:00 UTC) the clock goes back to 2:00 CET,
        // so 2:30 happens at 0:30 and again at 1:30 UTC.
        assert_eq!(
            runs_after("30 2 * * *", Berlin, utc(2026, 10, 24, 12, 0), 2),
            [utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)]
        );
        // Asked during the second pass (2:10 CET), it has run already: tomorrow.
        assert_eq!(
            runs_after("30 2 * * *", Berlin, utc(2026, 10, 25, 1, 10), 1),
            [utc(2026, 10, 26, 1, 30)]
        );
        // New York, 1 November 2026: 1:00–1:59 happens in EDT, then again in EST.
        assert_eq!(
            runs_after("45 1 * * *", New_York, utc(2026, 10, 31, 12, 0), 2),
            [utc(2026, 11, 1, 5, 45), utc(2026, 11, 2, 6, 45)]
        );
    });
}

#[test]
fn a_wildcard_job_runs_in_both_passes_of_a_repeated_hour() {
    graded(|| {
        let half_hours = [
            utc(2026, 10, 25, 0, 30), // 2:30 CEST
            utc(2026, 10, 25, 1, 0),  // 2:00 CET
            utc(2026, 10, 25, 1, 30), // 2:30 CET
            utc(2026, 10, 25, 2, 0),  // 3:00 CET
        ];
        assert_eq!(
            runs_after("*/30 * * * *", Berlin, utc(2026, 10, 25, 0, 0), 4),
            half_hours
        );
        // Asked late in the first pass (2:50 CEST), the second pass is still ahead.
        assert_eq!(
            runs_after("*/30 * * * *", Berlin, utc(2026, 10, 25, 0, 50), 3),
            half_hours[1..]
        );
        assert_eq!(
            runs_after("*/20 1 * * *", New_York, utc(2026, 11, 1, 5, 50), 4),
            [
                utc(2026, 11, 1, 6, 0),  // 1:00 EST, the second pass
                utc(2026, 11, 1, 6, 20), // 1:20 EST
                utc(2026, 11, 1, 6, 40), // 1:40 EST
                utc(2026, 11, 2, 6, 0),  // 1:00 EST the next night
            ]
        );
    });
}

async fn ok() -> Result<(), String> {
    Ok(())
}

fn runs(scheduler: &Scheduler, id: scheduler::JobId) -> u64 {
    scheduler.status(id).expect("the job exists").runs
}

async fn wait_until(scheduler: &Scheduler, time: NaiveDateTime) {
    let left = (time - scheduler.now()).to_std().expect("a later time");
    tokio::time::sleep(left).await;
}

#[tokio::test(start_paused = true)]
async fn the_scheduler_runs_a_zoned_job_on_the_zones_clock() {
    graded_async(async {
        let scheduler = Scheduler::start(2, utc(2026, 1, 15, 12, 0));
        let id = scheduler
            .add(
                "opening",
                Trigger::CronIn(schedule("0 9 * * *"), New_York),
                ok,
            )
            .expect("added");
        assert_eq!(
            scheduler.status(id).expect("exists").next_run,
            Some(utc(2026, 1, 15, 14, 0)),
            "next_run is on the scheduler's clock, UTC"
        );
        wait_until(&scheduler, utc(2026, 1, 15, 13, 59)).await;
        assert_eq!(runs(&scheduler, id), 0);
        wait_until(&scheduler, utc(2026, 1, 15, 14, 1)).await;
        assert_eq!(runs(&scheduler, id), 1);
        assert_eq!(
            scheduler.status(id).expect("exists").next_run,
            Some(utc(2026, 1, 16, 14, 0))
        );
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn the_scheduler_through_the_spring_forward_night() {
    graded_async(async {
        // From 0:00 CET on 29 March 2026 (23:00 UTC the day before) to 4:01 CEST.
        let scheduler = Scheduler::start(4, utc(2026, 3, 28, 23, 0));
        let fixed = scheduler
            .add("fixed", Trigger::CronIn(schedule("30 2 * * *"), Berlin), ok)
            .expect("added");
        let wildcard = scheduler
            .add(
                "wildcard",
                Trigger::CronIn(schedule("*/30 * * * *"), Berlin),
                ok,
            )
            .expect("added");
        let interval = scheduler
            .add("interval", Trigger::Every(Duration::from_secs(45 * 60)), ok)
            .expect("added");
        wait_until(&scheduler, utc(2026, 3, 29, 0, 59)).await;
        assert_eq!(runs(&scheduler, fixed), 0);
        assert_eq!(
            scheduler.status(fixed).expect("exists").next_run,
            Some(utc(2026, 3, 29, 1, 0)),
            "2:30 does not exist tonight: it runs at 3:00 CEST"
        );
        wait_until(&scheduler, utc(2026, 3, 29, 2, 1)).await;
        assert_eq!(runs(&scheduler, fixed), 1, "once, right after the change");
        assert_eq!(
            scheduler.status(fixed).expect("exists").next_run,
            Some(utc(2026, 3, 30, 0, 30)),
            "2:30 CEST the next night"
        );
        // 0:30, 1:00, 1:30 CET, then 3:00, 3:30, 4:00 CEST.
        assert_eq!(runs(&scheduler, wildcard), 6);
        // 45 minutes of elapsed time each: 23:45, 0:30, 1:15, 2:00 UTC.
        assert_eq!(
            runs(&scheduler, interval),
            4,
            "an interval ignores the clock change"
        );
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn the_scheduler_through_the_fall_back_night() {
    graded_async(async {
        // From 0:00 CEST on 25 October 2026 (22:00 UTC the day before) to 3:01 CET.
        let scheduler = Scheduler::start(4, utc(2026, 10, 24, 22, 0));
        let fixed = scheduler
            .add("fixed", Trigger::CronIn(schedule("30 2 * * *"), Berlin), ok)
            .expect("added");
        let wildcard = scheduler
            .add(
                "wildcard",
                Trigger::CronIn(schedule("*/30 2 * * *"), Berlin),
                ok,
            )
            .expect("added");
        let interval = scheduler
            .add("interval", Trigger::Every(Duration::from_secs(45 * 60)), ok)
            .expect("added");
        wait_until(&scheduler, utc(2026, 10, 25, 0, 31)).await;
        assert_eq!(runs(&scheduler, fixed), 1, "2:30 CEST");
        assert_eq!(runs(&scheduler, wildcard), 2, "2:00 and 2:30 CEST");
        wait_until(&scheduler, utc(2026, 10, 25, 2, 1)).await;
        assert_eq!(runs(&scheduler, fixed), 1, "not again at 2:30 CET");
        assert_eq!(
            scheduler.status(fixed).expect("exists").next_run,
            Some(utc(2026, 10, 26, 1, 30)),
            "2:30 CET the next night"
        );
        assert_eq!(
            runs(&scheduler, wildcard),
            4,
            "2:00 and 2:30 CEST, then CET"
        );
        // 45 minutes of elapsed time each: 22:45, 23:30, 0:15, 1:00, 1:45 UTC.
        assert_eq!(
            runs(&scheduler, interval),
            5,
            "an interval ignores the clock change"
        );
    })
    .await;
}

// ----------------------------------------------------------------------------------------
// Against croner, where it follows the same rules.
// ----------------------------------------------------------------------------------------

/// A minute or hour field both crons classify alike: one value (fixed), or starting with
/// `*` (wildcard). Lists and ranges are left out: cronie calls `0,30` fixed, croner a
/// wildcard.
fn time_field(max: u32) -> impl Strategy<Value = String> {
    prop_oneof![
        3 => (0..=max).prop_map(|v| v.to_string()),
        1 => Just("*".to_owned()),
        1 => (2..=max / 2).prop_map(|step| format!("*/{step}")),
    ]
}

/// Day fields with at least one of them `*`, so that no day-of-month/day-of-week rule is in
/// play (stage 1 tests it).
fn day_fields() -> impl Strategy<Value = (String, String)> {
    prop_oneof![
        3 => Just(("*".to_owned(), "*".to_owned())),
        1 => (1u32..=28).prop_map(|d| (d.to_string(), "*".to_owned())),
        1 => (0u32..7).prop_map(|w| ("*".to_owned(), w.to_string())),
    ]
}

/// Zones with daylight saving (both hemispheres, a change at midnight, a change of half an
/// hour) and one without.
const ZONES: [Tz; 6] = [
    chrono_tz::Europe::Berlin,
    chrono_tz::America::New_York,
    chrono_tz::Australia::Sydney,
    chrono_tz::America::Santiago,
    chrono_tz::Australia::Lord_Howe,
    chrono_tz::Asia::Kolkata,
];

fn offset_at(zone: Tz, time: NaiveDateTime) -> i32 {
    chrono::Offset::fix(zone.from_utc_datetime(&time).offset()).local_minus_utc()
}

/// The first change of `zone`'s offset within 400 days after `time`, to the minute.
fn next_change(zone: Tz, time: NaiveDateTime) -> Option<NaiveDateTime> {
    let here = offset_at(zone, time);
    let day = chrono::TimeDelta::days(1);
    let mut probe = time;
    for _ in 0..400 {
        probe += day;
        if offset_at(zone, probe) != here {
            let mut low = probe - day;
            while probe - low > chrono::TimeDelta::minutes(1) {
                let middle = low + (probe - low) / 2;
                if offset_at(zone, middle) == here {
                    low = middle;
                } else {
                    probe = middle;
                }
            }
            return Some(probe);
        }
    }
    None
}

/// A zone, an instant in 2020–2035 (four in five in the eight hours around a change of
/// the zone's offset), and the hour of the zone's clock just before that change (or any
/// hour).
fn instant() -> impl Strategy<Value = (usize, NaiveDateTime, u32)> {
    (0..ZONES.len(), 2020i32..2036, 0u32..366 * 24 * 60, 0u32..5).prop_map(
        |(zone, year, minute, far)| {
            let tz = ZONES[zone];
            let time = utc(year, 1, 1, 0, 0) + chrono::TimeDelta::minutes(i64::from(minute));
            match next_change(tz, time).filter(|_| far != 0) {
                Some(change) => {
                    let before = tz.from_utc_datetime(&(change - chrono::TimeDelta::minutes(1)));
                    let from = change - chrono::TimeDelta::hours(4)
                        + chrono::TimeDelta::minutes(i64::from(minute % (8 * 60)));
                    (zone, from, chrono::Timelike::hour(&before.naive_local()))
                }
                None => (zone, time, minute / 60 % 24),
            }
        },
    )
}

/// The hour field: mostly the hour just before a change or the one after it (`Err(0)` or
/// `Err(1)`: the skipped or repeated hour is one of them), else any field.
fn hour_field() -> impl Strategy<Value = Result<String, u32>> {
    prop_oneof![
        2 => (0u32..2).prop_map(Err),
        1 => time_field(23).prop_map(Ok),
    ]
}

#[test]
fn next_after_in_agrees_with_croner() {
    graded(|| {
        let strategy = (
            time_field(59),
            hour_field(),
            day_fields(),
            instant(),
            1usize..6,
        );
        let result = proptest_runner(1000).run(
            &strategy,
            |(minute, hour, (day, weekday), (zone, from, change_hour), steps)| {
                let hour = hour.unwrap_or_else(|after| ((change_hour + after) % 24).to_string());
                let text = format!("{minute} {hour} {day} * {weekday}");
                let tz = ZONES[zone];
                let ours: Schedule = text
                    .parse()
                    .map_err(|e| TestCaseError::fail(format!("`{text}`: {e}")))?;
                let theirs = croner::Cron::from_str(&text)
                    .map_err(|e| TestCaseError::fail(format!("croner `{text}`: {e}")))?;
                let mut time = tz.from_utc_datetime(&from);
                for _ in 0..steps {
                    let expected = theirs.find_next_occurrence(&time, false).ok();
                    let got = ours.next_after_in(time);
                    prop_assert_eq!(
                        got.map(|t| t.naive_utc()),
                        expected.map(|t| t.naive_utc()),
                        "`{}` in {} after {} ({} UTC)",
                        text,
                        tz,
                        time,
                        time.naive_utc()
                    );
                    match got {
                        Some(next) => time = next,
                        None => break,
                    }
                }
                Ok(())
            },
        );
        if let Err(failure) = result {
            panic!("{failure}");
        }
    });
}
