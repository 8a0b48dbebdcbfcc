// Stage 1 — cron expressions: parsing with precise errors, and `next_after`, checked on
// the classic traps and against a brute-force scan.

use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeDelta, Timelike};
use kata_support::{graded, proptest_runner};
use proptest::prelude::*;
use scheduler::{Field, ParseError, Schedule};

fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, mo, d)
        .unwrap()
        .and_hms_opt(h, mi, 0)
        .unwrap()
}

fn schedule(text: &str) -> Schedule {
    text.parse()
        .unwrap_or_else(|e| panic!("`{text}` must parse: {e}"))
}

/// The first `n` times the expression fires after `from`.
fn next_n(text: &str, from: NaiveDateTime, n: usize) -> Vec<NaiveDateTime> {
    let s = schedule(text);
    let mut out = Vec::new();
    let mut t = from;
    for _ in 0..n {
        t = s
            .next_after(t)
            .unwrap_or_else(|| panic!("`{text}` fires again after {t}"));
        out.push(t);
    }
    out
}

#[track_caller]
fn check_error(text: &str, field: Field, value: &str) {
    match text.parse::<Schedule>() {
        Err(ParseError::Invalid {
            field: f, value: v, ..
        }) => {
            assert_eq!(
                (f, v.as_str()),
                (field, value),
                "the error for `{text}` names the field and the value"
            );
        }
        Err(other) => panic!("`{text}`: expected an error about the {field} field, got {other:?}"),
        Ok(_) => panic!("`{text}` must be refused"),
    }
}

#[test]
fn errors_name_the_field_and_the_value() {
    graded(|| {
        check_error("60 * * * *", Field::Minute, "60");
        check_error("* 24 * * *", Field::Hour, "24");
        check_error("* * 0 * *", Field::DayOfMonth, "0");
        check_error("* * 1,32 * *", Field::DayOfMonth, "32");
        check_error("* * * 13 *", Field::Month, "13");
        check_error("* * * * 8", Field::DayOfWeek, "8");
        check_error("*/0 * * * *", Field::Minute, "*/0");
        check_error("* 5-1 * * *", Field::Hour, "5-1");
        check_error("* * * FOO *", Field::Month, "FOO");
        assert_eq!(
            "* * * * * *".parse::<Schedule>().err(),
            Some(ParseError::FieldCount(6))
        );
        assert_eq!(
            "* * *".parse::<Schedule>().err(),
            Some(ParseError::FieldCount(3))
        );
        let message = "* * * 13 *".parse::<Schedule>().unwrap_err().to_string();
        assert!(
            message.contains("month") && message.contains("13"),
            "the message names both: {message}"
        );
    });
}

#[test]
fn lists_ranges_and_steps_on_ranges() {
    // The seed's parser got `1-5,10` and `1-30/5` wrong.
    graded(|| {
        let t = at(2026, 1, 1, 0, 0);
        let minutes = |text, n| {
            next_n(text, t, n)
                .iter()
                .map(|d| d.minute())
                .collect::<Vec<_>>()
        };
        assert_eq!(minutes("1-5,10 * * * *", 7), [1, 2, 3, 4, 5, 10, 1]);
        assert_eq!(minutes("1-30/5 * * * *", 7), [1, 6, 11, 16, 21, 26, 1]);
        assert_eq!(minutes("5/20 * * * *", 4), [5, 25, 45, 5]);
        assert_eq!(minutes("*/15 * * * *", 4), [15, 30, 45, 0]);
        assert_eq!(minutes("0,30 * * * *", 3), [30, 0, 30]);
    });
}

#[test]
fn a_step_counts_from_the_start_of_the_field() {
    // The seed tested `value % n == 0`, wrong for fields that start at 1.
    graded(|| {
        let days: Vec<u32> = next_n("0 0 */5 * *", at(2026, 1, 1, 0, 0), 7)
            .iter()
            .map(|d| d.day())
            .collect();
        assert_eq!(
            days,
            [6, 11, 16, 21, 26, 31, 1],
            "*/5 on days means 1, 6, 11, …"
        );
        let months: Vec<u32> = next_n("0 0 1 */4 *", at(2026, 1, 1, 0, 0), 3)
            .iter()
            .map(|d| d.month())
            .collect();
        assert_eq!(months, [5, 9, 1], "*/4 on months means 1, 5, 9");
    });
}

