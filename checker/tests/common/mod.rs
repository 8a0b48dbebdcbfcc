//! Helpers shared by the checker's integration tests: run the checker, make fixture
//! attempts from a reference solution, read its JSON reports.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

pub mod memory;

/// The kata most fixtures are made from.
pub const KATA: &str = "event-emitter";

pub fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs the checker with `args`.
pub fn checker(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_checker"))
        .args(args)
        .env_remove("RUSTC_BOOTSTRAP")
        .output()
        .expect("the checker runs")
}

/// A copy of the kata 01 crate with the solution's sources, edited by `edits`
/// (each `find` must occur exactly once in `src/lib.rs`).
pub fn attempt(name: &str, edits: &[(&str, &str)]) -> PathBuf {
    attempt_of("01-event-emitter", name, edits)
}

/// Like [`attempt`], for the kata in folder `kata`.
pub fn attempt_of(kata: &str, name: &str, edits: &[(&str, &str)]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("attempts")
        .join(name);
    let dir = std::path::absolute(dir).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("src")).unwrap();
    let solution = repository().join("solutions").join(kata);
    let skeleton = repository().join("katas").join(kata);
    std::fs::copy(skeleton.join("Cargo.toml"), dir.join("Cargo.toml")).unwrap();
    std::fs::copy(solution.join("src/sync.rs"), dir.join("src/sync.rs")).unwrap();
    let mut lib = std::fs::read_to_string(solution.join("src/lib.rs")).unwrap();
    for (find, replace) in edits {
        assert_eq!(
            lib.matches(find).count(),
            1,
            "fixture edit {find:?} must match once"
        );
        lib = lib.replace(find, replace);
    }
    std::fs::write(dir.join("src/lib.rs"), lib).unwrap();
    dir
}

/// A folder of solutions for `cargo kata verify --solutions`, fresh under
/// `target/tmp/<group>/<name>/`, holding kata 01's reference sources in
/// `01-event-emitter/src/`; returns the folder and the mutants of the reference's
/// `mutants.toml` named `names` (in that order), for the caller to write with its own rules.
pub fn solutions_of_kata_01(
    group: &str,
    name: &str,
    names: &[&str],
) -> (PathBuf, Vec<toml::Table>) {
    let solutions = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(group)
        .join(name);
    let _ = std::fs::remove_dir_all(&solutions);
    let reference = repository().join("solutions/01-event-emitter");
    let src = solutions.join("01-event-emitter/src");
    std::fs::create_dir_all(&src).unwrap();
    for entry in std::fs::read_dir(reference.join("src")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, src.join(path.file_name().unwrap())).unwrap();
    }
    let all: toml::Table =
        toml::from_str(&std::fs::read_to_string(reference.join("mutants.toml")).unwrap()).unwrap();
    let all = all["mutant"].as_array().unwrap();
    let chosen = names
        .iter()
        .map(|name| {
            all.iter()
                .find(|m| m["name"].as_str() == Some(name))
                .unwrap_or_else(|| panic!("kata 01 has no mutant {name}"))
                .as_table()
                .unwrap()
                .clone()
        })
        .collect();
    (solutions, chosen)
}

/// Grades `dir` as JSON and returns the report.
pub fn grade_json(dir: &Path, extra: &[&str]) -> Value {
    grade_kata_json("event-emitter", dir, extra)
}

/// Grades `dir` as kata `kata`, as JSON.
pub fn grade_kata_json(kata: &str, dir: &Path, extra: &[&str]) -> Value {
    let mut args = vec![
        "grade",
        kata,
        "--path",
        dir.to_str().unwrap(),
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    let output = checker(&args);
    assert!(
        output.status.success(),
        "grading must exit 0 whatever the score; stderr:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("the JSON report parses")
}

/// Outcome counts of a report, e.g. {"failed": 3, "passed": 27}.
pub fn outcomes(report: &Value) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for test in report["tests"].as_array().unwrap() {
        *counts
            .entry(test["outcome"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    counts
}

pub fn tests_with<'a>(report: &'a Value, outcome: &str) -> Vec<&'a Value> {
    report["tests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["outcome"] == outcome)
        .collect()
}

/// A digest of every file under `dir` (path, size, contents, modification time).
pub fn fingerprint(dir: &Path) -> Vec<(PathBuf, Vec<u8>, std::time::SystemTime)> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let meta = entry.metadata().unwrap();
            if meta.is_dir() {
                pending.push(entry.path());
            } else {
                files.push((
                    entry.path(),
                    std::fs::read(entry.path()).unwrap(),
                    meta.modified().unwrap(),
                ));
            }
        }
    }
    files.sort();
    files
}
