//! The rule map, checked by `cargo kata verify`: fixture solutions of kata 01 (its real
//! reference and hidden tests, a `rules.toml` and `mutants.toml` of our choosing) are
//! verified through the hidden `--solutions` option, and each failure of the map is
//! reported by name — a rule without a mutant, a mutant without a rule or with an unknown
//! one, a mutant caught only by another stage's tests, a missing `rules.toml` — while a
//! complete map passes, also when its verdict comes from the cache.
//!
//! The fixture mutants are kata 01's own (same names, same edits), so their harness slots
//! are the ones the workbook's self-check builds anyway.

mod common;

use std::path::{Path, PathBuf};

use common::memory::{Inputs, Memory};
use common::{checker, solutions_of_kata_01};
use serde_json::Value;

const DIR: &str = "01-event-emitter";

/// A folder of solutions holding one fixture of kata 01: the reference's sources, the named
/// mutants of its mutants.toml (each given the rule `Some(id)`, or none), and `rules` as
/// rules.toml (none when `None`).
fn fixture(name: &str, mutants: &[(&str, Option<&str>)], rules: Option<&str>) -> PathBuf {
    let names: Vec<&str> = mutants.iter().map(|(name, _)| *name).collect();
    let (solutions, tables) = solutions_of_kata_01("rule-maps", name, &names);
    let dir = solutions.join(DIR);
    let mut chosen = Vec::new();
    for (mut table, (_, rule)) in tables.into_iter().zip(mutants) {
        match rule {
            Some(rule) => table.insert("rule".into(), toml::Value::String((*rule).into())),
            None => table.remove("rule"),
        };
        chosen.push(toml::Value::Table(table));
    }
    let file = toml::Table::from_iter([("mutant".to_owned(), toml::Value::Array(chosen))]);
    std::fs::write(dir.join("mutants.toml"), toml::to_string(&file).unwrap()).unwrap();
    if let Some(rules) = rules {
        std::fs::write(dir.join("rules.toml"), rules).unwrap();
    }
    solutions
}

