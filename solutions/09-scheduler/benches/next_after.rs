//! Kata 09's `next_after` against `croner`, in the same run, for a minutely, a daily and a
//! yearly schedule.
//!
//! `cargo bench -p scheduler-solution --bench next_after`; the ratio is reference time ÷
//! peer time.

use std::hint::black_box;
use std::str::FromStr;

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use scheduler_solution::Schedule;

fn bench(c: &mut Criterion) {
    let from = NaiveDate::from_ymd_opt(2026, 3, 14)
        .and_then(|d| d.and_hms_opt(15, 9, 26))
        .expect("a valid date");
    for (name, expression) in [
        ("minutely", "* * * * *"),
        ("daily", "30 4 * * *"),
        ("yearly", "0 0 1 1 *"),
    ] {
        let ours: Schedule = expression.parse().expect("valid");
        let theirs = croner::Cron::from_str(expression).expect("valid");
        let mut group = c.benchmark_group(format!("next_after, {name} ({expression})"));
        group.bench_function("reference Schedule::next_after", |b| {
            b.iter(|| ours.next_after(black_box(from)))
        });
        group.bench_function("peer croner find_next_occurrence", |b| {
            b.iter(|| theirs.find_next_occurrence(black_box(&from), false))
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
