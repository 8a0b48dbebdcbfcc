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
fn a_rare_day_can_be_decades_away() {
    // A day-of-week field that starts with `*` is unrestricted in Vixie's sense, so both
    // day fields must match: February 29th that is also a Sunday. It comes in 2004, 2032,
    // 2060, 2088 and then, 2100 not being a leap year, only in 2128. `None` means never.
    graded(|| {
        assert_eq!(
            next_n("0 0 29 2 */7", at(2004, 3, 1, 0, 0), 1),
            [at(2032, 2, 29, 0, 0)],
            "28 years later"
        );
        assert_eq!(
            next_n("30 12 29 2 */7", at(2088, 2, 29, 12, 30), 1),
            [at(2128, 2, 29, 12, 30)],
            "40 years later, across 2100"
        );
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
        // No step as large as the field (`*/8` on days of the week): the prompt leaves
        // those to the candidate.
        (2u32..=8.min(high - low)).prop_map(move |step| {
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
    /// The expression text and the matcher for five generated fields (minute, hour, day of
    /// month, month, day of week), each a value set and the text that spells it.
    fn from_fields(fields: [(Vec<bool>, String); 5]) -> (String, Expected) {
        let [mi, h, d, mo, wd] = fields;
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
        (text, expected)
    }

    fn day_ok(&self, t: NaiveDateTime) -> bool {
        self.day_ok_on(t.day(), t.weekday().num_days_from_sunday())
    }

    /// The day rule for a day of the month and a day of the week (0 = Sunday).
    fn day_ok_on(&self, day_of_month: u32, day_of_week: u32) -> bool {
        let day = self.day[day_of_month as usize - 1];
        let wd = day_of_week as usize;
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
                let (text, expected) = Expected::from_fields([mi, h, d, mo, wd]);
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

/// A day of the Gregorian calendar, walked by hand (independent of chrono and of your code).
#[derive(Debug, Clone, Copy)]
struct Day {
    year: i32,
    month: u32,
    day: u32,
    /// 0 = Sunday.
    weekday: u32,
}

impl Day {
    fn of(date: NaiveDate) -> Day {
        Day {
            year: date.year(),
            month: date.month(),
            day: date.day(),
            weekday: date.weekday().num_days_from_sunday(),
        }
    }

    fn month_length(&self) -> u32 {
        let leap = self.year % 4 == 0 && (self.year % 100 != 0 || self.year % 400 == 0);
        match self.month {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        }
    }

    fn next(self) -> Day {
        let weekday = (self.weekday + 1) % 7;
        if self.day < self.month_length() {
            Day {
                day: self.day + 1,
                weekday,
                ..self
            }
        } else if self.month < 12 {
            Day {
                month: self.month + 1,
                day: 1,
                weekday,
                ..self
            }
        } else {
            Day {
                year: self.year + 1,
                month: 1,
                day: 1,
                weekday,
            }
        }
    }
}

/// Days in 400 Gregorian years: after them the calendar, weekdays included, repeats.
const CYCLE_DAYS: u32 = 146_097;

impl Expected {
    /// The first match after `after`, scanning one whole 400-year cycle day by day (then
    /// minute by minute within the first matching day): nothing there means never.
    fn scan_cycle(&self, after: NaiveDateTime) -> Option<NaiveDateTime> {
        let first = after.with_second(0).unwrap() + TimeDelta::minutes(1);
        let mut day = Day::of(first.date());
        for _ in 0..=CYCLE_DAYS {
            if self.month[day.month as usize - 1] && self.day_ok_on(day.day, day.weekday) {
                let date = NaiveDate::from_ymd_opt(day.year, day.month, day.day).unwrap();
                for h in (0..24).filter(|&h| self.hour[h as usize]) {
                    for m in (0..60).filter(|&m| self.minute[m as usize]) {
                        let t = date.and_hms_opt(h, m, 0).unwrap();
                        if t >= first {
                            return Some(t);
                        }
                    }
                }
            }
            day = day.next();
        }
        None
    }
}

/// A day-of-month field that rarely matches: the 29th, late days (28–31) that some months
/// lack, or any restricted field; never a plain `*`.
fn rare_days() -> impl Strategy<Value = (Vec<bool>, String)> {
    let set = |values: &std::collections::BTreeSet<u32>| -> (Vec<bool>, String) {
        let text = values
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(",");
        ((1..=31).map(|x| values.contains(&x)).collect(), text)
    };
    prop_oneof![
        1 => Just(set(&[29].into())),
        3 => proptest::collection::btree_set(28u32..=31, 1..3).prop_map(move |s| set(&s)),
        1 => (29u32..=31, 1u32..4).prop_map(|(a, step)| {
            (
                (1..=31).map(|x| x >= a && (x - a) % step == 0).collect(),
                format!("{a}/{step}"),
            )
        }),
        1 => field(1, 31).prop_filter("restricted", |(_, text)| text != "*"),
    ]
}

/// A month field that favours short months (February alone, or with the 30-day ones).
fn short_months() -> impl Strategy<Value = (Vec<bool>, String)> {
    prop_oneof![
        1 => Just(((1..=12).map(|x| x == 2).collect(), "2".to_owned())),
        3 => proptest::sample::subsequence(vec![2u32, 4, 6, 9, 11], 1..3).prop_map(|months| {
            let text = months.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
            ((1..=12).map(|x| months.contains(&x)).collect(), text)
        }),
        1 => field(1, 12),
    ]
}

/// A day-of-week field, often led by `*` with a step (then both day fields must match).
fn weekdays() -> impl Strategy<Value = (Vec<bool>, String)> {
    prop_oneof![
        3 => (2u32..8).prop_map(|step| {
            ((0..=7).map(|x| x % step == 0).collect(), format!("*/{step}"))
        }),
        2 => field(0, 7),
    ]
}

#[test]
fn next_after_agrees_with_a_scan_of_the_whole_400_year_cycle() {
    // The calendar repeats every 400 years, so a schedule that does not match within one
    // cycle never does: `None` from `next_after` must mean exactly that.
    graded(|| {
        let config = proptest::test_runner::Config {
            max_shrink_iters: 200,
            ..kata_support::proptest_config(300)
        };
        let mut runner = proptest::test_runner::TestRunner::new_with_rng(
            config,
            proptest::test_runner::TestRng::deterministic_rng(
                proptest::test_runner::RngAlgorithm::ChaCha,
            ),
        );
        let strategy = (
            field(0, 59),
            field(0, 23),
            rare_days(),
            short_months(),
            weekdays(),
            (1990i32..2400, 1u32..=12, 1u32..=28, 0u32..24, 0u32..60),
        );
        let result = runner.run(&strategy, |(mi, h, d, mo, wd, (y, m, day, hh, mm))| {
            let (text, expected) = Expected::from_fields([mi, h, d, mo, wd]);
            let after = at(y, m, day, hh, mm);
            let parsed: Schedule = text
                .parse()
                .map_err(|e| TestCaseError::fail(format!("`{text}`: {e}")))?;
            prop_assert_eq!(
                parsed.next_after(after),
                expected.scan_cycle(after),
                "`{}` after {} (the right answer is from a scan of 400 years; None: never)",
                text,
                after
            );
            Ok(())
        });
        if let Err(failure) = result {
            panic!("{failure}");
        }
    });
}

#[test]
fn matches_asks_every_field_about_the_minute_a_time_is_in() {
    graded(|| {
        let noon = schedule("30 9 15 6 *");
        assert!(noon.matches(at(2026, 6, 15, 9, 30)));
        let late_in_the_minute = at(2026, 6, 15, 9, 30) + TimeDelta::seconds(59);
        assert!(
            noon.matches(late_in_the_minute),
            "`matches` is about the minute a time is in: its seconds do not count"
        );
        for (time, wrong) in [
            (at(2026, 7, 15, 9, 30), "month"),
            (at(2026, 6, 16, 9, 30), "day of the month"),
            (at(2026, 6, 15, 10, 30), "hour"),
            (at(2026, 6, 15, 9, 31), "minute"),
        ] {
            assert!(
                !noon.matches(time),
                "`30 9 15 6 *` does not match {time}: only its {wrong} is wrong"
            );
        }
        // Both day fields restricted: the 12th or a Friday (in November 2026 the 12th is a
        // Thursday and the 20th a Friday).
        let either = schedule("0 12 12 * FRI");
        assert!(
            either.matches(at(2026, 11, 12, 12, 0)),
            "the 12th, a Thursday"
        );
        assert!(
            either.matches(at(2026, 11, 20, 12, 0)),
            "a Friday, the 20th"
        );
        assert!(
            !either.matches(at(2026, 11, 19, 12, 0)),
            "neither the 12th nor a Friday"
        );
        // `matches` and `next_after` agree, minute by minute, over two days.
        let every = schedule("*/20 8-9 * * MON");
        let from = at(2026, 11, 29, 0, 0);
        let mut time = from;
        while time < from + TimeDelta::days(2) {
            let fires = every.next_after(time - TimeDelta::minutes(1)) == Some(time);
            assert_eq!(every.matches(time), fires, "`*/20 8-9 * * MON` at {time}");
            time += TimeDelta::minutes(1);
        }
    });
}
