//! Review grading (`cargo kata review`): the candidate writes the tests, and they are graded
//! by the bugs they catch.
//!
//! The candidate's tests file is built, in place of the hidden tests, against the reference
//! solution and against every mutant of `solutions/<kata>/mutants.toml` (slots of the
//! harness, each with a *review package* whose only test target is the candidate's file).
//! The mutants whose edits lie in function bodies share one slot, the kata's mutant schema
//! ([`crate::schema`]), so the file is compiled once for all of them; the others, and all
//! of them when the schema does not compile, get a slot each. Every test runs in its own
//! confined process with the kata's limits, as hidden tests do.
//!
//! The rules:
//! - A test **counts** only if it passed on the reference. One that did not (failed,
//!   crashed, timed out, exited early) is a *false alarm*: reported by name with its
//!   message, and it catches nothing.
//! - A mutant is **caught** when a test that counts fails or crashes on it, or times out on
//!   it after passing on the reference in at most half the time limit. A test that needed
//!   more than half the limit on the reference is too close to the limit for its time-outs
//!   to mean anything: only its failures count.
//! - The score is the weighted share of mutants caught (`weight` in `mutants.toml`,
//!   default 1).
//!
//! A pass must be proven as for hidden tests, without the candidate's help: the review
//! entry point reads the per-test secret before `main` (an `.init_array` function; the
//! variable that announces the pipes is removed, so `kata_support::graded` in the
//! candidate's code proves nothing), and writes it back from an `atexit` handler only when
//! the process exits from its main thread, i.e. when libtest's `main` returned after the
//! test passed. A test that calls `std::process::exit(0)` exits from its own thread and
//! proves nothing; libtest exits 101 after a failed test.
//!
//! The switch that picks a schema mutant is hidden from the tests: it is never in their
//! environment (a test that checked for it would catch every mutant). Every review run gets
//! it on descriptor [`runner::SWITCH_FD`] (0 for the reference and the mutants built
//! alone), and the same `.init_array` function reads it, closes it and hands it to the
//! library's write-once setter ([`crate::schema::SETTER`]) before `main`. The reference
//! and the mutants built alone carry the schema's prelude too ([`crate::schema::instrument`]),
//! so every variant's binary, descriptors and environment look alike.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use crate::harness::{
    Build, Harness, Package, Slot, SlotSpec, Sources, read_sources, write_if_changed,
};
use crate::manifest::{Kata, Limits, Manifest};
use crate::mutants::{self, Mutant};
use crate::report::{percent, round1};
use crate::runner::{self, Outcome, Run, Stop};
use crate::study::{BAD, BOLD, GOOD, paint};

/// A review package's test crate: the candidate's file, with the checker's lines appended
/// (they name the library as the kata's crate and prove a pass). The compiler on it is
/// confined to its folder.
pub const ENTRY: &str = "tests/review.rs";

/// Where review tests live in a crate (`katas/NN-name/tests/review.rs`, or a bundle's).
pub const TESTS_FILE: &str = "tests/review.rs";

/// A review grading's report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReviewReport {
    /// The kata's id.
    pub kata: String,
    /// Its number.
    pub number: u32,
    /// Its title.
    pub title: String,
    /// The tests file graded, as shown to the user.
    pub path: String,
    /// `pass` (every mutant caught, no false alarm), `fail`, or `error` (the file does not
    /// compile, or holds no test).
    pub status: String,
    /// Why the file could not be graded: the compiler's errors, or "no tests".
    pub message: Option<String>,
    /// Weighted share of the mutants caught, 0 to 100.
    pub score: f64,
    /// Mutants caught / all mutants (counted, not weighted).
    pub caught: usize,
    /// All mutants.
    pub total: usize,
    /// Tests that did not pass on the reference.
    pub false_alarms: usize,
    /// Every test of the file and what it did.
    pub tests: Vec<ReviewTest>,
    /// Every mutant: caught or missed, by the rule it breaks.
    pub mutants: Vec<MutantVerdict>,
    /// Tests ran in a network namespace of their own.
    pub network_isolated: bool,
    /// Tests ran under Landlock.
    pub filesystem_confined: bool,
    /// Tests ran in PID namespaces and pids cgroups.
    pub processes_confined: bool,
    /// Why confinement did not hold, where it did not.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub confinement_notes: Vec<String>,
}

/// One test of the candidate's file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReviewTest {
    /// Its path in the file (`name`, or `module::name`).
    pub name: String,
    /// What it did on the reference: `passed`, `failed`, `timed-out`, `crashed`.
    pub reference: String,
    /// Whether it counts (it passed on the reference).
    pub counts: bool,
    /// Why it is a false alarm (its panic message, the signal, the time limit).
    pub message: Option<String>,
    /// Its output on the reference, when it did not pass there.
    pub output: Option<String>,
    /// Milliseconds it ran on the reference.
    pub reference_ms: u64,
    /// Whether it passed on the reference in more than half the time limit (its time-outs
    /// on mutants do not count).
    pub slow: bool,
    /// The mutants it was the first to catch.
    pub caught: Vec<String>,
}

/// One mutant's verdict.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MutantVerdict {
    /// Its name.
    pub name: String,
    /// `seed` or `plausible`.
    pub origin: String,
    /// The rule it breaks, in one sentence (its description).
    pub description: String,
    /// What catching it is worth.
    pub weight: f64,
    /// Whether a test that counts caught it.
    pub caught: bool,
    /// The test that caught it (tests stop at the first catch).
    pub caught_by: Option<String>,
    /// How: `failed`, `crashed` or `timed-out`.
    pub how: Option<String>,
}

/// How a review is graded.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Overrides the per-test time limit (seconds).
    pub time_limit: Option<u64>,
}

/// Whether a test's run on a mutant catches it. `reference` is the test's time on the
/// reference, where it passed; `limit` its time limit.
pub fn catches(outcome: &Outcome, reference: Duration, limit: Duration) -> bool {
    match outcome {
        Outcome::Failed | Outcome::Crashed => true,
        Outcome::TimedOut => !is_slow(reference, limit),
        Outcome::Passed | Outcome::NotCompiled | Outcome::Stopped => false,
    }
}

