//! `cargo kata bench`: how long grading takes next to the floor — `cargo test` of the same
//! hidden tests against the same code, run directly in the harness — in one run, as ratios.
//!
//! Three measurements, each the median of `runs`: grading one kata with nothing changed;
//! grading it after a one-line change to the attempt (the floor gets the same change in the
//! harness's copy); and grading every kata at once (in-process, one build, every core).
//! The attempts are copies of the reference solutions under `target/kata-bench/`, so every
//! test passes and nothing of the learner's is touched.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::grade::{self, Attempt, Options};
use crate::harness::{Harness, SlotSpec, floor_command, read_sources};
use crate::manifest::{Kata, Manifest};

/// One row of the result.
struct Row {
    what: String,
    graded: Duration,
    floor: Duration,
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn time(mut command: Command) -> Result<Duration> {
    let start = Instant::now();
    let output = command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .context("failed to run a timed command")?;
    let elapsed = start.elapsed();
    if !output.status.success() {
        bail!(
            "a timed command failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(elapsed)
}

/// A copy of `kata`'s reference solution to grade, under `target/kata-bench/`.
fn copy_solution(root: &Path, kata: &Kata) -> Result<PathBuf> {
    let dir = root.join("target").join("kata-bench").join(&kata.dir);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    std::fs::copy(
        kata.skeleton_dir(root).join("Cargo.toml"),
        dir.join("Cargo.toml"),
    )?;
    for (name, content) in read_sources(&kata.solution_dir(root))? {
        let to = dir.join(&name);
        std::fs::create_dir_all(to.parent().expect("a file has a folder"))?;
        std::fs::write(to, content)?;
    }
    Ok(dir)
}

/// Appends a comment line to `file`: a one-line change that makes cargo rebuild.
fn touch_line(file: &Path, n: usize) -> Result<()> {
    let mut text = std::fs::read_to_string(file)?;
    text.push_str(&format!("// bench edit {n}\n"));
    std::fs::write(file, text)?;
    Ok(())
}

/// Runs the benchmark and prints the table.
pub fn run(root: &Path, manifest: &Manifest, kata: &Kata, runs: usize) -> Result<()> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let dir = copy_solution(root, kata)?;
    // Exactly what a learner types: `cargo kata grade …` is `cargo run` of the checker, so
    // cargo's own start-up (loading the workspace, checking the checker is fresh) counts.
    let grade_one = || {
        let mut command = Command::new(&cargo);
        command
            .current_dir(root)
            .args(["run", "--quiet", "--package", "checker", "--", "grade"])
            .arg(&kata.id)
            .arg("--path")
            .arg(&dir)
            .args(["--format", "json"]);
        command
    };
    eprintln!("Warming up: grading {} once…", kata.id);
    time(grade_one())?;
    let (floor_slot, slot_lib) = {
        let harness = Harness::open(root)?;
        let slot = harness.prepare(&SlotSpec {
            kata,
            variant: "attempt".into(),
            sources: read_sources(&dir)?,
        })?;
        let lib = harness.slot_dir(&slot).join("src").join("lib.rs");
        (slot, lib)
    };
    let floor = || floor_command(root, &[&floor_slot]);
    time(floor())?;

    let mut rows = Vec::new();
    eprintln!("Timing {runs} runs of each…");
    let graded = (0..runs)
        .map(|_| time(grade_one()))
        .collect::<Result<Vec<_>>>()?;
    let floored = (0..runs)
        .map(|_| time(floor()))
        .collect::<Result<Vec<_>>>()?;
    rows.push(Row {
        what: format!("grade {}, no change", kata.id),
        graded: median(graded),
        floor: median(floored),
    });

    // The same without `cargo run` in front: the checker's own share.
    let exe = std::env::current_exe().context("cannot find the checker's own binary")?;
    let direct = || {
        let mut command = Command::new(&exe);
        command
            .arg("grade")
            .arg(&kata.id)
            .arg("--path")
            .arg(&dir)
            .args(["--format", "json"]);
        command
    };
    let graded = (0..runs)
        .map(|_| time(direct()))
        .collect::<Result<Vec<_>>>()?;
    rows.push(Row {
        what: "  the same, checker binary without cargo run".into(),
        graded: median(graded),
        floor: rows[0].floor,
    });

    let mut graded = Vec::new();
    let mut floored = Vec::new();
    for n in 0..runs {
        touch_line(&dir.join("src").join("lib.rs"), n)?;
        graded.push(time(grade_one())?);
        touch_line(&slot_lib, 1000 + n)?;
        floored.push(time(floor())?);
    }
    rows.push(Row {
        what: format!("grade {}, one-line change", kata.id),
        graded: median(graded),
        floor: median(floored),
    });

    eprintln!("Grading all {} katas…", manifest.katas.len());
    let dirs = manifest
        .katas
        .iter()
        .map(|k| copy_solution(root, k))
        .collect::<Result<Vec<_>>>()?;
    let attempts = || -> Result<Vec<Attempt<'_>>> {
        manifest
            .katas
            .iter()
            .zip(&dirs)
            .map(|(k, d)| {
                Ok(Attempt {
                    spec: SlotSpec {
                        kata: k,
                        variant: "attempt".into(),
                        sources: read_sources(d)?,
                    },
                    label: d.display().to_string(),
                })
            })
            .collect()
    };
    let mut graded = Vec::new();
    let mut floored = Vec::new();
    for n in 0..=runs {
        let harness = Harness::open(root)?;
        let start = Instant::now();
        let reports = grade::grade(&harness, &attempts()?, Options::default())?;
        let elapsed = start.elapsed();
        if let Some(bad) = reports.iter().find(|r| r.score < 100.0) {
            bail!("the copy of {}'s solution scored {}", bad.kata, bad.score);
        }
        let slots = attempts()?
            .iter()
            .map(|a| harness.prepare(&a.spec))
            .collect::<Result<Vec<_>>>()?;
        let floor_time = time(floor_command(root, &slots.iter().collect::<Vec<_>>()))?;
        // The first round builds everything once; it is not counted.
        if n > 0 {
            graded.push(elapsed);
            floored.push(floor_time);
        }
    }
    rows.push(Row {
        what: format!("all {} katas, no change", manifest.katas.len()),
        graded: median(graded),
        floor: median(floored),
    });

    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "Grading speed, median of {runs} runs, {cores} cores (floor: `cargo test --test hidden` \
         of the same code in the harness)\n"
    );
    println!(
        "  {:<46} {:>10} {:>10} {:>7}",
        "", "graded", "floor", "ratio"
    );
    for row in &rows {
        println!(
            "  {:<46} {:>8.2} s {:>8.2} s {:>6.2}×",
            row.what,
            row.graded.as_secs_f64(),
            row.floor.as_secs_f64(),
            row.graded.as_secs_f64() / row.floor.as_secs_f64()
        );
    }
    Ok(())
}
