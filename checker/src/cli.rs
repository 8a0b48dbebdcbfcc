//! The command line, as clap derive types (no logic here).

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

const AFTER_HELP: &str = "\
Colours follow --color, or NO_COLOR / CLICOLOR_FORCE when --color is auto. Progress and
backups live in .kata/ at the workbook's root (KATA_STATE_DIR moves them).

Exit status:
  0  grading ran (whatever the score)
  1  `verify` found a problem in the workbook (a skeleton that scores, a solution that
     fails, a mutant no hidden test catches)
  2  the checker itself failed, or the command line was wrong

Examples:
  cargo kata                              grade every kata in katas/ and show the table
  cargo kata grade event-emitter          grade katas/01-event-emitter
  cargo kata grade 1 --path ~/my-attempt  grade another folder (read, never written)
  cargo kata grade 1 --format json        machine-readable results (exercism v3 fields)
  cargo kata watch                        re-grade the current kata on every save
  cargo kata hint event-emitter           open the next hint
  cargo kata status                       progress, without grading
  cargo kata solution 1 --diff            the reference against your attempt (after stage 1)
  cargo kata reset 1                      back up your attempt, restore the skeleton
  cargo kata review 1                     grade katas/01-event-emitter/tests/review.rs by the
                                          mutants its tests catch
  cargo kata verify                       the workbook's self-check
  cargo kata new word-count               scaffold a kata of your own (from the root)
  cargo kata derive --check               every skeleton equals what its solution derives
  cargo kata interview new 1 --candidate Ada --minutes 45 --out ../ada
  cargo kata interview grade ../ada
  cargo kata interview report ../ada --format html --out ada.html";