/// A pass that took more than half the time limit: a time-out of the same test elsewhere
/// may be the machine, not the code.
fn is_slow(elapsed: Duration, limit: Duration) -> bool {
    elapsed * 2 > limit
}

/// The tests file at `path`: a `.rs` file, or a crate folder whose `tests/review.rs` it is.
pub fn tests_file(path: &Path) -> PathBuf {
    if path.extension().is_some_and(|e| e == "rs") {
        path.to_owned()
    } else {
        path.join(TESTS_FILE)
    }
}

/// Reads the candidate's tests file, with a clear error when there is none.
pub fn read_tests(kata: &Kata, file: &Path) -> Result<String> {
    if !file.is_file() {
        bail!(
            "there is no review tests file at {}: write one with #[test] functions that use the \
             kata's public API (`use {}::…;`), then run this again",
            file.display(),
            kata.crate_name
        );
    }
    let bytes =
        std::fs::read(file).with_context(|| format!("failed to read {}", file.display()))?;
    if bytes.len() > 4 << 20 {
        bail!("{} is larger than 4 MiB", file.display());
    }
    let text = String::from_utf8(bytes)
        .with_context(|| format!("{} is not UTF-8 text", file.display()))?;
    if let Some(word) = forbidden_word(&text) {
        bail!(
            "{} is refused: it uses `{word}`. Review tests may not place code or symbols \
             where the checker's own start-up code lives (`link_section`, `no_mangle`, \
             `export_name`, assembly): that code proves a pass and picks the mutant a test \
             runs against. Write plain #[test] functions that use the kata's public API",
            file.display()
        );
    }
    Ok(text)
}

/// The first word of `text` that lets a review file run code before `main` or replace a
/// symbol of the process (a constructor in `.init_array`, an interposed C function, inline
/// assembly): such code could read the proof's and the switch's descriptors before the
/// checker's constructor does. Checked on the text, so a comment naming one is refused too.
fn forbidden_word(text: &str) -> Option<&'static str> {
    const WORDS: [&str; 6] = [
        "link_section",
        "no_mangle",
        "export_name",
        "global_asm",
        "naked_asm",
        "asm!",
    ];
    WORDS.into_iter().find(|word| text.contains(word))
}

/// One graded variant: the reference or a mutant.
struct Variant {
    mutant: Option<Mutant>,
    /// Index of the slot whose binaries run it.
    slot: usize,
    /// The switch its runs are given (0: the slot's code as it is; a schema mutant's
    /// number in the schema's slot).
    switch: u32,
    /// A schema mutant's own sources, built alone if the schema does not compile.
    alone: Option<Sources>,
}

/// One test process to run.
struct Job {
    /// Index into the variants.
    variant: usize,
    /// Index into the tests.
    test: usize,
    /// The test's full name in its binary.
    name: String,
    exe: PathBuf,
    limit: Duration,
    /// The switch handed to the process on its descriptor.
    switch: u32,
}

/// A listed test: its full name in the binary, and the package (feature set) it runs in.
struct Listed {
    name: String,
    package: usize,
    limit: Duration,
}

