//! `cargo kata mutants`: cargo-mutants over the reference solutions, with the hidden tests
//! as the test suite, and the results in `FIDELITY.md`.
//!
//! cargo-mutants (an external tool, `cargo install cargo-mutants`) edits a solution in
//! ways nobody chose and runs `cargo test -p <solution>`, which includes the kata's hidden
//! tests. This module runs it per kata, reads its `outcomes.json`, sorts the mutants the
//! tests rightly do not catch out with `solutions/<kata>/fidelity.toml`, and rewrites the
//! kata's row and section of `FIDELITY.md` (the other katas' rows are kept, so one kata can
//! be re-run alone).
//!
//! `fidelity.toml` holds two kinds of entries, each with one line saying why:
//! - `given`: code the skeleton already gives the learner (a `Display` impl, an
//!   `Error::source`); excluded with cargo-mutants' own `--exclude-re`, so never generated;
//! - `equivalent`: a mutant that behaves exactly like the reference; generated and run,
//!   and if missed, listed as explained instead of counted;
//! - `unstated`: a mutant that changes only what the prompt leaves to the learner (the
//!   reference's own extra, such as a `size_hint`, or a free choice such as the random
//!   generator); treated like `equivalent`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Instant, SystemTime};

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use crate::manifest::Kata;
#[cfg(test)]
use crate::manifest::Manifest;

/// The program run as cargo-mutants (overridable for tests and unusual installs).
pub const PROGRAM_ENV: &str = "KATA_CARGO_MUTANTS";

/// One entry of `solutions/<kata>/fidelity.toml`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Explained {
    /// The function as cargo-mutants names it, e.g.
    /// `<impl std::error::Error for FileError>::source`.
    pub function: String,
    /// Only the mutant with this replacement (e.g. `None`); all of the function's if absent.
    #[serde(default)]
    pub replacement: Option<String>,
    /// Only the mutant whose operator edit reads like this (e.g. `replace += with *=`).
    #[serde(default)]
    pub edit: Option<String>,
    /// `given`, `equivalent` or `unstated`.
    pub kind: ExplainedKind,
    /// One line: why the hidden tests rightly do not catch it.
    pub why: String,
}

/// Why a mutant is not counted.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ExplainedKind {
    /// Code the skeleton gives the learner: not generated at all.
    Given,
    /// Behaves like the reference: generated, and listed if missed.
    Equivalent,
    /// Changes only what the prompt leaves to the learner (the reference's own extra, or
    /// a choice the prompt says is free): generated, and listed if missed.
    Unstated,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FidelityFile {
    #[serde(default)]
    explained: Vec<Explained>,
    #[serde(default)]
    second_pass: Option<SecondPass>,
}

/// A second cargo-mutants run over the mutants the first one missed, for a stage whose
/// tests need other features (kata 01's loom stage is built only with `kata-loom`, and its
/// other stages' threads cannot run under loom's types).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SecondPass {
    /// cargo's `--features` for the second run.
    pub features: String,
    /// Arguments to the test binaries (e.g. a filter naming the stage's module).
    #[serde(default)]
    pub test_args: Vec<String>,
    /// Why the first run cannot run these tests.
    pub why: String,
}

/// Reads the second pass of `solutions/<kata>/fidelity.toml`, if any.
pub fn load_second_pass(solution_dir: &Path) -> Result<Option<SecondPass>> {
    let path = solution_dir.join("fidelity.toml");
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let file: FidelityFile =
                toml::from_str(&text).with_context(|| format!("in {}", path.display()))?;
            Ok(file.second_pass)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("failed to read {}", path.display())),
    }
}

/// `^name$|^name$…`: exactly these mutants, for cargo-mutants' `--re`.
fn exactly(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("^{}$", regex_escape(n)))
        .collect::<Vec<_>>()
        .join("|")
}

/// Reads `solutions/<kata>/fidelity.toml` (empty when the file does not exist).
pub fn load_explained(solution_dir: &Path) -> Result<Vec<Explained>> {
    let path = solution_dir.join("fidelity.toml");
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let file: FidelityFile =
                toml::from_str(&text).with_context(|| format!("in {}", path.display()))?;
            for e in &file.explained {
                if e.why.trim().is_empty() {
                    bail!(
                        "in {}: the entry for `{}` does not say why",
                        path.display(),
                        e.function
                    );
                }
            }
            Ok(file.explained)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e).with_context(|| format!("failed to read {}", path.display())),
    }
}

