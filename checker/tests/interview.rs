//! Interview mode end to end: a bundle holds nothing it should not, grades to 0% as a
//! skeleton and 100% with the reference solution in every report format, lateness comes
//! from the interviewer's record, and bad input gets one clear line.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .unwrap()
}

/// A fresh scratch folder for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("interview")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.canonicalize().unwrap()
}

fn checker(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_checker"))
        .args(args)
        .output()
        .expect("the checker runs")
}

#[track_caller]
fn ok(args: &[&str]) -> String {
    let output = checker(args);
    assert!(
        output.status.success(),
        "`cargo kata {}` failed:\n{}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Creates a bundle of kata 01 in `<scratch>/bundle` with records in `<scratch>/records`.
fn bundle(scratch: &Path, hints: &str) -> (PathBuf, PathBuf) {
    let (dir, records) = (scratch.join("bundle"), scratch.join("records"));
    ok(&[
        "interview",
        "new",
        "event-emitter",
        "--candidate",
        "Ada Lovelace",
        "--minutes",
        "45",
        "--hints",
        hints,
        "--out",
        dir.to_str().unwrap(),
        "--records",
        records.to_str().unwrap(),
    ]);
    (dir, records)
}

fn all_files(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                if !path.ends_with("target") {
                    pending.push(path);
                }
            } else {
                files.push((
                    path.clone(),
                    String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned(),
                ));
            }
        }
    }
    files
}

/// Names of the hidden tests of kata 01, read from the hidden test files.
fn hidden_test_names() -> Vec<String> {
    let mut names = Vec::new();
    for stage in ["stage1", "stage2", "stage3"] {
        let path = repository().join(format!("checker/hidden/01-event-emitter/{stage}.rs"));
        let text = std::fs::read_to_string(path).unwrap();
        let mut pending = false;
        for line in text.lines().map(str::trim) {
            if line.starts_with("#[test]") {
                pending = true;
            } else if pending && let Some(rest) = line.strip_prefix("fn ") {
                names.push(rest.split('(').next().unwrap().to_owned());
                pending = false;
            }
        }
    }
    assert!(names.len() > 20, "found only {} hidden tests", names.len());
    names
}

#[test]
fn a_bundle_holds_no_solution_hidden_test_or_forbidden_hint() {
    let scratch = scratch("contents");
    let (dir, records) = bundle(&scratch, "stage1");
    let files = all_files(&dir);
    let names: Vec<String> = files
        .iter()
        .map(|(p, _)| p.strip_prefix(&dir).unwrap().display().to_string())
        .collect();
    for expected in [
        "Cargo.toml",
        "README.md",
        "src/lib.rs",
        "src/sync.rs",
        "tests/examples.rs",
        ".kata-session",
    ] {
        assert!(
            names.contains(&expected.to_owned()),
            "the bundle lacks {expected}: {names:?}"
        );
    }
    let forbidden_files = ["mutants.toml", "katas.toml", "hidden.rs", "stage1.rs"];
    for name in &names {
        assert!(
            !forbidden_files.iter().any(|f| name.ends_with(f)),
            "the bundle holds {name}"
        );
    }
    let solution_marker = "fn snapshot_and_retire"; // only in the reference solution
    let hidden = hidden_test_names();
    let chapter =
        std::fs::read_to_string(repository().join("book/src/katas/01-event-emitter.md")).unwrap();
    let rubric = chapter
        .split("## For the interviewer")
        .nth(1)
        .unwrap()
        .lines()
        .nth(2)
        .unwrap()
        .to_owned();
    for (path, text) in &files {
        assert!(
            !text.contains(solution_marker),
            "{} holds solution code",
            path.display()
        );
        for name in &hidden {
            assert!(
                !text.contains(name.as_str()),
                "{} names the hidden test {name}",
                path.display()
            );
        }
        assert!(
            !text.contains(&rubric),
            "{} holds the interviewer's rubric",
            path.display()
        );
    }
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
    assert!(
        readme.contains("## The prompt")
            && readme.contains("Ada Lovelace")
            && readme.contains("45 minutes")
    );
    assert!(readme.contains("Hint 1"), "stage 1 hints were allowed");
    let stage2_hint = "Copying the list before calling anything";
    assert!(
        !readme.contains(stage2_hint),
        "a stage 2 hint leaked into a stage1-hints bundle"
    );
    assert!(!readme.contains("Reference solution") && !readme.contains("Common mistakes"));
    assert!(
        records.read_dir().unwrap().count() == 1,
        "one record, outside the bundle"
    );
}

#[test]
fn cargo_test_works_inside_a_bundle_on_its_own() {
    let scratch = scratch("standalone");
    let (dir, _) = bundle(&scratch, "none");
    let output = Command::new(env!("CARGO"))
        .current_dir(&dir)
        .args(["test", "--offline", "--quiet"])
        .env("CARGO_TARGET_DIR", scratch.join("target"))
        .env_remove("RUSTFLAGS")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    // The skeleton's examples build and run, and fail on the todo!()s.
    assert!(
        text.contains("not yet implemented"),
        "cargo test in the bundle:\n{text}"
    );
    assert!(
        !text.contains("error: failed to"),
        "the bundle is not standalone:\n{text}"
    );
}

