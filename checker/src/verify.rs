//! The self-check (`cargo kata verify`): every skeleton compiles and scores 0, every
//! solution and alternative scores 100%, every mutant is rejected by at least one hidden
//! test, and the rule map holds: every rule of `solutions/<kata>/rules.toml` is broken by a
//! mutant, every mutant names a rule, and a test of that rule's stage catches it.
//!
//! The katas to grade are built together in one cargo run. A mutant's tests stop at the
//! first that fails (the others are not started, or are killed), and the test that caught
//! it last time runs first. A sound kata's verdict is kept in [`crate::cache`], keyed by a
//! hash of everything it depends on, and served again while that key holds.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Result;
use serde::{Deserialize, Serialize};

use crate::cache::{self, Inputs, Store};
use crate::grade::{self, Attempt, Options, Plan};
use crate::harness::{Harness, SlotSpec, Sources, read_sources};
use crate::manifest::{Kata, Manifest};
use crate::mutants;
use crate::report::{KataReport, percent};

/// The self-check's findings for one kata.
#[derive(Debug, Clone, Serialize, Deserialize)]
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
    /// The rules its prompt states (`rules.toml`; empty when the file is missing).
    #[serde(default)]
    pub rules: Vec<mutants::Rule>,
    /// Everything wrong; empty when the kata is sound.
    pub problems: Vec<String>,
    /// Whether this verdict was served from the cache (`target/kata-verify/`) instead of
    /// graded in this run.
    #[serde(default)]
    pub from_cache: bool,
    /// Compiler seconds spent on this kata's variants (when it was graded; the shared
    /// dependencies are not counted, and a fresh variant costs nothing).
    #[serde(default)]
    pub build_seconds: f64,
    /// Seconds its hidden test processes ran, added up (when it was graded).
    #[serde(default)]
    pub test_seconds: f64,
    /// Test processes started.
    #[serde(default)]
    pub tests_run: usize,
    /// Mutant tests not started or stopped, because an earlier test caught the mutant.
    #[serde(default)]
    pub tests_stopped: usize,
}

/// One mutant's verdict.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MutantCheck {
    /// Its name.
    pub name: String,
    /// `seed` or `plausible`.
    pub origin: String,
    /// The bug it plants.
    pub description: String,
    /// The rule it breaks, as `mutants.toml` names it.
    #[serde(default)]
    pub rule: Option<String>,
    /// The stage of that rule (1-based), when the rule is in `rules.toml`.
    #[serde(default)]
    pub rule_stage: Option<usize>,
    /// Whether a test of the rule's stage failed on it (what the rule map requires).
    #[serde(default)]
    pub caught_in_stage: bool,
    /// Whether at least one hidden test failed on it.
    pub caught: bool,
    /// The hidden tests that failed on it, fastest first. Its tests stop at the first
    /// failure, so this is usually one test.
    pub caught_by: Vec<String>,
    /// Its score (tests stopped early count as not passed).
    pub score: f64,
}

/// What one graded variant is, for the self-check.
enum Role {
    Skeleton,
    Solution,
    /// A mutant, and the stage (0-based) of the rule it names, when that rule exists.
    Mutant(mutants::Mutant, Option<usize>),
    Alternative(String),
}

/// One variant of a kata to grade.
struct Variant {
    /// The harness's name for it (`skeleton`, `mutant-<name>`…).
    variant: String,
    /// How reports name it.
    label: String,
    sources: Sources,
    role: Role,
    /// For a mutant in the kata's schema: the value of the switch that selects it.
    switch: Option<u32>,
}

/// Everything graded for one kata, read once: the same bytes are hashed for the cache key
/// and written to the harness, so a verdict is never stored under a key of other files.
pub struct KataPlan<'k> {
    kata: &'k Kata,
    variants: Vec<Variant>,
    /// Problems found before grading (a mutant whose edit no longer applies).
    problems: Vec<String>,
    /// `solutions/<kata>/mutants.toml` as read (descriptions and origins are reported).
    mutants_file: Vec<u8>,
    /// `solutions/<kata>/rules.toml` as read (empty when missing).
    rules_file: Vec<u8>,
    /// The rules it holds.
    rules: Vec<mutants::Rule>,
    /// Every file of `checker/hidden/<kata>/` on disk (the tests graded are the ones
    /// embedded in the checker, which are hashed too; a fixture a test might read at run
    /// time is covered by these).
    hidden_folder: BTreeMap<PathBuf, Vec<u8>>,
    /// The mutant schema: one slot for every mutant whose edits lie in function bodies
    /// (see [`crate::schema`]); the others are built alone.
    schema: crate::schema::Schema,
}