/// Grades `tests` (the candidate's file, shown as `label`) as review tests of `kata`.
pub fn grade(
    root: &Path,
    harness: &Harness,
    manifest: &Manifest,
    kata: &Kata,
    tests: &str,
    label: &str,
    options: Options,
) -> Result<ReviewReport> {
    let solution_dir = kata.solution_dir(root);
    let solution = read_sources(&solution_dir)?;
    let all = mutants::load(&solution_dir)?;
    if all.is_empty() {
        bail!("kata {} has no mutants to review against", kata.id);
    }
    // The package groups: one per distinct feature set of the kata's stages, plain first,
    // each with the longest time limit of its stages.
    let groups = feature_groups(kata, options);

    let mut specs = Vec::new();
    for mutant in all {
        let sources = mutant
            .apply(&solution)
            .with_context(|| format!("the mutants of {} are stale", kata.id))?;
        specs.push((mutant, sources));
    }
    // The mutants whose edits lie in function bodies: one schema slot, each behind its
    // switch (as the self-check builds them); the others alone. The reference and the
    // mutants built alone get the schema's prelude too, so that every variant's binaries
    // hold the same switch machinery.
    let schema = crate::schema::build(
        &solution,
        &specs
            .iter()
            .map(|(m, sources)| (m.name.clone(), sources.clone()))
            .collect::<Vec<_>>(),
    );
    let prepare = |variant: &str, sources: Sources| -> Result<Slot> {
        let spec = SlotSpec {
            kata,
            variant: variant.to_owned(),
            sources,
        };
        let base = harness.prepare(&spec)?;
        write_review_packages(harness, kata, &base, variant, &groups, tests, label)
    };
    let mut slots = vec![prepare(
        "review-solution",
        crate::schema::instrument(&solution),
    )?];
    let schema_slot = if schema.switches.is_empty() {
        None
    } else {
        slots.push(prepare("schema", schema.sources.clone())?);
        Some(slots.len() - 1)
    };
    let mut variants = vec![Variant {
        mutant: None,
        slot: 0,
        switch: 0,
        alone: None,
    }];
    for (mutant, sources) in specs {
        match (schema.switches.get(&mutant.name), schema_slot) {
            (Some(&switch), Some(slot)) => variants.push(Variant {
                mutant: Some(mutant),
                slot,
                switch,
                alone: Some(sources),
            }),
            _ => {
                let name = format!("review-mutant-{}", mutant.name);
                slots.push(prepare(&name, crate::schema::instrument(&sources))?);
                variants.push(Variant {
                    mutant: Some(mutant),
                    slot: slots.len() - 1,
                    switch: 0,
                    alone: None,
                });
            }
        }
    }
    let build_limit: u64 = manifest.katas.iter().map(|k| k.limits.build_seconds).sum();
    eprintln!(
        "  building the tests against the reference and {} mutant(s) ({} in one schema)…",
        variants.len() - 1,
        schema.switches.len()
    );
    // Every kata's skeleton is built beside (not run), as the self-check does: cargo unifies
    // the dependencies' features over one build, so without them the dependencies would be
    // built again with this kata's features only, and again by the next grading.
    let mut skeletons = Vec::new();
    for other in &manifest.katas {
        skeletons.push(harness.prepare(&SlotSpec {
            kata: other,
            variant: "skeleton".into(),
            sources: read_sources(&other.skeleton_dir(root))?,
        })?);
    }
    let started = std::time::Instant::now();
    let mut builds = vec![harness.build(
        &slots.iter().chain(&skeletons).collect::<Vec<_>>(),
        Duration::from_secs(build_limit),
        false,
    )?];
    // Per slot: the build that holds its binaries.
    let mut built_by = vec![0; slots.len()];

    let mut report = empty_report(kata, label, &variants);
    let executables_of = |build: &Build, slot: &Slot| -> Vec<Option<PathBuf>> {
        slot.packages
            .iter()
            .map(|p| build.executable(&p.name).map(Path::to_owned))
            .collect()
    };
    let executables = executables_of(&builds[0], &slots[0]);
    if executables.iter().any(Option::is_none) {
        let build = &builds[0];
        report.status = "error".into();
        // The same file fails the same way against every variant; cargo may stop before it
        // reaches the reference's, so the first variant with errors speaks for all.
        let slot = slots
            .iter()
            .find(|slot| {
                slot.packages
                    .iter()
                    .any(|p| !build.errors(&p.name).is_empty())
            })
            .unwrap_or(&slots[0]);
        report.message = Some(compile_errors(build, slot, timeout(build)));
        return Ok(report);
    }
    // A schema that did not compile (where the reference did) proves nothing about its
    // mutants: each is built alone, as it would be without the schema, in a second build.
    if let Some(schema_slot) = schema_slot
        && executables_of(&builds[0], &slots[schema_slot])
            .iter()
            .any(Option::is_none)
    {
        eprintln!(
            "  the mutant schema did not compile with the tests; building its mutants alone…"
        );
        let first = slots.len();
        for variant in &mut variants {
            if let Some(sources) = variant.alone.take() {
                let name = format!(
                    "review-mutant-{}",
                    variant.mutant.as_ref().map_or("", |m| m.name.as_str())
                );
                slots.push(prepare(&name, crate::schema::instrument(&sources))?);
                variant.slot = slots.len() - 1;
                variant.switch = 0;
            }
        }
        builds.push(harness.build(
            &slots[first..].iter().chain(&skeletons).collect::<Vec<_>>(),
            Duration::from_secs(build_limit),
            false,
        )?);
        built_by.resize(slots.len(), 1);
    }
    let built = started.elapsed();
    let reference = &slots[0];

    // The tests, listed by the reference's binaries (the compiler evaluated every `cfg`);
    // a test in several feature sets runs in the first only.
    let scratch = harness.scratch_dir();
    let mut listed: Vec<Listed> = Vec::new();
    for (package, exe) in executables.iter().flatten().enumerate() {
        let limit = groups[package].1;
        let every = list(exe, kata, &scratch, false)?;
        let ignored = list(exe, kata, &scratch, true)?;
        for name in every {
            if !ignored.contains(&name) && !listed.iter().any(|l| l.name == name) {
                listed.push(Listed {
                    name,
                    package,
                    limit,
                });
            }
        }
    }
    if listed.is_empty() {
        report.status = "error".into();
        report.message = Some(format!(
            "{label} holds no test: write #[test] functions (not #[ignore]d) that use the kata's \
             public API; each one must pass on a correct implementation and fail on a buggy one"
        ));
        return Ok(report);
    }

    // Phase 1: every test on the reference.
    let jobs: Vec<Job> = listed
        .iter()
        .enumerate()
        .map(|(test, l)| Job {
            variant: 0,
            test,
            name: l.name.clone(),
            exe: executables[l.package].clone().expect("checked above"),
            limit: l.limit,
            switch: 0,
        })
        .collect();
    let order: Vec<usize> = (0..jobs.len()).collect();
    let runs = run_jobs(&jobs, &order, &[None], &scratch, &kata.limits, |_, _| false)?;
    let mut good = Vec::new();
    for (l, run) in listed.iter().zip(&runs) {
        let passed = run.outcome == Outcome::Passed;
        let (_, outcome) = run.outcome.names();
        report.tests.push(ReviewTest {
            name: l.name.clone(),
            reference: outcome.into(),
            counts: passed,
            message: (!passed).then(|| {
                run.message
                    .as_deref()
                    .map(|m| rewrite(reference, m))
                    .unwrap_or_else(|| "did not pass".into())
            }),
            output: (!passed && !run.output.is_empty()).then(|| rewrite(reference, &run.output)),
            reference_ms: run.elapsed.as_millis() as u64,
            slow: passed && is_slow(run.elapsed, l.limit),
            caught: Vec::new(),
        });
        if passed {
            good.push(report.tests.len() - 1);
        }
    }
    report.false_alarms = report.tests.iter().filter(|t| !t.counts).count();

    // Phase 2: the tests that count on every mutant, quickest first, each mutant's tests
    // stopping at the first catch (round robin: every mutant's first test, then seconds…).
    good.sort_by_key(|&t| report.tests[t].reference_ms);
    let mut jobs = Vec::new();
    let mut order = Vec::new();
    let mut stops: Vec<Option<Stop>> = vec![None];
    let mut not_built = Vec::new();
    for (index, variant) in variants.iter().enumerate().skip(1) {
        stops.push(Some(Stop::new()?));
        let exes = executables_of(&builds[built_by[variant.slot]], &slots[variant.slot]);
        if exes.iter().any(Option::is_none) {
            not_built.push(index);
            continue;
        }
        for &test in &good {
            let l = &listed[test];
            jobs.push(Job {
                variant: index,
                test,
                name: l.name.clone(),
                exe: exes[l.package].clone().expect("checked"),
                limit: l.limit,
                switch: variant.switch,
            });
        }
    }
    let per_variant = good.len();
    for rank in 0..per_variant {
        order.extend((0..jobs.len()).filter(|j| j % per_variant.max(1) == rank));
    }
    let reference_times: Vec<Duration> = runs.iter().map(|r| r.elapsed).collect();
    let decides =
        |job: &Job, run: &Run| catches(&run.outcome, reference_times[job.test], job.limit);
    let mutant_runs = run_jobs(&jobs, &order, &stops, &scratch, &kata.limits, decides)?;
    if std::env::var_os("KATA_TIMINGS").is_some() {
        eprintln!(
            "timings: build {built:.1?}, tests {:.1?} ({} on the reference, {} on mutants)",
            started.elapsed() - built,
            runs.len(),
            mutant_runs
                .iter()
                .filter(|r| r.outcome != Outcome::Stopped)
                .count()
        );
    }

    let mut total_weight = 0.0;
    let mut caught_weight = 0.0;
    for (index, variant) in variants.iter().enumerate().skip(1) {
        let verdict = &mut report.mutants[index - 1];
        total_weight += verdict.weight;
        if not_built.contains(&index) {
            verdict.how = Some(format!(
                "not graded: the mutant {} did not build with the tests",
                slots[variant.slot].base
            ));
            continue;
        }
        // The catch: the first test (in start order) whose run caught it.
        let catch = order
            .iter()
            .map(|&j| (&jobs[j], &mutant_runs[j]))
            .filter(|(job, _)| job.variant == index)
            .find(|(job, run)| decides(job, run));
        if let Some((job, run)) = catch {
            let test = &mut report.tests[job.test];
            verdict.caught = true;
            verdict.caught_by = Some(test.name.clone());
            verdict.how = Some(run.outcome.names().1.to_owned());
            test.caught.push(verdict.name.clone());
            caught_weight += verdict.weight;
        }
    }
    report.caught = report.mutants.iter().filter(|m| m.caught).count();
    report.score = if total_weight > 0.0 {
        round1(100.0 * caught_weight / total_weight)
    } else {
        0.0
    };
    if report.score >= 100.0 && report.caught < report.total {
        report.score = 99.9;
    }
    report.status = if report.caught == report.total && report.false_alarms == 0 {
        "pass"
    } else {
        "fail"
    }
    .into();
    Ok(report)
}