#[test]
fn grading_a_bundle_scores_0_then_100_in_every_format() {
    let scratch = scratch("grades");
    let (dir, records) = bundle(&scratch, "none");
    let (d, r) = (dir.to_str().unwrap(), records.to_str().unwrap());
    let first = ok(&["interview", "grade", d, "--records", r]);
    assert!(first.contains("Score 0%"), "{first}");

    for file in ["lib.rs", "sync.rs"] {
        std::fs::copy(
            repository()
                .join("solutions/01-event-emitter/src")
                .join(file),
            dir.join("src").join(file),
        )
        .unwrap();
    }
    let second = ok(&["interview", "grade", d, "--records", r]);
    assert!(
        second.contains("Score 100%") && !second.contains("LATE"),
        "{second}"
    );

    let md = ok(&["interview", "report", d, "--records", r]);
    assert!(md.contains("| Final score | 100% (stage 3 of 3) |"), "{md}");
    assert!(
        md.contains("| 1 |") && md.contains("| 2 |"),
        "both gradings are in the history"
    );
    assert!(md.contains("## Rubric") && md.contains("## Follow-up questions"));

    let html_file = scratch.join("report.html");
    ok(&[
        "interview",
        "report",
        d,
        "--records",
        r,
        "--format",
        "html",
        "--out",
        html_file.to_str().unwrap(),
    ]);
    let html = std::fs::read_to_string(&html_file).unwrap();
    assert!(html.starts_with("<!doctype html>") && html.contains("<svg") && html.contains("100%"));
    assert!(
        !html.contains("<link") && !html.contains("<script src"),
        "one self-contained file"
    );

    let json: serde_json::Value = serde_json::from_str(&ok(&[
        "interview",
        "report",
        d,
        "--records",
        r,
        "--format",
        "json",
    ]))
    .unwrap();
    assert_eq!(json["gradings"][0]["report"]["score"], 0.0);
    assert_eq!(json["gradings"][1]["report"]["score"], 100.0);
    assert_eq!(json["candidate"], "Ada Lovelace");
}

#[test]
fn lateness_comes_from_the_interviewers_record() {
    let scratch = scratch("late");
    let (dir, records) = bundle(&scratch, "none");
    let record_path = std::fs::read_dir(&records)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let mut record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&record_path).unwrap()).unwrap();
    // The session started two hours ago (the record is the interviewer's, so this is the
    // only way to move its clock).
    record["started"] = (record["started"].as_u64().unwrap() - 7200).into();
    std::fs::write(&record_path, record.to_string()).unwrap();
    let out = ok(&[
        "interview",
        "grade",
        dir.to_str().unwrap(),
        "--records",
        records.to_str().unwrap(),
    ]);
    assert!(out.contains("LATE"), "{out}");
    let md = ok(&[
        "interview",
        "report",
        dir.to_str().unwrap(),
        "--records",
        records.to_str().unwrap(),
    ]);
    assert!(md.contains("**late**"), "{md}");
}

#[test]
fn the_markdown_report_matches_its_snapshot() {
    let scratch = scratch("snapshot");
    let (dir, records) = bundle(&scratch, "all");
    let (d, r) = (dir.to_str().unwrap(), records.to_str().unwrap());
    ok(&["interview", "grade", d, "--records", r]);
    let md = ok(&["interview", "report", d, "--records", r]);
    // Normalise times and line numbers.
    let normalised: String = md
        .lines()
        .map(|line| {
            if line.starts_with("| Started") || line.starts_with("| Time used") {
                format!("{} | [time] |", line.split(" | ").next().unwrap())
            } else if line.starts_with("| 1 | 20") {
                "| 1 | [time] | [time] | 0% | 0 | fail |".to_owned()
            } else if let Some(at) = line.find("(at ") {
                format!("{}(at [location]) |", &line[..at])
            } else {
                line.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    insta::assert_snapshot!("interview_report_md", normalised);
}

#[test]
fn bad_input_gets_one_clear_line_and_a_non_zero_exit() {
    let scratch = scratch("bad");
    let records = scratch.join("records");
    let r = records.to_str().unwrap();

    let not_bundle = checker(&[
        "interview",
        "grade",
        scratch.to_str().unwrap(),
        "--records",
        r,
    ]);
    assert_eq!(not_bundle.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&not_bundle.stderr);
    assert!(
        stderr.contains("is not an interview bundle") && stderr.lines().count() == 1,
        "{stderr}"
    );

    let (dir, _) = bundle(&scratch, "none");
    let other_records = scratch.join("elsewhere");
    let missing = checker(&[
        "interview",
        "grade",
        dir.to_str().unwrap(),
        "--records",
        other_records.to_str().unwrap(),
    ]);
    assert_eq!(missing.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(
        stderr.contains("no interviewer's record") && stderr.lines().count() == 1,
        "{stderr}"
    );

    let out = scratch.join("nope");
    let unknown = checker(&[
        "interview",
        "new",
        "no-such-kata",
        "--candidate",
        "X",
        "--minutes",
        "5",
        "--out",
        out.to_str().unwrap(),
        "--records",
        r,
    ]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("there is no kata `no-such-kata`"));
    assert!(!out.exists(), "nothing is written for an unknown kata");
}