/// How `verify` runs.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// Serve sound verdicts whose key still holds from `target/kata-verify/`; without it
    /// every kata is graded (the result is still stored).
    pub use_cache: bool,
    /// Put the mutants whose edits lie in function bodies into one mutant schema per kata
    /// ([`crate::schema`]); without it every mutant is built alone.
    pub schemata: bool,
    /// Read every kata's solution (sources, mutants, rules, alternatives) from
    /// `<this>/<dir>/` instead of `solutions/<dir>/`, and keep the memory in
    /// `<this>/.kata-verify/` (the checker's tests verify fixture rule maps this way).
    pub solutions: Option<PathBuf>,
    /// How many test processes run at once ([`grade::Options::test_jobs`]).
    pub test_jobs: usize,
}

/// The self-check's test processes at once when not told: four per core. Its tests wait
/// far more than they compute (a mutant that hangs waits out its time limit; many hidden
/// tests wait for a deadline of their own), so the waits overlap; on this 2-core machine
/// the test phase of a full `verify` took 134 s with 2 at once, 61 s with 6 and 42 s with
/// 12, with the same verdict for every variant (README, "The self-check's speed").
pub fn default_test_jobs() -> usize {
    4 * std::thread::available_parallelism().map_or(2, |n| n.get())
}

impl VerifyOptions {
    /// The folder of `kata`'s solution.
    fn solution_dir(&self, root: &Path, kata: &Kata) -> PathBuf {
        match &self.solutions {
            Some(dir) => dir.join(&kata.dir),
            None => kata.solution_dir(root),
        }
    }

    /// Where verdicts and catchers are remembered.
    fn store(&self, root: &Path) -> Store {
        match &self.solutions {
            Some(dir) => Store::at(dir.join(".kata-verify")),
            None => Store::new(root),
        }
    }
}

/// Reads a kata's variants: skeleton, every mutant (the solution with its edits), every
/// alternative, and the solution; and checks the rule map (each rule broken by a mutant,
/// each mutant naming a rule).
pub fn plan<'k>(root: &Path, kata: &'k Kata, solution_dir: &Path) -> Result<KataPlan<'k>> {
    let skeleton = kata.skeleton_dir(root);
    let solution = read_sources(solution_dir)?;
    let mut plan = KataPlan {
        kata,
        variants: Vec::new(),
        problems: Vec::new(),
        mutants_file: std::fs::read(solution_dir.join("mutants.toml")).unwrap_or_default(),
        rules_file: std::fs::read(solution_dir.join("rules.toml")).unwrap_or_default(),
        rules: Vec::new(),
        hidden_folder: {
            let folder = root.join("checker").join("hidden").join(&kata.dir);
            if folder.is_dir() {
                cache::tree(&folder)?
            } else {
                BTreeMap::new()
            }
        },
        schema: crate::schema::Schema::default(),
    };
    // The committed skeleton must be what its solution derives (`cargo kata derive`).
    match crate::derivation::derive_sources(Path::new(&relative(root, solution_dir)), &solution)
        .and_then(|derived| crate::derivation::compare(root, &skeleton, &derived))
    {
        Ok(drifts) => plan.problems.extend(
            drifts
                .iter()
                .map(|drift| format!("{drift} (`cargo kata derive {}` rewrites it)", kata.id)),
        ),
        Err(error) => plan.problems.push(format!("{error:#}")),
    }
    plan.variants.push(Variant {
        variant: "skeleton".into(),
        label: relative(root, &skeleton),
        sources: read_sources(&skeleton)?,
        role: Role::Skeleton,
        switch: None,
    });
    let all = mutants::load(solution_dir)?;
    if all.is_empty() {
        let file = relative(root, &solution_dir.join("mutants.toml"));
        plan.problems.push(format!("{file} holds no mutant"));
    }
    let rules = match mutants::load_rules(solution_dir, kata.stages.len()) {
        Ok(rules) => rules,
        Err(error) => {
            plan.problems.push(format!("{error:#}"));
            Some(Vec::new())
        }
    };
    let rules_file = relative(root, &solution_dir.join("rules.toml"));
    match &rules {
        None => plan.problems.push(format!(
            "{rules_file} is missing: list the rules the prompt states, one [[rule]] each, and \
             name in every mutant of mutants.toml the rule it breaks (DEVELOPERS.md, \
             \"Adding a rule\")"
        )),
        Some(rules) => {
            plan.problems
                .extend(rule_map_problems(&rules_file, rules, &all));
            plan.rules = rules.clone();
        }
    }
    for mutant in all {
        let stage = plan
            .rules
            .iter()
            .find(|rule| mutant.rule.as_deref() == Some(rule.id.as_str()))
            .map(|rule| rule.stage - 1);
        match mutant.apply(&solution) {
            Ok(sources) => plan.variants.push(Variant {
                variant: format!("mutant-{}", mutant.name),
                label: format!("mutant {}", mutant.name),
                sources,
                role: Role::Mutant(mutant, stage),
                switch: None,
            }),
            Err(error) => plan.problems.push(format!("{error:#}")),
        }
    }
    let mutants: Vec<(String, Sources)> = plan
        .variants
        .iter()
        .filter_map(|v| match &v.role {
            Role::Mutant(mutant, _) => Some((mutant.name.clone(), v.sources.clone())),
            _ => None,
        })
        .collect();
    plan.schema = crate::schema::build(&solution, &mutants);
    for variant in &mut plan.variants {
        if let Role::Mutant(mutant, _) = &variant.role {
            variant.switch = plan.schema.switches.get(&mutant.name).copied();
        }
    }
    for (name, sources) in alternatives(solution_dir, &solution)? {
        plan.variants.push(Variant {
            variant: format!("alternative-{name}"),
            label: format!("alternative {name}"),
            sources,
            role: Role::Alternative(name),
            switch: None,
        });
    }
    plan.variants.push(Variant {
        variant: "solution".into(),
        label: relative(root, solution_dir),
        sources: solution,
        role: Role::Solution,
        switch: None,
    });
    Ok(plan)
}

