//! Interview mode: a candidate bundle, the interviewer's record of the session, grading
//! with history, and the report.
//!
//! The **bundle** is a standalone cargo project holding only what the candidate may see:
//! the kata's skeleton, its example tests, and a README made from the book chapter's prompt
//! (with the hints the interviewer allows). It carries a `.kata-session` file naming its
//! session, nothing more.
//!
//! The **record** lives with the interviewer (`interviews/<id>.json` in the workbook, or
//! `--records`): kata, candidate, start time, limit, the bundle's path, and every grading.
//! Time is measured from the record, so nothing the candidate can edit changes it; a
//! bundle is accepted only at the path recorded for its session.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use crate::grade::{self, Attempt, Options};
use crate::harness::{Harness, SlotSpec, read_sources, write_if_changed};
use crate::manifest::{Kata, Manifest};
use crate::report::{KataReport, percent};

/// The file in a bundle that names its session.
const SESSION_FILE: &str = ".kata-session";

/// Which hints a bundle's README shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum HintLevel {
    /// None at all.
    None,
    /// Only the hints for stage 1.
    Stage1,
    /// Every hint.
    All,
}

/// The interviewer's record of one session.
#[derive(Debug, Serialize, Deserialize)]
pub struct Record {
    /// `<kata>-<candidate>-<start>`.
    pub id: String,
    /// Kata id.
    pub kata: String,
    /// Candidate's name.
    pub candidate: String,
    /// Start, in seconds since the Unix epoch.
    pub started: u64,
    /// Time limit in minutes.
    pub minutes: u64,
    /// Hints given.
    pub hints: HintLevel,
    /// Where the bundle was written (absolute).
    pub bundle: PathBuf,
    /// Every grading, oldest first.
    pub gradings: Vec<Grading>,
    /// A review round (`interview new --review`): the gradings of the candidate's tests by
    /// the mutants they catch, oldest first (`gradings` stays empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<Vec<crate::review::ReviewGrading>>,
}

/// One grading of a session's bundle.
#[derive(Debug, Serialize, Deserialize)]
pub struct Grading {
    /// When, in seconds since the Unix epoch.
    pub at: u64,
    /// Seconds since the session started.
    pub elapsed: u64,
    /// Graded after the time limit.
    pub late: bool,
    /// Clippy's warnings on the candidate's code.
    pub clippy: Vec<String>,
    /// The full grading report.
    pub report: KataReport,
}

pub(crate) fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

pub(crate) fn timestamp(seconds: u64) -> String {
    humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_secs(seconds)).to_string()
}

pub(crate) fn minutes(seconds: u64) -> String {
    format!("{} min {:02} s", seconds / 60, seconds % 60)
}

fn record_path(records: &Path, id: &str) -> PathBuf {
    records.join(format!("{id}.json"))
}

/// Writes `record` atomically (a temporary file, then a rename).
fn save(records: &Path, record: &Record) -> Result<()> {
    std::fs::create_dir_all(records)
        .with_context(|| format!("failed to create {}", records.display()))?;
    let path = record_path(records, &record.id);
    let temporary = path.with_extension("json.tmp");
    std::fs::write(&temporary, serde_json::to_vec_pretty(record)?)
        .with_context(|| format!("failed to write {}", temporary.display()))?;
    std::fs::rename(&temporary, &path)
        .with_context(|| format!("failed to write {}", path.display()))
}

/// Finds the session of the bundle at `dir` and checks the bundle is where it was made.
fn load(records: &Path, dir: &Path) -> Result<Record> {
    let marker = dir.join(SESSION_FILE);
    let id = std::fs::read_to_string(&marker).with_context(|| {
        format!(
            "{} is not an interview bundle (no {SESSION_FILE})",
            dir.display()
        )
    })?;
    let id = id.trim();
    if id.is_empty() || id.contains(['/', '\\']) || id.starts_with('.') {
        bail!("{} is not a valid session file", marker.display());
    }
    let path = record_path(records, id);
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "no interviewer's record for session `{id}` in {} (pass --records where `interview new` wrote it)",
            records.display()
        )
    })?;
    let record: Record = serde_json::from_str(&text)
        .with_context(|| format!("the record {} is damaged", path.display()))?;
    let here = dir.canonicalize()?;
    if record.bundle != here {
        bail!(
            "session `{id}` was created for the bundle at {}, not {}",
            record.bundle.display(),
            here.display()
        );
    }
    Ok(record)
}

