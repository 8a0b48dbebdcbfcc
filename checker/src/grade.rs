//! Grading: build every slot in one cargo run, run each hidden test in its own process on
//! every core, and turn the outcomes into reports.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Result;

use crate::harness::{Build, Harness, Slot, SlotSpec};
use crate::manifest::{Kata, Limits};
use crate::report::{KataReport, StageReport, TestReport, round1};
use crate::runner::{self, Outcome, Run, Stop};

/// One variant to grade, and how to name it in the report.
#[derive(Debug)]
pub struct Attempt<'a> {
    /// What the harness builds.
    pub spec: SlotSpec<'a>,
    /// The folder shown in the report.
    pub label: String,
}

/// Options for a grading run.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Overrides every stage's per-test time limit (seconds).
    pub time_limit: Option<u64>,
    /// Overrides the katas' build time limit (seconds).
    pub build_time_limit: Option<u64>,
    /// Read the compiler time of each attempt from cargo's `--timings` report
    /// ([`Timings::compile`]).
    pub compile_timings: bool,
    /// How many test processes run at once (default: one per core). The self-check runs
    /// more: most of its time is mutants' tests waiting for a time limit or a deadline of
    /// their own, which takes no processor.
    pub test_jobs: Option<usize>,
}

/// How the tests of one attempt are run.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Stop at the first test that does not pass: its other tests are not started, and
    /// those running are killed (reported as `stopped`). For the self-check's mutants,
    /// whose verdict is decided by one failing test.
    pub stop_at_first_failure: bool,
    /// Tests to start before the others, in this order (the self-check puts first the
    /// test that caught a mutant last time). Unknown names are ignored.
    pub first: Vec<String>,
    /// With [`Plan::stop_at_first_failure`]: the stage (0-based) whose tests decide. They
    /// start first (after [`Plan::first`]), and only a failure of one of them stops the
    /// others; so when none of them fails, every test runs and the report says which
    /// other stages' tests fail. The self-check sets it to the stage of a mutant's rule.
    pub deciding_stage: Option<usize>,
    /// Build the attempt but run none of its tests (its report has no tests). Cargo
    /// unifies the dependencies' features over the packages of one build, so the
    /// self-check builds every kata's skeleton beside the katas it grades: the
    /// dependencies then come out the same whichever katas are graded.
    pub build_only: bool,
    /// Run the tests with [`crate::schema::SWITCH_ENV`] set to this: the attempt is one
    /// mutant of a kata's mutant schema. Attempts of one kata with the same variant name
    /// share one slot (built once; the first attempt's sources are written).
    pub switch: Option<u32>,
}

/// Where a grading's time went.
#[derive(Debug, Clone, Default)]
pub struct Timings {
    /// Writing the slots and building them (wall clock).
    pub build: Duration,
    /// Running the tests (wall clock).
    pub tests: Duration,
    /// Compiler seconds per attempt (its packages), with [`Options::compile_timings`].
    pub compile: Vec<f64>,
    /// Compiler seconds spent on dependencies, with [`Options::compile_timings`].
    pub dependencies: f64,
}

/// One test process to run.
struct Job<'a> {
    attempt: usize,
    stage: usize,
    name: String,
    exe: Option<PathBuf>,
    limit: Duration,
    limits: &'a Limits,
    switch: Option<u32>,
}

