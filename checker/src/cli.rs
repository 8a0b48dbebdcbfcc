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
  cargo kata verify                       the workbook's self-check";

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

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A report for people.
    Human,
    /// JSON on stdout.
    Json,
}
