//! The self-check (`cargo kata verify`): every skeleton compiles and scores 0, every
//! solution scores 100%, every mutant is rejected by at least one hidden test.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Result;
use serde::Serialize;

use crate::grade::{self, Attempt, Options};
use crate::harness::{Harness, SlotSpec, Sources, read_sources};
use crate::manifest::Kata;
use crate::mutants;
use crate::report::{KataReport, percent};

/// The self-check's findings for one kata.
#[derive(Debug, Serialize)]
pub struct KataCheck {
    /// The kata's id.
    pub id: String,
    /// The skeleton's score (must be 0).
    pub skeleton_score: f64,
    /// Whether the skeleton compiled with the hidden tests.
    pub skeleton_compiles: bool,
    /// The solution's score (must be 100).
    pub solution_score: f64,
    /// Every mutant and what caught it.
    pub mutants: Vec<MutantCheck>,
    /// Correct solutions written differently (`solutions/<kata>/alternatives/<name>/`),
    /// with their scores (each must be 100).
    pub alternatives: Vec<(String, f64)>,
    /// Everything wrong; empty when the kata is sound.
    pub problems: Vec<String>,
}

/// One mutant's verdict.
#[derive(Debug, Serialize)]
pub struct MutantCheck {
    /// Its name.
    pub name: String,
    /// `seed` or `plausible`.
    pub origin: String,
    /// The bug it plants.
    pub description: String,
    /// Whether at least one hidden test failed on it.
    pub caught: bool,
    /// The hidden tests that did not pass on it.
    pub caught_by: Vec<String>,
    /// Its score.
    pub score: f64,
}

/// What one graded variant is, for the self-check.
enum Role {
    Skeleton,
    Solution,
    Mutant(mutants::Mutant),
    Alternative(String),
}

/// Checks `katas`, grading all their variants in one build.
pub fn verify(root: &Path, harness: &Harness, katas: &[&Kata]) -> Result<Vec<KataCheck>> {
    let mut checks = Vec::new();
    let mut attempts = Vec::new();
    // Parallel to `attempts`: which check it belongs to, and what it is.
    let mut roles: Vec<(usize, Role)> = Vec::new();
    for (index, kata) in katas.iter().enumerate() {
        let skeleton = kata.skeleton_dir(root);
        let solution_dir = kata.solution_dir(root);
        let solution = read_sources(&solution_dir)?;
        let mut check = KataCheck {
            id: kata.id.clone(),
            skeleton_score: 0.0,
            skeleton_compiles: false,
            solution_score: 0.0,
            mutants: Vec::new(),
            alternatives: Vec::new(),
            problems: Vec::new(),
        };
        let mut variant = |variant: String, label: String, sources: Sources, role: Role| {
            attempts.push(Attempt {
                spec: SlotSpec {
                    kata,
                    variant,
                    sources,
                },
                label,
            });
            roles.push((index, role));
        };
        let skeleton_sources = read_sources(&skeleton)?;
        variant(
            "skeleton".into(),
            relative(root, &skeleton),
            skeleton_sources,
            Role::Skeleton,
        );
        let all = mutants::load(&solution_dir)?;
        if all.is_empty() {
            let file = relative(root, &solution_dir.join("mutants.toml"));
            check.problems.push(format!("{file} holds no mutant"));
        }
        for mutant in all {
            match mutant.apply(&solution) {
                Ok(sources) => variant(
                    format!("mutant-{}", mutant.name),
                    format!("mutant {}", mutant.name),
                    sources,
                    Role::Mutant(mutant),
                ),
                Err(error) => check.problems.push(format!("{error:#}")),
            }
        }
        for (name, sources) in alternatives(&solution_dir, &solution)? {
            variant(
                format!("alternative-{name}"),
                format!("alternative {name}"),
                sources,
                Role::Alternative(name),
            );
        }
        variant(
            "solution".into(),
            relative(root, &solution_dir),
            solution,
            Role::Solution,
        );
        checks.push(check);
    }

    let reports = grade::grade(harness, &attempts, Options::default())?;
    for ((index, role), report) in roles.into_iter().zip(reports) {
        assess(&mut checks[index], role, &report);
    }
    Ok(checks)
}