/// The report before any test ran: every mutant missed.
fn empty_report(kata: &Kata, label: &str, variants: &[Variant]) -> ReviewReport {
    let confinement = crate::confine::held();
    let mutants: Vec<MutantVerdict> = variants
        .iter()
        .filter_map(|v| v.mutant.as_ref())
        .map(|m| MutantVerdict {
            name: m.name.clone(),
            origin: m.origin.clone(),
            description: m.description.clone(),
            weight: m.weight,
            caught: false,
            caught_by: None,
            how: None,
        })
        .collect();
    ReviewReport {
        kata: kata.id.clone(),
        number: kata.number,
        title: kata.title.clone(),
        path: label.to_owned(),
        status: "fail".into(),
        message: None,
        score: 0.0,
        caught: 0,
        total: mutants.len(),
        false_alarms: 0,
        tests: Vec::new(),
        mutants,
        network_isolated: runner::network_isolation(),
        filesystem_confined: confinement.filesystem.is_ok(),
        processes_confined: confinement.processes.is_ok(),
        confinement_notes: crate::grade::confinement_notes(),
    }
}

/// The kata's feature sets (plain first) and the longest time limit of each one's stages.
fn feature_groups(kata: &Kata, options: Options) -> Vec<(Vec<String>, Duration)> {
    let mut groups: Vec<(Vec<String>, u64)> = vec![(Vec::new(), 0)];
    for (index, stage) in kata.stages.iter().enumerate() {
        let mut features = stage.features.clone();
        features.sort();
        let limit = kata.time_limit(index);
        match groups.iter_mut().find(|(f, _)| *f == features) {
            Some((_, longest)) => *longest = (*longest).max(limit),
            None => groups.push((features, limit)),
        }
    }
    groups
        .into_iter()
        .map(|(features, limit)| {
            let limit = options.time_limit.unwrap_or(limit.max(1));
            (features, Duration::from_secs(limit))
        })
        .collect()
}

/// Writes a variant's review packages (one per feature group) beside its slot `base`,
/// whose `src/` they compile, and returns them as a slot to build.
fn write_review_packages(
    harness: &Harness,
    kata: &Kata,
    base: &Slot,
    variant: &str,
    groups: &[(Vec<String>, Duration)],
    tests: &str,
    label: &str,
) -> Result<Slot> {
    let slots = harness.slot_dir(base);
    let slots = slots.parent().context("the harness's slots folder")?;
    let mut packages = Vec::new();
    let mut rewrites = Vec::new();
    for (features, _) in groups {
        let mut name = format!("kh-{}--{variant}--review", kata.id);
        if !features.is_empty() {
            name.push_str(&format!("--{}", features.join("-")));
        }
        let dir = slots.join(&name);
        link_sources(&dir, &base.base)?;
        // `kr_…`: a library name no grading slot (`kh_…`) can have.
        let lib_name = format!(
            "kr_{}",
            name.trim_start_matches("kh-")
                .split(|c: char| !c.is_ascii_alphanumeric())
                .filter(|part| !part.is_empty())
                .collect::<Vec<_>>()
                .join("_")
        );
        let mut package_features = kata.features.clone();
        if !features.is_empty() {
            package_features.insert("default".into(), features.clone().into());
        }
        let mut manifest = format!(
            "# Generated by the checker on every run; edits are lost.\n\
             [package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\
             build = false\nautolib = false\nautobins = false\nautoexamples = false\nautotests = false\nautobenches = false\n\n\
             [lib]\nname = \"{lib_name}\"\npath = \"src/lib.rs\"\ntest = false\ndoctest = false\n\n\
             [[test]]\nname = \"hidden\"\npath = \"{ENTRY}\"\n\n"
        );
        let mut tables = toml::Table::new();
        tables.insert("features".into(), package_features.into());
        tables.insert("dependencies".into(), kata.dependencies.clone().into());
        tables.insert(
            "dev-dependencies".into(),
            kata.dev_dependencies.clone().into(),
        );
        manifest.push_str(&toml::to_string(&tables)?);
        write_if_changed(&dir.join("Cargo.toml"), manifest.as_bytes())?;
        write_if_changed(
            &dir.join(ENTRY),
            entry_point(kata, tests, &lib_name, variant).as_bytes(),
        )?;
        rewrites.push((format!("{}/{ENTRY}", dir.display()), label.to_owned()));
        rewrites.push((format!("slots/{name}/{ENTRY}"), label.to_owned()));
        rewrites.push((format!("{}/", dir.display()), String::new()));
        rewrites.push((format!("slots/{name}/"), String::new()));
        packages.push(Package {
            name,
            stages: Vec::new(),
        });
    }
    rewrites.extend(base.path_rewrites.iter().cloned());
    Ok(Slot {
        base: base.base.clone(),
        packages,
        path_rewrites: rewrites,
    })
}

