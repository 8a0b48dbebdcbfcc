//! `cargo kata`: the workbook's checker.
//!
//! # Layout
//!
//! - `cli`: the command line (clap derive only).
//! - `manifest`: `katas.toml` and the hidden tests, embedded at build time.
//! - `harness`: the cargo workspace under `target/kata-harness` where attempts are built
//!   together with the hidden tests.
//! - `runner`: one hidden test in one process: limits, timeout, the proof channel.
//! - `confine`: Landlock, PID namespaces and pids cgroups around candidate code.
//! - `grade`: build once, run every test on every core, score per stage.
//! - `report`: the human report and the JSON (exercism v3 fields plus ours).
//! - `mutants`, `verify` and `cache`: the self-check, and its verdicts kept by content.
//! - `review`: review grading — the learner's tests, scored by the mutants they catch.
//! - `interview`: candidate bundles, the interviewer's records, reports.
//! - `newkata`: `cargo kata new`, a kata scaffolded from `checker/templates/new-kata/`.
//! - `progress`, `study`, `watch`: self-study — the progress file, hints, status,
//!   solutions, reset, and the watch loop.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Parser;

mod bench;
mod benchmarks;
mod cache;
mod cli;
mod confine;
mod derivation;
mod fidelity;
mod grade;
mod harness;
mod interview;
mod manifest;
mod mutants;
mod newkata;
mod progress;
mod report;
mod review;
mod runner;
mod schema;
mod study;
mod verify;
mod watch;

use cli::{Cli, Command, Format, InterviewCommand};
use grade::{Attempt, Options};
use harness::{Harness, SlotSpec, read_sources};
use manifest::Manifest;
use report::percent;

fn main() -> ExitCode {
    // Started by cargo as the compiler wrapper of the grading harness: confine and exec.
    if let Some(harness) = std::env::var_os(confine::RUSTC_WRAPPER_ENV) {
        let args: Vec<_> = std::env::args_os().skip(1).collect();
        confine::rustc_wrapper(Path::new(&harness), &args);
    }
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

/// The repository the checker was built in.
fn repository_root() -> Result<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    root.canonicalize()
        .with_context(|| format!("the workbook's folder {} is gone", root.display()))
}