/// `cargo kata verify event-emitter --solutions <dir> --format json [extra]`: the check and
/// whether verify passed.
fn verify(solutions: &Path, extra: &[&str]) -> (Value, bool) {
    let mut args = vec![
        "verify",
        "event-emitter",
        "--format",
        "json",
        "--solutions",
        solutions.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let output = checker(&args);
    let checks: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "verify JSON ({e}); stderr:\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let code = output.status.code();
    assert!(
        matches!(code, Some(0 | 1)),
        "verify exits 0 or 1, not {code:?}"
    );
    (checks[0].clone(), code == Some(0))
}

fn problems(check: &Value) -> Vec<String> {
    check["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_owned())
        .collect()
}

fn mutant<'a>(check: &'a Value, name: &str) -> &'a Value {
    check["mutants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == name)
        .unwrap_or_else(|| panic!("no mutant {name} in {check:#}"))
}

/// Two rules of stages 1 and 2, each broken by a mutant a test of its stage catches.
const COMPLETE: &str = r#"
[[rule]]
id = "off-removes-that-listener-only"
stage = 1
text = "`off` removes that one listener."

[[rule]]
id = "try-emit-reports-unhandled"
stage = 2
text = "`try_emit` reports an event nobody listened to."
"#;

#[test]
fn a_complete_rule_map_passes_and_its_cached_verdict_keeps_the_map() {
    remembered(
        "a_complete_rule_map_passes_and_its_cached_verdict_keeps_the_map",
        || {
            let solutions = fixture(
                "complete",
                &[
                    (
                        "off-removes-every-listener",
                        Some("off-removes-that-listener-only"),
                    ),
                    (
                        "try-emit-swallows-unhandled",
                        Some("try-emit-reports-unhandled"),
                    ),
                ],
                Some(COMPLETE),
            );
            let (check, sound) = verify(&solutions, &[]);
            assert!(sound, "{:#?}", problems(&check));
            assert_eq!(check["rules"].as_array().unwrap().len(), 2);
            let off = mutant(&check, "off-removes-every-listener");
            assert_eq!(off["rule_stage"], 1);
            assert_eq!(off["caught_in_stage"], true);
            assert!(
                off["caught_by"][0]
                    .as_str()
                    .unwrap()
                    .starts_with("stage1::")
            );
            let try_emit = mutant(&check, "try-emit-swallows-unhandled");
            assert_eq!(try_emit["rule_stage"], 2);
            assert!(
                try_emit["caught_by"][0]
                    .as_str()
                    .unwrap()
                    .starts_with("stage2::")
            );

            // Unchanged: served from the fixture's own cache, with what the rule check needs.
            let (cached, sound) = verify(&solutions, &[]);
            assert!(sound);
            assert_eq!(cached["from_cache"], true);
            assert_eq!(cached["rules"], check["rules"]);
            assert_eq!(cached["mutants"], check["mutants"]);

            // One changed byte of rules.toml is a new key: graded again.
            let rules = solutions.join(DIR).join("rules.toml");
            std::fs::write(
                &rules,
                COMPLETE.replace("one listener", "one listener only"),
            )
            .unwrap();
            let (again, sound) = verify(&solutions, &[]);
            assert!(sound);
            assert_eq!(again["from_cache"], false, "rules.toml is part of the key");
            std::fs::remove_dir_all(&solutions).unwrap();
        },
    );
}

#[test]
fn every_break_of_the_rule_map_is_reported_with_its_fix() {
    remembered(
        "every_break_of_the_rule_map_is_reported_with_its_fix",
        || {
            let rules = format!(
                "{COMPLETE}
[[rule]]
id = \"nobody-breaks-this\"
stage = 2
text = \"A rule no mutant names.\"

[[rule]]
id = \"sync-try-emit-reports-unhandled\"
stage = 3
text = \"The thread-safe `try_emit` reports an event nobody listened to.\"
"
            );
            let solutions = fixture(
                "broken",
                &[
                    (
                        "off-removes-every-listener",
                        Some("off-removes-that-listener-only"),
                    ),
                    // Breaks stage 2's try_emit, which only stage 2's tests check.
                    (
                        "try-emit-swallows-unhandled",
                        Some("sync-try-emit-reports-unhandled"),
                    ),
                    ("listeners-in-reverse-order", None),
                    ("remove-all-ignores-the-event", Some("no-such-rule")),
                ],
                Some(&rules),
            );
            let (check, sound) = verify(&solutions, &["--no-cache"]);
            assert!(!sound, "a broken map fails verify");
            let problems = problems(&check);
            let has = |parts: &[&str]| {
                problems
                    .iter()
                    .any(|p| parts.iter().all(|part| p.contains(part)))
            };
            // A rule no mutant names (and "try-emit-reports-unhandled" is named by none now either).
            assert!(
                has(&[
                    "rule `nobody-breaks-this` of stage 2 has no mutant",
                    "add one"
                ]),
                "{problems:#?}"
            );
            assert!(has(&[
                "rule `try-emit-reports-unhandled` of stage 2 has no mutant"
            ]));
            // A mutant with no rule, and one naming a rule rules.toml lacks.
            assert!(has(&[
                "mutant `listeners-in-reverse-order` names no rule",
                "rule = \"<id>\""
            ]));
            assert!(has(&[
                "mutant `remove-all-ignores-the-event` names rule `no-such-rule`",
                "does not have",
                "off-removes-that-listener-only"
            ]));
            // A mutant caught, but only by another stage's tests.
            assert!(has(&[
                "mutant `try-emit-swallows-unhandled` breaks rule `sync-try-emit-reports-unhandled` (stage 3) but only stage 2's tests catch it",
                "stage2::"
            ]));
            let try_emit = mutant(&check, "try-emit-swallows-unhandled");
            assert_eq!(try_emit["caught"], true);
            assert_eq!(try_emit["caught_in_stage"], false);
            assert_eq!(problems.len(), 5, "nothing else is reported: {problems:#?}");
            // The sound parts of the map are not blamed.
            assert_eq!(
                mutant(&check, "off-removes-every-listener")["caught_in_stage"],
                true
            );

            // The human report names the kata, counts rules and mutants, and says each problem.
            let output = checker(&[
                "verify",
                "event-emitter",
                "--solutions",
                solutions.to_str().unwrap(),
            ]);
            assert_eq!(output.status.code(), Some(1));
            let human = String::from_utf8_lossy(&output.stdout);
            assert!(
                human.contains("event-emitter  ")
                    && human.contains("rules 4, mutants caught in their rule's stage 1/4"),
                "{human}"
            );
            assert!(human.contains("PROBLEM: mutant `try-emit-swallows-unhandled` breaks rule"));
            std::fs::remove_dir_all(&solutions).unwrap();
        },
    );
}

#[test]
fn a_kata_without_rules_toml_fails_verify() {
    remembered("a_kata_without_rules_toml_fails_verify", || {
        let solutions = fixture(
            "no-rules",
            &[(
                "off-removes-every-listener",
                Some("off-removes-that-listener-only"),
            )],
            None,
        );
        let (check, sound) = verify(&solutions, &["--no-cache"]);
        assert!(!sound);
        let problems = problems(&check);
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert!(
            problems[0].contains("01-event-emitter/rules.toml is missing"),
            "{problems:#?}"
        );
        std::fs::remove_dir_all(&solutions).unwrap();
    });
}

#[test]
fn a_malformed_rules_toml_is_a_clear_problem() {
    remembered("a_malformed_rules_toml_is_a_clear_problem", || {
        let solutions = fixture(
            "malformed",
            &[(
                "off-removes-every-listener",
                Some("off-removes-that-listener-only"),
            )],
            Some("[[rule]]\nid = \"off-removes-that-listener-only\"\nstage = 9\ntext = \"x\"\n"),
        );
        let (check, sound) = verify(&solutions, &["--no-cache"]);
        assert!(!sound);
        let problems = problems(&check);
        assert!(
            problems
                .iter()
                .any(|p| p.contains("rules.toml") && p.contains("stage = 9")),
            "{problems:#?}"
        );
        std::fs::remove_dir_all(&solutions).unwrap();
    });
}

/// Runs a test that grades through the checker unless it passed before with exactly the
/// same inputs (`common/memory.rs`): this file and `common/`, the checker binary, kata 01
/// (skeleton, solution with its mutants and rules, hidden tests), the support crate, the
/// workspace's manifests and lockfile, the toolchain, the environment and the machine's
/// confinement facts. `KATA_TEST_CACHE=off` runs it anyway; a clean clone has no memory.
fn remembered(name: &str, body: impl FnOnce()) {
    let mut inputs = Inputs::for_grading(&[("rules.rs", include_str!("rules.rs"))]);
    inputs.kata("01-event-emitter");
    Memory::default().run_unless_passed(name, &inputs, body);
}