/// The review crate's root: the candidate's file as it is (its line numbers, `crate::`
/// paths and inner attributes unchanged), then the checker's lines: the library under the
/// kata's crate name, and the proof of a pass (see the module's documentation).
fn entry_point(kata: &Kata, tests: &str, lib_name: &str, variant: &str) -> String {
    format!(
        "{tests}\n\n\
         // Added by the checker: review tests of `{id}` against its {variant}.\n\
         extern crate {lib_name} as {krate};\n\
         {proof}",
        id = kata.id,
        krate = kata.crate_name,
        proof = PROOF.replace(
            "__KATA_SETTER__",
            &format!("::{}::{}", kata.crate_name, crate::schema::SETTER)
        ),
    )
}

/// Proves a pass without the candidate's help (see the module's documentation), and hands
/// the mutant's switch from its descriptor to the library (`__KATA_SETTER__`: the path of
/// the schema prelude's setter). Only system calls and that setter: it runs before
/// `main`, and at exit.
const PROOF: &str = r#"
#[doc(hidden)]
#[allow(unused)]
mod __kata_review_proof {
    use std::ffi::c_char;
    use std::sync::atomic::{AtomicI32, AtomicU8, AtomicUsize, Ordering};

    unsafe extern "C" {
        fn getenv(name: *const c_char) -> *mut c_char;
        fn strcmp(left: *const c_char, right: *const c_char) -> i32;
        fn unsetenv(name: *const c_char) -> i32;
        fn read(fd: i32, buffer: *mut u8, count: usize) -> isize;
        fn write(fd: i32, buffer: *const u8, count: usize) -> isize;
        fn close(fd: i32) -> i32;
        fn fcntl(fd: i32, command: i32, argument: i32) -> i32;
        fn atexit(callback: extern "C" fn()) -> i32;
        fn pthread_self() -> usize;
    }

    const F_DUPFD_CLOEXEC: i32 = 1030;
    static ANSWER: AtomicI32 = AtomicI32::new(-1);
    static MAIN: AtomicUsize = AtomicUsize::new(0);
    static LENGTH: AtomicUsize = AtomicUsize::new(0);
    static SECRET: [AtomicU8; 64] = [const { AtomicU8::new(0) }; 64];

    extern "C" fn start() {
        let variable = c"KATA_PROOF_FDS";
        // SAFETY: plain C library calls before `main`, on descriptors the checker opened.
        unsafe {
            let announced = getenv(variable.as_ptr());
            if announced.is_null() {
                return;
            }
            let with_switch = strcmp(announced, c"3,4,5".as_ptr()) == 0;
            unsetenv(variable.as_ptr());
            let mut buffer = [0u8; 64];
            let mut length = 0;
            while length < buffer.len() {
                let count = read(3, buffer.as_mut_ptr().add(length), buffer.len() - length);
                if count <= 0 {
                    break;
                }
                length += count as usize;
            }
            close(3);
            for (slot, byte) in SECRET.iter().zip(&buffer[..length]) {
                slot.store(*byte, Ordering::SeqCst);
            }
            LENGTH.store(length, Ordering::SeqCst);
            ANSWER.store(fcntl(4, F_DUPFD_CLOEXEC, 10), Ordering::SeqCst);
            close(4);
            if with_switch {
                // The switch: decimal digits, then end-of-file; anything else (a closed
                // descriptor, no digits, too many) is 0, the reference's code.
                let mut digits = [0u8; 16];
                let mut length = 0;
                while length < digits.len() {
                    let count = read(5, digits.as_mut_ptr().add(length), digits.len() - length);
                    if count <= 0 {
                        break;
                    }
                    length += count as usize;
                }
                close(5);
                let mut switch: Option<u32> = (length > 0).then_some(0);
                for &digit in &digits[..length] {
                    switch = switch.filter(|_| digit.is_ascii_digit()).and_then(|s| {
                        s.checked_mul(10)?.checked_add(u32::from(digit - b'0'))
                    });
                }
                __KATA_SETTER__(switch.unwrap_or(0));
            }
            MAIN.store(pthread_self(), Ordering::SeqCst);
            atexit(finish);
        }
    }

    extern "C" fn finish() {
        // SAFETY: plain C library calls on the descriptor kept by `start`.
        unsafe {
            if pthread_self() != MAIN.load(Ordering::SeqCst) {
                return;
            }
            let length = LENGTH.load(Ordering::SeqCst);
            let buffer: Vec<u8> = SECRET[..length].iter().map(|b| b.load(Ordering::SeqCst)).collect();
            let fd = ANSWER.load(Ordering::SeqCst);
            if fd >= 0 {
                write(fd, buffer.as_ptr(), buffer.len());
                close(fd);
            }
        }
    }

    #[used]
    #[unsafe(link_section = ".init_array")]
    static START: extern "C" fn() = start;
}
"#;

/// Makes `dir/src` a relative link to `../<base>/src`.
fn link_sources(dir: &Path, base: &str) -> Result<()> {
    let link = dir.join("src");
    let target = Path::new("..").join(base).join("src");
    if std::fs::read_link(&link).is_ok_and(|current| current == target) {
        return Ok(());
    }
    std::fs::create_dir_all(dir)?;
    match std::fs::symlink_metadata(&link) {
        Ok(meta) if meta.is_dir() => std::fs::remove_dir_all(&link)?,
        Ok(_) => std::fs::remove_file(&link)?,
        Err(_) => {}
    }
    std::os::unix::fs::symlink(&target, &link)
        .with_context(|| format!("linking {} to {}", link.display(), target.display()))
}

