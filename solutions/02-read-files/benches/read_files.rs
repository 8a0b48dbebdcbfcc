//! Kata 02's reference against `futures::StreamExt::buffered`, the usual production answer,
//! in the same run: 500 small files read 16 at a time, and 10 000 ready futures.
//!
//! `cargo bench -p read-files-solution`; the ratio is reference time ÷ peer time.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use futures::StreamExt;
use read_files_solution::{map_with_limit, read_files_with_limit};

const LIMIT: usize = 16;

fn files(count: usize) -> (PathBuf, Vec<PathBuf>) {
    let dir = std::env::temp_dir().join(format!("kata02-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("bench folder");
    let paths = (0..count)
        .map(|i| {
            let path = dir.join(format!("{i}.txt"));
            std::fs::write(&path, format!("file number {i}\n").repeat(8)).expect("bench file");
            path
        })
        .collect();
    (dir, paths)
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    let (dir, paths) = files(500);

    let mut group = c.benchmark_group("read 500 small files, limit 16");
    group.bench_function("reference read_files_with_limit", |b| {
        b.iter(|| runtime.block_on(read_files_with_limit(black_box(&paths), LIMIT)))
    });
    group.bench_function("peer futures buffered", |b| {
        b.iter(|| {
            runtime.block_on(
                futures::stream::iter(black_box(&paths))
                    .map(tokio::fs::read_to_string)
                    .buffered(LIMIT)
                    .collect::<Vec<_>>(),
            )
        })
    });
    group.finish();

    let mut group = c.benchmark_group("10 000 ready futures, limit 16");
    group.bench_function("reference map_with_limit", |b| {
        b.iter(|| {
            runtime.block_on(map_with_limit(0..10_000u64, LIMIT, |i| async move {
                black_box(i) * 2
            }))
        })
    });
    group.bench_function("peer futures buffered", |b| {
        b.iter(|| {
            runtime.block_on(
                futures::stream::iter(0..10_000u64)
                    .map(|i| async move { black_box(i) * 2 })
                    .buffered(LIMIT)
                    .collect::<Vec<_>>(),
            )
        })
    });
    group.finish();
    let _ = std::fs::remove_dir_all(dir);
}

criterion_group!(benches, bench);
criterion_main!(benches);
