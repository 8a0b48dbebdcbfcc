//! Interview mode end to end: a bundle holds nothing it should not, grades to 0% as a
//! skeleton and 100% with the reference solution in every report format, lateness comes
//! from the interviewer's record, and bad input gets one clear line.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;

use common::memory::{Inputs, Memory};

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
    // The rule map is listed per stage, from rules.toml, as the book shows it.
    let rules = std::fs::read_to_string(repository().join("solutions/01-event-emitter/rules.toml"))
        .unwrap();
    let first_rule = rules
        .lines()
        .find_map(|l| l.strip_prefix("text = \""))
        .and_then(|t| t.strip_suffix('"'))
        .expect("kata 01 has a rule");
    assert!(
        readme.contains(&format!("- {first_rule}")) && readme.contains("**Stage 3 · "),
        "the README lists the rules by stage"
    );
    assert!(!readme.contains("<!-- kata:"), "no directive is left");
    assert!(
        records.read_dir().unwrap().count() == 1,
        "one record, outside the bundle"
    );
}

#[test]
fn cargo_test_works_inside_a_bundle_on_its_own() {
    let scratch = scratch("standalone");
    let (fresh, _) = bundle(&scratch, "none");
    let dir = kept(&fresh, "standalone");
    let output = Command::new(env!("CARGO"))
        .current_dir(&dir)
        .args(["test", "--offline", "--quiet"])
        .env("CARGO_TARGET_DIR", kept_target("standalone"))
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
    remembered("grading_a_bundle_scores_0_then_100_in_every_format", || {
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
        assert!(
            html.starts_with("<!doctype html>") && html.contains("<svg") && html.contains("100%")
        );
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
    });
}

#[test]
fn lateness_comes_from_the_interviewers_record() {
    remembered("lateness_comes_from_the_interviewers_record", || {
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
    });
}

#[test]
fn the_markdown_report_matches_its_snapshot() {
    remembered("the_markdown_report_matches_its_snapshot", || {
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
    });
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

/// Every kata of the manifest, as (id, folder).
fn katas() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(repository().join("katas.toml")).unwrap();
    let manifest: toml::Table = toml::from_str(&text).unwrap();
    manifest["kata"]
        .as_array()
        .unwrap()
        .iter()
        .map(|kata| {
            let field = |name: &str| kata[name].as_str().unwrap().to_owned();
            (field("id"), field("dir"))
        })
        .collect()
}

/// Creates a bundle of `kata` with every hint in `<scratch>/<kata>`.
fn bundle_of(scratch: &Path, kata: &str) -> PathBuf {
    let dir = scratch.join(kata);
    ok(&[
        "interview",
        "new",
        kata,
        "--candidate",
        "X",
        "--minutes",
        "45",
        "--hints",
        "all",
        "--out",
        dir.to_str().unwrap(),
        "--records",
        scratch.join("records").to_str().unwrap(),
    ]);
    dir
}

/// The `## ` titles of a Markdown text.
fn section_titles(markdown: &str) -> Vec<String> {
    markdown
        .lines()
        .filter_map(|line| line.strip_prefix("## "))
        .map(|title| title.trim().to_owned())
        .collect()
}

/// The words of `text` that name a file or a folder: a run of path characters ending in
/// `.rs`, `.toml` or `.md`, or ending in `/` (a folder). URLs are not paths.
fn mentioned_paths(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || "_./-".contains(c)))
        .map(|word| word.trim_end_matches('.'))
        .filter(|word| !word.contains("//") && !word.starts_with('/'))
        .filter(|word| {
            let file = [".rs", ".toml", ".md"]
                .iter()
                .any(|ext| word.len() > ext.len() && word.ends_with(ext));
            let folder = word.len() > 1
                && word.ends_with('/')
                && word[..word.len() - 1]
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_-/".contains(c));
            file || folder
        })
        .map(str::to_owned)
        .collect()
}