/// Grades kata attempts with hidden tests, and checks the workbook itself.
///
/// With no command, grades the attempt of every kata (the folders under katas/) and prints
/// a table with each kata's stage and score, and what to do next.
#[derive(Debug, Parser)]
#[command(name = "cargo kata", version, after_help = AFTER_HELP)]
pub struct Cli {
    /// What to do; with none, grade every kata and show the overview.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// When to use colours.
    #[arg(long, global = true, value_enum, default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    /// On a terminal, unless NO_COLOR is set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Grade one kata attempt with its hidden tests, stage by stage.
    ///
    /// The attempt's src/ is copied into a harness under target/kata-harness together
    /// with the hidden tests and the kata's own dependencies (the attempt's Cargo.toml and
    /// build script are ignored). Every test runs in a process of its own with a time limit.
    /// Grade review tests: your tests file, run against the reference solution and every
    /// mutant (a buggy variant) of the kata, scored by the mutants it catches.
    ///
    /// Every test must pass on the reference (one that does not is a false alarm and counts
    /// for nothing); a mutant is caught when a test that passed on the reference fails on
    /// it. The report names each mutant caught and missed by the rule it breaks.
    Review {
        /// The kata: its name (event-emitter), number (1) or folder (01-event-emitter).
        kata: String,
        /// The tests file, or a crate folder holding tests/review.rs
        /// [default: katas/<NN-name>/tests/review.rs].
        #[arg(long, value_name = "DIR|FILE")]
        path: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Per-test time limit in seconds [default: the kata's].
        #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=600))]
        time_limit: Option<u64>,
    },
    Grade {
        /// The kata: its name (event-emitter), number (1) or folder (01-event-emitter).
        kata: String,
        /// The crate to grade [default: katas/<NN-name>].
        #[arg(long, value_name = "DIR")]
        path: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Per-test time limit in seconds [default: the kata's, usually 10].
        #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=600))]
        time_limit: Option<u64>,
        /// Longest the build may take, in seconds [default: the kata's, usually 300].
        #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=3600))]
        build_time_limit: Option<u64>,
    },
    /// Interviews: a candidate bundle, grading with history, and a report.
    ///
    /// The interviewer's records (start time, limit, gradings) are kept outside the bundle,
    /// in interviews/ at the workbook's root unless --records says otherwise.
    Interview {
        /// What to do.
        #[command(subcommand)]
        action: InterviewCommand,
        /// The folder of the interviewer's records [default: <workbook>/interviews].
        #[arg(long, global = true, value_name = "DIR")]
        records: Option<PathBuf>,
    },
    /// Re-grade a kata every time a file of its attempt is saved.
    ///
    /// Shows the stage reached and the first failing test. Keys: h next hint, n next kata,
    /// l list the katas, q quit.
    Watch {
        /// The kata [default: the first one not yet complete].
        kata: Option<String>,
        /// The crate to watch [default: katas/<NN-name>].
        #[arg(long, value_name = "DIR")]
        path: Option<PathBuf>,
        /// Look for changes every half second instead of waiting for file events (for
        /// network drives, containers and editors whose saves are not seen).
        #[arg(long)]
        poll: bool,
    },
    /// Open the kata's next hint (they come in order; the count is remembered).
    Hint {
        /// The kata: its name, number or folder.
        kata: String,
        /// Show the hints opened so far instead of opening a new one.
        #[arg(long)]
        list: bool,
    },
    /// Show each kata's progress (stage reached, hints opened) without grading.
    Status,
    /// Show the reference solution, once your attempt has passed stage 1.
    Solution {
        /// The kata: its name, number or folder.
        kata: String,
        /// Show it even if stage 1 has not been passed.
        #[arg(long)]
        force: bool,
        /// Show a diff from your attempt to the reference instead.
        #[arg(long)]
        diff: bool,
    },
    /// Restore a kata's skeleton; your attempt is first copied to a dated backup folder.
    Reset {
        /// The kata: its name, number or folder.
        kata: String,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
        /// The crate to reset [default: katas/<NN-name>].
        #[arg(long, value_name = "DIR")]
        path: Option<PathBuf>,
    },
    /// Print a shell completion script for the alias `kata` (`alias kata='cargo kata'`).
    ///
    /// bash: `source <(cargo kata completions bash)`; zsh: `source <(cargo kata completions
    /// zsh)`; fish: `cargo kata completions fish | source`.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Time grading against its floor — `cargo test` of the same hidden tests on the same
    /// code — for one kata (no change, a one-line change) and for every kata, as ratios.
    ///
    /// Grades copies of the reference solutions under target/kata-bench; takes a few
    /// minutes.
    Bench {
        /// The kata timed on its own.
        #[arg(default_value = "event-emitter")]
        kata: String,
        /// Runs of each measurement (the median is shown).
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=50))]
        runs: u64,
    },
    /// Run every solution's benchmarks against its peers and write BENCHMARKS.md.
    ///
    /// Quick criterion settings (1 s warm-up, 3 s per function) unless --full; takes
    /// several minutes either way.
    Benchmarks {
        /// criterion's default settings (longer, steadier).
        #[arg(long)]
        full: bool,
    },
    /// Run cargo-mutants over reference solutions, with the hidden tests as the test
    /// suite, and write each kata's figures into FIDELITY.md.
    ///
    /// Needs cargo-mutants (`cargo install cargo-mutants --locked`). Mutants the tests
    /// rightly miss are explained in solutions/<kata>/fidelity.toml. Slow: minutes per kata
    /// on two cores, hours for all ten (see DEVELOPERS.md).
    Mutants {
        /// Only these katas [default: all].
        katas: Vec<String>,
        /// cargo-mutants' time limit per test run, in seconds [default: its own].
        #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=3600))]
        timeout: Option<u64>,
        /// Parallel cargo-mutants jobs: only 1, since the jobs would share one target folder
        /// and cargo would take one job's build for another's mutant [default: 1].
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=64))]
        jobs: Option<u64>,
        /// Only mutants in code this diff touches (FIDELITY.md is then left alone).
        #[arg(long, value_name = "FILE")]
        in_diff: Option<PathBuf>,
        /// The document to update.
        #[arg(long, value_name = "FILE", default_value = "FIDELITY.md")]
        out: PathBuf,
        /// Re-read each kata's last run (under target/kata-mutants/) instead of running
        /// cargo-mutants: after an edit of a fidelity.toml.
        #[arg(long, conflicts_with_all = ["in_diff", "timeout", "jobs"])]
        no_run: bool,
    },
    /// Scaffold a new kata that passes `cargo kata verify` at once: a katas.toml entry, the
    /// marked solution with one mutant, the derived skeleton with an example test, one
    /// hidden stage and a book chapter (listed in book/src/SUMMARY.md).
    ///
    /// Run it from the workbook's root. The task it writes is a placeholder (count the words
    /// of a text) to replace with your own; the book's chapter "Writing your own kata" walks
    /// through it.
    New {
        /// The kata's name: lowercase letters, digits and dashes (`word-count`). It is the
        /// kata's id, the skeleton's package name and, with `_` for `-`, its crate name.
        name: String,
        /// The title in the book and the tables [default: the name, e.g. "Word count"].
        #[arg(long)]
        title: Option<String>,
    },
    /// Write each kata's skeleton (katas/<dir>/src) from its marked solution
    /// (solutions/<dir>/src): a maintainer's command, it overwrites the skeleton.
    ///
    /// In a solution file, `// BEGIN SOLUTION` … `// END SOLUTION` lines are left out of the
    /// skeleton, a `// STUB: <text>` line becomes `<text>` there, and a file holding a
    /// `// SOLUTION FILE` line has no skeleton. Only files whose content changes are written.
    Derive {
        /// Only these katas [default: all].
        katas: Vec<String>,
        /// Write nothing; exit 1 naming the first differing line of every skeleton file
        /// that differs from its derivation.
        #[arg(long)]
        check: bool,
    },
    /// Self-check the workbook: every skeleton is derived from its solution, compiles and
    /// scores 0, every solution and alternative scores 100%, and every mutant is caught by
    /// at least one hidden test.
    ///
    /// It also checks each kata's rule map (solutions/<kata>/rules.toml: the rules its
    /// prompt states, each with a stage): every rule is broken by at least one mutant, every
    /// mutant names the rule it breaks (`rule = "<id>"` in mutants.toml), and a test of
    /// that rule's stage catches it — a mutant caught only by another stage's tests is a
    /// problem, and so is a kata without rules.toml.
    ///
    /// A sound kata's verdict is kept in target/kata-verify/, keyed by a hash of everything
    /// it depends on (its skeleton, solution, mutants, rules, alternatives, hidden tests and
    /// manifest entry, the support crate, the root Cargo.toml and Cargo.lock, the checker
    /// and the toolchain); it is served again until one byte of those changes. A mutant's
    /// tests of its rule's stage run first, and stop at the first of them that fails (the
    /// one that caught it last time runs first); when none does, all its tests run.
    Verify {
        /// Only these katas [default: all].
        katas: Vec<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Grade every kata, even those whose verdict is in the cache.
        #[arg(long)]
        no_cache: bool,
        /// Build every mutant alone, as a crate of its own, instead of putting those whose
        /// edits lie in function bodies into one mutant schema per kata (slower; for
        /// comparing the two).
        #[arg(long)]
        no_schema: bool,
        /// How many test processes run at once [default: four per core]. Most of the
        /// self-check's test time is mutants waiting for a time limit, which takes no
        /// processor; 1 runs them one by one.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
        test_jobs: Option<u16>,
        /// Read the solutions (sources, mutants, rules) from DIR/<kata folder>/ instead of
        /// solutions/ (for the checker's own tests).
        #[arg(long, value_name = "DIR", hide = true)]
        solutions: Option<PathBuf>,
    },
}