/// Grades `attempts` together: one build, then all tests in parallel.
pub fn grade(
    harness: &Harness,
    attempts: &[Attempt<'_>],
    options: Options,
) -> Result<Vec<KataReport>> {
    Ok(grade_planned(harness, attempts, options, &[])?.0)
}

/// Like [`grade`], with a [`Plan`] per attempt (`plans[i]` for `attempts[i]`; missing ones
/// are the default: every test runs), and where the time went.
pub fn grade_planned(
    harness: &Harness,
    attempts: &[Attempt<'_>],
    options: Options,
    plans: &[Plan],
) -> Result<(Vec<KataReport>, Timings)> {
    // `KATA_TIMINGS=1` prints where a grading's time goes (for `cargo kata bench` work).
    let timings = std::env::var_os("KATA_TIMINGS").is_some();
    let started = Instant::now();
    // Attempts of one kata and variant (a mutant schema's mutants) share their slot.
    let mut slots: Vec<Slot> = Vec::with_capacity(attempts.len());
    let mut first_of_slot = Vec::with_capacity(attempts.len());
    for attempt in attempts {
        let shared = attempts.iter().zip(&slots).position(|(other, _)| {
            other.spec.kata.id == attempt.spec.kata.id && other.spec.variant == attempt.spec.variant
        });
        match shared {
            Some(first) => {
                slots.push(slots[first].clone());
                first_of_slot.push(false);
            }
            None => {
                slots.push(harness.prepare(&attempt.spec)?);
                first_of_slot.push(true);
            }
        }
    }
    let distinct: Vec<&Slot> = slots
        .iter()
        .zip(&first_of_slot)
        .filter_map(|(slot, first)| first.then_some(slot))
        .collect();
    let build_limit = options.build_time_limit.unwrap_or_else(|| {
        attempts
            .iter()
            .map(|a| a.spec.kata.limits.build_seconds)
            .max()
            .unwrap_or(300)
    });
    let prepared = started.elapsed();
    let build = harness.build(
        &distinct,
        Duration::from_secs(build_limit),
        options.compile_timings,
    )?;
    let built = started.elapsed();

    let mut jobs = Vec::new();
    for (index, (attempt, slot)) in attempts.iter().zip(&slots).enumerate() {
        if plans.get(index).is_some_and(|p| p.build_only) {
            continue;
        }
        let kata = attempt.spec.kata;
        for (stage, name) in kata.expected_tests() {
            let package = slot
                .packages
                .iter()
                .find(|p| p.stages.contains(&stage))
                .expect("every stage belongs to a package");
            let limit = options.time_limit.unwrap_or_else(|| kata.time_limit(stage));
            jobs.push(Job {
                attempt: index,
                stage,
                name,
                exe: build.executable(&package.name).map(Path::to_owned),
                limit: Duration::from_secs(limit),
                limits: &kata.limits,
                switch: plans.get(index).and_then(|p| p.switch),
            });
        }
    }
    let build_failure = build
        .timeout_message()
        .unwrap_or_else(|| "the hidden tests could not be built against this attempt".into());
    let default_plan = Plan::default();
    let plan_of = |attempt: usize| plans.get(attempt).unwrap_or(&default_plan);
    let deciding: Vec<Option<usize>> = (0..attempts.len())
        .map(|a| plan_of(a).deciding_stage)
        .collect();
    let stops: Vec<Option<Stop>> = (0..attempts.len())
        .map(|a| plan_of(a).stop_at_first_failure.then(Stop::new).transpose())
        .collect::<Result<_>>()?;
    let order = schedule(&jobs, plan_of);
    let workers = options
        .test_jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
        .max(1);
    let runs = run_all(
        harness,
        &jobs,
        &order,
        &stops,
        &deciding,
        &build_failure,
        workers,
    )?;
    let spent = Timings {
        build: built,
        tests: started.elapsed() - built,
        // A shared slot's compiler time is counted once, for its first attempt.
        compile: slots
            .iter()
            .zip(&first_of_slot)
            .map(|(slot, &first)| {
                if !first {
                    return 0.0;
                }
                slot.packages
                    .iter()
                    .map(|p| p.name.as_str())
                    .chain([slot.base.as_str()])
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .map(|p| build.compile_seconds(p))
                    .sum()
            })
            .collect(),
        dependencies: build.dependency_seconds(),
    };
    if timings {
        eprintln!(
            "timings: prepare {:?}, build {:?}, {} tests {:?}",
            prepared,
            built - prepared,
            jobs.len(),
            started.elapsed() - built
        );
    }

    let reports = attempts
        .iter()
        .zip(&slots)
        .enumerate()
        .map(|(index, (attempt, slot))| {
            let results: Vec<(&Job, &Run)> = jobs
                .iter()
                .zip(&runs)
                .filter(|(job, _)| job.attempt == index)
                .collect();
            report(attempt, slot, &build, &results)
        })
        .collect();
    Ok((reports, spent))
}

/// The order in which `jobs` start. Attempts that stop at their first failure run one
/// test at a time each: their first tests (those named in `Plan::first`, then stage
/// order) come before every other job, and each one's next test only after all of them
/// had their turn, so a test that catches a mutant saves the start of its others. Attempts
/// whose every test runs come in between, in their own order.
fn schedule<'p>(jobs: &[Job<'_>], plan_of: impl Fn(usize) -> &'p Plan) -> Vec<usize> {
    // Per stopping attempt, its jobs in the order they should start.
    let mut queues: Vec<(usize, Vec<usize>)> = Vec::new();
    let mut full = Vec::new();
    for (index, job) in jobs.iter().enumerate() {
        let plan = plan_of(job.attempt);
        if !plan.stop_at_first_failure {
            full.push(index);
            continue;
        }
        match queues.iter_mut().find(|(a, _)| *a == job.attempt) {
            Some((_, queue)) => queue.push(index),
            None => queues.push((job.attempt, vec![index])),
        }
    }
    for (attempt, queue) in &mut queues {
        let plan = plan_of(*attempt);
        // Stable: named tests first in the plan's order, then the deciding stage's, the
        // rest in stage order.
        queue.sort_by_key(|&j| {
            let named = plan
                .first
                .iter()
                .position(|name| *name == jobs[j].name)
                .unwrap_or(usize::MAX);
            let outside = plan.deciding_stage.is_some_and(|s| s != jobs[j].stage);
            (named, outside)
        });
    }
    let mut order: Vec<usize> = queues
        .iter()
        .filter_map(|(_, q)| q.first().copied())
        .collect();
    order.extend(full);
    let longest = queues.iter().map(|(_, q)| q.len()).max().unwrap_or(0);
    for rank in 1..longest {
        order.extend(queues.iter().filter_map(|(_, q)| q.get(rank).copied()));
    }
    order
}