/// One mutant as cargo-mutants reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct MutantOutcome {
    /// cargo-mutants' name: `file:line:col: replace … with …`.
    pub name: String,
    /// The function it is in.
    pub function: Option<String>,
    /// The replacement text.
    pub replacement: String,
    /// `CaughtMutant`, `MissedMutant`, `Timeout`, `Unviable`.
    pub summary: String,
}

impl Explained {
    /// Whether this entry explains `mutant`.
    pub fn matches(&self, mutant: &MutantOutcome) -> bool {
        mutant.function.as_deref() == Some(self.function.as_str())
            && self
                .replacement
                .as_ref()
                .is_none_or(|r| *r == mutant.replacement)
            && self
                .edit
                .as_ref()
                .is_none_or(|edit| mutant.name.contains(edit.as_str()))
    }

    /// The `--exclude-re` pattern for a `given` entry. cargo-mutants names a mutant
    /// `file:line:col: replace FUNCTION -> TYPE with VALUE` or `… replace OP with OP in
    /// FUNCTION`, so the function is matched in those two places only (a bare `main` must
    /// not match `remaining`).
    pub fn exclude_pattern(&self) -> String {
        let function = regex_escape(&self.function);
        match &self.replacement {
            Some(r) => format!("replace {function} .* with {}$", regex_escape(r)),
            None => format!("(replace {function} | in {function}$)"),
        }
    }
}

fn regex_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[derive(Deserialize)]
struct OutcomesJson {
    outcomes: Vec<OutcomeJson>,
    cargo_mutants_version: Option<String>,
}

#[derive(Deserialize)]
struct OutcomeJson {
    scenario: serde_json::Value,
    summary: String,
}

/// Parses cargo-mutants' `outcomes.json`: the baseline's summary and every mutant.
pub fn parse_outcomes(text: &str) -> Result<(Option<String>, Vec<MutantOutcome>, String)> {
    let parsed: OutcomesJson =
        serde_json::from_str(text).context("cargo-mutants' outcomes.json is not as expected")?;
    let mut baseline = None;
    let mut mutants = Vec::new();
    for outcome in parsed.outcomes {
        match &outcome.scenario {
            serde_json::Value::String(s) if s == "Baseline" => baseline = Some(outcome.summary),
            serde_json::Value::Object(map) => {
                let Some(mutant) = map.get("Mutant") else {
                    continue;
                };
                let field = |name: &str| mutant.get(name).and_then(|v| v.as_str());
                mutants.push(MutantOutcome {
                    name: field("name").unwrap_or_default().to_owned(),
                    function: mutant
                        .get("function")
                        .and_then(|f| f.get("function_name"))
                        .and_then(|v| v.as_str())
                        .map(str::to_owned),
                    replacement: field("replacement").unwrap_or_default().to_owned(),
                    summary: outcome.summary,
                });
            }
            _ => {}
        }
    }
    Ok((
        baseline,
        mutants,
        parsed.cargo_mutants_version.unwrap_or_default(),
    ))
}

/// The figures of one kata's run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    /// Mutants generated (after `given` exclusions).
    pub generated: usize,
    /// Caught by a failing test.
    pub caught: usize,
    /// Not caught, and not explained.
    pub missed: Vec<String>,
    /// Not caught, explained as equivalent or as free under the prompt: (name, why).
    pub equivalent: Vec<(String, String)>,
    /// The tests hung until cargo-mutants' timeout (counted as caught: the grader's time
    /// limit fails such a test too).
    pub timeout: usize,
    /// Did not build.
    pub unviable: usize,
}

impl Tally {
    /// caught (timeouts included) ÷ (caught + missed), in percent; `None` with nothing viable.
    pub fn score(&self) -> Option<f64> {
        let caught = self.caught + self.timeout;
        let total = caught + self.missed.len();
        (total > 0).then(|| 100.0 * caught as f64 / total as f64)
    }
}

/// Sorts a run's mutants into the tally, with the kata's explanations.
pub fn tally(mutants: &[MutantOutcome], explained: &[Explained]) -> Tally {
    let mut t = Tally::default();
    for m in mutants {
        // Given code is excluded before a run; a run from before the entry was written
        // may still hold its mutants: leave them out the same way.
        if explained
            .iter()
            .any(|e| e.kind == ExplainedKind::Given && e.matches(m))
        {
            continue;
        }
        t.generated += 1;
        match m.summary.as_str() {
            "CaughtMutant" => t.caught += 1,
            "Timeout" => t.timeout += 1,
            "Unviable" => t.unviable += 1,
            _ => match explained
                .iter()
                .find(|e| e.kind != ExplainedKind::Given && e.matches(m))
            {
                Some(e) => t.equivalent.push((m.name.clone(), e.why.clone())),
                None => t.missed.push(m.name.clone()),
            },
        }
    }
    t
}

