// Stage 4 — performance, measured against itself: finding a time a year away must not cost
// a year of minutes, and a date that never comes must not cost a search of the years
// ahead. `next_after` for a yearly schedule is compared with `next_after` for an
// every-minute one in this same process. Jumping a month, a day, an hour at a time costs
// a few dozen steps (tens of times the every-minute call); scanning minute by minute costs
// half a million (hundreds of thousands of times). The bound, 20 000×, sits far from both.

use chrono::{NaiveDate, NaiveDateTime};
use kata_support::graded;
use scheduler::Schedule;
use std::time::{Duration, Instant};

fn at(y: i32, mo: u32, d: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, mo, d)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
}

/// The time of one `next_after` call: calls repeated until 20 ms have passed (at least
/// once), the fastest of three such rounds.
fn per_call(schedule: &Schedule, from: NaiveDateTime) -> Duration {
    (0..3)
        .map(|_| {
            let start = Instant::now();
            let mut calls = 0u32;
            while calls == 0 || start.elapsed() < Duration::from_millis(20) {
                std::hint::black_box(schedule.next_after(std::hint::black_box(from)));
                calls += 1;
            }
            start.elapsed() / calls
        })
        .min()
        .expect("three rounds")
}

#[test]
fn a_yearly_schedule_is_found_without_scanning_minutes() {
    graded(|| {
        let yearly: Schedule = "0 0 1 1 *".parse().unwrap();
        let minutely: Schedule = "* * * * *".parse().unwrap();
        let from = at(2026, 1, 2);
        assert_eq!(yearly.next_after(from), Some(at(2027, 1, 1)));
        let far = per_call(&yearly, from);
        let near = per_call(&minutely, from);
        let ratio = far.as_secs_f64() / near.as_secs_f64().max(1e-9);
        assert!(
            ratio < 20_000.0,
            "next_after takes {far:?} to find next new year and {near:?} to find the next \
             minute ({ratio:.0}×): it scans minute by minute instead of jumping over months, \
             days and hours that cannot match"
        );
    });
}

#[test]
fn a_date_that_never_comes_is_answered_without_a_search() {
    // No day matches February 30th or April 31st, in any year: the answer is `None` at
    // once (the reference takes about as long as for the every-minute call). Searching
    // the calendar's 400-year cycle for them, even a month at a time, costs thousands to
    // tens of thousands of times as long. The bound, 1 000×, sits between the two.
    graded(|| {
        let minutely: Schedule = "* * * * *".parse().unwrap();
        let from = at(2026, 1, 2);
        let near = per_call(&minutely, from);
        for text in ["0 0 30 2 *", "0 0 31 4,6,9,11 *"] {
            let never: Schedule = text.parse().unwrap();
            assert_eq!(never.next_after(from), None, "`{text}` never fires");
            let far = per_call(&never, from);
            let ratio = far.as_secs_f64() / near.as_secs_f64().max(1e-9);
            assert!(
                ratio < 1_000.0,
                "next_after takes {far:?} to answer that `{text}` never fires and {near:?} to \
                 find the next minute ({ratio:.0}×): a schedule no day can match must be \
                 answered at once, not after searching the years ahead"
            );
        }
    });
}
