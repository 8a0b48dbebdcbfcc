//! The command line, as clap derive types (no logic here).

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

const AFTER_HELP: &str = "\
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
  cargo kata verify                       the workbook's self-check
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
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Grade one kata attempt with its hidden tests, stage by stage.
    ///
    /// The attempt's src/ is copied into a harness under target/kata-harness together
    /// with the hidden tests and the kata's own dependencies (the attempt's Cargo.toml and
    /// build script are ignored). Every test runs in a process of its own with a time limit.
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
    /// Self-check the workbook: every skeleton compiles and scores 0, every solution scores
    /// 100%, and every mutant is caught by at least one hidden test.
    Verify {
        /// Only these katas [default: all].
        katas: Vec<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
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