/// The rule map's problems that show without grading: a rule no mutant names, a mutant
/// that names no rule or one `rules.toml` does not have.
fn rule_map_problems(
    rules_file: &str,
    rules: &[mutants::Rule],
    all: &[mutants::Mutant],
) -> Vec<String> {
    let mut problems = Vec::new();
    for rule in rules {
        if !all
            .iter()
            .any(|m| m.rule.as_deref() == Some(rule.id.as_str()))
        {
            problems.push(format!(
                "rule `{}` of stage {} has no mutant: add one to mutants.toml that breaks it \
                 (with `rule = \"{}\"`)",
                rule.id, rule.stage, rule.id
            ));
        }
    }
    let ids: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
    for mutant in all {
        match &mutant.rule {
            None => problems.push(format!(
                "mutant `{}` names no rule: add `rule = \"<id>\"` after its description, \
                 naming the rule of {rules_file} it breaks",
                mutant.name
            )),
            Some(id) if !ids.contains(&id.as_str()) => problems.push(format!(
                "mutant `{}` names rule `{id}`, which {rules_file} does not have (its rules: \
                 {}): fix the id, or add the rule if the prompt states it",
                mutant.name,
                if ids.is_empty() {
                    "none".to_owned()
                } else {
                    ids.join(", ")
                }
            )),
            Some(_) => {}
        }
    }
    problems
}

impl KataPlan<'_> {
    /// The kata's part of its cache key: its manifest entry, its hidden tests and
    /// fixtures, `mutants.toml`, `rules.toml`, every variant's sources and the mutant
    /// schema's.
    pub fn inputs(&self) -> Inputs {
        let mut inputs = Inputs::default();
        inputs.insert("manifest", self.kata.entry.as_bytes());
        for (name, text) in self.kata.hidden_files() {
            inputs.insert(format!("hidden:{name}"), text.as_bytes());
        }
        inputs.insert("mutants.toml", self.mutants_file.clone());
        inputs.insert("rules.toml", self.rules_file.clone());
        inputs.insert_files("hidden-folder", &self.hidden_folder);
        for variant in &self.variants {
            inputs.insert_files(&format!("variant:{}", variant.variant), &variant.sources);
        }
        // The schema's very bytes (built from the solution and the mutants, both above).
        inputs.insert_files("schema", &self.schema.sources);
        inputs.insert("problems", self.problems.join("\n"));
        inputs
    }
}