/// Runs every job on `workers` threads, starting them in `order`.
fn run_all(
    harness: &Harness,
    jobs: &[Job<'_>],
    order: &[usize],
    stops: &[Option<Stop>],
    deciding: &[Option<usize>],
    build_failure: &str,
    workers: usize,
) -> Result<Vec<Run>> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<Run>>>> =
        Mutex::new((0..jobs.len()).map(|_| None).collect());
    let scratch_root = harness.scratch_dir();
    // On a terminal, a line counting the tests run; nothing when output is redirected.
    let show_progress = std::io::stderr().is_terminal() && jobs.len() > 1;
    // Long runs (the self-check) say where they are even without a terminal.
    let log_progress = jobs.len() > 500;
    let last_line = Mutex::new(Instant::now());
    let done = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..workers.min(jobs.len()) {
            scope.spawn(|| {
                while let Some(&index) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let job = &jobs[index];
                    let stop = stops[job.attempt].as_ref();
                    let run = match &job.exe {
                        None => Ok(Run {
                            outcome: Outcome::NotCompiled,
                            message: Some(build_failure.to_owned()),
                            output: String::new(),
                            elapsed: Duration::ZERO,
                        }),
                        Some(_) if stop.is_some_and(Stop::is_raised) => {
                            Ok(Run::stopped(Duration::ZERO))
                        }
                        Some(exe) => {
                            let scratch = scratch_root.join(format!("test-{index}"));
                            let run = runner::run_test(
                                exe,
                                &job.name,
                                job.limit,
                                job.limits,
                                &scratch,
                                stop,
                                job.switch.map(runner::Switch::Env),
                            );
                            let _ = std::fs::remove_dir_all(&scratch);
                            run
                        }
                    };
                    if let (Some(stop), Ok(run)) = (stop, &run)
                        && !matches!(run.outcome, Outcome::Passed | Outcome::Stopped)
                        && deciding[job.attempt].is_none_or(|s| s == job.stage)
                    {
                        stop.raise();
                    }
                    results.lock().unwrap_or_else(|e| e.into_inner())[index] = Some(run);
                    let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
                    if show_progress {
                        eprint!("\r  running hidden tests: {finished}/{}", jobs.len());
                        if finished == jobs.len() {
                            eprint!("\r\x1b[2K");
                        }
                    } else if log_progress {
                        // Not a terminal (a log, a test): a line every half minute.
                        let mut last = last_line.lock().unwrap_or_else(|e| e.into_inner());
                        if last.elapsed() >= Duration::from_secs(30) {
                            *last = Instant::now();
                            eprintln!("  running hidden tests: {finished}/{}", jobs.len());
                        }
                    }
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .map(|r| r.expect("every job ran"))
        .collect()
}

fn report(
    attempt: &Attempt<'_>,
    slot: &Slot,
    build: &Build,
    results: &[(&Job, &Run)],
) -> KataReport {
    let kata: &Kata = attempt.spec.kata;
    let mut compile_errors: Vec<String> = build.timeout_message().into_iter().collect();
    for package in &slot.packages {
        if build.executable(&package.name).is_none() {
            for error in build.errors(&package.name) {
                let error = slot.rewrite_paths(error);
                if !compile_errors.contains(&error) {
                    compile_errors.push(error);
                }
            }
        }
    }
    // The compiler on the attempt's crate may read only its src/ (see `confine`): say
    // plainly why a read outside was refused, in one line before the compiler's own words.
    if compile_errors.iter().any(|e| refused_read(e)) {
        compile_errors.insert(
            0,
            "refused: the attempt reads a file outside its src/ folder at compile time \
             (include_str!, include_bytes!, include! or #[path]); only files under src/ may be read"
                .into(),
        );
    }
    let mut stages = Vec::new();
    let mut tests = Vec::new();
    for (index, stage) in kata.stages.iter().enumerate() {
        let in_stage: Vec<&(&Job, &Run)> = results
            .iter()
            .filter(|(job, _)| job.stage == index)
            .collect();
        let total = in_stage.len();
        let weight = if total == 0 {
            0.0
        } else {
            f64::from(stage.weight) / total as f64
        };
        let mut passed = 0;
        for (job, run) in in_stage {
            let (status, outcome) = run.outcome.names();
            let ok = run.outcome == Outcome::Passed;
            passed += usize::from(ok);
            tests.push(TestReport {
                name: job.name.clone(),
                status: status.into(),
                outcome: outcome.into(),
                message: run.message.as_deref().map(|m| slot.rewrite_paths(m)),
                output: (!ok && !run.output.is_empty()).then(|| slot.rewrite_paths(&run.output)),
                task_id: index + 1,
                stage: index + 1,
                weight: round1(weight),
                score: if ok { round1(weight) } else { 0.0 },
                elapsed: run.elapsed,
            });
        }
        let score = if total == 0 {
            0.0
        } else {
            f64::from(stage.weight) * passed as f64 / total as f64
        };
        stages.push(StageReport {
            stage: index + 1,
            title: stage.title.clone(),
            weight: stage.weight,
            passed,
            total,
            score: round1(score),
        });
    }
    let confinement = crate::confine::held();
    let score = round1(stages.iter().map(|s| s.score).sum());
    let stage_reached = stages
        .iter()
        .take_while(|s| s.total > 0 && s.passed == s.total)
        .count();
    let all_passed = tests.iter().all(|t| t.outcome == "passed");
    let compiled = !tests.iter().any(|t| t.outcome == "not-compiled");
    KataReport {
        version: 3,
        status: if !compiled {
            "error"
        } else if all_passed {
            "pass"
        } else {
            "fail"
        }
        .into(),
        message: (!compile_errors.is_empty()).then(|| {
            let trimmed: Vec<&str> = compile_errors.iter().map(|e| e.trim_end()).collect();
            trimmed.join("\n\n")
        }),
        tests,
        kata: kata.id.clone(),
        number: kata.number,
        title: kata.title.clone(),
        path: attempt.label.clone(),
        stages,
        stage_reached,
        score: if all_passed { 100.0 } else { score.min(99.9) },
        network_isolated: runner::network_isolation(),
        filesystem_confined: confinement.filesystem.is_ok(),
        processes_confined: confinement.processes.is_ok(),
        confinement_notes: confinement_notes(),
    }
}

/// Whether a compiler error is a read the build's sandbox refused.
fn refused_read(error: &str) -> bool {
    error.contains("Permission denied") || error.contains("os error 13")
}

/// Why candidate code was not fully confined on this machine, one note per gap.
pub fn confinement_notes() -> Vec<String> {
    let held = crate::confine::held();
    let mut notes = Vec::new();
    if let Err(why) = &held.filesystem {
        notes.push(format!(
            "tests could read and write files outside their private folders: {why}"
        ));
    }
    if let Err(why) = &held.processes {
        notes.push(format!("test processes were not fully confined: {why}"));
    }
    notes
}