/// `cargo kata interview new`: writes the bundle and the record (`review`: a review
/// round, whose bundle holds the reference and a tests file to write).
#[expect(clippy::too_many_arguments, reason = "the command's options, one each")]
pub fn new(
    root: &Path,
    records: &Path,
    kata: &Kata,
    candidate: &str,
    limit: u64,
    hints: HintLevel,
    review: bool,
    out: &Path,
) -> Result<Record> {
    if out.exists() && std::fs::read_dir(out)?.next().is_some() {
        bail!(
            "{} already exists and is not empty; choose a new folder for the bundle",
            out.display()
        );
    }
    if candidate.trim().is_empty() {
        bail!("the candidate's name is empty");
    }
    let skeleton = kata.skeleton_dir(root);
    // A review round gives the reference implementation, whose tests the candidate writes.
    let code = if review {
        kata.solution_dir(root)
    } else {
        skeleton.clone()
    };
    for (relative, contents) in read_sources(&code)? {
        write_if_changed(&out.join(relative), &bundle_text(kata, contents))?;
    }
    if review {
        write_if_changed(
            &out.join(crate::review::TESTS_FILE),
            crate::review::template(kata).as_bytes(),
        )?;
    }
    let examples = skeleton.join("tests").join("examples.rs");
    let examples = if examples.is_file() {
        let text = bundle_text(kata, std::fs::read(&examples)?);
        write_if_changed(&out.join("tests/examples.rs"), &text)?;
        Some(String::from_utf8_lossy(&text).into_owned())
    } else {
        None
    };
    write_if_changed(
        &out.join("Cargo.toml"),
        standalone_manifest(root, kata)?.as_bytes(),
    )?;
    if let Ok(lock) = std::fs::read(root.join("Cargo.lock")) {
        write_if_changed(&out.join("Cargo.lock"), &lock)?;
    }
    write_if_changed(&out.join(".gitignore"), b"/target\n")?;
    let chapter = with_rules(&chapter(root, kata)?, kata, &kata.solution_dir(root))?;
    write_if_changed(
        &out.join("README.md"),
        readme(
            kata,
            &chapter,
            examples.as_deref(),
            candidate,
            limit,
            hints,
            review,
        )
        .as_bytes(),
    )?;

    let started = now();
    let slug: String = candidate
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let record = Record {
        id: format!("{}-{}-{started}", kata.id, slug.trim_matches('-')),
        kata: kata.id.clone(),
        candidate: candidate.trim().to_owned(),
        started,
        minutes: limit,
        hints,
        bundle: out.canonicalize()?,
        gradings: Vec::new(),
        review: review.then(Vec::new),
    };
    write_if_changed(&out.join(SESSION_FILE), record.id.as_bytes())?;
    save(records, &record)?;
    Ok(record)
}

/// A skeleton file as the bundle holds it. The skeleton's docs name the workbook's commands
/// (`cargo test -p <kata>`, `cargo kata grade <kata>`); in a bundle the examples run with a
/// plain `cargo test` and the interviewer grades.
fn bundle_text(kata: &Kata, contents: Vec<u8>) -> Vec<u8> {
    match String::from_utf8(contents) {
        Ok(text) => text
            .replace(
                &format!("`cargo kata grade {}`", kata.id),
                "the interviewer",
            )
            .replace(&format!("`cargo test -p {}`", kata.id), "`cargo test`")
            .into_bytes(),
        Err(not_text) => not_text.into_bytes(),
    }
}