/// What a candidate reads in a bundle must hold there: no workbook command (`cargo kata
/// …`, `cargo … -p <package>`), no workbook path, no chapter section the README lacks, no
/// file that is not in the bundle, no test tool the bundle cannot use.
#[test]
fn every_bundle_names_only_commands_files_and_sections_it_has() {
    let scratch = scratch("names");
    let forbidden = [
        "cargo kata",
        "{{#",
        "<!-- kata:",
        "katas/",
        "solutions/",
        "checker/",
        "book/",
        "theory/",
        "mutants.toml",
        "katas.toml",
        "alternative solution",
        "reference solution",
        "The example tests: see", // the placeholder that stood for the inlined examples
    ];
    let mut problems = Vec::new();
    for (kata, folder) in katas() {
        let dir = bundle_of(&scratch, &kata);
        let chapter =
            std::fs::read_to_string(repository().join(format!("book/src/katas/{folder}.md")))
                .unwrap();
        let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
        let present = section_titles(&readme);
        let missing_sections: Vec<String> = section_titles(&chapter)
            .into_iter()
            .filter(|title| !present.contains(title))
            .collect();
        assert!(
            missing_sections.contains(&"For the interviewer".to_owned()),
            "{kata}: the README must stop before the interviewer's section"
        );
        let manifest_table: toml::Table = toml::from_str(&manifest).unwrap();
        let dev_tokio = manifest_table
            .get("dev-dependencies")
            .and_then(|deps| deps.get("tokio"))
            .and_then(|tokio| tokio.get("features"))
            .and_then(toml::Value::as_array)
            .map(|features| {
                features
                    .iter()
                    .filter_map(toml::Value::as_str)
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        let has_dev = |name: &str| {
            manifest_table
                .get("dev-dependencies")
                .is_some_and(|deps| deps.get(name).is_some())
        };
        for (path, text) in all_files(&dir) {
            let relative = path.strip_prefix(&dir).unwrap().to_owned();
            let name = relative.display().to_string();
            let checked = name == "README.md"
                || name == "Cargo.toml"
                || path.extension().is_some_and(|ext| ext == "rs");
            if !checked {
                continue;
            }
            let mut problem = |what: String| problems.push(format!("{kata}: {name}: {what}"));
            for pattern in forbidden {
                if text.contains(pattern) {
                    problem(format!("names `{pattern}`"));
                }
            }
            for title in &missing_sections {
                // A title of several words is specific enough to count wherever it appears;
                // a one-word title ("Performance") only as a reference to a section.
                let references = [
                    format!("\"{title}\""),
                    format!("**{title}**"),
                    format!("[{title}]"),
                    format!("{title} section"),
                    format!("section {title}"),
                ];
                let named = if title.contains(' ') {
                    text.to_lowercase().contains(&title.to_lowercase())
                } else {
                    references.iter().any(|form| text.contains(form.as_str()))
                };
                if named {
                    problem(format!("names the section \"{title}\", not in the README"));
                }
            }
            for (at, _) in text.match_indices("](#") {
                let anchor: String = text[at + 3..].chars().take_while(|&c| c != ')').collect();
                let exists = present.iter().any(|title| {
                    let slug: String = title
                        .to_lowercase()
                        .chars()
                        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-')
                        .map(|c| if c == ' ' { '-' } else { c })
                        .collect();
                    slug == anchor
                });
                if !exists {
                    problem(format!("links to #{anchor}, not a section of the README"));
                }
            }
            for (at, _) in text.match_indices("cargo ") {
                let command: String = text[at..]
                    .chars()
                    .take_while(|&c| c != '`' && c != '\n')
                    .collect();
                if [" -p ", "--package", "--manifest-path", "--workspace"]
                    .iter()
                    .any(|flag| command.contains(flag))
                {
                    problem(format!("names the workbook command `{command}`"));
                }
            }
            for mentioned in mentioned_paths(&text) {
                let here = path.parent().unwrap().join(&mentioned);
                if !dir.join(&mentioned).exists() && !here.exists() {
                    problem(format!(
                        "names `{mentioned}`, which the bundle does not have"
                    ));
                }
            }
            if (text.contains("tokio-test") || text.contains("tokio_test"))
                && !has_dev("tokio-test")
            {
                problem("names tokio-test, which is not a dev-dependency".to_owned());
            }
            let paused = text.contains("paused clock") || text.contains("start_paused");
            if paused
                && !(dev_tokio.iter().any(|f| f == "test-util")
                    && dev_tokio.iter().any(|f| f == "time"))
            {
                problem(
                    "names tokio's paused clock, but the dev-dependencies lack tokio's `test-util` and `time`"
                        .to_owned(),
                );
            }
        }
        assert!(
            readme.contains("## The prompt") && readme.contains("## Hints"),
            "{kata}: the README has the prompt and the hints"
        );
        // The chapter's include of the example tests is inlined, not lost.
        let examples = std::fs::read_to_string(dir.join("tests/examples.rs")).unwrap();
        let example_fns: Vec<&str> = examples
            .lines()
            .filter(|line| line.starts_with("fn ") || line.starts_with("async fn "))
            .collect();
        assert!(!example_fns.is_empty(), "{kata}: no example test found");
        for line in example_fns {
            assert!(
                readme.contains(line),
                "{kata}: the README lacks the example `{line}`"
            );
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Each bundle's tests compile on their own: its manifest, lockfile and sources stand alone
/// (`cargo check --tests`; kata 01's bundle is built and its tests run by
/// `cargo_test_works_inside_a_bundle_on_its_own`). One target folder serves all ten, kept
/// under `target/` between runs with the bundles' unchanged files, so an unchanged bundle
/// is checked again in no time.
#[test]
fn every_bundle_compiles_its_tests_on_its_own() {
    let scratch = scratch("builds");
    let target = kept_target("bundles");
    for (kata, _) in katas() {
        let dir = kept(&bundle_of(&scratch, &kata), &kata);
        let output = Command::new(env!("CARGO"))
            .current_dir(&dir)
            .args(["check", "--tests", "--offline", "--quiet"])
            .env("CARGO_TARGET_DIR", &target)
            .env_remove("RUSTFLAGS")
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "`cargo check --tests` in the bundle of {kata} failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// A copy of the bundle `fresh` in `target/tmp/interview-kept/<name>` that keeps its files
/// between runs: only files whose bytes changed are written (and files the bundle no
/// longer has are removed), so cargo, which compares modification times, rebuilds only
/// what changed.
fn kept(fresh: &Path, name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("interview-kept")
        .join(name);
    let files = |dir: &Path| -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
        let mut found = std::collections::BTreeMap::new();
        let mut pending = vec![dir.to_owned()];
        while let Some(folder) = pending.pop() {
            for entry in std::fs::read_dir(&folder).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    pending.push(path);
                } else {
                    let relative = path.strip_prefix(dir).unwrap().to_owned();
                    found.insert(relative, std::fs::read(&path).unwrap());
                }
            }
        }
        found
    };
    let (new, old) = (files(fresh), files(&dir));
    for gone in old.keys().filter(|path| !new.contains_key(*path)) {
        std::fs::remove_file(dir.join(gone)).unwrap();
    }
    for (path, bytes) in &new {
        if old.get(path) != Some(bytes) {
            std::fs::create_dir_all(dir.join(path).parent().unwrap()).unwrap();
            std::fs::write(dir.join(path), bytes).unwrap();
        }
    }
    dir.canonicalize().unwrap()
}

/// A target folder for bundles' builds, kept under `target/` between runs.
fn kept_target(name: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("interview-targets")
        .join(name)
}

/// A review round end to end: the bundle holds the reference and a tests file to write;
/// `cargo test` runs the candidate's tests against it; grading scores an empty file 0 and
/// then the mutants caught, with the false alarm named; the report shows mutants, false
/// alarms and history in every format.
#[test]
fn a_review_round_grades_the_candidates_tests_by_the_mutants_they_catch() {
    remembered(
        "a_review_round_grades_the_candidates_tests_by_the_mutants_they_catch",
        || {
            let scratch = scratch("review");
            let (dir, records) = (scratch.join("bundle"), scratch.join("records"));
            let (d, r) = (dir.to_str().unwrap(), records.to_str().unwrap());
            let made = ok(&[
                "interview",
                "new",
                "event-emitter",
                "--candidate",
                "Grace Hopper",
                "--minutes",
                "30",
                "--review",
                "--out",
                d,
                "--records",
                r,
            ]);
            assert!(made.contains("Grace Hopper"), "{made}");
            let reference =
                std::fs::read_to_string(repository().join("solutions/01-event-emitter/src/lib.rs"))
                    .unwrap();
            let given = std::fs::read_to_string(dir.join("src/lib.rs")).unwrap();
            assert!(
                !given.contains("todo!()") && given == kata_derive::strip_markers(&reference),
                "a review bundle holds the reference implementation, without the skeleton's markers"
            );
            assert!(!dir.join("mutants.toml").exists());
            let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
            assert!(
                readme.contains("review round") && readme.contains("tests/review.rs"),
                "{readme}"
            );
            let template = std::fs::read_to_string(dir.join("tests/review.rs")).unwrap();
            assert!(template.contains("use event_emitter::*;"), "{template}");

            let first = ok(&["interview", "grade", d, "--records", r]);
            assert!(
                first.contains("holds no test") && first.contains("Score 0%"),
                "{first}"
            );

            let tests = format!(
                "{template}\n\
         #[test]\n\
         fn removing_one_events_listeners_keeps_the_others() {{\n\
             let emitter: EventEmitter<&str, ()> = EventEmitter::new();\n\
             emitter.on(\"a\", |_| {{}});\n\
             emitter.on(\"b\", |_| {{}});\n\
             emitter.remove_all_listeners(Some(&\"a\"));\n\
             assert_eq!(emitter.listener_count(&\"b\"), 1);\n\
         }}\n\
         \n\
         #[test]\n\
         fn newest_listener_runs_first() {{\n\
             assert!(false, \"a wrong expectation: listeners run in registration order\");\n\
         }}\n"
            );
            std::fs::write(dir.join("tests/review.rs"), tests).unwrap();
            // The candidate's own loop: the tests run against the bundled implementation.
            let output = Command::new(env!("CARGO"))
                .current_dir(&dir)
                .args(["test", "--offline", "--quiet", "--test", "review"])
                .env("CARGO_TARGET_DIR", scratch.join("target"))
                .env_remove("RUSTFLAGS")
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&output.stdout);
            assert!(
                text.contains("1 passed; 1 failed"),
                "cargo test in the review bundle:\n{text}{}",
                String::from_utf8_lossy(&output.stderr)
            );

            let second = ok(&["interview", "grade", d, "--records", r]);
            assert!(
                second.contains("false alarm")
                    && second.contains("newest_listener_runs_first")
                    && second.contains("Mutants caught: 1 of")
                    && !second.contains("LATE"),
                "{second}"
            );

            let md = ok(&["interview", "report", d, "--records", r]);
            assert!(
                md.contains("# Review interview report: Grace Hopper"),
                "{md}"
            );
            assert!(md.contains("| False alarms | 1 of 2 tests |"), "{md}");
            assert!(
                md.contains("remove_all_listeners(Some(event)) clears every event.")
                    && md.contains("✓ `removing_one_events_listeners_keeps_the_others` (failed)"),
                "mutants by their rule and the test that caught them: {md}"
            );
            assert!(md.contains("**false alarm** (failed)"), "{md}");
            assert!(
                md.contains("| 1 |") && md.contains("| 2 |"),
                "the history: {md}"
            );
            assert!(md.contains("## What a good suite checks"), "{md}");

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
            assert!(html.starts_with("<!doctype html>") && html.contains("<svg"));
            assert!(html.contains("false alarm"));

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
            assert_eq!(json["gradings"].as_array().unwrap().len(), 0);
            assert_eq!(json["review"][0]["report"]["status"], "error");
            assert_eq!(json["review"][1]["report"]["false_alarms"], 1);
            assert_eq!(json["review"][1]["report"]["caught"], 1);
        },
    );
}

/// Runs a test that grades a bundle through the checker unless it passed before with
/// exactly the same inputs (`common/memory.rs`): this file and `common/`, the checker
/// binary, kata 01 (skeleton, solution with its mutants and rules, hidden tests, chapter),
/// the report snapshots, the support crate, the workspace's manifests and lockfile, the
/// toolchain, the environment and the machine's confinement facts.
/// `KATA_TEST_CACHE=off` runs it anyway; a clean clone has no memory.
fn remembered(name: &str, body: impl FnOnce()) {
    let mut inputs = Inputs::for_grading(&[("interview.rs", include_str!("interview.rs"))]);
    inputs.kata("01-event-emitter");
    let root = repository();
    inputs.file("chapter", &root.join("book/src/katas/01-event-emitter.md"));
    inputs.tree("snapshots", &root.join("checker/tests/snapshots"));
    Memory::default().run_unless_passed(name, &inputs, body);
}