#[test]
fn names_and_both_sundays() {
    graded(|| {
        let from = at(2026, 11, 27, 12, 0); // a Friday
        assert_eq!(
            next_n("0 9 * * MON-FRI", from, 2),
            [at(2026, 11, 30, 9, 0), at(2026, 12, 1, 9, 0)]
        );
        assert_eq!(
            next_n("0 0 1 jan,Jul *", from, 2),
            [at(2027, 1, 1, 0, 0), at(2027, 7, 1, 0, 0)]
        );
        let sunday = [at(2026, 11, 29, 0, 0)];
        assert_eq!(next_n("0 0 * * 0", from, 1), sunday);
        assert_eq!(next_n("0 0 * * 7", from, 1), sunday, "7 is Sunday too");
        assert_eq!(next_n("0 0 * * SUN", from, 1), sunday);
        assert_eq!(
            next_n("0 0 * * 5-7", from, 2),
            [at(2026, 11, 28, 0, 0), at(2026, 11, 29, 0, 0)]
        );
    });
}

#[test]
fn two_restricted_day_fields_match_either() {
    // Vixie cron: day of month OR day of week when both are restricted; the seed ANDed them.
    graded(|| {
        let runs = next_n("0 0 13 * FRI", at(2026, 2, 1, 0, 0), 4);
        assert_eq!(
            runs,
            [
                at(2026, 2, 6, 0, 0),
                at(2026, 2, 13, 0, 0),
                at(2026, 2, 20, 0, 0),
                at(2026, 2, 27, 0, 0)
            ]
        );
        let mondays = next_n("0 0 * * MON", at(2026, 2, 1, 0, 0), 2);
        assert_eq!(
            mondays,
            [at(2026, 2, 2, 0, 0), at(2026, 2, 9, 0, 0)],
            "with `*` days only the weekday counts"
        );
        let firsts = next_n("0 0 1 * *", at(2026, 2, 1, 0, 0), 2);
        assert_eq!(
            firsts,
            [at(2026, 3, 1, 0, 0), at(2026, 4, 1, 0, 0)],
            "with `*` weekdays only the day counts"
        );
    });
}

#[test]
fn weekly_monthly_and_yearly_schedules_are_found() {
    // The seed only looked 24 hours ahead, so these never ran.
    graded(|| {
        let from = at(2026, 6, 15, 10, 30);
        assert_eq!(next_n("0 3 * * 1", from, 1), [at(2026, 6, 22, 3, 0)]);
        assert_eq!(next_n("30 2 1 * *", from, 1), [at(2026, 7, 1, 2, 30)]);
        assert_eq!(
            next_n("0 0 1 1 *", from, 2),
            [at(2027, 1, 1, 0, 0), at(2028, 1, 1, 0, 0)]
        );
    });
}

#[test]
fn leap_days_and_impossible_dates() {
    graded(|| {
        assert_eq!(
            next_n("0 0 29 2 *", at(2026, 3, 1, 0, 0), 2),
            [at(2028, 2, 29, 0, 0), at(2032, 2, 29, 0, 0)]
        );
        assert_eq!(
            next_n("0 0 29 2 *", at(2096, 3, 1, 0, 0), 1),
            [at(2104, 2, 29, 0, 0)],
            "2100 is not a leap year"
        );
        for never in ["0 0 30 2 *", "0 0 31 4 *", "0 0 31 2,4,6,9,11 *"] {
            assert_eq!(
                schedule(never).next_after(at(2026, 1, 1, 0, 0)),
                None,
                "`{never}` never fires"
            );
        }
    });
}

#[test]
fn the_next_time_is_strictly_later() {
    graded(|| {
        let every_minute = schedule("* * * * *");
        let noon = at(2026, 5, 5, 12, 0);
        assert_eq!(
            every_minute.next_after(noon),
            Some(at(2026, 5, 5, 12, 1)),
            "a matching time is not its own next"
        );
        let half_past = noon + TimeDelta::seconds(30);
        assert_eq!(
            every_minute.next_after(half_past),
            Some(at(2026, 5, 5, 12, 1))
        );
        let new_year = schedule("59 23 31 12 *");
        assert_eq!(
            new_year.next_after(at(2026, 12, 31, 23, 59)),
            Some(at(2027, 12, 31, 23, 59))
        );
    });
}

