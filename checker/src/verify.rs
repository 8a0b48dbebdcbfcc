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

/// Checks `katas`, grading all their variants in one build.
pub fn verify(root: &Path, harness: &Harness, katas: &[&Kata]) -> Result<Vec<KataCheck>> {
    let mut attempts = Vec::new();
    let mut setup_problems: Vec<Vec<String>> = Vec::new();
    let mut names: Vec<(Vec<(String, String, String)>, Vec<String>)> = Vec::new();
    for kata in katas {
        let mut problems = Vec::new();
        let skeleton = kata.skeleton_dir(root);
        let solution_dir = kata.solution_dir(root);
        let solution = read_sources(&solution_dir)?;
        attempts.push(Attempt {
            spec: SlotSpec {
                kata,
                variant: "skeleton".into(),
                sources: read_sources(&skeleton)?,
            },
            label: relative(root, &skeleton),
        });
        let mut kata_mutants = Vec::new();
        let all = mutants::load(&solution_dir)?;
        if all.is_empty() {
            problems.push(format!(
                "{}/mutants.toml holds no mutant",
                relative(root, &solution_dir)
            ));
        }
        for mutant in all {
            match mutant.apply(&solution) {
                Ok(sources) => {
                    attempts.push(Attempt {
                        spec: SlotSpec {
                            kata,
                            variant: format!("mutant-{}", mutant.name),
                            sources,
                        },
                        label: format!("mutant {}", mutant.name),
                    });
                    kata_mutants.push((mutant.name, mutant.origin, mutant.description));
                }
                Err(error) => problems.push(format!("{error:#}")),
            }
        }
        let kata_alternatives = alternatives(&solution_dir, &solution)?;
        for (name, sources) in &kata_alternatives {
            attempts.push(Attempt {
                spec: SlotSpec {
                    kata,
                    variant: format!("alternative-{name}"),
                    sources: sources.clone(),
                },
                label: format!("alternative {name}"),
            });
        }
        attempts.push(Attempt {
            spec: SlotSpec {
                kata,
                variant: "solution".into(),
                sources: solution,
            },
            label: relative(root, &solution_dir),
        });
        setup_problems.push(problems);
        names.push((
            kata_mutants,
            kata_alternatives
                .into_iter()
                .map(|(name, _)| name)
                .collect(),
        ));
    }

    let reports = grade::grade(harness, &attempts, Options::default())?;
    let mut reports = reports.into_iter();
    let mut checks = Vec::new();
    for ((kata, mut problems), (kata_mutants, kata_alternatives)) in
        katas.iter().zip(setup_problems).zip(names)
    {
        let skeleton = reports.next().expect("skeleton report");
        let skeleton_compiles = skeleton.status != "error";
        if !skeleton_compiles {
            problems.push(format!(
                "the skeleton does not compile with the hidden tests:\n{}",
                skeleton.message.clone().unwrap_or_default()
            ));
        } else if skeleton.score > 0.0 {
            problems.push(format!(
                "the skeleton scores {} (must be 0); passing: {}. (If you are solving this kata \
                 in place, that is expected: the self-check checks the workbook as shipped.)",
                percent(skeleton.score),
                passing(&skeleton).join(", ")
            ));
        }
        let mut mutant_checks = Vec::new();
        for (name, origin, description) in kata_mutants {
            let report = reports.next().expect("mutant report");
            let caught_by = failing(&report);
            if report.status == "error" {
                problems.push(format!(
                    "mutant `{name}` does not compile, so it proves nothing:\n{}",
                    report.message.clone().unwrap_or_default()
                ));
            } else if caught_by.is_empty() {
                problems.push(format!("mutant `{name}` is not caught by any hidden test"));
            }
            mutant_checks.push(MutantCheck {
                name,
                origin,
                description,
                caught: !caught_by.is_empty() && report.status != "error",
                caught_by,
                score: report.score,
            });
        }
        let mut alternative_scores = Vec::new();
        for name in kata_alternatives {
            let report = reports.next().expect("alternative report");
            if report.score < 100.0 {
                problems.push(format!(
                    "the alternative solution `{name}` scores {}; not passing: {}{}",
                    percent(report.score),
                    failing(&report).join(", "),
                    report
                        .message
                        .as_deref()
                        .map(|m| format!("\n{m}"))
                        .unwrap_or_default()
                ));
            }
            alternative_scores.push((name, report.score));
        }
        let solution = reports.next().expect("solution report");
        if solution.score < 100.0 {
            problems.push(format!(
                "the solution scores {}; not passing: {}",
                percent(solution.score),
                failing(&solution).join(", ")
            ));
        }
        checks.push(KataCheck {
            id: kata.id.clone(),
            skeleton_score: skeleton.score,
            skeleton_compiles,
            solution_score: solution.score,
            mutants: mutant_checks,
            alternatives: alternative_scores,
            problems,
        });
    }
    Ok(checks)
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
        for file in std::fs::read_dir(&dir)? {
            let file = file?.path();
            if file.is_file() {
                let name = file.file_name().expect("a file has a name");
                sources.insert(Path::new("src").join(name), std::fs::read(&file)?);
            }
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