/// Interview-mode subcommands.
#[derive(Debug, Subcommand)]
pub enum InterviewCommand {
    /// Write a candidate bundle: a standalone crate with the kata's skeleton, its example
    /// tests and the prompt as README — no solution, no hidden tests — and start the
    /// session's clock in the interviewer's record.
    New {
        /// The kata: its name, number or folder.
        kata: String,
        /// The candidate's name.
        #[arg(long)]
        candidate: String,
        /// Time limit in minutes.
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1440))]
        minutes: u64,
        /// Where to write the bundle (a new or empty folder).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Which hints the README shows.
        #[arg(long, value_enum, default_value_t = crate::interview::HintLevel::None)]
        hints: crate::interview::HintLevel,
        /// A review round: the bundle holds the reference implementation and a tests file
        /// to write (tests/review.rs); grading runs those tests against the kata's mutants.
        #[arg(long)]
        review: bool,
    },
    /// Grade a bundle with the hidden tests and add the result to the session's history.
    Grade {
        /// The bundle's folder.
        dir: PathBuf,
    },
    /// Print the session's report: time used, score per stage and test, history, clippy
    /// findings, and the chapter's rubric and follow-up questions.
    Report {
        /// The bundle's folder.
        dir: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = crate::interview::ReportFormat::Md)]
        format: crate::interview::ReportFormat,
        /// Write the report to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A report for people.
    Human,
    /// JSON on stdout.
    Json,
}