/// Checks `katas`: each one served from the cache when its key holds (and
/// `options.use_cache`), the others graded together in one build (so cargo schedules all
/// of it across the cores, and the dependencies are built with the same features as for
/// `cargo kata`). Progress goes to standard error.
pub fn verify(
    root: &Path,
    manifest: &Manifest,
    katas: &[&Kata],
    options: VerifyOptions,
) -> Result<Vec<KataCheck>> {
    let store = options.store(root);
    let workspace = cache::workspace_files(root)?;
    let environment = cache::environment(root)?;
    let mut checks: Vec<Option<KataCheck>> = Vec::new();
    let mut pending = Vec::new();
    for (index, kata) in katas.iter().enumerate() {
        let mut plan = plan(root, kata, &options.solution_dir(root, kata))?;
        if !options.schemata {
            plan.schema = crate::schema::Schema::default();
            for variant in &mut plan.variants {
                variant.switch = None;
            }
        }
        let key = cache::key(&plan.inputs(), &environment);
        let served = options
            .use_cache
            .then(|| store.verdict(&kata.id, &key))
            .flatten();
        match served {
            Some(mut check) => {
                check.from_cache = true;
                checks.push(Some(check));
            }
            None => {
                checks.push(None);
                pending.push((index, plan, key));
            }
        }
    }
    let cached = katas.len() - pending.len();
    if cached > 0 {
        eprintln!(
            "  {cached} verdict(s) from the cache (target/kata-verify/; --no-cache grades them)"
        );
    }
    if pending.is_empty() {
        return Ok(checks.into_iter().flatten().collect());
    }
    let harness = Harness::open(root)?;
    // Another checker may have graded some of them while this one waited for the harness.
    if options.use_cache {
        pending.retain(
            |(index, plan, key)| match store.verdict(&plan.kata.id, key) {
                Some(mut check) => {
                    check.from_cache = true;
                    checks[*index] = Some(check);
                    false
                }
                None => true,
            },
        );
        if pending.is_empty() {
            return Ok(checks.into_iter().flatten().collect());
        }
    }
    let variants: usize = pending.iter().map(|(_, plan, _)| plan.variants.len()).sum();
    eprintln!(
        "  grading {} kata(s), {variants} variant(s): building them all in one cargo run…",
        pending.len()
    );

    // Every variant of every pending kata, in one grading.
    let mut entries = Vec::new();
    let mut attempts = Vec::new();
    let mut plans = Vec::new();
    let mut owners = Vec::new();
    let mut graded = Vec::new();
    // Per graded attempt: a schema mutant's own sources, built alone if its schema fails.
    let mut alone = Vec::new();
    // Per graded kata: mutants in its schema, mutants built alone.
    let mut schema_counts = Vec::new();
    for (which, (index, plan, key)) in pending.into_iter().enumerate() {
        let kata = plan.kata;
        let entry = store.load(&kata.id);
        let switched = plan.variants.iter().filter(|v| v.switch.is_some()).count();
        let built_alone: Vec<String> = plan
            .variants
            .iter()
            .filter_map(|v| match &v.role {
                Role::Mutant(mutant, _) if v.switch.is_none() => Some(mutant.name.clone()),
                _ => None,
            })
            .collect();
        schema_counts.push((switched, built_alone));
        for variant in plan.variants {
            plans.push(match &variant.role {
                Role::Mutant(mutant, stage) => Plan {
                    stop_at_first_failure: true,
                    // The last catcher goes first only when it is of the deciding stage.
                    first: entry
                        .catchers
                        .get(&mutant.name)
                        .filter(|test| {
                            stage.is_none_or(|stage| {
                                kata.expected_tests()
                                    .iter()
                                    .any(|(s, name)| *s == stage && name == *test)
                            })
                        })
                        .cloned()
                        .into_iter()
                        .collect(),
                    deciding_stage: *stage,
                    build_only: false,
                    switch: variant.switch,
                },
                _ => Plan::default(),
            });
            let (slot, sources) = match variant.switch {
                Some(_) => {
                    alone.push(Some((variant.variant, variant.sources)));
                    ("schema".to_owned(), plan.schema.sources.clone())
                }
                None => {
                    alone.push(None);
                    (variant.variant, variant.sources)
                }
            };
            attempts.push(Attempt {
                spec: SlotSpec {
                    kata,
                    variant: slot,
                    sources,
                },
                label: variant.label,
            });
            owners.push((which, variant.role));
        }
        entries.push((entry, key));
        graded.push((index, KataCheck::new(kata, plan.rules, plan.problems)));
    }
    // The build time limit is there to stop a learner's endless constant; one build of
    // every kata (graded, or its skeleton only) gets the sum of theirs.
    let build_limit = manifest.katas.iter().map(|k| k.limits.build_seconds).sum();
    // Every other kata's skeleton is built too (not run), so that the dependencies are
    // built with the features of all katas, as for the whole self-check and `cargo
    // kata`: grading one kata must not build tokio and all above it once more.
    for kata in &manifest.katas {
        if !graded.iter().any(|(index, _)| katas[*index].id == kata.id) {
            let skeleton = kata.skeleton_dir(root);
            attempts.push(Attempt {
                spec: SlotSpec {
                    kata,
                    variant: "skeleton".into(),
                    sources: read_sources(&skeleton)?,
                },
                label: relative(root, &skeleton),
            });
            plans.push(Plan {
                build_only: true,
                ..Plan::default()
            });
        }
    }
    let grading = Options {
        compile_timings: true,
        build_time_limit: Some(build_limit),
        test_jobs: Some(options.test_jobs),
        ..Options::default()
    };
    let (mut reports, mut timings) = grade::grade_planned(&harness, &attempts, grading, &plans)?;
    // A schema that did not compile proves nothing about its mutants: each is built alone,
    // as it would be without schemata, so a broken mutant is reported with its own errors.
    let failed: Vec<usize> = (0..owners.len())
        .filter(|&i| {
            plans[i].switch.is_some()
                && reports[i].tests.iter().any(|t| t.outcome == "not-compiled")
        })
        .collect();
    if !failed.is_empty() {
        let mut again = Vec::new();
        let mut again_plans = Vec::new();
        for &i in &failed {
            let kata = attempts[i].spec.kata;
            if !again
                .iter()
                .any(|a: &Attempt<'_>| a.spec.kata.id == kata.id)
            {
                let errors = reports[i].message.clone().unwrap_or_default();
                let first: Vec<&str> = errors.lines().take(12).collect();
                eprintln!(
                    "  {}: its mutant schema did not compile; building its mutants alone. \
                     The compiler said:\n    {}",
                    kata.id,
                    first.join("\n    ")
                );
                schema_counts[owners[i].0].0 = 0;
            }
            if let Role::Mutant(mutant, _) = &owners[i].1 {
                schema_counts[owners[i].0].1.push(mutant.name.clone());
            }
            let (variant, sources) = alone[i]
                .take()
                .expect("a schema mutant has its own sources");
            again.push(Attempt {
                spec: SlotSpec {
                    kata,
                    variant,
                    sources,
                },
                label: attempts[i].label.clone(),
            });
            again_plans.push(Plan {
                switch: None,
                ..plans[i].clone()
            });
        }
        // Every kata's skeleton again, built only: the dependencies keep their features.
        for kata in &manifest.katas {
            let skeleton = kata.skeleton_dir(root);
            again.push(Attempt {
                spec: SlotSpec {
                    kata,
                    variant: "skeleton".into(),
                    sources: read_sources(&skeleton)?,
                },
                label: relative(root, &skeleton),
            });
            again_plans.push(Plan {
                build_only: true,
                ..Plan::default()
            });
        }
        let (again_reports, again_timings) =
            grade::grade_planned(&harness, &again, grading, &again_plans)?;
        for ((&i, report), compile) in failed.iter().zip(again_reports).zip(again_timings.compile) {
            reports[i] = report;
            timings.compile[i] += compile;
        }
        timings.build += again_timings.build;
        timings.tests += again_timings.tests;
        timings.dependencies += again_timings.dependencies;
    }
    for (((which, role), report), compile) in owners.into_iter().zip(reports).zip(&timings.compile)
    {
        let check = &mut graded[which].1;
        let catchers = &mut entries[which].0.catchers;
        check.build_seconds += compile;
        for test in &report.tests {
            check.test_seconds += test.elapsed.as_secs_f64();
            match test.outcome.as_str() {
                "stopped" => check.tests_stopped += 1,
                "not-compiled" => {}
                _ => check.tests_run += 1,
            }
        }
        if let Role::Mutant(mutant, stage) = &role {
            match fastest_failure(&report, *stage) {
                Some(test) => catchers.insert(mutant.name.clone(), test),
                None => catchers.remove(&mutant.name),
            };
        }
        assess(check, role, &report);
    }
    eprintln!(
        "  built in {:.1} s (compiler time: dependencies {:.1} s, the variants {:.1} s), \
         tests ran in {:.1} s",
        timings.build.as_secs_f64(),
        timings.dependencies,
        timings.compile.iter().sum::<f64>(),
        timings.tests.as_secs_f64()
    );
    // A verdict is stored only under the key of what was built: if the support crate or the
    // lockfile changed while grading, the next run grades again.
    let unchanged = cache::workspace_files(root)? == workspace;
    for (((index, check), (mut entry, key)), (switched, built_alone)) in
        graded.into_iter().zip(entries).zip(schema_counts)
    {
        eprintln!(
            "  {:<20} {} · build {:.1} s · tests {:.1} s ({} run, {} stopped early) · \
             mutants: {switched} in its schema, {} built alone{}",
            check.id,
            if check.problems.is_empty() {
                "sound"
            } else {
                "PROBLEMS"
            },
            check.build_seconds,
            check.test_seconds,
            check.tests_run,
            check.tests_stopped,
            built_alone.len(),
            if built_alone.is_empty() || switched == 0 {
                String::new()
            } else {
                format!(" ({})", built_alone.join(", "))
            }
        );
        if unchanged {
            entry.key = key;
            entry.verdict = Some(check.clone());
            store.save(&check.id, entry)?;
        }
        checks[index] = Some(check);
    }
    Ok(checks.into_iter().flatten().collect())
}

impl KataCheck {
    /// A check not graded yet, with the problems found while reading the kata.
    fn new(kata: &Kata, rules: Vec<mutants::Rule>, problems: Vec<String>) -> Self {
        KataCheck {
            id: kata.id.clone(),
            skeleton_score: 0.0,
            skeleton_compiles: false,
            solution_score: 0.0,
            mutants: Vec::new(),
            alternatives: Vec::new(),
            rules,
            problems,
            from_cache: false,
            build_seconds: 0.0,
            test_seconds: 0.0,
            tests_run: 0,
            tests_stopped: 0,
        }
    }
}

/// The failing test of a report that took the least time: of `stage` (0-based) when one of
/// its tests failed, else of any stage.
fn fastest_failure(report: &KataReport, stage: Option<usize>) -> Option<String> {
    let fastest = |of_stage: bool| {
        report
            .tests
            .iter()
            .filter(|t| caught(t) && (!of_stage || stage.is_some_and(|s| t.stage == s + 1)))
            .min_by_key(|t| t.elapsed)
            .map(|t| t.name.clone())
    };
    fastest(true).or_else(|| fastest(false))
}

/// Whether a test did not pass on its own account (stopped tests were not decided).
fn caught(test: &crate::report::TestReport) -> bool {
    test.outcome != "passed" && test.outcome != "stopped"
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
        Role::Mutant(mutant, stage) => {
            let mut failed: Vec<_> = report.tests.iter().filter(|t| caught(t)).collect();
            failed.sort_by_key(|t| t.elapsed);
            let rule_stage = stage.map(|s| s + 1);
            let caught_in_stage = failed.iter().any(|t| Some(t.stage) == rule_stage);
            let mut other_stages: Vec<usize> = failed.iter().map(|t| t.stage).collect();
            other_stages.sort_unstable();
            other_stages.dedup();
            let caught_by: Vec<String> = failed.into_iter().map(|t| t.name.clone()).collect();
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
            } else if let (Some(rule), Some(rule_stage), false) =
                (&mutant.rule, rule_stage, caught_in_stage)
            {
                let others: Vec<String> = other_stages.iter().map(usize::to_string).collect();
                check.problems.push(format!(
                    "mutant `{}` breaks rule `{rule}` (stage {rule_stage}) but only stage {}'s \
                     tests catch it ({}): add a stage-{rule_stage} test that checks the rule, \
                     or, if the rule is stated in stage {} and not in stage {rule_stage}, \
                     move it there",
                    mutant.name,
                    others.join(" and "),
                    caught_by.join(", "),
                    others.join(" or "),
                ));
            }
            check.mutants.push(MutantCheck {
                caught: compiles && !caught_by.is_empty(),
                caught_in_stage: compiles && caught_in_stage,
                rule_stage,
                rule: mutant.rule,
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
        let how = if check.from_cache {
            "from the cache".to_owned()
        } else {
            format!(
                "build {:.1} s · tests {:.1} s",
                check.build_seconds, check.test_seconds
            )
        };
        let in_stage = check.mutants.iter().filter(|m| m.caught_in_stage).count();
        let _ = writeln!(
            out,
            "{}  skeleton {} · solution {} · mutants caught {caught}/{} · rules {}, \
             mutants caught in their rule's stage {in_stage}/{}  ({how})",
            check.id,
            percent(check.skeleton_score),
            percent(check.solution_score),
            check.mutants.len(),
            check.rules.len(),
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
            let sound = mutant.caught && (mutant.rule_stage.is_none() || mutant.caught_in_stage);
            let mark = if sound { "✓" } else { "✗" };
            let rule = match (&mutant.rule, mutant.rule_stage) {
                (Some(rule), Some(stage)) => format!(" · rule {rule} (stage {stage})"),
                (Some(rule), None) => format!(" · rule {rule} (unknown)"),
                (None, _) => " · no rule".to_owned(),
            };
            let _ = writeln!(
                out,
                "  {mark} {:<34} [{}] caught by {by}{more}{rule}",
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
    let cached = checks.iter().filter(|c| c.from_cache).count();
    let graded: Vec<&KataCheck> = checks.iter().filter(|c| !c.from_cache).collect();
    let build: f64 = graded.iter().map(|c| c.build_seconds).sum();
    let tests: f64 = graded.iter().map(|c| c.test_seconds).sum();
    let _ = write!(
        out,
        "\nverify: {} kata(s), {problems} problem(s); {cached} verdict(s) from the cache, {} graded",
        checks.len(),
        graded.len()
    );
    if !graded.is_empty() {
        let _ = write!(
            out,
            " (compiler time {build:.1} s, test processes {tests:.1} s)"
        );
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::cache::{environment, key};
    use crate::manifest::Manifest;

    /// A copy of what one kata's verdict is read from, in a folder of its own.
    fn copy_of_the_workbook(kata: &Kata, name: &str) -> PathBuf {
        let repository = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let copy = std::env::temp_dir().join(format!("kata-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&copy);
        let folders = [
            PathBuf::from("support"),
            Path::new("katas").join(&kata.dir),
            Path::new("solutions").join(&kata.dir),
            Path::new("checker/hidden").join(&kata.dir),
        ];
        for folder in folders {
            for (file, bytes) in cache::tree(&repository.join(&folder)).unwrap() {
                let to = copy.join(&folder).join(file);
                std::fs::create_dir_all(to.parent().unwrap()).unwrap();
                std::fs::write(to, bytes).unwrap();
            }
        }
        for file in ["Cargo.toml", "Cargo.lock"] {
            std::fs::copy(repository.join(file), copy.join(file)).unwrap();
        }
        copy
    }

    /// Changes one byte: the first ASCII lowercase letter at or after `at` (so UTF-8 and
    /// TOML stay valid).
    fn change_one_byte(bytes: &mut [u8], at: usize) {
        let letter = bytes[at..]
            .iter_mut()
            .find(|b| b.is_ascii_lowercase())
            .expect("a letter to change");
        *letter = if *letter == b'z' { b'a' } else { *letter + 1 };
    }

    #[test]
    fn a_skeleton_that_is_not_its_solutions_derivation_is_a_problem() {
        let manifest = Manifest::load().unwrap();
        let kata = manifest.find("event-emitter").unwrap();
        let root = copy_of_the_workbook(kata, "verify-derivation");
        assert_eq!(
            plan(&root, kata, &kata.solution_dir(&root))
                .unwrap()
                .problems,
            Vec::<String>::new()
        );
        // One byte of the skeleton's src/lib.rs, on line 3.
        let lib = root.join("katas").join(&kata.dir).join("src/lib.rs");
        let text = std::fs::read(&lib).unwrap();
        let third = text
            .iter()
            .enumerate()
            .filter(|(_, b)| **b == b'\n')
            .nth(1)
            .unwrap()
            .0
            + 1;
        let mut changed = text.clone();
        change_one_byte(&mut changed, third);
        std::fs::write(&lib, &changed).unwrap();
        let problems = plan(&root, kata, &kata.solution_dir(&root))
            .unwrap()
            .problems;
        assert_eq!(problems.len(), 1, "{problems:?}");
        let expected = format!(
            "katas/{}/src/lib.rs differs from the derivation at line 3",
            kata.dir
        );
        assert!(problems[0].starts_with(&expected), "{problems:?}");
        // A marker error in the solution names the solution's file and line.
        std::fs::write(&lib, &text).unwrap();
        let solution = root.join("solutions").join(&kata.dir).join("src/lib.rs");
        let marked = std::fs::read_to_string(&solution).unwrap();
        std::fs::write(&solution, format!("// END SOLUTION\n{marked}")).unwrap();
        let problems = plan(&root, kata, &kata.solution_dir(&root))
            .unwrap()
            .problems;
        assert_eq!(problems.len(), 1, "{problems:?}");
        let expected = format!(
            "solutions/{}/src/lib.rs: line 1: `// END SOLUTION`",
            kata.dir
        );
        assert!(problems[0].starts_with(&expected), "{problems:?}");
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn one_changed_byte_in_any_input_changes_the_key_and_nothing_else_does() {
        let manifest = Manifest::load().unwrap();
        let kata = manifest.find("event-emitter").unwrap();
        let root = copy_of_the_workbook(kata, "cache-key");
        let key_now = |root: &Path| {
            let plan = plan(root, kata, &kata.solution_dir(root)).unwrap();
            key(&plan.inputs(), &environment(root).unwrap())
        };
        let original = key_now(&root);
        assert_eq!(original, key_now(&root), "the key is stable");

        let solution = Path::new("solutions").join(&kata.dir);
        let mutants = std::fs::read_to_string(root.join(&solution).join("mutants.toml")).unwrap();
        let first_edit = mutants.find("replace = ").expect("a mutant with an edit") + 10;
        // (file, where in it): each is graded, so each must re-verify the kata.
        let inputs: [(PathBuf, usize); 10] = [
            (
                Path::new("checker/hidden")
                    .join(&kata.dir)
                    .join("stage1.rs"),
                0,
            ),
            (Path::new("katas").join(&kata.dir).join("src/lib.rs"), 0),
            (solution.join("src/lib.rs"), 0),
            (solution.join("src/sync.rs"), 0),
            (solution.join("mutants.toml"), first_edit),
            (solution.join("rules.toml"), 0),
            (solution.join("alternatives/flat-list/lib.rs"), 0),
            (PathBuf::from("support/src/lib.rs"), 0),
            (PathBuf::from("Cargo.toml"), 0),
            (PathBuf::from("Cargo.lock"), 0),
        ];
        for (file, at) in inputs {
            let path = root.join(&file);
            let before = std::fs::read(&path).unwrap();
            let mut changed = before.clone();
            change_one_byte(&mut changed, at);
            std::fs::write(&path, &changed).unwrap();
            assert_ne!(
                key_now(&root),
                original,
                "one byte of {} changed",
                file.display()
            );
            std::fs::write(&path, &before).unwrap();
            assert_eq!(key_now(&root), original, "{} restored", file.display());
        }

        // The mutant's edit reached the mutant's own sources, not only the file's bytes.
        let plan_now = plan(&root, kata, &kata.solution_dir(&root)).unwrap();
        let mut edited = mutants.clone().into_bytes();
        change_one_byte(&mut edited, first_edit);
        std::fs::write(root.join(&solution).join("mutants.toml"), &edited).unwrap();
        let plan_edited = plan(&root, kata, &kata.solution_dir(&root)).unwrap();
        let without_file = |p: &KataPlan<'_>| {
            let mut inputs = p.inputs();
            inputs.insert("mutants.toml", Vec::new());
            inputs
        };
        assert_ne!(without_file(&plan_now), without_file(&plan_edited));
        std::fs::write(root.join(&solution).join("mutants.toml"), mutants).unwrap();

        // What comes from the checker binary and the process: hidden tests and fixtures, the
        // manifest entry, the checker's sources, the toolchain, the settings.
        let plan = plan(&root, kata, &kata.solution_dir(&root)).unwrap();
        let environment = environment(&root).unwrap();
        let kata_inputs = plan.inputs();
        assert_eq!(key(&kata_inputs, &environment), original);
        let hidden: Vec<String> = kata_inputs
            .labels()
            .filter(|l| l.starts_with("hidden:"))
            .map(str::to_owned)
            .collect();
        assert!(hidden.len() >= kata.stages.len(), "{hidden:?}");
        for label in hidden.iter().map(String::as_str).chain(["manifest"]) {
            let mut changed = kata_inputs.clone();
            change_one_byte(changed.get_mut(label).unwrap(), 0);
            assert_ne!(key(&changed, &environment), original, "one byte of {label}");
        }
        for label in ["checker", "toolchain", "settings"] {
            let mut changed = environment.clone();
            change_one_byte(changed.get_mut(label).unwrap(), 0);
            assert_ne!(key(&kata_inputs, &changed), original, "one byte of {label}");
        }
        let toolchain =
            String::from_utf8(environment.clone().get_mut("toolchain").unwrap().clone());
        assert!(toolchain.unwrap().contains("rustc "), "rustc -vV was asked");

        // Files that are not graded leave the key alone: the skeleton's manifest (never
        // read), the solution's own tests.
        for file in [
            Path::new("katas").join(&kata.dir).join("Cargo.toml"),
            solution.join("tests/examples.rs"),
        ] {
            let path = root.join(&file);
            let mut bytes = std::fs::read(&path).unwrap();
            change_one_byte(&mut bytes, 0);
            std::fs::write(&path, bytes).unwrap();
            assert_eq!(key_now(&root), original, "{} is not graded", file.display());
        }
        std::fs::remove_dir_all(&root).unwrap();
    }

    fn sound_check() -> KataCheck {
        KataCheck {
            id: "k".into(),
            skeleton_score: 0.0,
            skeleton_compiles: true,
            solution_score: 100.0,
            mutants: Vec::new(),
            alternatives: Vec::new(),
            rules: Vec::new(),
            problems: Vec::new(),
            from_cache: false,
            build_seconds: 1.0,
            test_seconds: 1.0,
            tests_run: 1,
            tests_stopped: 0,
        }
    }

    #[test]
    fn only_a_sound_verdict_under_the_same_key_is_served() {
        let root = std::env::temp_dir().join(format!("kata-cache-store-{}", std::process::id()));
        let store = Store::new(&root);
        assert!(store.verdict("k", "key").is_none(), "nothing stored yet");
        let entry = |verdict| cache::Entry {
            key: "key".into(),
            verdict: Some(verdict),
            catchers: BTreeMap::from([("m".to_owned(), "stage1::t".to_owned())]),
        };
        store.save("k", entry(sound_check())).unwrap();
        assert!(store.verdict("k", "key").is_some());
        assert!(store.verdict("k", "other key").is_none());
        let mut unsound = sound_check();
        unsound.problems.push("mutant `m` is not caught".into());
        store.save("k", entry(unsound)).unwrap();
        assert!(
            store.verdict("k", "key").is_none(),
            "a problem is never served"
        );
        assert_eq!(
            store.load("k").catchers["m"],
            "stage1::t",
            "catchers are kept"
        );
        let files: Vec<_> = std::fs::read_dir(root.join("target/kata-verify"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(files, ["k.json"], "no temporary file is left");
        std::fs::write(root.join("target/kata-verify/k.json"), "{ not json").unwrap();
        assert!(
            store.verdict("k", "key").is_none(),
            "a damaged file is a miss"
        );
        std::fs::remove_dir_all(&root).unwrap();
    }
}