const TABLE_START: &str = "<!-- mutants:table -->";
const TABLE_END: &str = "<!-- /mutants:table -->";

/// The table row of one kata.
pub fn row(kata: &Kata, tally: &Tally, given: usize, date: &str) -> String {
    let score = tally
        .score()
        .map_or_else(|| "–".to_owned(), |s| format!("{s:.0}%"));
    format!(
        "| {:02} {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
        kata.number,
        kata.id,
        tally.generated,
        given,
        tally.caught,
        tally.timeout,
        tally.missed.len(),
        tally.equivalent.len(),
        tally.unviable,
        score,
        date
    )
}

/// The section listing one kata's missed and explained mutants.
pub fn section(kata: &Kata, tally: &Tally, explained: &[Explained]) -> String {
    let mut out = format!(
        "<!-- mutants:{id} -->\n#### {:02} {id}\n\n",
        kata.number,
        id = kata.id
    );
    let given: Vec<&Explained> = explained
        .iter()
        .filter(|e| e.kind == ExplainedKind::Given)
        .collect();
    if tally.missed.is_empty() && tally.equivalent.is_empty() && given.is_empty() {
        out.push_str("Every viable mutant caught; nothing excluded.\n");
    }
    if !tally.missed.is_empty() {
        out.push_str("Missed (a hidden test is missing):\n\n");
        for m in &tally.missed {
            out.push_str(&format!("- `{m}`\n"));
        }
        out.push('\n');
    }
    if !tally.equivalent.is_empty() {
        out.push_str(
            "Missed, and explained (behaves like the reference, or changes only what the \
             prompt leaves free):\n\n",
        );
        for (m, why) in &tally.equivalent {
            out.push_str(&format!("- `{m}` — {why}\n"));
        }
        out.push('\n');
    }
    if !given.is_empty() {
        out.push_str("Excluded, because the skeleton gives this code to the learner:\n\n");
        for e in given {
            out.push_str(&format!("- `{}` — {}\n", e.function, e.why));
        }
        out.push('\n');
    }
    out.push_str(&format!("<!-- /mutants:{} -->\n", kata.id));
    out
}

/// FIDELITY.md's text when it does not exist yet.
pub fn skeleton_document() -> String {
    format!(
        "# Fidelity: how much the hidden tests can be trusted\n\n\
         ## cargo-mutants over the reference solutions\n\n\
         Written by `cargo kata mutants [KATA]` (DEVELOPERS.md); a kata's row and section are \
         replaced when it is run again. *Given functions excluded*: code the skeleton gives the \
         learner, never mutated (listed per kata). *Timeout* counts as caught (the grader's time \
         limit fails a hanging test too). *Explained*: missed, but behaves like the reference or \
         changes only what the prompt leaves to the learner (each listed with why). Score = (caught + timeout) ÷ (caught + timeout + missed).\n\n\
         {TABLE_START}\n\
         | kata | generated | given functions excluded | caught | timeout | missed | explained | unviable | score | run on |\n\
         |---|---|---|---|---|---|---|---|---|---|\n\
         {TABLE_END}\n\n\
         ### Per kata\n\n"
    )
}

/// Replaces (or adds) one kata's row and section in `document`.
pub fn update_document(document: &str, kata: &Kata, row_text: &str, section_text: &str) -> String {
    let mut doc = if document.contains(TABLE_START) && document.contains(TABLE_END) {
        document.to_owned()
    } else {
        let mut d = document.to_owned();
        d.push_str(&skeleton_document());
        d
    };
    // The row: rows are sorted by kata number, one per kata.
    let start = doc.find(TABLE_START).expect("checked above") + TABLE_START.len();
    let end = doc.find(TABLE_END).expect("checked above");
    let mut lines: Vec<String> = doc[start..end]
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect();
    let prefix = format!("| {:02} ", kata.number);
    lines.retain(|l| !l.starts_with(&prefix));
    lines.push(row_text.to_owned());
    let (head, mut body): (Vec<String>, Vec<String>) = lines
        .into_iter()
        .partition(|l| l.starts_with("| kata") || l.starts_with("|---"));
    body.sort();
    let table = head.into_iter().chain(body).collect::<Vec<_>>().join("\n");
    doc.replace_range(start..end, &format!("\n{table}\n"));
    // The section.
    let open = format!("<!-- mutants:{} -->", kata.id);
    let close = format!("<!-- /mutants:{} -->\n", kata.id);
    match (doc.find(&open), doc.find(&close)) {
        (Some(a), Some(b)) if b > a => doc.replace_range(a..b + close.len(), section_text),
        _ => {
            if !doc.ends_with("\n\n") {
                doc.push('\n');
            }
            doc.push_str(section_text);
        }
    }
    doc
}