/// The lines of `text` that an mdbook include suffix selects: `""` (all), `":N"` (line N),
/// `":N:"`, `":N:M"`, `"::M"` (1-based, inclusive). Anything else (an anchor) selects all.
fn included_lines(text: &str, suffix: &str) -> String {
    let number = |part: &str| -> Result<Option<usize>, std::num::ParseIntError> {
        if part.is_empty() {
            Ok(None)
        } else {
            part.parse().map(Some)
        }
    };
    let range = match suffix.strip_prefix(':') {
        None => Ok((None, None)),
        Some(rest) => match rest.split_once(':') {
            None => number(rest).map(|line| (line, line)),
            Some((start, end)) => number(start).and_then(|s| number(end).map(|e| (s, e))),
        },
    };
    let (start, end) = range.unwrap_or((None, None));
    let lines = start.unwrap_or(1).max(1)..=end.unwrap_or(usize::MAX);
    text.lines()
        .enumerate()
        .filter(|(index, _)| lines.contains(&(index + 1)))
        .fold(String::new(), |mut out, (_, line)| {
            out.push_str(line);
            out.push('\n');
            out
        })
}

/// The skeleton's Cargo.toml made standalone: `workspace = true` entries resolved against
/// the workbook's root manifest, and an empty `[workspace]` so cargo never looks above it.
fn standalone_manifest(root: &Path, kata: &Kata) -> Result<String> {
    let read = |path: PathBuf| -> Result<toml::Table> {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("failed to read {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("failed to parse {}", path.display()))
    };
    let workspace_root = read(root.join("Cargo.toml"))?;
    let mut manifest = read(kata.skeleton_dir(root).join("Cargo.toml"))?;
    let workspace = workspace_root
        .get("workspace")
        .and_then(toml::Value::as_table);
    let shared_package = workspace
        .and_then(|w| w.get("package"))
        .and_then(toml::Value::as_table);
    let shared_deps = workspace
        .and_then(|w| w.get("dependencies"))
        .and_then(toml::Value::as_table);
    if let Some(package) = manifest
        .get_mut("package")
        .and_then(toml::Value::as_table_mut)
    {
        for (key, value) in package.iter_mut() {
            if value.get("workspace").and_then(toml::Value::as_bool) == Some(true)
                && let Some(shared) = shared_package.and_then(|p| p.get(key))
            {
                *value = shared.clone();
            }
        }
    }
    for section in ["dependencies", "dev-dependencies"] {
        let Some(deps) = manifest
            .get_mut(section)
            .and_then(toml::Value::as_table_mut)
        else {
            continue;
        };
        for (name, spec) in deps.iter_mut() {
            let Some(table) = spec.as_table().filter(|t| t.get("workspace").is_some()) else {
                continue;
            };
            let mut resolved = match shared_deps.and_then(|d| d.get(name)) {
                Some(toml::Value::String(version)) => toml::Table::from_iter([(
                    "version".to_owned(),
                    toml::Value::String(version.clone()),
                )]),
                Some(toml::Value::Table(shared)) => shared.clone(),
                _ => bail!("{name} is not in the workbook's [workspace.dependencies]"),
            };
            for (key, value) in table {
                match key.as_str() {
                    "workspace" => {}
                    "features" => {
                        let mut features = resolved
                            .get("features")
                            .and_then(toml::Value::as_array)
                            .cloned()
                            .unwrap_or_default();
                        features.extend(value.as_array().cloned().unwrap_or_default());
                        resolved.insert("features".into(), features.into());
                    }
                    _ => {
                        resolved.insert(key.clone(), value.clone());
                    }
                }
            }
            *spec = resolved.into();
        }
    }
    if let Some(package) = manifest
        .get_mut("package")
        .and_then(toml::Value::as_table_mut)
    {
        let description = format!("Interview kata {:02}: {}", kata.number, kata.title);
        package.insert("description".into(), description.into());
    }
    manifest.remove("lints");
    manifest.insert("workspace".into(), toml::Table::new().into());
    Ok(format!(
        "# The kata as a standalone crate. `cargo test` runs its example tests.\n{}",
        toml::to_string(&manifest)?
    ))
}

/// The kata's book chapter.
fn chapter(root: &Path, kata: &Kata) -> Result<String> {
    let path = root.join("book/src/katas").join(format!("{}.md", kata.dir));
    std::fs::read_to_string(&path)
        .with_context(|| format!("failed to read the chapter {}", path.display()))
}

/// The chapter with its `<!-- kata:rules ID -->` line replaced by the rules of each stage
/// (`rules.toml` of the solution, as the book shows them). Without a `rules.toml` the line
/// is left for [`readme`] to drop.
fn with_rules(chapter: &str, kata: &Kata, solution_dir: &Path) -> Result<String> {
    let Some(rules) = crate::mutants::load_rules(solution_dir, kata.stages.len())? else {
        return Ok(chapter.to_owned());
    };
    let mut out = String::with_capacity(chapter.len());
    for line in chapter.split_inclusive('\n') {
        if !line.trim().starts_with("<!-- kata:rules") {
            out.push_str(line);
            continue;
        }
        for (index, stage) in kata.stages.iter().enumerate() {
            let of_stage: Vec<_> = rules.iter().filter(|r| r.stage == index + 1).collect();
            if of_stage.is_empty() {
                continue;
            }
            let _ = writeln!(out, "**Stage {} · {}**\n", index + 1, stage.title);
            for rule in of_stage {
                let _ = writeln!(out, "- {}", rule.text.trim());
            }
            out.push('\n');
        }
    }
    Ok(out)
}

/// The `## ` sections of a chapter, as (title, body).
pub(crate) fn sections(chapter: &str) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = Vec::new();
    for line in chapter.lines() {
        if let Some(title) = line.strip_prefix("## ") {
            found.push((title.trim().to_owned(), String::new()));
        } else if let Some((_, body)) = found.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    found
}

/// The stage table of a kata, in Markdown.
fn stage_table(kata: &Kata) -> String {
    let mut out = String::from("| stage | what it checks | weight |\n|---|---|---|\n");
    for (index, stage) in kata.stages.iter().enumerate() {
        let _ = writeln!(
            out,
            "| {} | {} | {}% |",
            index + 1,
            stage.title,
            stage.weight
        );
    }
    out
}

/// The candidate's README: the chapter up to its hints, with book-only markup replaced.
///
/// An `{{#include}}` of the skeleton's example tests becomes the bundle's own copy (the
/// lines the book shows); other includes name files the bundle does not have and are left
/// out.
fn readme(
    kata: &Kata,
    chapter: &str,
    examples: Option<&str>,
    candidate: &str,
    limit: u64,
    hints: HintLevel,
    review: bool,
) -> String {
    let task = if review {
        crate::review::BUNDLE_TASK
    } else {
        "Write your code in `src/lib.rs` (every `// TODO:` marks a place). `cargo test` runs the example \
         tests in `tests/examples.rs`; the interviewer grades the kata with further tests, stage by stage."
    };
    let mut out = format!(
        "# Interview kata {:02} · {}{}\n\nCandidate: {candidate} · Time limit: {limit} minutes, counted by the \
         interviewer from when this folder was made.\n\n{task}\n",
        kata.number,
        kata.title,
        if review { " (review round)" } else { "" }
    );
    for (title, body) in sections(chapter) {
        if title == "Hints" {
            break;
        }
        let _ = write!(out, "\n## {title}\n");
        for line in body.lines() {
            let trimmed = line.trim();
            if trimmed.starts_with("<!-- kata:stages") {
                out.push_str(&stage_table(kata));
            } else if let Some(include) = trimmed
                .strip_prefix("{{#include")
                .and_then(|rest| rest.strip_suffix("}}"))
            {
                let include = include.trim();
                let examples_path = format!("katas/{}/tests/examples.rs", kata.dir);
                if let (Some(at), Some(examples)) = (include.find(&examples_path), examples) {
                    let suffix = &include[at + examples_path.len()..];
                    out.push_str(&included_lines(examples, suffix));
                }
            } else if trimmed.starts_with("![") && trimmed.contains("diagrams/") {
                // The book's diagrams are not in the bundle.
            } else if !trimmed.starts_with("<!-- kata:") {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    let allowed: Vec<_> = kata
        .hints
        .iter()
        .filter(|h| match hints {
            HintLevel::None => false,
            HintLevel::Stage1 => h.stage == 1,
            HintLevel::All => true,
        })
        .collect();
    if !allowed.is_empty() {
        out.push_str("\n## Hints\n\nRead them one at a time.\n");
        for (index, hint) in allowed.iter().enumerate() {
            let _ = write!(
                out,
                "\n<details>\n<summary>Hint {}</summary>\n\n{}\n\n</details>\n",
                index + 1,
                hint.text
            );
        }
    }
    out
}

/// `cargo kata interview grade`: grades the bundle and appends to the session's history.
pub fn grade(
    root: &Path,
    records: &Path,
    manifest: &Manifest,
    dir: &Path,
) -> Result<(Record, String)> {
    let mut record = load(records, dir)?;
    let kata = manifest.find(&record.kata)?;
    if record.review.is_some() {
        let summary = crate::review::interview_grade(root, manifest, kata, &mut record, dir)?;
        save(records, &record)?;
        return Ok((record, summary));
    }
    let spec = SlotSpec {
        kata,
        variant: "interview".into(),
        sources: read_sources(dir)?,
    };
    let harness = Harness::open(root)?;
    let attempt = Attempt {
        spec,
        label: dir.display().to_string(),
    };
    let mut reports = grade::grade(&harness, std::slice::from_ref(&attempt), Options::default())?;
    let report = reports.remove(0);
    let clippy = if report.status == "error" {
        Vec::new()
    } else {
        harness.clippy(&harness.prepare(&attempt.spec)?)?
    };
    let at = now();
    let elapsed = at.saturating_sub(record.started);
    let late = elapsed > record.minutes * 60;
    let mut summary = report.render();
    if !report.filesystem_confined || !report.processes_confined || !report.network_isolated {
        let _ = writeln!(
            summary,
            "  WARNING: the candidate's code ran on this machine without full confinement \
             (see the notes above): grade strangers' code only on a machine you can lose, \
             or where Landlock, PID namespaces and cgroups are available."
        );
    }
    let _ = writeln!(
        summary,
        "  Time used: {} of {} min{}",
        minutes(elapsed),
        record.minutes,
        if late {
            " — LATE: graded after the time limit"
        } else {
            ""
        }
    );
    record.gradings.push(Grading {
        at,
        elapsed,
        late,
        clippy,
        report,
    });
    save(records, &record)?;
    Ok((record, summary))
}

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// Markdown.
    Md,
    /// One self-contained HTML file.
    Html,
    /// The record as JSON.
    Json,
}

/// `cargo kata interview report`: the report of the session of the bundle at `dir`.
pub fn report(
    root: &Path,
    records: &Path,
    manifest: &Manifest,
    dir: &Path,
    format: ReportFormat,
) -> Result<String> {
    let record = load(records, dir)?;
    let kata = manifest.find(&record.kata)?;
    let chapter = chapter(root, kata)?;
    let (markdown, scores): (String, Vec<f64>) = match &record.review {
        Some(gradings) => (
            crate::review::markdown(&record, kata, &chapter),
            gradings.iter().map(|g| g.report.score).collect(),
        ),
        None => (
            markdown(&record, kata, &chapter),
            record.gradings.iter().map(|g| g.report.score).collect(),
        ),
    };
    match format {
        ReportFormat::Json => Ok(serde_json::to_string_pretty(&record)?),
        ReportFormat::Md => Ok(markdown),
        ReportFormat::Html => Ok(html(&record, kata, &markdown, &scores)),
    }
}

pub(crate) fn escape_cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// The report in Markdown.
fn markdown(record: &Record, kata: &Kata, chapter: &str) -> String {
    let mut out = format!(
        "# Interview report: {} · kata {:02} {}\n\n",
        record.candidate, kata.number, kata.title
    );
    let last = record.gradings.last();
    let compile_errors = record
        .gradings
        .iter()
        .filter(|g| g.report.status == "error")
        .count();
    let _ = writeln!(out, "| Session | |\n|---|---|");
    let _ = writeln!(out, "| Candidate | {} |", escape_cell(&record.candidate));
    let _ = writeln!(out, "| Kata | {} ({}) |", kata.title, kata.id);
    let _ = writeln!(out, "| Started | {} |", timestamp(record.started));
    let _ = writeln!(out, "| Time limit | {} min |", record.minutes);
    match last {
        Some(g) => {
            let late = if g.late { " — **late**" } else { "" };
            let _ = writeln!(
                out,
                "| Time used (last grading) | {}{late} |",
                minutes(g.elapsed)
            );
            let _ = writeln!(
                out,
                "| Final score | {} (stage {} of {}) |",
                percent(g.report.score),
                g.report.stage_reached,
                g.report.stages.len()
            );
        }
        None => {
            let _ = writeln!(out, "| Time used | not graded yet |");
        }
    }
    let _ = writeln!(
        out,
        "| Gradings | {} ({compile_errors} did not compile) |",
        record.gradings.len()
    );
    let hints = match record.hints {
        HintLevel::None => "none",
        HintLevel::Stage1 => "stage 1's",
        HintLevel::All => "all",
    };
    let _ = writeln!(out, "| Hints given | {hints} |");

    if let Some(g) = last {
        out.push_str("\n## Score per stage (last grading)\n\n| stage | what it checks | tests passed | points |\n|---|---|---|---|\n");
        for stage in &g.report.stages {
            let _ = writeln!(
                out,
                "| {} | {} | {}/{} | {} of {} |",
                stage.stage, stage.title, stage.passed, stage.total, stage.score, stage.weight
            );
        }
        out.push_str(
            "\n## Tests (last grading)\n\n| test | stage | result | message |\n|---|---|---|---|\n",
        );
        for test in &g.report.tests {
            let message = test.message.as_deref().map(escape_cell).unwrap_or_default();
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {message} |",
                test.name, test.stage, test.outcome
            );
        }
        if let Some(message) = &g.report.message {
            let _ = write!(
                out,
                "\n### Compiler errors\n\n```text\n{}\n```\n",
                message.trim_end()
            );
        }
        out.push_str("\n## Clippy findings (last grading)\n\n");
        if g.clippy.is_empty() {
            out.push_str("None.\n");
        } else {
            let _ = write!(out, "```text\n{}\n```\n", g.clippy.join("\n\n"));
        }
    }
    out.push_str("\n## History\n\n| # | graded at | time used | score | stage | status |\n|---|---|---|---|---|---|\n");
    for (index, g) in record.gradings.iter().enumerate() {
        let late = if g.late { " (late)" } else { "" };
        let _ = writeln!(
            out,
            "| {} | {} | {}{late} | {} | {} | {} |",
            index + 1,
            timestamp(g.at),
            minutes(g.elapsed),
            percent(g.report.score),
            g.report.stage_reached,
            g.report.status
        );
    }

    let sections = sections(chapter);
    if let Some((_, rubric)) = sections.iter().find(|(t, _)| t == "For the interviewer") {
        let (levels, questions) = rubric
            .split_once("**Follow-up questions.**")
            .unwrap_or((rubric, ""));
        let _ = write!(out, "\n## Rubric\n\n{}\n", levels.trim());
        if !questions.trim().is_empty() {
            out.push_str("\n## Follow-up questions\n\n");
            for question in questions
                .trim()
                .split("\n- ")
                .map(|q| q.trim_start_matches("- ").trim())
            {
                if !question.is_empty() {
                    let question = question.split_whitespace().collect::<Vec<_>>().join(" ");
                    let _ = write!(
                        out,
                        "- {question}\n\n  Notes: ____________________________________________\n\n"
                    );
                }
            }
        }
    }
    out.push_str("\n## Interviewer's notes\n\n&nbsp;\n\n&nbsp;\n\n&nbsp;\n");
    out
}

/// A small inline SVG line chart of the score over the gradings.
fn chart(scores: &[f64]) -> String {
    let (width, height, pad) = (480.0_f64, 140.0_f64, 24.0_f64);
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" \
         aria-label=\"score over the graded runs\"><rect x=\"{pad}\" y=\"{pad}\" width=\"{}\" height=\"{}\" \
         fill=\"none\" stroke=\"#bbb\"/><text x=\"2\" y=\"{}\" font-size=\"10\">100%</text>\
         <text x=\"2\" y=\"{}\" font-size=\"10\">0%</text>",
        width - 2.0 * pad,
        height - 2.0 * pad,
        pad + 4.0,
        height - pad
    );
    let step = if scores.len() > 1 {
        (width - 2.0 * pad) / (scores.len() - 1) as f64
    } else {
        0.0
    };
    let points: Vec<String> = scores
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let x = pad + step * i as f64;
            let y = height - pad - (height - 2.0 * pad) * s / 100.0;
            format!("{x:.1},{y:.1}")
        })
        .collect();
    let _ = write!(
        svg,
        "<polyline fill=\"none\" stroke=\"#2563eb\" stroke-width=\"2\" points=\"{}\"/>",
        points.join(" ")
    );
    for point in &points {
        let (x, y) = point.split_once(',').unwrap_or(("0", "0"));
        let _ = write!(
            svg,
            "<circle cx=\"{x}\" cy=\"{y}\" r=\"3\" fill=\"#2563eb\"/>"
        );
    }
    svg.push_str("</svg>");
    svg
}

