//! `cargo kata new` end to end: in a copy of the workbook (its tracked files, under
//! `target/kata-new-test/workbook/`), a new kata is scaffolded, passes `cargo kata verify`,
//! and grades 0% as a skeleton and 100% as its solution — each through `cargo kata`, so the
//! checker is rebuilt with the new manifest entry and hidden tests, as a user's would be.
//!
//! It builds a second workspace, so its pass is remembered (`common/memory.rs`) under a key
//! of every file copied; the copy's checker builds in one `CARGO_TARGET_DIR`
//! (`target/kata-new-test/target`) and grades in the copy's own `target/kata-harness/`, both
//! kept between runs and only the changed files of the copy rewritten, so a run after a
//! change rebuilds only what changed.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::memory::{Inputs, Memory};
use common::repository;
use serde_json::Value;

/// The scratch folder of this test.
fn scratch() -> PathBuf {
    repository()
        .canonicalize()
        .unwrap()
        .join("target/kata-new-test")
}

/// The workbook's files, relative to its root: those git tracks, and new ones it does not
/// ignore (so an uncommitted change is tested too); without git, every file but `target/`
/// and `.git/`.
fn workbook_files(root: &Path) -> Vec<PathBuf> {
    let listed = Command::new("git")
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .current_dir(root)
        .output();
    let files: Vec<PathBuf> = match listed {
        Ok(output) if output.status.success() => output
            .stdout
            .split(|b| *b == 0)
            .filter(|p| !p.is_empty())
            .map(|p| PathBuf::from(String::from_utf8_lossy(p).into_owned()))
            .collect(),
        _ => common::memory::tree(root)
            .into_keys()
            .filter(|p| !p.starts_with(".git"))
            .collect(),
    };
    files
        .into_iter()
        .filter(|p| root.join(p).is_file())
        .collect()
}

/// Makes `copy` hold exactly `files` of `root` (its `target/` aside): a file is written
/// only when its content differs, so cargo's fingerprints of the unchanged ones hold.
fn sync(root: &Path, copy: &Path, files: &[PathBuf]) {
    let wanted: BTreeSet<&Path> = files.iter().map(PathBuf::as_path).collect();
    for (path, _) in common::memory::tree(copy) {
        if !wanted.contains(path.as_path()) {
            std::fs::remove_file(copy.join(&path)).unwrap();
        }
    }
    remove_empty_folders(copy);
    for file in files {
        let bytes = std::fs::read(root.join(file)).unwrap();
        let target = copy.join(file);
        if std::fs::read(&target).ok().as_deref() != Some(&bytes[..]) {
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::write(&target, &bytes).unwrap();
        }
    }
}

fn remove_empty_folders(dir: &Path) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if entry.file_type().unwrap().is_dir() && entry.file_name() != "target" {
            remove_empty_folders(&path);
            let _ = std::fs::remove_dir(&path); // fails unless empty
        }
    }
}

/// `cargo kata <args>` in the copy.
fn cargo_kata(copy: &Path, args: &[&str]) -> Output {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let started = std::time::Instant::now();
    let output = Command::new(cargo)
        .arg("kata")
        .args(args)
        .current_dir(copy)
        .env("CARGO_TARGET_DIR", scratch().join("target"))
        .env_remove("CARGO_BUILD_TARGET_DIR")
        .env_remove("RUSTC_BOOTSTRAP")
        .output()
        .expect("cargo runs");
    eprintln!(
        "cargo kata {} — {:.1} s, {}",
        args.join(" "),
        started.elapsed().as_secs_f64(),
        output.status
    );
    output
}

fn text(output: &Output) -> String {
    format!(
        "status {}\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", text(output)))
}

