//! Grading results and their two forms: the human report and JSON in the shape of
//! exercism's test-runner `results.json` (version 3) with the workbook's own fields.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::runner::Outcome;
use crate::study::{BAD, BOLD, GOOD, paint};

/// The graded result of one variant of one kata.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KataReport {
    /// Always 3: the exercism results format this follows.
    pub version: u32,
    /// `pass` (every test passed), `fail`, or `error` (the attempt did not compile).
    pub status: String,
    /// Why the status is `error`: the compiler's diagnostics.
    pub message: Option<String>,
    /// Every hidden test, in stage order.
    pub tests: Vec<TestReport>,
    /// The kata's id.
    pub kata: String,
    /// The kata's number.
    pub number: u32,
    /// The kata's title.
    pub title: String,
    /// The graded folder, as given.
    pub path: String,
    /// Per-stage results.
    pub stages: Vec<StageReport>,
    /// The highest stage passed completely together with every stage before it.
    pub stage_reached: usize,
    /// Percentage, 0 to 100: the sum over stages of weight × passed / tests.
    pub score: f64,
    /// Whether the test processes ran without any network (a network namespace of their
    /// own); `false` where this machine does not allow it.
    pub network_isolated: bool,
    /// Whether the test processes could write only in their private folders and read
    /// only what a program needs (Landlock); `false` where the kernel lacks it.
    #[serde(default)]
    pub filesystem_confined: bool,
    /// Whether nothing a test started could outlive it (a PID namespace per test) and the
    /// number of its processes was bounded (a pids cgroup).
    #[serde(default)]
    pub processes_confined: bool,
    /// Why a confinement did not hold on this machine (empty when everything held).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub confinement_notes: Vec<String>,
}

/// One stage's result.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StageReport {
    /// 1-based.
    pub stage: usize,
    /// Title from the manifest.
    pub title: String,
    /// Share of the kata's score.
    pub weight: u32,
    /// Tests passed.
    pub passed: usize,
    /// Tests in the stage.
    pub total: usize,
    /// Points earned out of `weight`.
    pub score: f64,
}

/// One test's result.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TestReport {
    /// `stage1::name`.
    pub name: String,
    /// `pass`, `fail` (an assertion failed) or `error` (timed out, crashed, did not compile).
    pub status: String,
    /// Precisely what happened: `passed`, `failed`, `timed-out`, `crashed`, `not-compiled`,
    /// or (only in the self-check's mutants) `stopped`.
    pub outcome: String,
    /// Why it did not pass.
    pub message: Option<String>,
    /// What the test printed (cut at 64 KiB), for tests that did not pass.
    pub output: Option<String>,
    /// The stage, 1-based (exercism's task id).
    pub task_id: usize,
    /// Same as `task_id`.
    pub stage: usize,
    /// Points this test is worth.
    pub weight: f64,
    /// Points earned: `weight` or 0.
    pub score: f64,
    /// How long its process ran (not in the JSON: it changes from run to run).
    #[serde(skip)]
    pub elapsed: std::time::Duration,
}

impl Outcome {
    /// The exercism status and our precise outcome name.
    pub fn names(&self) -> (&'static str, &'static str) {
        match self {
            Outcome::Passed => ("pass", "passed"),
            Outcome::Failed => ("fail", "failed"),
            Outcome::TimedOut => ("error", "timed-out"),
            Outcome::Crashed => ("error", "crashed"),
            Outcome::NotCompiled => ("error", "not-compiled"),
            Outcome::Stopped => ("skip", "stopped"),
        }
    }
}

/// Rounds to one decimal, so JSON shows 33.3 rather than 33.333333333333336.
pub fn round1(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

/// A score as shown to people: whole percent, rounded down so that 100% means all.
pub fn percent(score: f64) -> String {
    format!("{}%", (score + 1e-9).floor() as u32)
}

impl KataReport {
    /// The human report.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Kata {:02} · {} · {}",
            self.number, self.kata, self.title
        );
        let _ = writeln!(out, "  graded: {}", self.path);
        if let Some(message) = &self.message {
            let _ = writeln!(out, "\n  The attempt does not compile:\n");
            for line in message.trim_end().lines() {
                let _ = writeln!(out, "    {line}");
            }
        }
        let _ = writeln!(out);
        for stage in &self.stages {
            let mark = if stage.passed == stage.total {
                paint(GOOD, "✓")
            } else {
                paint(BAD, "✗")
            };
            let _ = writeln!(
                out,
                "  {mark} Stage {}  {:<56} {:>2}/{:<2} tests  {:>4} of {}",
                stage.stage,
                stage.title,
                stage.passed,
                stage.total,
                round1(stage.score),
                stage.weight
            );
            if self.message.is_some() {
                continue;
            }
            let failing: Vec<&TestReport> = self
                .tests
                .iter()
                .filter(|t| t.stage == stage.stage && t.outcome != "passed")
                .collect();
            for test in failing.iter().take(3) {
                let short = test.name.split("::").last().unwrap_or(&test.name);
                let _ = writeln!(
                    out,
                    "      {} {short} — {}",
                    paint(BAD, "✗"),
                    test.outcome.replace('-', " ")
                );
                if let Some(message) = &test.message {
                    for line in message.lines().take(8) {
                        let _ = writeln!(out, "          {line}");
                    }
                }
            }
            if failing.len() > 3 {
                let _ = writeln!(out, "      … and {} more not passing", failing.len() - 3);
            }
        }
        if !self.network_isolated {
            let _ = writeln!(
                out,
                "\n  note: tests ran with network access (no network namespaces here)"
            );
        }
        for note in &self.confinement_notes {
            let _ = writeln!(out, "\n  note: {note}");
        }
        let _ = writeln!(
            out,
            "\n  {} · stage {} of {} complete",
            paint(BOLD, format!("Score {}", percent(self.score))),
            self.stage_reached,
            self.stages.len()
        );
        out
    }
}