/// The compiler's errors on the reference's review packages, in the candidate's paths.
fn compile_errors(build: &Build, slot: &Slot, timeout: Option<String>) -> String {
    let mut errors: Vec<String> = timeout.into_iter().collect();
    for package in &slot.packages {
        for error in build.errors(&package.name) {
            let error = rewrite(slot, error.trim_end());
            if !errors.contains(&error) {
                errors.push(error);
            }
        }
    }
    if errors
        .iter()
        .any(|e| e.contains("Permission denied") || e.contains("os error 13"))
    {
        errors.insert(
            0,
            "refused: the tests read a file outside their own file at compile time \
             (include_str!, include_bytes!, include! or #[path]); tests may only use the kata's API"
                .into(),
        );
    }
    if errors.is_empty() {
        errors.push("the review tests could not be built against the reference".into());
    }
    format!(
        "The review tests do not compile:\n\n{}",
        errors.join("\n\n")
    )
}

fn timeout(build: &Build) -> Option<String> {
    build.timeout_message()
}

/// Harness paths in a message made the candidate's.
fn rewrite(slot: &Slot, text: &str) -> String {
    slot.rewrite_paths(text)
}

/// The tests of a review binary (`--list`, or only the `#[ignore]`d ones), listed in a
/// confined process like any test (the binary is the candidate's code).
fn list(exe: &Path, kata: &Kata, scratch: &Path, ignored: bool) -> Result<Vec<String>> {
    let mut args = vec!["--list", "--format", "terse"];
    if ignored {
        args.push("--ignored");
    }
    let folder = scratch.join(format!("review-list-{}", std::process::id()));
    let run = runner::run_confined(
        exe,
        &args,
        "main",
        Duration::from_secs(30),
        &kata.limits,
        &folder,
        None,
    );
    let _ = std::fs::remove_dir_all(&folder);
    let run = run?;
    Ok(run
        .output
        .lines()
        .filter_map(|line| line.strip_suffix(": test"))
        .filter(|name| !name.is_empty() && !name.contains(' '))
        .map(str::to_owned)
        .collect())
}

