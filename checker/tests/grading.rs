//! The checker graded from the outside, as a learner runs it: fixture attempts made from
//! the kata 01 solution with one deliberate change each (pass, fail, compile error, hang,
//! crash, faked success), graded with `--path` and `--format json`.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

mod common;

use common::memory::{Inputs, Memory};
use common::{
    KATA, attempt, attempt_of, checker, fingerprint, grade_json, grade_kata_json, outcomes,
    repository, tests_with,
};

/// Replaces the parts of a report that change between machines and edits.
fn stable(text: &str, dir: &Path) -> String {
    let relative = dir
        .strip_prefix(repository().canonicalize().unwrap())
        .unwrap_or(dir);
    let text = text
        .replace(dir.to_str().unwrap(), "[attempt]")
        .replace(relative.to_str().unwrap(), "[attempt]");
    // Line numbers in "(at src/lib.rs:12:9)" move whenever the solution is edited.
    let mut out = String::new();
    let mut in_notes = false;
    for line in text.lines() {
        // Why confinement did not hold depends on the machine.
        if line.contains("\"confinement_notes\": [") {
            in_notes = true;
        }
        if in_notes {
            in_notes = !line.trim_start().starts_with(']');
            continue;
        }
        // Whether tests could be cut off from the network depends on the machine.
        // So do the filesystem and process confinement (the notes say why not).
        if line.contains("note: tests ran with network access")
            || line.contains("note: tests could read and write files")
            || line.contains("note: test processes were not fully confined")
        {
            continue;
        }
        let mut machine = false;
        for field in [
            "\"network_isolated\": ",
            "\"filesystem_confined\": ",
            "\"processes_confined\": ",
        ] {
            if let Some(at) = line.find(field) {
                out.push_str(&line[..at + field.len()]);
                out.push_str("\"[machine]\"");
                out.push_str(if line.ends_with(',') { ",\n" } else { "\n" });
                machine = true;
            }
        }
        if machine {
            continue;
        }
        // Raw test output holds thread ids and timings.
        if let Some(at) = line.find("\"output\": \"") {
            out.push_str(&line[..at]);
            out.push_str("\"output\": \"[output]\",\n");
            continue;
        }
        match line.find("(at ") {
            Some(at) => {
                out.push_str(&line[..at]);
                out.push_str("(at [location])");
                if line.ends_with("\",") {
                    out.push_str("\",");
                } else if line.ends_with('"') {
                    out.push('"');
                }
            }
            None => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

#[test]
fn the_reference_solution_scores_100() {
    remembered("the_reference_solution_scores_100", || {
        let dir = attempt("solution", &[]);
        let report = grade_json(&dir, &[]);
        assert_eq!(report["score"], 100.0);
        assert_eq!(report["status"], "pass");
        assert_eq!(report["version"], 3);
        assert_eq!(report["stage_reached"], 3);
    });
}

#[test]
fn a_panicking_attempt_fails_with_its_message() {
    remembered("a_panicking_attempt_fails_with_its_message", || {
        let dir = attempt(
            "panics",
            &[(
                "        let snapshot = {\n            let mut map = self.listeners.borrow_mut();",
                "        panic!(\"boom from emit\");\n        #[allow(unreachable_code)]\n        let snapshot = {\n            let mut map = self.listeners.borrow_mut();",
            )],
        );
        let report = grade_json(&dir, &[]);
        let failed = tests_with(&report, "failed");
        assert!(
            !failed.is_empty(),
            "tests that emit must fail: {:?}",
            outcomes(&report)
        );
        for test in &failed {
            let message = test["message"].as_str().unwrap();
            assert!(
                message.contains("boom from emit"),
                "the panic message is reported: {message}"
            );
            assert!(
                message.contains("src/lib.rs:"),
                "with the learner's own path: {message}"
            );
            assert_eq!(test["status"], "fail");
        }
        assert!(report["score"].as_f64().unwrap() < 100.0);
    });
}

#[test]
fn an_attempt_that_does_not_compile_shows_the_compiler_error() {
    remembered(
        "an_attempt_that_does_not_compile_shows_the_compiler_error",
        || {
            let dir = attempt(
                "no-compile",
                &[(
                    "pub struct ListenerId(u64);",
                    "pub struct ListenerId(u64)\nlet broken: u32 = \"text\";",
                )],
            );
            let report = grade_json(&dir, &[]);
            assert_eq!(report["status"], "error");
            assert_eq!(report["score"], 0.0);
            let message = report["message"].as_str().unwrap();
            assert!(message.contains("error"), "compiler output: {message}");
            assert!(
                message.contains("src/lib.rs:"),
                "paths are the learner's: {message}"
            );
            assert!(
                !message.contains("kata-harness"),
                "no harness paths leak: {message}"
            );
            assert_eq!(
                outcomes(&report),
                BTreeMap::from([("not-compiled".to_owned(), 32)])
            );
        },
    );
}

#[test]
fn a_hanging_test_times_out_within_the_limit() {
    remembered("a_hanging_test_times_out_within_the_limit", || {
        let dir = attempt(
            "hangs",
            &[(
                "        self.listeners.borrow().get(event).map_or(0, Vec::len)",
                "        loop {\n            std::hint::spin_loop();\n        }",
            )],
        );
        let started = std::time::Instant::now();
        let report = grade_json(&dir, &["--time-limit", "1"]);
        let timed_out = tests_with(&report, "timed-out");
        assert!(
            timed_out.len() >= 3,
            "listener_count hangs: {:?}",
            outcomes(&report)
        );
        for test in timed_out {
            assert_eq!(test["status"], "error");
            assert!(test["message"].as_str().unwrap().contains("1 s"));
        }
        // Only a bound against a runaway (a hang nobody killed never ends): the build of the
        // attempt dominates, and took 130 s on two cores shared with other builds (load 15).
        // That each hanging test stopped at its 1 s limit is asserted above, per test.
        assert!(
            started.elapsed().as_secs() < 600,
            "grading a hang took {:?}",
            started.elapsed()
        );
    });
}

#[test]
fn faked_success_passes_nothing() {
    remembered("faked_success_passes_nothing", || {
        // Prints libtest's success lines and fake JSON events, then exits 0 mid-test.
        let dir = attempt(
            "fakes-success",
            &[(
                "        Self {\n            listeners: RefCell::new(HashMap::new()),",
                "        println!(\"test result: ok. 30 passed; 0 failed\");\n        println!(\"{{\\\"type\\\":\\\"test\\\",\\\"event\\\":\\\"ok\\\",\\\"name\\\":\\\"x\\\"}}\");\n        std::process::exit(0);\n        #[allow(unreachable_code)]\n        Self {\n            listeners: RefCell::new(HashMap::new()),",
            )],
        );
        let report = grade_json(&dir, &[]);
        // Every single-threaded test builds an emitter with `new`, so none may pass; the
        // thread-safe stage does not call it and still passes.
        assert_eq!(report["stages"][0]["passed"], 0);
        assert_eq!(report["stages"][1]["passed"], 0);
        for test in tests_with(&report, "failed") {
            assert!(
                test["message"]
                    .as_str()
                    .unwrap()
                    .contains("exited with status 0")
            );
        }
    });
}

#[test]
fn an_aborting_test_is_reported_as_a_crash() {
    remembered("an_aborting_test_is_reported_as_a_crash", || {
        let dir = attempt(
            "aborts",
            &[(
                "        self.listeners.borrow().get(event).map_or(0, Vec::len)",
                "        std::process::abort()",
            )],
        );
        let report = grade_json(&dir, &[]);
        let crashed = tests_with(&report, "crashed");
        assert!(!crashed.is_empty(), "{:?}", outcomes(&report));
        assert!(crashed[0]["message"].as_str().unwrap().contains("SIGABRT"));
    });
}

#[test]
fn a_deadlock_under_loom_is_a_concurrency_failure_not_a_hang() {
    remembered(
        "a_deadlock_under_loom_is_a_concurrency_failure_not_a_hang",
        || {
            // Kata 05 with the check and the push of `execute` under two locks: a shutdown in
            // between leaves a job nobody runs, and its handle waits forever.
            let dir = attempt_of(
                "05-worker-pool",
                "loom-deadlock",
                &[(
                    "            let mut queue = self.shared.lock();\n            if queue.phase != Phase::Running {\n                return Err(ShutDown);\n            }\n            queue.jobs.push_back(job);",
                    "            let running = self.shared.lock().phase == Phase::Running;\n            if !running {\n                return Err(ShutDown);\n            }\n            self.shared.lock().jobs.push_back(job);",
                )],
            );
            let report = grade_kata_json("worker-pool", &dir, &[]);
            let tests = report["tests"].as_array().unwrap();
            let failures: Vec<&Value> = tests
                .iter()
                .filter(|t| t["stage"] == 3 && t["outcome"] == "failed")
                .collect();
            assert!(!failures.is_empty(), "{:?}", outcomes(&report));
            for test in failures {
                let message = test["message"].as_str().unwrap();
                assert!(
                    message.starts_with("concurrency failure found by loom: deadlock"),
                    "{message}"
                );
            }
            assert!(
                tests_with(&report, "timed-out").is_empty(),
                "a deadlock loom sees is not a hang"
            );
        },
    );
}

#[test]
fn grading_never_writes_into_the_learners_folder() {
    remembered("grading_never_writes_into_the_learners_folder", || {
        let dir = attempt(
            "untouched",
            &[("    list.remove(position);", "    list.clear();")],
        );
        let before = fingerprint(&dir);
        grade_json(&dir, &[]);
        assert_eq!(
            fingerprint(&dir),
            before,
            "the attempt's folder changed during grading"
        );
    });
}

#[test]
fn reports_match_their_snapshots() {
    remembered("reports_match_their_snapshots", || {
        let dir = attempt(
            "snapshot",
            &[(
                "            Some(event) => {\n                map.remove(event);\n            }\n            None => map.clear(),\n        }\n        // END SOLUTION\n    }\n}\n\nimpl<E: Eq + Hash, A> Default for EventEmitter<E, A>",
                "            Some(_) | None => map.clear(),\n        }\n        // END SOLUTION\n    }\n}\n\nimpl<E: Eq + Hash, A> Default for EventEmitter<E, A>",
            )],
        );
        let path = dir.to_str().unwrap();
        let human = checker(&["grade", KATA, "--path", path]);
        insta::assert_snapshot!(
            "human_report",
            stable(&String::from_utf8_lossy(&human.stdout), &dir)
        );
        let json = checker(&["grade", KATA, "--path", path, "--format", "json"]);
        insta::assert_snapshot!(
            "json_report",
            stable(&String::from_utf8_lossy(&json.stdout), &dir)
        );
    });
}

#[test]
fn bad_input_gets_a_clear_message_and_exit_status_2() {
    let unknown = checker(&["grade", "no-such-kata"]);
    assert_eq!(unknown.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&unknown.stderr);
    assert!(
        stderr.contains("no kata `no-such-kata`") && stderr.contains(KATA),
        "{stderr}"
    );

    let not_a_crate = checker(&["grade", KATA, "--path", env!("CARGO_TARGET_TMPDIR")]);
    assert_eq!(not_a_crate.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&not_a_crate.stderr).contains("is not a crate"));

    let help = checker(&["--help"]);
    assert!(String::from_utf8_lossy(&help.stdout).contains("Exit status"));
}

/// `cargo kata mutants` without cargo-mutants says how to install it; with a stand-in that
/// writes cargo-mutants' `outcomes.json`, it passes the kata's exclusions, counts, and
/// writes the kata's row and section of the document.
#[test]
fn cargo_kata_mutants_reports_and_writes_the_fidelity_table() {
    use std::os::unix::fs::PermissionsExt;
    let missing = Command::new(env!("CARGO_BIN_EXE_checker"))
        .args(["mutants", "read-files"])
        .env("KATA_CARGO_MUTANTS", "/nonexistent/cargo-mutants")
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(stderr.contains("cargo install cargo-mutants"), "{stderr}");
    let refused = |args: &[&str], says: &str| {
        let output = Command::new(env!("CARGO_BIN_EXE_checker"))
            .args(args)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    };
    // Parallel jobs would share one target folder and grade stale builds: refused.
    refused(
        &["mutants", "read-files", "--jobs", "2"],
        "--jobs above 1 is refused",
    );
    // The self-check's test processes at once: at least one.
    refused(&["verify", "read-files", "--test-jobs", "0"], "--test-jobs");

    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fake-cargo-mutants");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let args_log = dir.join("args");
    let fake = dir.join("cargo-mutants");
    std::fs::write(
        &fake,
        format!(
            r#"#!/bin/sh
[ "$2" = "--version" ] && {{ echo "cargo-mutants 27.1.0"; exit 0; }}
echo "$@" > {log}
while [ $# -gt 0 ]; do [ "$1" = "--output" ] && out="$2"; shift; done
mkdir -p "$out/mutants.out"
cat > "$out/mutants.out/outcomes.json" <<'JSON'
{{"outcomes": [
 {{"scenario": "Baseline", "summary": "Success"}},
 {{"scenario": {{"Mutant": {{"name": "lib.rs:1:1: replace a -> u8 with 0", "function": {{"function_name": "a"}}, "replacement": "0"}}}}, "summary": "CaughtMutant"}},
 {{"scenario": {{"Mutant": {{"name": "lib.rs:2:1: replace b -> u8 with 1", "function": {{"function_name": "b"}}, "replacement": "1"}}}}, "summary": "MissedMutant"}}
], "cargo_mutants_version": "27.1.0"}}
JSON
exit 2
"#,
            log = args_log.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let document = dir.join("FIDELITY.md");
    let run = Command::new(env!("CARGO_BIN_EXE_checker"))
        .args(["mutants", "read-files", "--out"])
        .arg(&document)
        .env("KATA_CARGO_MUTANTS", &fake)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(String::from_utf8_lossy(&run.stdout).contains("read-files: 50%"));
    let args = std::fs::read_to_string(&args_log).unwrap();
    assert!(args.contains("--package read-files-solution"), "{args}");
    assert!(
        args.contains("--exclude-re"),
        "the kata's `given` code is excluded: {args}"
    );
    let text = std::fs::read_to_string(&document).unwrap();
    assert!(text.contains("| 02 read-files | 2 |"), "{text}");
    assert!(
        text.contains("- `lib.rs:2:1: replace b -> u8 with 1`"),
        "{text}"
    );
}

/// The workbook's self-check, as `cargo kata verify --format json` reports it.
#[test]
fn every_kata_passes_the_self_check() {
    let output = checker(&["verify", "--format", "json"]);
    let checks: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "verify JSON ({e}); stderr:\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    for kata in checks.as_array().unwrap() {
        let id = &kata["id"];
        assert_eq!(
            kata["skeleton_score"], 0.0,
            "{id}: the skeleton must score 0"
        );
        assert_eq!(
            kata["skeleton_compiles"], true,
            "{id}: the skeleton must compile"
        );
        assert_eq!(
            kata["solution_score"], 100.0,
            "{id}: the solution must score 100"
        );
        let mutants = kata["mutants"].as_array().unwrap();
        assert!(
            mutants.len() >= 3,
            "{id}: at least the seed's bugs as mutants"
        );
        for mutant in mutants {
            assert_eq!(
                mutant["caught"], true,
                "{id}: mutant {} escaped",
                mutant["name"]
            );
        }
        assert_eq!(
            kata["problems"].as_array().unwrap().len(),
            0,
            "{id}: {}",
            kata["problems"]
        );
    }
    assert!(output.status.success());
}

/// `cargo kata verify <kata> --format json [extra]`: the kata's check and the exit status.
fn verify_one(kata: &str, extra: &[&str]) -> (Value, bool) {
    let mut args = vec!["verify", kata, "--format", "json"];
    args.extend_from_slice(extra);
    let output = checker(&args);
    let checks: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "verify JSON ({e}); stderr:\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (checks[0].clone(), output.status.success())
}

/// The cache of verdicts: a second run of an unchanged kata is served from it, and
/// `--no-cache` grades again (which inputs change the key is proved input by input by the
/// checker's unit test `one_changed_byte_in_any_input_changes_the_key_and_nothing_else_does`).
#[test]
fn a_second_verify_is_served_from_the_cache_and_no_cache_grades_again() {
    remembered(
        "a_second_verify_is_served_from_the_cache_and_no_cache_grades_again",
        || {
            // The kata with the quickest self-check.
            let kata = "priority-queue";
            let (first, sound) = verify_one(kata, &[]);
            assert!(sound, "{first}");
            let (second, sound) = verify_one(kata, &[]);
            assert!(sound);
            assert_eq!(second["from_cache"], true, "{second}");
            assert_eq!(
                second["tests_run"], first["tests_run"],
                "the stored verdict is served"
            );
            let (third, sound) = verify_one(kata, &["--no-cache"]);
            assert!(sound);
            assert_eq!(third["from_cache"], false, "{third}");
            assert!(third["tests_run"].as_u64().unwrap() > 0, "{third}");
            let mutants = third["mutants"].as_array().unwrap();
            assert!(!mutants.is_empty());
            for mutant in mutants {
                assert_eq!(mutant["caught"], true, "{mutant}");
            }
            assert!(
                third["tests_stopped"].as_u64().unwrap() > 0,
                "a mutant's tests stop at the first that catches it: {third}"
            );
        },
    );
}

#[test]
fn a_second_checker_waits_for_the_harness_and_says_so() {
    remembered("a_second_checker_waits_for_the_harness_and_says_so", || {
        use std::io::{BufRead, BufReader};
        use std::process::Stdio;

        let dir = attempt("waits-for-lock", &[]);
        // Make sure the harness exists, then hold its lock as another checker would.
        grade_json(&dir, &[]);
        let lock = std::fs::File::create(repository().join("target/kata-harness/.lock")).unwrap();
        // Other tests of this binary may be grading; wait for our turn like they do.
        lock.lock().unwrap();
        let mut second = std::process::Command::new(env!("CARGO_BIN_EXE_checker"))
            .args([
                "grade",
                KATA,
                "--path",
                dir.to_str().unwrap(),
                "--format",
                "json",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = BufReader::new(second.stderr.take().unwrap());
        let mut line = String::new();
        stderr.read_line(&mut line).unwrap();
        assert!(line.contains("Waiting for another `cargo kata`"), "{line}");
        lock.unlock().unwrap();
        let output = second.wait_with_output().unwrap();
        assert!(output.status.success());
        let report: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(
            report["score"], 100.0,
            "grading went on once the harness was free"
        );
    });
}

/// Runs a test that grades fixture attempts unless it passed before with exactly the same
/// inputs (`common/memory.rs`): this file and `common/`, the checker binary, the katas the
/// fixtures are made from (01, 05 for the loom deadlock, 08 for the verdicts' cache) with
/// their hidden tests, the
/// report snapshots, the support crate, the workspace's manifests and lockfile, the
/// toolchain, the environment and the machine's confinement facts.
/// `KATA_TEST_CACHE=off` runs it anyway; a clean clone has no memory.
fn remembered(name: &str, body: impl FnOnce()) {
    let mut inputs = Inputs::for_grading(&[("grading.rs", include_str!("grading.rs"))]);
    for dir in ["01-event-emitter", "05-worker-pool", "08-priority-queue"] {
        inputs.kata(dir);
    }
    inputs.tree("snapshots", &repository().join("checker/tests/snapshots"));
    Memory::default().run_unless_passed(name, &inputs, body);
}