/// The report (`markdown`) as one self-contained HTML page that prints well, with a chart
/// of the `scores`.
fn html(record: &Record, kata: &Kata, markdown: &str, scores: &[f64]) -> String {
    let mut body = String::new();
    let parser = pulldown_cmark::Parser::new_ext(markdown, pulldown_cmark::Options::ENABLE_TABLES);
    pulldown_cmark::html::push_html(&mut body, parser);
    // The chart goes right after the summary table.
    let chart = format!("<h2>Score over the session</h2>\n{}\n", chart(scores));
    let body = match body.find("<h2>") {
        Some(at) => format!("{}{chart}{}", &body[..at], &body[at..]),
        None => format!("{body}{chart}"),
    };
    let title = format!("Interview report: {} · {}", record.candidate, kata.title)
        .replace('&', "&amp;")
        .replace('<', "&lt;");
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\n<style>\n\
         body {{ font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #111; }}\n\
         table {{ border-collapse: collapse; margin: 1rem 0; }} td, th {{ border: 1px solid #ccc; padding: .3rem .6rem; text-align: left; vertical-align: top; }}\n\
         pre {{ background: #f6f6f6; padding: .8rem; overflow-x: auto; white-space: pre-wrap; }} code {{ font-size: .9em; }}\n\
         h1 {{ font-size: 1.6rem; }} h2 {{ border-bottom: 1px solid #ddd; padding-bottom: .2rem; margin-top: 2rem; }}\n\
         @media print {{ body {{ margin: 0; max-width: none; }} h2 {{ break-after: avoid; }} table, pre, svg {{ break-inside: avoid; }} }}\n\
         </style></head><body>\n{body}</body></html>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::included_lines;

    #[test]
    fn include_suffixes_select_lines_as_mdbook_does() {
        let text = "one\ntwo\nthree\nfour\n";
        assert_eq!(included_lines(text, ""), text);
        assert_eq!(included_lines(text, ":2"), "two\n");
        assert_eq!(included_lines(text, ":3:"), "three\nfour\n");
        assert_eq!(included_lines(text, ":2:3"), "two\nthree\n");
        assert_eq!(included_lines(text, "::2"), "one\ntwo\n");
        assert_eq!(
            included_lines(text, ":an_anchor"),
            text,
            "anchors: the whole file"
        );
    }
}