/// Runs `jobs` in `order` on every core. A job whose variant has a stop stops that variant
/// once `decides` says its run decided it.
fn run_jobs(
    jobs: &[Job],
    order: &[usize],
    stops: &[Option<Stop>],
    scratch: &Path,
    limits: &Limits,
    decides: impl Fn(&Job, &Run) -> bool + Sync,
) -> Result<Vec<Run>> {
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<Run>>>> =
        Mutex::new((0..jobs.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..workers.min(jobs.len()) {
            scope.spawn(|| {
                while let Some(&index) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let job = &jobs[index];
                    let stop = stops.get(job.variant).and_then(Option::as_ref);
                    let run = if stop.is_some_and(Stop::is_raised) {
                        Ok(Run::stopped(Duration::ZERO))
                    } else {
                        let folder = scratch.join(format!("review-{}-{index}", std::process::id()));
                        let run = runner::run_test(
                            &job.exe,
                            &job.name,
                            job.limit,
                            limits,
                            &folder,
                            stop,
                            Some(runner::Switch::Descriptor(job.switch)),
                        );
                        let _ = std::fs::remove_dir_all(&folder);
                        run
                    };
                    if let (Some(stop), Ok(run)) = (stop, &run)
                        && decides(job, run)
                    {
                        stop.raise();
                    }
                    results.lock().unwrap_or_else(|e| e.into_inner())[index] = Some(run);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Ok(Run::stopped(Duration::ZERO))))
        .collect()
}

impl ReviewReport {
    /// The report for people.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Review of kata {:02} · {} · {}",
            self.number, self.kata, self.title
        );
        let _ = writeln!(out, "  tests: {}", self.path);
        if let Some(message) = &self.message {
            let _ = writeln!(out);
            for line in message.trim_end().lines() {
                let _ = writeln!(out, "  {line}");
            }
            let _ = writeln!(
                out,
                "\n  {} · no mutant caught",
                paint(BOLD, format!("Score {}", percent(self.score)))
            );
            return out;
        }
        let counting = self.tests.len() - self.false_alarms;
        let _ = writeln!(
            out,
            "\n  Tests: {} in the file, {counting} pass on the reference{}",
            self.tests.len(),
            if self.false_alarms > 0 {
                format!(", {} false alarm(s)", self.false_alarms)
            } else {
                String::new()
            }
        );
        for test in &self.tests {
            if test.counts {
                let caught = if test.caught.is_empty() {
                    "caught no mutant first".to_owned()
                } else {
                    format!("caught {}", test.caught.join(", "))
                };
                let slow = if test.slow {
                    " (slow on the reference: its time-outs do not count)"
                } else {
                    ""
                };
                let _ = writeln!(
                    out,
                    "    {} {} — {caught}{slow}",
                    paint(GOOD, "✓"),
                    test.name
                );
            } else {
                let _ = writeln!(
                    out,
                    "    {} {} — false alarm: {} on the reference, counts for nothing",
                    paint(BAD, "✗"),
                    test.name,
                    test.reference.replace('-', " ")
                );
                if let Some(message) = &test.message {
                    for line in message.lines().take(8) {
                        let _ = writeln!(out, "        {line}");
                    }
                }
            }
        }
        let _ = writeln!(out, "\n  Mutants caught: {} of {}", self.caught, self.total);
        for mutant in self.mutants.iter().filter(|m| m.caught) {
            let _ = writeln!(
                out,
                "    {} {}{} — by {} ({})",
                paint(GOOD, "✓"),
                mutant.description,
                weight_note(mutant),
                mutant.caught_by.as_deref().unwrap_or("?"),
                mutant.how.as_deref().unwrap_or("?").replace('-', " ")
            );
        }
        let missed: Vec<&MutantVerdict> = self.mutants.iter().filter(|m| !m.caught).collect();
        if !missed.is_empty() {
            let _ = writeln!(
                out,
                "\n  Missed — no test of yours checks that the code does not:"
            );
            for mutant in missed {
                let _ = writeln!(
                    out,
                    "    {} {}{}",
                    paint(BAD, "✗"),
                    mutant.description,
                    weight_note(mutant)
                );
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
            "\n  {} · {} of {} mutants caught · {} false alarm(s)",
            paint(BOLD, format!("Score {}", percent(self.score))),
            self.caught,
            self.total,
            self.false_alarms
        );
        out
    }
}

/// " (counts 2×)" for a mutant whose weight is not 1.
fn weight_note(mutant: &MutantVerdict) -> String {
    if (mutant.weight - 1.0).abs() < 1e-9 {
        String::new()
    } else {
        format!(" (counts {}×)", mutant.weight)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_before_main_or_interposed_symbols_are_refused() {
        for text in [
            "#[unsafe(link_section = \".init_array\")]\nstatic S: extern \"C\" fn() = f;",
            "#[unsafe(no_mangle)]\npub extern \"C\" fn read() {}",
            "#[unsafe(export_name = \"getenv\")]\nfn g() {}",
            "std::arch::global_asm!(\"nop\");",
            "unsafe { std::arch::asm!(\"nop\") }",
        ] {
            assert!(forbidden_word(text).is_some(), "{text}");
        }
        assert_eq!(
            forbidden_word("#[test]\nfn plain() { assert_eq!(1 + 1, 2); }\n// an asm-free file"),
            None
        );
    }

    #[test]
    fn a_time_out_catches_only_after_a_quick_pass_on_the_reference() {
        let limit = Duration::from_secs(10);
        let quick = Duration::from_secs(1);
        let slow = Duration::from_secs(6);
        assert!(catches(&Outcome::Failed, slow, limit));
        assert!(catches(&Outcome::Crashed, quick, limit));
        assert!(catches(&Outcome::TimedOut, quick, limit));
        assert!(!catches(&Outcome::TimedOut, slow, limit));
        assert!(!catches(&Outcome::Passed, quick, limit));
        assert!(!catches(&Outcome::Stopped, quick, limit));
        assert!(catches(&Outcome::TimedOut, Duration::from_secs(5), limit));
    }

    /// The entry point's constructor compiled and run: it hands the switch on fd 5 to the
    /// setter, and anything but digits there (nothing, a closed descriptor, garbage, an
    /// overflow) is 0; without the `3,4,5` announcement it reads nothing.
    #[test]
    fn the_constructor_reads_the_switch_and_falls_back_to_0() {
        use std::io::Write as _;
        use std::os::fd::AsRawFd;
        use std::os::unix::process::CommandExt;

        let dir = std::env::temp_dir().join(format!("kata-review-proof-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let main = format!(
            "static SET: std::sync::Mutex<Vec<u32>> = std::sync::Mutex::new(Vec::new());\n\
             fn set(switch: u32) {{ SET.lock().unwrap().push(switch); }}\n\
             fn main() {{ print!(\"{{:?}}\", SET.lock().unwrap()); }}\n{}",
            PROOF.replace("__KATA_SETTER__", "crate::set")
        );
        std::fs::write(dir.join("main.rs"), main).unwrap();
        let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
        let status = std::process::Command::new(rustc)
            .args(["--edition", "2024", "-o"])
            .arg(dir.join("proof"))
            .arg(dir.join("main.rs"))
            .status()
            .unwrap();
        assert!(status.success());
        let run = |announce: &str, switch: Option<&[u8]>| {
            let mut command = std::process::Command::new(dir.join("proof"));
            command.env_clear().env("KATA_PROOF_FDS", announce);
            let read = switch.map(|bytes| {
                let (read, write) = std::io::pipe().unwrap();
                std::fs::File::from(std::os::fd::OwnedFd::from(write))
                    .write_all(bytes)
                    .unwrap();
                read
            });
            let fd = read.as_ref().map_or(-1, |r| r.as_raw_fd());
            // SAFETY: only dup2 and close between fork and exec.
            unsafe {
                command.pre_exec(move || {
                    if fd >= 0 {
                        libc::dup2(fd, 5);
                    } else {
                        libc::close(5);
                    }
                    Ok(())
                });
            }
            String::from_utf8(command.output().unwrap().stdout).unwrap()
        };
        assert_eq!(run("3,4,5", Some(b"7")), "[7]");
        assert_eq!(run("3,4,5", Some(b"0")), "[0]");
        assert_eq!(run("3,4,5", Some(b"")), "[0]");
        assert_eq!(run("3,4,5", None), "[0]", "a closed descriptor");
        assert_eq!(run("3,4,5", Some(b"7x")), "[0]");
        assert_eq!(run("3,4,5", Some(b"99999999999")), "[0]");
        assert_eq!(run("3,4", Some(b"7")), "[]", "not announced: not read");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn names_and_paths() {
        assert_eq!(tests_file(Path::new("x/y.rs")), Path::new("x/y.rs"));
        assert_eq!(tests_file(Path::new("x")), Path::new("x/tests/review.rs"));
    }
}

/// One grading of a review round's tests file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReviewGrading {
    /// When, in seconds since the Unix epoch.
    pub at: u64,
    /// Seconds since the session started.
    pub elapsed: u64,
    /// Graded after the time limit.
    pub late: bool,
    /// The review report.
    pub report: ReviewReport,
}

/// What a review bundle's README asks of the candidate.
pub const BUNDLE_TASK: &str = "This is a review round. `src/` holds a working implementation of the kata \
described below. Write tests for it in `tests/review.rs`: tests that pass on this implementation and would \
fail on a buggy one. `cargo test --test review` runs them here. The interviewer runs them against hidden \
variants of this code, each with one bug that breaks a rule of the prompt; your score is the share of those \
bugs that at least one of your tests catches. A test that fails on this implementation is a false alarm and \
counts for nothing. Test behaviour through the public API only; `tests/examples.rs` shows how the API is \
used.";

/// The tests file a review bundle starts with: no test yet.
pub fn template(kata: &Kata) -> String {
    format!(
        "//! Review tests for kata {:02}, {}.\n\
         //!\n\
         //! Every test must pass on the implementation in src/ (it is correct); the interviewer\n\
         //! runs them against variants of it that each break one rule of the prompt, and a\n\
         //! variant counts as caught when one of your tests fails on it. Run them with\n\
         //! `cargo test --test review`.\n\
         \n\
         #[allow(unused_imports)]\n\
         use {}::*;\n\
         \n\
         // #[test]\n\
         // fn a_rule_of_the_prompt() {{\n\
         //     …\n\
         // }}\n",
        kata.number, kata.title, kata.crate_name
    )
}

/// `interview grade` of a review round: grades the bundle's `tests/review.rs` and appends
/// to the record's review history; returns the summary to print.
pub fn interview_grade(
    root: &Path,
    manifest: &Manifest,
    kata: &Kata,
    record: &mut crate::interview::Record,
    dir: &Path,
) -> Result<String> {
    let file = dir.join(TESTS_FILE);
    let tests = read_tests(kata, &file)?;
    let harness = Harness::open(root)?;
    let label = TESTS_FILE.to_owned();
    let report = grade(
        root,
        &harness,
        manifest,
        kata,
        &tests,
        &label,
        Options::default(),
    )?;
    let at = crate::interview::now();
    let elapsed = at.saturating_sub(record.started);
    let late = elapsed > record.minutes * 60;
    let mut summary = report.render();
    if !report.filesystem_confined || !report.processes_confined || !report.network_isolated {
        let _ = writeln!(
            summary,
            "  WARNING: the candidate's tests ran on this machine without full confinement \
             (see the notes above): grade strangers' code only on a machine you can lose, \
             or where Landlock, PID namespaces and cgroups are available."
        );
    }
    let _ = writeln!(
        summary,
        "  Time used: {} of {} min{}",
        crate::interview::minutes(elapsed),
        record.minutes,
        if late {
            " — LATE: graded after the time limit"
        } else {
            ""
        }
    );
    record
        .review
        .get_or_insert_with(Vec::new)
        .push(ReviewGrading {
            at,
            elapsed,
            late,
            report,
        });
    Ok(summary)
}

/// The Markdown report of a review round.
pub fn markdown(record: &crate::interview::Record, kata: &Kata, chapter: &str) -> String {
    use crate::interview::{escape_cell, minutes, sections, timestamp};
    let gradings: &[ReviewGrading] = record.review.as_deref().unwrap_or_default();
    let mut out = format!(
        "# Review interview report: {} · kata {:02} {}\n\n",
        record.candidate, kata.number, kata.title
    );
    let last = gradings.last();
    let errors = gradings
        .iter()
        .filter(|g| g.report.status == "error")
        .count();
    let _ = writeln!(out, "| Session | |\n|---|---|");
    let _ = writeln!(out, "| Candidate | {} |", escape_cell(&record.candidate));
    let _ = writeln!(out, "| Kata | {} ({}) |", kata.title, kata.id);
    let _ = writeln!(
        out,
        "| Round | review: the candidate's tests, graded by the mutants they catch |"
    );
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
                "| Final score | {} ({} of {} mutants caught) |",
                percent(g.report.score),
                g.report.caught,
                g.report.total
            );
            let _ = writeln!(
                out,
                "| False alarms | {} of {} tests |",
                g.report.false_alarms,
                g.report.tests.len()
            );
        }
        None => {
            let _ = writeln!(out, "| Time used | not graded yet |");
        }
    }
    let _ = writeln!(
        out,
        "| Gradings | {} ({errors} could not be graded) |",
        gradings.len()
    );

    if let Some(g) = last {
        let report = &g.report;
        if let Some(message) = &report.message {
            let _ = write!(
                out,
                "\n## Not graded (last grading)\n\n```text\n{}\n```\n",
                message.trim_end()
            );
        }
        out.push_str(
            "\n## Mutants (last grading)\n\nEach mutant breaks one rule of the prompt.\n\n\
             | rule broken | origin | weight | caught by |\n|---|---|---|---|\n",
        );
        for mutant in &report.mutants {
            let by = match (&mutant.caught_by, &mutant.how) {
                (Some(test), Some(how)) => format!("✓ `{test}` ({})", how.replace('-', " ")),
                _ => "✗ missed".to_owned(),
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {by} |",
                escape_cell(&mutant.description),
                mutant.origin,
                mutant.weight
            );
        }
        out.push_str(
            "\n## Tests (last grading)\n\n| test | on the reference | caught first | message |\n|---|---|---|---|\n",
        );
        for test in &report.tests {
            let result = if test.counts {
                test.reference.clone()
            } else {
                format!("**false alarm** ({})", test.reference.replace('-', " "))
            };
            let message = test.message.as_deref().map(escape_cell).unwrap_or_default();
            let _ = writeln!(
                out,
                "| `{}` | {result} | {} | {message} |",
                test.name,
                test.caught.join(", ")
            );
        }
    }
    out.push_str(
        "\n## History\n\n| # | graded at | time used | score | caught | false alarms | status |\n|---|---|---|---|---|---|---|\n",
    );
    for (index, g) in gradings.iter().enumerate() {
        let late = if g.late { " (late)" } else { "" };
        let _ = writeln!(
            out,
            "| {} | {} | {}{late} | {} | {}/{} | {} | {} |",
            index + 1,
            timestamp(g.at),
            minutes(g.elapsed),
            percent(g.report.score),
            g.report.caught,
            g.report.total,
            g.report.false_alarms,
            g.report.status
        );
    }
    if let Some((_, body)) = sections(chapter)
        .into_iter()
        .find(|(title, _)| title == GUIDE_SECTION)
    {
        let _ = write!(out, "\n## What a good suite checks\n\n{}\n", body.trim());
    }
    out.push_str("\n## Interviewer's notes\n\n&nbsp;\n\n&nbsp;\n\n&nbsp;\n");
    out
}

/// The section of a kata chapter on what a good test suite for it checks (the review
/// report quotes it).
pub const GUIDE_SECTION: &str = "Reviewing it: what a good test suite checks";