/// `cargo kata derive [KATA…] [--check]`.
fn derive(root: &Path, manifest: &Manifest, katas: &[String], check: bool) -> Result<ExitCode> {
    let selected = manifest.select(katas)?;
    let mut sound = true;
    for kata in selected {
        if check {
            let derived = derivation::derive_kata(root, kata)?;
            let drifts = derivation::compare(root, &kata.skeleton_dir(root), &derived)?;
            if drifts.is_empty() {
                println!("{}: derived ({} file(s))", kata.dir, derived.len());
            }
            for drift in drifts {
                println!("{}: {drift}", kata.dir);
                sound = false;
            }
        } else {
            let report = derivation::write(root, kata)?;
            for (path, written) in report.files {
                let what = match written {
                    derivation::Written::Written => "written",
                    derivation::Written::Unchanged => "unchanged",
                };
                println!("{what:>9}  {}", path.display());
            }
            for path in report.extra {
                println!(
                    "not derived  {} (no solution file derives it: remove it by hand)",
                    path.display()
                );
                sound = false;
            }
        }
    }
    Ok(if sound {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn run(cli: Cli) -> Result<ExitCode> {
    let root = repository_root()?;
    let manifest = Manifest::load()?;
    anstream::ColorChoice::write_global(match cli.color {
        cli::ColorWhen::Auto => anstream::ColorChoice::Auto,
        cli::ColorWhen::Always => anstream::ColorChoice::Always,
        cli::ColorWhen::Never => anstream::ColorChoice::Never,
    });
    match cli.command {
        None => overview(&root, &manifest),
        Some(Command::Grade {
            kata,
            path,
            format,
            time_limit,
            build_time_limit,
        }) => {
            let kata = manifest.find(&kata)?;
            let default_path = path.is_none();
            let dir = match path {
                Some(path) => std::path::absolute(&path)
                    .with_context(|| format!("bad path {}", path.display()))?,
                None => kata.skeleton_dir(&root),
            };
            if !dir.join("Cargo.toml").is_file() {
                anyhow::bail!(
                    "{} is not a crate: there is no Cargo.toml in it",
                    dir.display()
                );
            }
            let attempt = Attempt {
                spec: SlotSpec {
                    kata,
                    variant: "attempt".into(),
                    sources: read_sources(&dir)?,
                },
                label: verify::relative(&root, &dir),
            };
            let harness = Harness::open(&root)?;
            eprintln!("Grading {} ({})…", kata.id, attempt.label);
            let options = Options {
                time_limit,
                build_time_limit,
                ..Options::default()
            };
            let reports = grade::grade(&harness, &[attempt], options)?;
            let report = &reports[0];
            if default_path {
                progress::record_grading(&root, &kata.id, report.stage_reached, report.score)?;
            }
            match format {
                Format::Human => {
                    anstream::print!("{}", report.render());
                    anstream::println!("{}", next_step(kata, report, default_path));
                }
                Format::Json => println!("{}", serde_json::to_string_pretty(report)?),
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Review {
            kata,
            path,
            format,
            time_limit,
        }) => {
            let kata = manifest.find(&kata)?;
            let file = match path {
                Some(path) => review::tests_file(
                    &std::path::absolute(&path)
                        .with_context(|| format!("bad path {}", path.display()))?,
                ),
                None => kata.skeleton_dir(&root).join(review::TESTS_FILE),
            };
            let tests = review::read_tests(kata, &file)?;
            let label = verify::relative(&root, &file);
            let harness = Harness::open(&root)?;
            eprintln!("Reviewing {} ({label})…", kata.id);
            let options = review::Options { time_limit };
            let report = review::grade(&root, &harness, &manifest, kata, &tests, &label, options)?;
            match format {
                Format::Human => anstream::print!("{}", report.render()),
                Format::Json => println!("{}", serde_json::to_string_pretty(&report)?),
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Interview { action, records }) => {
            let records = records.unwrap_or_else(|| root.join("interviews"));
            match action {
                InterviewCommand::New {
                    kata,
                    candidate,
                    minutes,
                    out,
                    hints,
                    review,
                } => {
                    let kata = manifest.find(&kata)?;
                    let record = interview::new(
                        &root, &records, kata, &candidate, minutes, hints, review, &out,
                    )?;
                    println!(
                        "Bundle for {} written to {} (session {}, {minutes} min from now).\n\
                         Give the candidate that folder; grade it with `cargo kata interview grade {}`.",
                        record.candidate,
                        record.bundle.display(),
                        record.id,
                        out.display()
                    );
                }
                InterviewCommand::Grade { dir } => {
                    let (_, summary) = interview::grade(&root, &records, &manifest, &dir)?;
                    anstream::print!("{summary}");
                }
                InterviewCommand::Report { dir, format, out } => {
                    let text = interview::report(&root, &records, &manifest, &dir, format)?;
                    match out {
                        Some(path) => {
                            std::fs::write(&path, text)
                                .with_context(|| format!("failed to write {}", path.display()))?;
                            println!("Report written to {}", path.display());
                        }
                        None => print!("{text}"),
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Watch { kata, path, poll }) => {
            watch::run(&root, &manifest, kata.as_deref(), path, poll)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Hint { kata, list }) => {
            study::hint(&root, manifest.find(&kata)?, list)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Status) => {
            study::status(&root, &manifest)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Solution { kata, force, diff }) => {
            study::solution(&root, manifest.find(&kata)?, force, diff)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Reset { kata, yes, path }) => {
            let kata = manifest.find(&kata)?;
            let dir = match path {
                Some(path) => std::path::absolute(&path)
                    .with_context(|| format!("bad path {}", path.display()))?,
                None => kata.skeleton_dir(&root),
            };
            study::reset(&root, kata, &dir, yes)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Bench { kata, runs }) => {
            bench::run(&root, &manifest, manifest.find(&kata)?, runs as usize)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Benchmarks { full }) => {
            let path = benchmarks::run(&root, &manifest, full)?;
            println!("Written: {}", path.display());
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Mutants {
            katas,
            timeout,
            jobs,
            in_diff,
            out,
            no_run,
        }) => {
            if jobs.is_some_and(|jobs| jobs > 1) {
                anyhow::bail!(
                    "--jobs above 1 is refused: cargo-mutants' jobs would share the one target \
                     folder under target/kata-mutants/, and cargo then takes one job's fresh \
                     build for another job's mutant (mutants reported missed that the tests \
                     catch). Run with --jobs 1; two katas may run side by side, each in its \
                     own `cargo kata mutants <kata>`"
                );
            }
            let selected = manifest.select(&katas)?;
            let out = if out.is_absolute() {
                out
            } else {
                root.join(out)
            };
            let options = fidelity::Options {
                timeout,
                in_diff,
                jobs,
                out,
                no_run,
            };
            let results = fidelity::run(&root, &selected, &options)?;
            for (kata, tally) in &results {
                println!(
                    "{kata}: {}",
                    tally
                        .score()
                        .map_or_else(|| "nothing viable".to_owned(), |s| format!("{s:.0}%"))
                );
            }
            if options.in_diff.is_none() {
                println!("Written: {}", options.out.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::New { name, title }) => {
            let cwd = std::env::current_dir().context("cannot read the current folder")?;
            let written = newkata::new(&root, &cwd, &name, title.as_deref())?;
            print!("{}", newkata::render(&written));
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Derive { katas, check }) => derive(&root, &manifest, &katas, check),
        Some(Command::Completions { shell }) => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut command, "kata", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Verify {
            katas,
            format,
            no_cache,
            no_schema,
            test_jobs,
            solutions,
        }) => {
            let selected = manifest.select(&katas)?;
            eprintln!(
                "Verifying {} kata(s): skeletons, solutions, alternatives and mutants{}…",
                selected.len(),
                if no_cache { " (--no-cache)" } else { "" }
            );
            let options = verify::VerifyOptions {
                use_cache: !no_cache,
                schemata: !no_schema,
                solutions,
                test_jobs: test_jobs.map_or_else(verify::default_test_jobs, usize::from),
            };
            let checks = verify::verify(&root, &manifest, &selected, options)?;
            match format {
                Format::Human => print!("{}", verify::render(&checks)),
                Format::Json => println!("{}", serde_json::to_string_pretty(&checks)?),
            }
            let sound = checks.iter().all(|c| c.problems.is_empty());
            Ok(if sound {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}

/// `cargo kata` with no command: grade every kata's attempt and show the table.
fn overview(root: &Path, manifest: &Manifest) -> Result<ExitCode> {
    let mut attempts = Vec::new();
    for kata in &manifest.katas {
        let dir = kata.skeleton_dir(root);
        attempts.push(Attempt {
            spec: SlotSpec {
                kata,
                variant: "attempt".into(),
                sources: read_sources(&dir)?,
            },
            label: verify::relative(root, &dir),
        });
    }
    let harness = Harness::open(root)?;
    eprintln!("Grading {} kata(s)…", attempts.len());
    let reports = grade::grade(&harness, &attempts, Options::default())?;
    for (kata, report) in manifest.katas.iter().zip(&reports) {
        progress::record_grading(root, &kata.id, report.stage_reached, report.score)?;
    }
    println!(
        "Rust kata workbook — {} kata(s), graded from katas/\n",
        reports.len()
    );
    println!("   #  {:<22} {:<9} {:>6}  status", "kata", "stage", "score");
    let mut next = None;
    for (kata, report) in manifest.katas.iter().zip(&reports) {
        let status = if report.status == "error" {
            "does not compile"
        } else if report.score >= 100.0 {
            "done"
        } else if report.score > 0.0 {
            "in progress"
        } else {
            "not started"
        };
        let marker = if next.is_none() && report.score < 100.0 {
            next = Some((kata, report));
            "  ← next"
        } else {
            ""
        };
        println!(
            "  {:02}  {:<22} {} of {:<4} {:>6}  {status}{marker}",
            kata.number,
            kata.id,
            report.stage_reached,
            report.stages.len(),
            percent(report.score)
        );
    }
    println!();
    match next {
        Some((kata, report)) => println!("{}", next_step(kata, report, true)),
        None => println!(
            "Every kata is done. Try `cargo kata verify`, or read the book's theory chapters."
        ),
    }
    Ok(ExitCode::SUCCESS)
}

/// One line that tells the learner what to do next with a kata.
fn next_step(kata: &manifest::Kata, report: &report::KataReport, default_path: bool) -> String {
    if report.score >= 100.0 {
        return format!(
            "Kata {} is complete. Run `cargo kata` for the next one.",
            kata.id
        );
    }
    let stage = report.stage_reached + 1;
    let (examples, regrade) = if default_path {
        (
            format!("`cargo test -p {}`", kata.id),
            format!("`cargo kata grade {}`", kata.id),
        )
    } else {
        (
            "`cargo test` in that folder".to_owned(),
            format!("`cargo kata grade {} --path {}`", kata.id, report.path),
        )
    };
    format!(
        "Next: make stage {stage} pass. Edit {}/src/lib.rs (prompt and hints: book/src/katas/{}.md), \
         try its examples with {examples}, then run {regrade} again.",
        report.path, kata.dir
    )
}