/// The program to run as cargo-mutants, checked to be there.
fn program() -> Result<PathBuf> {
    let program = std::env::var_os(PROGRAM_ENV).map_or_else(
        || {
            let home = std::env::var_os("CARGO_HOME")
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
            home.map(|h| h.join("bin").join("cargo-mutants"))
                .filter(|p| p.is_file())
                .unwrap_or_else(|| PathBuf::from("cargo-mutants"))
        },
        PathBuf::from,
    );
    let works = Command::new(&program)
        .args(["mutants", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !works {
        bail!(
            "cargo-mutants is not installed (tried `{}`): install it once with \
             `cargo install cargo-mutants --locked` (about ten minutes on two cores), \
             or set {PROGRAM_ENV} to its path",
            program.display()
        );
    }
    Ok(program)
}

/// Options of `cargo kata mutants`.
#[derive(Debug, Clone)]
pub struct Options {
    /// cargo-mutants' `--timeout` per test run, in seconds (None: its own choice).
    pub timeout: Option<u64>,
    /// cargo-mutants' `--in-diff`: only mutants in code this diff touches.
    pub in_diff: Option<PathBuf>,
    /// cargo-mutants' `--jobs`.
    pub jobs: Option<u64>,
    /// The document to update.
    pub out: PathBuf,
    /// Re-read each kata's last outcomes instead of running cargo-mutants (after an edit
    /// of `fidelity.toml`).
    pub no_run: bool,
}

/// Runs cargo-mutants over each kata's reference and updates the document.
pub fn run(root: &Path, katas: &[&Kata], options: &Options) -> Result<Vec<(String, Tally)>> {
    let program = if options.no_run {
        None
    } else {
        Some(program()?)
    };
    let work = root.join("target").join("kata-mutants");
    std::fs::create_dir_all(&work)
        .with_context(|| format!("failed to create {}", work.display()))?;
    let mut results = Vec::new();
    for (i, kata) in katas.iter().enumerate() {
        let solution = kata.solution_dir(root);
        let explained = load_explained(&solution)?;
        let package = format!("{}-solution", kata.id);
        let out_dir = work.join(&kata.dir);
        eprintln!(
            "[{}/{}] cargo-mutants over {package} (its tests include the hidden tests)…",
            i + 1,
            katas.len()
        );
        let started = Instant::now();
        if let Some(program) = &program {
            run_one(
                program,
                root,
                &work,
                &package,
                &out_dir,
                &explained,
                options,
                &[],
                &[],
            )?;
        }
        let read = |dir: &Path| -> Result<Vec<MutantOutcome>> {
            let outcomes_path = dir.join("mutants.out").join("outcomes.json");
            let text = std::fs::read_to_string(&outcomes_path)
                .with_context(|| format!("failed to read {}", outcomes_path.display()))?;
            Ok(parse_outcomes(&text)?.1)
        };
        let mut mutants = read(&out_dir)?;
        if let Some(second) = load_second_pass(&solution)? {
            let second_dir = out_dir.join("second-pass");
            let missed: Vec<String> = mutants
                .iter()
                .filter(|m| m.summary == "MissedMutant")
                .map(|m| m.name.clone())
                .collect();
            if let Some(program) = &program {
                let _ = std::fs::remove_dir_all(&second_dir);
                if !missed.is_empty() {
                    eprintln!(
                        "  second pass over {} missed mutant(s) with --features {} ({})…",
                        missed.len(),
                        second.features,
                        second.why
                    );
                    run_one(
                        program,
                        root,
                        &work,
                        &package,
                        &second_dir,
                        &explained,
                        options,
                        &[
                            "--features".into(),
                            second.features.clone(),
                            "--re".into(),
                            exactly(&missed),
                        ],
                        &second.test_args,
                    )?;
                }
            }
            if second_dir.join("mutants.out").is_dir() {
                for caught in read(&second_dir)?
                    .into_iter()
                    .filter(|m| m.summary == "CaughtMutant" || m.summary == "Timeout")
                {
                    if let Some(m) = mutants.iter_mut().find(|m| m.name == caught.name) {
                        m.summary = caught.summary;
                    }
                }
            }
        }
        let tally = tally(&mutants, &explained);
        eprintln!(
            "  {} generated: {} caught, {} timeout, {} missed, {} explained, {} unviable ({:.0?})",
            tally.generated,
            tally.caught,
            tally.timeout,
            tally.missed.len(),
            tally.equivalent.len(),
            tally.unviable,
            started.elapsed()
        );
        if options.in_diff.is_none() {
            let given = explained
                .iter()
                .filter(|e| e.kind == ExplainedKind::Given)
                .count();
            let date = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();
            let document = match std::fs::read_to_string(&options.out) {
                Ok(text) => text,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
                Err(e) => {
                    return Err(e)
                        .with_context(|| format!("failed to read {}", options.out.display()));
                }
            };
            let updated = update_document(
                &document,
                kata,
                &row(kata, &tally, given, &date[..10]),
                &section(kata, &tally, &explained),
            );
            std::fs::write(&options.out, updated)
                .with_context(|| format!("failed to write {}", options.out.display()))?;
        }
        results.push((kata.id.clone(), tally));
    }
    Ok(results)
}

/// One cargo-mutants run over `package`, its outcomes under `out_dir`.
#[allow(clippy::too_many_arguments)]
fn run_one(
    program: &Path,
    root: &Path,
    work: &Path,
    package: &str,
    out_dir: &Path,
    explained: &[Explained],
    options: &Options,
    extra: &[String],
    test_args: &[String],
) -> Result<()> {
    let mut command = Command::new(program);
    command
        .current_dir(root)
        // One target for every kata: the registry crates are built once.
        .env("CARGO_TARGET_DIR", work.join("target"))
        .args(["mutants", "--package", package, "--colors", "never"])
        .arg("--output")
        .arg(out_dir);
    if let Some(t) = options.timeout {
        command.args(["--timeout", &t.to_string()]);
    }
    if let Some(j) = options.jobs {
        command.args(["--jobs", &j.to_string()]);
    }
    if let Some(diff) = &options.in_diff {
        command.arg("--in-diff").arg(diff);
    }
    for e in explained.iter().filter(|e| e.kind == ExplainedKind::Given) {
        command.args(["--exclude-re", &e.exclude_pattern()]);
    }
    command.args(extra);
    if !test_args.is_empty() {
        command.arg("--").args(test_args);
    }
    let status = command
        .status()
        .with_context(|| format!("failed to run {}", program.display()))?;
    // cargo-mutants: 0 all caught, 2 some missed, 3 timeouts, 4 the baseline failed.
    match status.code() {
        Some(0 | 2 | 3) => {}
        Some(4) => bail!(
            "{package}'s own tests fail without any mutation: fix them first \
             (log under {})",
            out_dir.join("mutants.out").display()
        ),
        _ => bail!("cargo-mutants failed for {package} ({status})"),
    }
    Ok(())
}

/// Every kata's explanations parse (checked by the checker's unit tests).
#[cfg(test)]
pub fn check_all(
    root: &Path,
    manifest: &Manifest,
) -> Result<std::collections::BTreeMap<String, usize>> {
    let mut counts = std::collections::BTreeMap::new();
    for kata in &manifest.katas {
        counts.insert(
            kata.id.clone(),
            load_explained(&kata.solution_dir(root))?.len(),
        );
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OUTCOMES: &str = r#"{
      "outcomes": [
        {"scenario": "Baseline", "summary": "Success"},
        {"scenario": {"Mutant": {"name": "src/lib.rs:48:9: replace <impl fmt::Display for E>::fmt -> fmt::Result with Ok(Default::default())",
          "function": {"function_name": "<impl fmt::Display for E>::fmt"}, "replacement": "Ok(Default::default())"}}, "summary": "CaughtMutant"},
        {"scenario": {"Mutant": {"name": "src/lib.rs:75:9: replace <impl std::error::Error for F>::source -> Option<&(dyn std::error::Error +'static)> with None",
          "function": {"function_name": "<impl std::error::Error for F>::source"}, "replacement": "None"}}, "summary": "MissedMutant"},
        {"scenario": {"Mutant": {"name": "src/lib.rs:90:9: replace += with *= in next",
          "function": {"function_name": "next"}, "replacement": "*="}}, "summary": "MissedMutant"},
        {"scenario": {"Mutant": {"name": "src/lib.rs:95:9: replace run -> u32 with 0",
          "function": {"function_name": "run"}, "replacement": "0"}}, "summary": "Timeout"},
        {"scenario": {"Mutant": {"name": "src/lib.rs:99:9: replace run -> u32 with 1",
          "function": {"function_name": "run"}, "replacement": "1"}}, "summary": "Unviable"}
      ],
      "total_mutants": 5, "cargo_mutants_version": "27.1.0"
    }"#;

    #[test]
    fn outcomes_are_parsed_and_tallied() {
        let (baseline, mutants, version) = parse_outcomes(OUTCOMES).unwrap();
        assert_eq!(baseline.as_deref(), Some("Success"));
        assert_eq!(version, "27.1.0");
        assert_eq!(mutants.len(), 5);
        let t = tally(&mutants, &[]);
        assert_eq!((t.caught, t.timeout, t.unviable), (1, 1, 1));
        assert_eq!(t.missed.len(), 2);
        assert_eq!(t.score().map(|s| s.round()), Some(50.0));
    }

    #[test]
    fn an_equivalent_mutant_is_listed_not_counted_and_only_the_one_named() {
        let (_, mutants, _) = parse_outcomes(OUTCOMES).unwrap();
        let explained = vec![Explained {
            function: "next".into(),
            replacement: None,
            edit: Some("replace += with *=".into()),
            kind: ExplainedKind::Equivalent,
            why: "the counter starts at zero".into(),
        }];
        let t = tally(&mutants, &explained);
        assert_eq!(t.missed.len(), 1);
        assert!(t.missed[0].contains("::source"));
        assert_eq!(t.equivalent.len(), 1);
        assert_eq!(t.score().map(|s| s.round()), Some(67.0));
        // A `given` entry's mutants are left out altogether (excluded before a run).
        let given = vec![Explained {
            kind: ExplainedKind::Given,
            ..explained[0].clone()
        }];
        let t = tally(&mutants, &given);
        assert_eq!((t.generated, t.missed.len(), t.equivalent.len()), (4, 1, 0));
    }

    #[test]
    fn a_given_entry_becomes_an_exclude_pattern_that_matches_its_mutant_only() {
        let e = Explained {
            function: "<impl std::error::Error for F>::source".into(),
            replacement: Some("None".into()),
            edit: None,
            kind: ExplainedKind::Given,
            why: "given".into(),
        };
        let pattern = e.exclude_pattern();
        assert_eq!(
            pattern,
            r"replace <impl std::error::Error for F>::source .* with None$"
        );
        let main = Explained {
            function: "main".into(),
            replacement: None,
            ..e
        };
        assert_eq!(main.exclude_pattern(), "(replace main | in main$)");
    }

    #[test]
    fn the_document_keeps_other_rows_and_replaces_this_katas() {
        let manifest = Manifest::load().unwrap();
        let k = manifest.find("read-files").unwrap();
        let t1 = Tally {
            generated: 3,
            caught: 2,
            missed: vec!["m".into()],
            ..Tally::default()
        };
        let doc = update_document("", k, &row(k, &t1, 0, "2026-01-01"), &section(k, &t1, &[]));
        assert!(doc.contains("| 02 read-files | 3 |"));
        assert!(doc.contains("- `m`"));
        let other = "| 01 event-emitter | 9 | 0 | 9 | 0 | 0 | 0 | 0 | 100% | 2026-01-01 |";
        let doc = doc.replace(TABLE_END, &format!("{other}\n{TABLE_END}"));
        let t2 = Tally {
            generated: 4,
            caught: 4,
            ..Tally::default()
        };
        let doc2 = update_document(
            &doc,
            k,
            &row(k, &t2, 1, "2026-02-02"),
            &section(k, &t2, &[]),
        );
        assert!(doc2.contains(other), "{doc2}");
        assert!(doc2.contains("| 02 read-files | 4 | 1 | 4 |"));
        assert!(!doc2.contains("| 02 read-files | 3 |"));
        assert!(!doc2.contains("- `m`"));
        assert_eq!(doc2.matches("<!-- mutants:read-files -->").count(), 1);
        assert!(doc2.find("| 01 event").unwrap() < doc2.find("| 02 read").unwrap());
    }

    #[test]
    fn every_katas_fidelity_file_parses_and_says_why() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let manifest = Manifest::load().unwrap();
        check_all(&root, &manifest).unwrap();
    }
}
