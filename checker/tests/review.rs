//! Review grading (`cargo kata review`): a tests file is graded by the mutants it catches.
//!
//! - The hostile file: tricks that must score nothing (a test that always fails, one that
//!   exits 0 or aborts, one that reads the code under test, one that sleeps near the time
//!   limit, an ignored one) beside two honest tests that catch what they catch: a partly
//!   good suite, graded once.
//! - The snooping file: tests that look for the schema's switch (environment,
//!   `/proc/self/environ`, descriptors, their own executable, the setter) count and
//!   catch nothing.
//! - Bad input: no file (exit 2), a file that does not compile (the compiler's error), one
//!   that reads the code at compile time (refused), an empty one (no tests, 0).
//! - The wiring: each kata's own hidden tests, submitted as review tests, catch every
//!   mutant with no false alarm. `cargo test` checks kata 08 (`KATA_REVIEW_KATAS=all`, or a
//!   comma-separated list of katas, chooses; `none` skips), and prints what the kata's
//!   example tests catch as review tests.

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde_json::Value;

mod common;

use common::memory::{Inputs, Memory};
use common::{checker, repository};

/// Everything a review test's verdict depends on: this file, what every grading depends
/// on (`Inputs::for_grading`), and each kata's skeleton, reference, mutants and hidden
/// tests. Passing tests are remembered by it (`common/memory.rs`): a warm `cargo test`
/// with none of it changed does not grade again.
fn inputs(katas: &[&str]) -> Inputs {
    let mut inputs = Inputs::for_grading(&[("review.rs", include_str!("review.rs"))]);
    for dir in katas {
        inputs.kata(dir);
    }
    inputs.insert(
        "env:KATA_REVIEW_KATAS",
        std::env::var("KATA_REVIEW_KATAS").unwrap_or_default(),
    );
    inputs
}

/// Writes `text` as a review tests file named `name` and returns its path.
fn tests_file(name: &str, text: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("review");
    std::fs::create_dir_all(&dir).unwrap();
    let path = std::path::absolute(dir.join(format!("{name}.rs"))).unwrap();
    std::fs::write(&path, text).unwrap();
    path
}