/// A generated field: the values it allows and how it is written.
fn field(low: u32, high: u32) -> impl Strategy<Value = (Vec<bool>, String)> {
    let value = low..=high;
    prop_oneof![
        Just((
            (low..=high).map(|_| true).collect::<Vec<_>>(),
            "*".to_owned()
        )),
        value
            .clone()
            .prop_map(move |v| ((low..=high).map(|x| x == v).collect(), v.to_string())),
        (value.clone(), value.clone()).prop_map(move |(a, b)| {
            let (a, b) = (a.min(b), a.max(b));
            (
                (low..=high).map(|x| x >= a && x <= b).collect(),
                format!("{a}-{b}"),
            )
        }),
        (2u32..9).prop_map(move |step| {
            (
                (low..=high)
                    .map(|x| (x - low).is_multiple_of(step))
                    .collect(),
                format!("*/{step}"),
            )
        }),
        (value.clone(), 1u32..8).prop_map(move |(a, step)| {
            (
                (low..=high)
                    .map(|x| x >= a && (x - a) % step == 0)
                    .collect(),
                format!("{a}/{step}"),
            )
        }),
        proptest::collection::btree_set(value, 1..4).prop_map(move |set| {
            let text = set.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
            ((low..=high).map(|x| set.contains(&x)).collect(), text)
        }),
    ]
}

/// The test's own matcher, from the generated value sets (independent of your parser).
struct Expected {
    minute: Vec<bool>,
    hour: Vec<bool>,
    day: Vec<bool>,
    month: Vec<bool>,
    weekday: Vec<bool>,
    day_star: bool,
    weekday_star: bool,
}

impl Expected {
    fn day_ok(&self, t: NaiveDateTime) -> bool {
        let day = self.day[t.day() as usize - 1];
        let wd = t.weekday().num_days_from_sunday() as usize;
        let weekday = self.weekday[wd] || (wd == 0 && self.weekday[7]);
        // Vixie cron: either when both are restricted; both when one starts with `*`.
        if !self.day_star && !self.weekday_star {
            day || weekday
        } else {
            day && weekday
        }
    }

    /// The first match in the next `days` days, scanning day by day, then minute by minute.
    fn scan(&self, after: NaiveDateTime, days: i64) -> Option<NaiveDateTime> {
        let first = after.with_second(0).unwrap() + TimeDelta::minutes(1);
        let mut day = first.date();
        while day <= after.date() + TimeDelta::days(days) {
            let midnight = day.and_hms_opt(0, 0, 0).unwrap();
            if self.month[day.month() as usize - 1] && self.day_ok(midnight) {
                for m in 0..1440 {
                    let t = midnight + TimeDelta::minutes(m);
                    if t >= first
                        && self.hour[t.hour() as usize]
                        && self.minute[t.minute() as usize]
                    {
                        return Some(t);
                    }
                }
            }
            day = day.succ_opt().unwrap();
        }
        None
    }
}

#[test]
fn next_after_agrees_with_a_brute_force_scan() {
    graded(|| {
        let strategy = (
            field(0, 59),
            field(0, 23),
            field(1, 31),
            field(1, 12),
            field(0, 7),
            (2000i32..2100, 1u32..=12, 1u32..=28, 0u32..24, 0u32..60),
        );
        let result =
            proptest_runner(160).run(&strategy, |(mi, h, d, mo, wd, (y, m, day, hh, mm))| {
                let text = format!("{} {} {} {} {}", mi.1, h.1, d.1, mo.1, wd.1);
                let expected = Expected {
                    day_star: d.1.starts_with('*'),
                    weekday_star: wd.1.starts_with('*'),
                    minute: mi.0,
                    hour: h.0,
                    day: d.0,
                    month: mo.0,
                    weekday: wd.0,
                };
                let after = at(y, m, day, hh, mm);
                let parsed: Schedule = text
                    .parse()
                    .map_err(|e| TestCaseError::fail(format!("`{text}`: {e}")))?;
                let next = parsed.next_after(after);
                const HORIZON: i64 = 400;
                match expected.scan(after, HORIZON) {
                    Some(first) => prop_assert_eq!(next, Some(first), "`{}` after {}", text, after),
                    None => prop_assert!(
                        next.is_none_or(|n| n > after + TimeDelta::days(HORIZON)),
                        "`{}` after {}: {:?} but nothing matches within {} days",
                        text,
                        after,
                        next,
                        HORIZON
                    ),
                }
                Ok(())
            });
        if let Err(failure) = result {
            panic!("{failure}");
        }
    });
}
