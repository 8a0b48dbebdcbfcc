//! Mutant schemata through `cargo kata verify`: a fixture of kata 01 (its real reference
//! and hidden tests) whose mutants all edit function bodies, one of them so that it does
//! not compile. The schema holding them cannot compile either, so verify builds each of
//! them alone, as it would without schemata: the broken mutant is reported with its own
//! compiler errors and the others are still caught by the tests of their rule's stage.

mod common;

use std::path::{Path, PathBuf};

use common::{checker, solutions_of_kata_01};
use serde_json::Value;

const DIR: &str = "01-event-emitter";

const RULES: &str = r#"
[[rule]]
id = "off-removes-that-listener-only"
stage = 1
text = "`off` removes that one listener."

[[rule]]
id = "try-emit-reports-unhandled"
stage = 2
text = "`try_emit` reports an event nobody listened to."
"#;

/// Kata 01's mutants `names` (as its mutants.toml has them), then `extra` (TOML).
fn fixture(name: &str, names: &[&str], extra: &str) -> PathBuf {
    let (solutions, chosen) = solutions_of_kata_01("schemata", name, names);
    let dir = solutions.join(DIR);
    let chosen = chosen.into_iter().map(toml::Value::Table).collect();
    let file = toml::Table::from_iter([("mutant".to_owned(), toml::Value::Array(chosen))]);
    let text = format!("{}\n{extra}", toml::to_string(&file).unwrap());
    std::fs::write(dir.join("mutants.toml"), text).unwrap();
    std::fs::write(dir.join("rules.toml"), RULES).unwrap();
    solutions
}

/// `cargo kata verify event-emitter --solutions <dir> --no-cache --format json`: the check,
/// whether verify passed, and what it said on standard error.
fn verify(solutions: &Path) -> (Value, bool, String) {
    let output = checker(&[
        "verify",
        "event-emitter",
        "--no-cache",
        "--format",
        "json",
        "--solutions",
        solutions.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let checks: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("verify JSON ({e}); stderr:\n{stderr}"));
    let code = output.status.code();
    assert!(
        matches!(code, Some(0 | 1)),
        "verify exits 0 or 1, not {code:?}"
    );
    (checks[0].clone(), code == Some(0), stderr)
}

fn mutant<'a>(check: &'a Value, name: &str) -> &'a Value {
    check["mutants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == name)
        .unwrap_or_else(|| panic!("no mutant {name} in {check:#}"))
}

#[test]
fn a_schema_that_does_not_compile_falls_back_to_building_its_mutants_alone() {
    // Edits inside `remove_entry`'s body, so it goes into the schema, and a type error.
    let broken = r#"
[[mutant]]
name = "position-is-a-string"
origin = "plausible"
description = "does not compile: a position that is a string."
rule = "off-removes-that-listener-only"
[[mutant.edit]]
file = "src/lib.rs"
find = "    list.remove(position);"
replace = "    let position: &str = position;\n    list.remove(position);"
"#;
    let solutions = fixture(
        "fallback",
        &["off-removes-every-listener", "try-emit-swallows-unhandled"],
        broken,
    );
    let (check, sound, stderr) = verify(&solutions);
    assert!(!sound, "a mutant that does not compile fails verify");
    assert!(
        stderr.contains(
            "event-emitter: its mutant schema did not compile; building its mutants alone"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("mutants: 0 in its schema, 3 built alone"),
        "{stderr}"
    );
    let problems: Vec<&str> = check["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert_eq!(problems.len(), 1, "{problems:#?}");
    // Its own compiler errors, at its own line, not the schema's.
    assert!(
        problems[0].contains("mutant `position-is-a-string` does not compile")
            && problems[0].contains("mismatched types")
            && problems[0].contains("src/lib.rs")
            && !problems[0].contains("__kata_mutant"),
        "{}",
        problems[0]
    );
    for (name, stage) in [
        ("off-removes-every-listener", "stage1::"),
        ("try-emit-swallows-unhandled", "stage2::"),
    ] {
        let mutant = mutant(&check, name);
        assert_eq!(mutant["caught_in_stage"], true, "{mutant:#}");
        assert!(
            mutant["caught_by"][0].as_str().unwrap().starts_with(stage),
            "{mutant:#}"
        );
    }

    // Without the broken mutant the schema compiles and catches the same way.
    let solutions = fixture(
        "compiles",
        &["off-removes-every-listener", "try-emit-swallows-unhandled"],
        "",
    );
    let (check, sound, stderr) = verify(&solutions);
    assert!(sound, "{check:#}");
    assert!(
        stderr.contains("mutants: 2 in its schema, 0 built alone")
            && !stderr.contains("did not compile"),
        "{stderr}"
    );
    for (name, stage) in [
        ("off-removes-every-listener", "stage1::"),
        ("try-emit-swallows-unhandled", "stage2::"),
    ] {
        let mutant = mutant(&check, name);
        assert_eq!(mutant["caught_in_stage"], true, "{mutant:#}");
        assert!(
            mutant["caught_by"][0].as_str().unwrap().starts_with(stage),
            "{mutant:#}"
        );
    }
    std::fs::remove_dir_all(solutions.parent().unwrap()).unwrap();
}