/// `cargo kata review <kata> --path <file> --format json [extra]`.
fn review(kata: &str, file: &Path, extra: &[&str]) -> Value {
    let mut args = vec![
        "review",
        kata,
        "--path",
        file.to_str().unwrap(),
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    let output = checker(&args);
    assert!(
        output.status.success(),
        "review must exit 0 whatever the score; stderr:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "review JSON ({e}); stderr:\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

fn test<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no test {name} in {:#}", report["tests"]))
}

const HOSTILE: &str = r#"
use event_emitter::EventEmitter;

#[test]
fn removing_one_events_listeners_keeps_the_others() {
    let emitter: EventEmitter<&str, ()> = EventEmitter::new();
    emitter.on("a", |_| {});
    emitter.on("b", |_| {});
    emitter.remove_all_listeners(Some(&"a"));
    assert_eq!(emitter.listener_count(&"a"), 0);
    assert_eq!(emitter.listener_count(&"b"), 1);
}

#[test]
fn try_emit_without_a_listener_is_an_error() {
    let emitter: EventEmitter<&str, ()> = EventEmitter::new();
    assert!(emitter.try_emit(&"nobody", &()).is_err());
}

#[test]
fn always_fails() {
    panic!("this test fails on every implementation");
}

#[test]
fn exits_before_asserting_anything() {
    std::process::exit(0);
}

#[test]
fn proves_through_kata_support_then_exits() {
    kata_support::graded(|| ());
    println!("test result: ok. 1 passed; 0 failed");
    std::process::exit(0);
}

#[test]
fn aborts_on_every_variant() {
    std::process::abort();
}

#[test]
fn reads_the_code_under_test() {
    let lib = concat!(env!("CARGO_MANIFEST_DIR"), "/src/lib.rs");
    let reference = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../../solutions/01-event-emitter/src/lib.rs"
    );
    let code = std::fs::read_to_string(lib).expect("read the code under test");
    let good = std::fs::read_to_string(reference).expect("read the reference");
    assert_eq!(code, good, "a mutant: its code differs from the reference");
}

#[test]
fn sleeps_near_the_time_limit() {
    std::thread::sleep(std::time::Duration::from_millis(1700));
}

#[test]
#[ignore]
fn ignored_and_failing() {
    panic!("ignored tests are not run");
}

mod nested {
    #[test]
    fn a_test_in_a_module_counts_too() {
        let emitter: event_emitter::EventEmitter<&str, ()> = event_emitter::EventEmitter::new();
        assert!(!emitter.emit("nothing", &()));
    }
}
"#;

/// The hostile file: every trick is a false alarm with its reason (or, where the machine
/// does not confine the filesystem, at least catches nothing it could not), the honest
/// tests catch some mutants and the score says so.
#[test]
fn tricks_score_nothing_and_honest_tests_score_what_they_catch() {
    Memory::default().run_unless_passed("tricks_score_nothing_and_honest_tests_score_what_they_catch", &inputs(&["01-event-emitter"]), || {
        let file = tests_file("hostile", HOSTILE);
        let started = Instant::now();
        let report = review("event-emitter", &file, &["--time-limit", "3"]);
        eprintln!("hostile review graded in {:.1?}", started.elapsed());
        assert_eq!(report["status"], "fail", "{report:#}");
        let names: Vec<&str> = report["tests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap())
            .collect();
        assert!(
            !names.contains(&"ignored_and_failing"),
            "ignored tests are not graded: {names:?}"
        );
        assert!(names.contains(&"nested::a_test_in_a_module_counts_too"));

        let alarms = [
            ("always_fails", "failed", "fails on every implementation"),
            (
                "exits_before_asserting_anything",
                "failed",
                "exited with status 0",
            ),
            (
                "proves_through_kata_support_then_exits",
                "failed",
                "exited with status 0",
            ),
            ("aborts_on_every_variant", "crashed", "SIGABRT"),
        ];
        for (name, outcome, reason) in alarms {
            let t = test(&report, name);
            assert_eq!(t["counts"], false, "{name} is a false alarm: {t:#}");
            assert_eq!(t["reference"], outcome, "{name}: {t:#}");
            let message = t["message"].as_str().unwrap_or_default();
            assert!(message.contains(reason), "{name}: {message:?}");
            assert!(t["caught"].as_array().unwrap().is_empty());
        }
        let reader = test(&report, "reads_the_code_under_test");
        if report["filesystem_confined"] == true {
            assert_eq!(reader["counts"], false, "{reader:#}");
            assert!(
                reader["message"]
                    .as_str()
                    .unwrap()
                    .contains("Permission denied"),
                "{reader:#}"
            );
        } else {
            eprintln!(
                "note: the filesystem is not confined here; the source reader was graded as {reader:#}"
            );
        }
        let sleeper = test(&report, "sleeps_near_the_time_limit");
        assert_eq!(sleeper["counts"], true, "{sleeper:#}");
        assert_eq!(
            sleeper["slow"], true,
            "1.7 s of a 3 s limit is slow: {sleeper:#}"
        );
        assert!(
            sleeper["caught"].as_array().unwrap().is_empty(),
            "a test that only sleeps catches nothing: {sleeper:#}"
        );
        assert_eq!(
            report["false_alarms"],
            if report["filesystem_confined"] == true {
                5
            } else {
                4
            }
        );

        // The honest tests catch what they catch, and nothing else does.
        let honest = [
            "removing_one_events_listeners_keeps_the_others",
            "try_emit_without_a_listener_is_an_error",
            "nested::a_test_in_a_module_counts_too",
        ];
        let mutants = report["mutants"].as_array().unwrap();
        let caught: Vec<&Value> = mutants.iter().filter(|m| m["caught"] == true).collect();
        for mutant in &caught {
            let by = mutant["caught_by"].as_str().unwrap();
            assert!(honest.contains(&by), "{mutant:#}");
            assert_eq!(mutant["how"], "failed", "{mutant:#}");
        }
        for name in [
            "remove-all-ignores-the-event",
            "try-emit-swallows-unhandled",
        ] {
            let mutant = mutants.iter().find(|m| m["name"] == name).unwrap();
            assert_eq!(mutant["caught"], true, "{mutant:#}");
        }
        let score = report["score"].as_f64().unwrap();
        let weight = |m: &&Value| m["weight"].as_f64().unwrap();
        let expected = 100.0 * caught.iter().map(weight).sum::<f64>()
            / mutants
                .iter()
                .map(|m| m["weight"].as_f64().unwrap())
                .sum::<f64>();
        assert!(
            mutants.iter().any(|m| m["weight"] == 2.0),
            "kata 01's seed bugs count double"
        );
        assert!(
            score > 0.0 && score < 100.0 && (score - expected).abs() < 0.1,
            "score {score}, expected {expected}"
        );
        // Each missed mutant is named by the rule it breaks, never by its code.
        let missed: Vec<&Value> = mutants.iter().filter(|m| m["caught"] == false).collect();
        assert!(!missed.is_empty());
        for mutant in missed {
            assert!(mutant["description"].as_str().unwrap().len() > 20);
        }
    });
}

/// Tests that try to learn which mutant they run on (schema mutants are one binary, told
/// apart by a switch): each asserts what it sees on the reference, so it would fail, and
/// catch every mutant, if the switch showed anywhere a test can look.
const SNOOPING: &str = r#"
use event_emitter::EventEmitter;
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;

#[test]
fn the_switch_in_the_environment() {
    // What the reference would see if the switch were there: nothing, or 0.
    for (name, value) in std::env::vars() {
        if name.contains("MUTANT") {
            assert_eq!(value, "0", "{name}");
        }
        assert!(!name.starts_with("KATA_PROOF"), "{name}={value}");
    }
}

#[test]
fn the_switch_in_the_initial_environment() {
    let environ = std::fs::read("/proc/self/environ").unwrap();
    let environ = String::from_utf8_lossy(&environ);
    for entry in environ.split('\0') {
        if entry.contains("MUTANT") {
            assert!(entry.ends_with("=0"), "{entry}");
        }
        if let Some(value) = entry.strip_prefix("KATA_PROOF_FDS=") {
            assert_eq!(value, "3,4,5", "the same announcement on every variant");
        }
    }
}

#[test]
fn the_switch_on_a_descriptor() {
    let mut open = Vec::new();
    for entry in std::fs::read_dir("/proc/self/fd").unwrap() {
        let fd: i32 = entry.unwrap().file_name().to_str().unwrap().parse().unwrap();
        let target = std::fs::read_link(format!("/proc/self/fd/{fd}")).unwrap_or_default();
        open.push(fd);
        if (3..10).contains(&fd) && target.to_string_lossy().starts_with("pipe:") {
            // Non-blocking: an empty pipe answers at once.
            let mut text = String::new();
            if let Ok(mut pipe) = std::fs::OpenOptions::new()
                .read(true)
                .custom_flags(0o4000)
                .open(format!("/proc/self/fd/{fd}"))
            {
                let _ = pipe.read_to_string(&mut text);
            }
            assert!(text.is_empty() || text == "0", "fd {fd} holds {text:?}");
        }
    }
    for fd in [3, 4, 5] {
        let path = format!("/proc/self/fd/{fd}");
        if let Ok(mut file) = std::fs::OpenOptions::new().read(true).custom_flags(0o4000).open(&path) {
            let mut text = String::new();
            let _ = file.read_to_string(&mut text);
            assert!(text.is_empty() || text == "0", "fd {fd} holds {text:?} (open: {open:?})");
        }
    }
}

#[test]
fn the_switch_in_its_own_executable() {
    let exe = std::fs::read("/proc/self/exe").unwrap();
    let has = |needle: &[u8]| exe.windows(needle.len()).any(|w| w == needle);
    // Every variant's binary holds the switch machinery; asserting it is missing fails
    // everywhere (a false alarm), asserting it is there passes everywhere.
    assert!(has(b"KATA_MUTANT"));
}

#[test]
fn calling_the_setter_changes_nothing() {
    // Too late: the checker's constructor set the switch before main, once for all.
    event_emitter::__kata_set_mutant(0);
    let emitter: EventEmitter<&str, ()> = EventEmitter::new();
    assert!(emitter.try_emit(&"nobody", &()).is_err());
}
"#;

/// The switch that selects a schema mutant is out of the tests' reach: snooping tests
/// pass on the reference (they count) and catch nothing; the setter is write-once.
#[test]
fn review_tests_cannot_learn_which_mutant_runs() {
    Memory::default().run_unless_passed(
        "review_tests_cannot_learn_which_mutant_runs",
        &inputs(&["01-event-emitter"]),
        || {
            let file = tests_file("snooping", SNOOPING);
            let report = review("event-emitter", &file, &[]);
            assert_eq!(report["false_alarms"], 0, "{report:#}");
            for name in [
                "the_switch_in_the_environment",
                "the_switch_in_the_initial_environment",
                "the_switch_on_a_descriptor",
                "the_switch_in_its_own_executable",
            ] {
                let t = test(&report, name);
                assert_eq!(t["counts"], true, "{name}: {t:#}");
                assert!(
                    t["caught"].as_array().unwrap().is_empty(),
                    "{name} learned the switch: {t:#}"
                );
            }
            // It catches what the honest check in it catches, on the schema mutant too.
            let setter = test(&report, "calling_the_setter_changes_nothing");
            let caught = setter["caught"].as_array().unwrap();
            assert!(
                caught.contains(&serde_json::json!("try-emit-swallows-unhandled")),
                "{setter:#}"
            );
            assert_eq!(report["caught"], caught.len(), "{report:#}");
        },
    );
}

/// No file, a file that does not compile, one that reads the code at compile time, and an
/// empty one.
#[test]
fn bad_review_files_get_a_clear_verdict() {
    Memory::default().run_unless_passed("bad_review_files_get_a_clear_verdict", &inputs(&["01-event-emitter"]), || {
        let missing = Path::new(env!("CARGO_TARGET_TMPDIR")).join("review/none.rs");
        let output = checker(&[
            "review",
            "event-emitter",
            "--path",
            missing.to_str().unwrap(),
        ]);
        assert_eq!(output.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("there is no review tests file") && stderr.contains("use event_emitter::"),
            "{stderr}"
        );

        let broken = tests_file(
            "broken",
            "#[test]\nfn typo() {\n    let count: u32 = \"three\";\n}\n",
        );
        let report = review("event-emitter", &broken, &[]);
        assert_eq!(report["status"], "error");
        assert_eq!(report["score"], 0.0);
        let message = report["message"].as_str().unwrap();
        assert!(
            message.contains("mismatched types") && message.contains("review/broken.rs:3:"),
            "the compiler's error, in the candidate's path: {message}"
        );
        assert!(!message.contains("kata-harness"), "{message}");

        let peeking = tests_file(
            "peeking",
            "const CODE: &str = include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/src/lib.rs\"));\n\
             #[test]\nfn the_code_is_the_reference() {\n    assert!(CODE.contains(\"fn emit\"));\n}\n",
        );
        let report = review("event-emitter", &peeking, &[]);
        if report["filesystem_confined"] == true {
            assert_eq!(report["status"], "error", "{report:#}");
            assert!(
                report["message"].as_str().unwrap().contains("refused"),
                "{report:#}"
            );
            assert_eq!(report["score"], 0.0);
        } else {
            eprintln!("note: the build is not confined here; the compile-time reader was not refused");
        }

        let empty = tests_file("empty", "");
        let report = review("event-emitter", &empty, &[]);
        assert_eq!(report["status"], "error");
        assert_eq!(report["score"], 0.0);
        assert!(
            report["message"]
                .as_str()
                .unwrap()
                .contains("holds no test"),
            "{report:#}"
        );
    });
}

/// A kata's hidden tests as one review file: each stage (and the shared fixtures) an inline
/// module, `crate::common` made `super::common`.
fn hidden_as_review(dir: &str) -> String {
    let folder = repository().join("checker/hidden").join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    files.sort();
    let mut out = String::new();
    for file in files {
        let module = file.file_stem().unwrap().to_str().unwrap();
        let text = std::fs::read_to_string(&file)
            .unwrap()
            .replace("crate::common", "super::common");
        out.push_str(&format!("mod {module} {{\n{text}\n}}\n"));
    }
    out
}

/// The katas (folders) the wiring test covers.
fn review_katas() -> Vec<String> {
    let all: Vec<String> = {
        let mut dirs: Vec<String> = std::fs::read_dir(repository().join("checker/hidden"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        dirs.sort();
        dirs
    };
    match std::env::var("KATA_REVIEW_KATAS").as_deref() {
        Ok("all") => all,
        Ok("none") => Vec::new(),
        Ok(list) => list
            .split(',')
            .map(|k| {
                all.iter()
                    .find(|d| {
                        d.as_str() == k
                            || d.ends_with(&format!("-{k}"))
                            || d.starts_with(&format!("{k}-"))
                    })
                    .unwrap_or_else(|| panic!("no kata {k}"))
                    .clone()
            })
            .collect(),
        Err(_) => vec!["08-priority-queue".into()],
    }
}

/// Every chosen kata's hidden tests, submitted as review tests, catch every mutant with no
/// false alarm; the example tests catch what they honestly catch (printed).
#[test]
fn the_hidden_tests_as_review_tests_catch_every_mutant() {
    Memory::default().run_unless_passed("the_hidden_tests_as_review_tests_catch_every_mutant", &inputs(&review_katas().iter().map(String::as_str).collect::<Vec<_>>()), || {
        let mut figures = Vec::new();
        for dir in review_katas() {
            let kata = dir
                .split_once('-')
                .unwrap()
                .0
                .trim_start_matches('0')
                .to_owned();
            let started = Instant::now();
            let file = tests_file(&format!("hidden-{dir}"), &hidden_as_review(&dir));
            let report = review(&kata, &file, &[]);
            let seconds = started.elapsed().as_secs_f64();
            assert_eq!(report["false_alarms"], 0, "{dir}: {report:#}");
            assert_eq!(report["score"], 100.0, "{dir}: {report:#}");
            assert_eq!(report["status"], "pass", "{dir}");

            let examples = repository()
                .join("katas")
                .join(&dir)
                .join("tests/examples.rs");
            let report = review(&kata, &examples, &[]);
            assert_eq!(
                report["false_alarms"], 0,
                "{dir}: the examples pass on the reference: {report:#}"
            );
            figures.push(format!(
                "{dir}: hidden tests as review 100% ({seconds:.0} s); examples as review {}% ({} of {} mutants)",
                report["score"], report["caught"], report["total"]
            ));
        }
        for line in &figures {
            eprintln!("{line}");
        }
    });
}