/// Records what one variant's report means for its kata's check.
fn assess(check: &mut KataCheck, role: Role, report: &KataReport) {
    let compiler_output = || report.message.clone().unwrap_or_default();
    match role {
        Role::Skeleton => {
            check.skeleton_score = report.score;
            check.skeleton_compiles = report.status != "error";
            if !check.skeleton_compiles {
                check.problems.push(format!(
                    "the skeleton does not compile with the hidden tests:\n{}",
                    compiler_output()
                ));
            } else if report.score > 0.0 {
                check.problems.push(format!(
                    "the skeleton scores {} (must be 0); passing: {}. (If you are solving this \
                     kata in place, that is expected: the self-check checks the workbook as shipped.)",
                    percent(report.score),
                    passing(report).join(", ")
                ));
            }
        }
        Role::Solution => {
            check.solution_score = report.score;
            if report.score < 100.0 {
                check.problems.push(format!(
                    "the solution scores {}; not passing: {}\n{}",
                    percent(report.score),
                    failing(report).join(", "),
                    compiler_output()
                ));
            }
        }
        Role::Mutant(mutant) => {
            let caught_by = failing(report);
            let compiles = report.status != "error";
            if !compiles {
                check.problems.push(format!(
                    "mutant `{}` does not compile, so it proves nothing:\n{}",
                    mutant.name,
                    compiler_output()
                ));
            } else if caught_by.is_empty() {
                check.problems.push(format!(
                    "mutant `{}` is not caught by any hidden test",
                    mutant.name
                ));
            }
            check.mutants.push(MutantCheck {
                caught: compiles && !caught_by.is_empty(),
                name: mutant.name,
                origin: mutant.origin,
                description: mutant.description,
                caught_by,
                score: report.score,
            });
        }
        Role::Alternative(name) => {
            if report.score < 100.0 {
                check.problems.push(format!(
                    "the alternative solution `{name}` scores {}; not passing: {}\n{}",
                    percent(report.score),
                    failing(report).join(", "),
                    compiler_output()
                ));
            }
            check.alternatives.push((name, report.score));
        }
    }
}

/// Every `alternatives/<name>/` folder of a solution, as the solution's sources with the
/// folder's files laid over `src/`.
fn alternatives(solution_dir: &Path, solution: &Sources) -> Result<Vec<(String, Sources)>> {
    let Ok(entries) = std::fs::read_dir(solution_dir.join("alternatives")) else {
        return Ok(Vec::new());
    };
    let mut found = Vec::new();
    for entry in entries {
        let dir = entry?.path();
        if !dir.is_dir() {
            continue;
        }
        let mut sources = solution.clone();
        let mut laid = 0;
        for file in std::fs::read_dir(&dir)? {
            let file = file?.path();
            if file.is_file() {
                let name = file.file_name().expect("a file has a name");
                sources.insert(Path::new("src").join(name), std::fs::read(&file)?);
                laid += 1;
            }
        }
        // An empty folder would grade the reference itself and prove nothing.
        if laid == 0 {
            anyhow::bail!(
                "{} has no source files: an alternative must replace at least `lib.rs`",
                dir.display()
            );
        }
        let name = dir
            .file_name()
            .expect("a folder has a name")
            .to_string_lossy()
            .into_owned();
        found.push((name, sources));
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(found)
}

fn failing(report: &KataReport) -> Vec<String> {
    report
        .tests
        .iter()
        .filter(|t| t.outcome != "passed")
        .map(|t| t.name.clone())
        .collect()
}

fn passing(report: &KataReport) -> Vec<String> {
    report
        .tests
        .iter()
        .filter(|t| t.outcome == "passed")
        .map(|t| t.name.clone())
        .collect()
}

/// `path` relative to the repository, for messages.
pub fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// The human form of the self-check.
pub fn render(checks: &[KataCheck]) -> String {
    let mut out = String::new();
    for check in checks {
        let caught = check.mutants.iter().filter(|m| m.caught).count();
        let _ = writeln!(
            out,
            "{}  skeleton {} · solution {} · mutants caught {caught}/{}",
            check.id,
            percent(check.skeleton_score),
            percent(check.solution_score),
            check.mutants.len()
        );
        for mutant in &check.mutants {
            let by = mutant.caught_by.first().map_or("—", String::as_str);
            let more = mutant.caught_by.len().saturating_sub(1);
            let more = if more > 0 {
                format!(" (+{more} more)")
            } else {
                String::new()
            };
            let mark = if mutant.caught { "✓" } else { "✗" };
            let _ = writeln!(
                out,
                "  {mark} {:<34} [{}] caught by {by}{more}",
                mutant.name, mutant.origin
            );
        }
        for (name, score) in &check.alternatives {
            let mark = if *score >= 100.0 { "✓" } else { "✗" };
            let _ = writeln!(
                out,
                "  {mark} alternative {name} scores {}",
                percent(*score)
            );
        }
        for problem in &check.problems {
            let _ = writeln!(out, "  PROBLEM: {problem}");
        }
    }
    let problems: usize = checks.iter().map(|c| c.problems.len()).sum();
    let _ = writeln!(
        out,
        "\nverify: {} kata(s), {problems} problem(s)",
        checks.len()
    );
    out
}