#[test]
fn a_new_kata_verifies_and_grades_0_as_skeleton_and_100_as_solution() {
    let root = repository().canonicalize().unwrap();
    let files = workbook_files(&root);
    let mut inputs = Inputs::for_grading(&[("new_kata.rs", include_str!("new_kata.rs"))]);
    for file in &files {
        inputs.file(&format!("workbook:{}", file.display()), &root.join(file));
    }
    Memory::default().run_unless_passed("new-kata", &inputs, || {
        let copy = scratch().join("workbook");
        std::fs::create_dir_all(&copy).unwrap();
        sync(&root, &copy, &files);

        let new = cargo_kata(&copy, &["new", "word-count", "--title", "Word count"]);
        assert!(new.status.success(), "{}", text(&new));
        let message = String::from_utf8_lossy(&new.stdout);
        let dir = message
            .lines()
            .find_map(|l| l.trim().strip_prefix("katas/")?.strip_suffix("/src/lib.rs"))
            .unwrap_or_else(|| panic!("the message names the skeleton:\n{message}"))
            .to_owned();
        assert!(dir.ends_with("-word-count"), "{dir}");
        for written in [
            format!("solutions/{dir}/src/lib.rs"),
            format!("solutions/{dir}/mutants.toml"),
            format!("checker/hidden/{dir}/stage1.rs"),
            format!("book/src/katas/{dir}.md"),
            "katas.toml".to_owned(),
            "book/src/SUMMARY.md".to_owned(),
        ] {
            assert!(
                message.contains(&written),
                "{written} not reported:\n{message}"
            );
            assert!(copy.join(&written).is_file(), "{written} not written");
        }
        assert!(
            message.contains("cargo kata verify word-count"),
            "{message}"
        );
        let summary = std::fs::read_to_string(copy.join("book/src/SUMMARY.md")).unwrap();
        assert!(summary.contains(&format!("(katas/{dir}.md)")), "{summary}");

        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let fmt = Command::new(cargo)
            .args(["fmt", "--all", "--check"])
            .current_dir(&copy)
            .output()
            .unwrap();
        assert!(
            fmt.status.success(),
            "the new files are formatted: {}",
            text(&fmt)
        );

        let again = cargo_kata(&copy, &["new", "word-count"]);
        assert_eq!(again.status.code(), Some(2), "{}", text(&again));
        assert!(
            String::from_utf8_lossy(&again.stderr).contains("already a kata `word-count`"),
            "{}",
            text(&again)
        );

        let verify = cargo_kata(
            &copy,
            &["verify", "word-count", "--no-cache", "--format", "json"],
        );
        assert!(verify.status.success(), "{}", text(&verify));
        let check = &json(&verify)[0];
        assert_eq!(check["id"], "word-count", "{check:#}");
        assert_eq!(check["skeleton_score"], 0.0, "{check:#}");
        assert_eq!(check["solution_score"], 100.0, "{check:#}");
        let mutants = check["mutants"].as_array().unwrap();
        assert_eq!(mutants.len(), 1, "{check:#}");
        assert_eq!(mutants[0]["caught"], true, "{check:#}");
        assert_eq!(check["problems"].as_array().unwrap().len(), 0, "{check:#}");

        let skeleton = cargo_kata(&copy, &["grade", "word-count", "--format", "json"]);
        assert!(skeleton.status.success(), "{}", text(&skeleton));
        let report = json(&skeleton);
        assert_eq!(report["score"], 0.0, "{report:#}");
        assert_eq!(
            report["status"], "fail",
            "the skeleton compiles and fails: {report:#}"
        );

        // The chapter's prompt is a candidate's README: it names no workbook command.
        let bundle = scratch().join("bundle");
        let _ = std::fs::remove_dir_all(&bundle);
        let interview = cargo_kata(
            &copy,
            &[
                "interview",
                "new",
                "word-count",
                "--candidate",
                "Ada",
                "--minutes",
                "30",
                "--out",
                bundle.to_str().unwrap(),
            ],
        );
        assert!(interview.status.success(), "{}", text(&interview));
        let readme = std::fs::read_to_string(bundle.join("README.md")).unwrap();
        assert!(readme.contains("## The prompt"), "{readme}");
        for leak in ["cargo kata", "{{#", "<!-- kata:", "katas/", "solutions/"] {
            assert!(
                !readme.contains(leak),
                "the README names `{leak}`:\n{readme}"
            );
        }
        let lib = std::fs::read_to_string(bundle.join("src/lib.rs")).unwrap();
        assert!(!lib.contains("cargo kata"), "{lib}");

        let solution_dir = format!("solutions/{dir}");
        let solution = cargo_kata(
            &copy,
            &[
                "grade",
                "word-count",
                "--path",
                &solution_dir,
                "--format",
                "json",
            ],
        );
        assert!(solution.status.success(), "{}", text(&solution));
        let report = json(&solution);
        assert_eq!(report["score"], 100.0, "{report:#}");
    });
}

/// The command's refusals, in the workbook itself: each is refused before anything is
/// written, so the workbook is left as it was.
#[test]
fn bad_names_and_wrong_folders_are_refused_with_a_reason() {
    let root = repository().canonicalize().unwrap();
    let manifest = std::fs::read(root.join("katas.toml")).unwrap();
    let run = |cwd: &Path, args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_checker"))
            .args(args)
            .current_dir(cwd)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{}", text(&output));
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    let exists = run(&root, &["new", "event-emitter"]);
    assert!(
        exists.contains("already a kata `event-emitter`"),
        "{exists}"
    );
    let bad = run(&root, &["new", "Word_Count"]);
    assert!(bad.contains("not a valid kata name"), "{bad}");
    let package = run(&root, &["new", "tokio"]);
    assert!(
        package.contains("already has a package or dependency"),
        "{package}"
    );
    let elsewhere = run(&root.join("katas"), &["new", "word-count"]);
    assert!(
        elsewhere.contains("from the workbook's root"),
        "{elsewhere}"
    );
    assert_eq!(std::fs::read(root.join("katas.toml")).unwrap(), manifest);
}
