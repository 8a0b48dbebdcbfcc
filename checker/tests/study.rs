//! The self-study loop: `watch` driven in a pseudo-terminal, `hint` remembering, `reset`
//! keeping a byte-for-byte backup, `solution` gated on stage 1, and a progress file that
//! survives the checker being killed halfway through writing it.
//!
//! Every test gets its own state folder (`KATA_STATE_DIR`), so the learner's own progress
//! is never touched.

mod common;

use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::memory::{Inputs, Memory};
use common::{attempt_of, fingerprint, repository};

/// A fresh, empty state folder for one test.
fn state(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("state")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn checker_in(state: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_checker"))
        .args(args)
        .env("KATA_STATE_DIR", state)
        .env_remove("RUSTC_BOOTSTRAP")
        .stdin(Stdio::null())
        .output()
        .expect("the checker runs")
}

fn progress(state: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(state.join("progress.json")).expect("a progress file");
    serde_json::from_str(&text).expect("the progress file is JSON")
}

#[test]
fn hints_open_one_at_a_time_and_are_remembered() {
    let state = state("hints");
    let first = checker_in(&state, &["hint", "event-emitter"]);
    assert!(first.status.success());
    let text = String::from_utf8_lossy(&first.stdout);
    assert!(text.contains("Hint 1 of 6"), "{text}");
    let second = checker_in(&state, &["hint", "1"]);
    assert!(String::from_utf8_lossy(&second.stdout).contains("Hint 2 of 6"));
    let opened = &progress(&state)["katas"]["event-emitter"]["hints_opened"];
    assert_eq!(opened.as_array().unwrap().len(), 2, "{opened}");
    let list = checker_in(&state, &["hint", "1", "--list"]);
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(
        text.contains("Hint 1 of 6") && text.contains("Hint 2 of 6") && !text.contains("Hint 3")
    );
    assert_eq!(
        progress(&state)["katas"]["event-emitter"]["hints_opened"]
            .as_array()
            .unwrap()
            .len(),
        2,
        "--list opens nothing"
    );
    let status = checker_in(&state, &["status"]);
    assert!(String::from_utf8_lossy(&status.stdout).contains("2/6"));
}

#[test]
fn the_solution_opens_only_after_stage_one_or_with_force() {
    let state = state("solution");
    let refused = checker_in(&state, &["solution", "event-emitter"]);
    assert_eq!(refused.status.code(), Some(2));
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(
        message.contains("stage 1") && message.contains("--force"),
        "{message}"
    );
    assert!(
        refused.stdout.is_empty(),
        "nothing of the solution is shown"
    );

    let forced = checker_in(&state, &["solution", "event-emitter", "--force"]);
    assert!(forced.status.success());
    let reference =
        std::fs::read_to_string(repository().join("solutions/01-event-emitter/src/lib.rs"))
            .unwrap();
    // The reference is shown as a reader sees it: without the skeleton's markers.
    let shown = String::from_utf8_lossy(&forced.stdout);
    assert!(
        shown.contains(&kata_derive::strip_markers(&reference)),
        "{shown}"
    );
    assert!(reference.contains("// BEGIN SOLUTION"));
    assert!(
        !shown.contains("// BEGIN SOLUTION") && !shown.contains("// STUB:"),
        "{shown}"
    );

    // A grading that passed stage 1, as `cargo kata grade` records it.
    std::fs::write(
        state.join("progress.json"),
        r#"{"version":1,"katas":{"event-emitter":{"stage_reached":1,"passed_stage1_at":"2026-11-27T10:00:00Z"}}}"#,
    )
    .unwrap();
    let open = checker_in(&state, &["solution", "event-emitter", "--diff"]);
    assert!(
        open.status.success(),
        "{}",
        String::from_utf8_lossy(&open.stderr)
    );
    let diff = String::from_utf8_lossy(&open.stdout);
    assert!(
        diff.contains("--- your katas/01-event-emitter/src/lib.rs"),
        "{diff}"
    );
    assert!(diff.contains("+++ reference solutions/01-event-emitter/src/lib.rs"));
    assert!(
        diff.lines()
            .any(|l| l.starts_with('-') && l.contains("todo!")),
        "the skeleton's todo!() lines are removed"
    );
}

#[test]
fn reset_backs_up_the_attempt_byte_for_byte_and_restores_the_skeleton() {
    let state = state("reset");
    let dir = attempt_of("01-event-emitter", "reset-me", &[]);
    std::fs::write(
        dir.join("src/extra.rs"),
        b"// a file of my own\n\x00\xff binary too",
    )
    .unwrap();
    let before = fingerprint(&dir);

    let refused = checker_in(&state, &["reset", "1", "--path", dir.to_str().unwrap()]);
    assert_eq!(
        refused.status.code(),
        Some(2),
        "no terminal to ask on, and no --yes"
    );
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--yes"));
    assert_eq!(fingerprint(&dir), before, "a refused reset changes nothing");

    let reset = checker_in(
        &state,
        &["reset", "1", "--path", dir.to_str().unwrap(), "--yes"],
    );
    assert!(
        reset.status.success(),
        "{}",
        String::from_utf8_lossy(&reset.stderr)
    );
    let backups: Vec<PathBuf> = std::fs::read_dir(state.join("backups"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(backups.len(), 1);
    let backup = &backups[0];
    assert!(
        String::from_utf8_lossy(&reset.stdout).contains(&backup.display().to_string()),
        "reset names the backup folder"
    );
    for (path, content, _) in &before {
        let relative = path.strip_prefix(&dir).unwrap();
        assert_eq!(
            std::fs::read(backup.join(relative)).unwrap(),
            *content,
            "{} is in the backup, byte for byte",
            relative.display()
        );
    }
    let skeleton = repository().join("katas/01-event-emitter");
    for file in [
        "Cargo.toml",
        "src/lib.rs",
        "src/sync.rs",
        "tests/examples.rs",
    ] {
        assert_eq!(
            std::fs::read(dir.join(file)).unwrap(),
            std::fs::read(skeleton.join(file)).unwrap(),
            "{file} is the skeleton's again"
        );
    }
    assert!(
        !dir.join("src/extra.rs").exists(),
        "a file the skeleton does not have is gone (kept in the backup)"
    );

    let again = checker_in(
        &state,
        &["reset", "1", "--path", dir.to_str().unwrap(), "--yes"],
    );
    assert!(String::from_utf8_lossy(&again.stdout).contains("nothing to reset"));
}

#[test]
fn a_checker_killed_while_writing_progress_leaves_a_readable_file() {
    let state = state("killed");
    assert!(checker_in(&state, &["hint", "1"]).status.success());
    let before = progress(&state);

    // The checker stops halfway through writing its temporary file; kill it there.
    let mut child = Command::new(env!("CARGO_BIN_EXE_checker"))
        .args(["hint", "1"])
        .env("KATA_STATE_DIR", &state)
        .env("KATA_TEST_PAUSE_PROGRESS_WRITE", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let temp_exists = || {
        std::fs::read_dir(&state)
            .unwrap()
            .any(|e| e.unwrap().file_name().to_string_lossy().ends_with(".tmp"))
    };
    while !temp_exists() {
        assert!(
            Instant::now() < deadline,
            "the checker never started writing"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        progress(&state),
        before,
        "the old progress is intact and readable"
    );

    // The next run works, and cleans up the dead writer's temporary file.
    assert!(checker_in(&state, &["hint", "1"]).status.success());
    assert_eq!(
        progress(&state)["katas"]["event-emitter"]["hints_opened"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert!(!temp_exists());
}

#[test]
fn a_corrupt_progress_file_is_reported_and_rebuilt() {
    let state = state("corrupt");
    std::fs::write(
        state.join("progress.json"),
        b"{\"version\": 1, \"katas\": {\"event",
    )
    .unwrap();
    let out = checker_in(&state, &["hint", "1"]);
    assert!(out.status.success());
    let warning = String::from_utf8_lossy(&out.stderr);
    assert!(
        warning.contains("could not be read") && warning.contains("progress.json.corrupt"),
        "{warning}"
    );
    assert!(
        state.join("progress.json.corrupt").exists(),
        "the damaged file is kept"
    );
    assert_eq!(
        progress(&state)["katas"]["event-emitter"]["hints_opened"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn completions_are_generated_for_three_shells() {
    for shell in ["bash", "zsh", "fish"] {
        let out = checker_in(&state("completions"), &["completions", shell]);
        assert!(out.status.success(), "{shell}");
        let script = String::from_utf8_lossy(&out.stdout);
        assert!(
            script.contains("watch") && script.contains("reset"),
            "{shell}: {script}"
        );
    }
}

#[test]
fn no_color_and_color_flags_decide_the_escape_codes() {
    let state = state("colours");
    let plain = checker_in(&state, &["hint", "1", "--list"]);
    assert!(
        !String::from_utf8_lossy(&plain.stdout).contains('\x1b'),
        "not a terminal: no colours"
    );
    let forced = checker_in(&state, &["hint", "1", "--color", "always"]);
    assert!(String::from_utf8_lossy(&forced.stdout).contains('\x1b'));
    let none = Command::new(env!("CARGO_BIN_EXE_checker"))
        .args(["hint", "1", "--list"])
        .env("KATA_STATE_DIR", &state)
        .env("NO_COLOR", "1")
        .env("CLICOLOR_FORCE", "1")
        .output()
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&none.stdout).contains('\x1b'),
        "NO_COLOR wins over auto"
    );
}

/// A pseudo-terminal pair: the master side for the test, the slave for the checker.
fn pty() -> (OwnedFd, OwnedFd) {
    let (mut master, mut slave) = (0, 0);
    // SAFETY: openpty writes two descriptors into the integers we pass.
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
    // SAFETY: both descriptors are new and owned by nobody else.
    unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) }
}

#[test]
fn watch_regrades_on_save_in_a_terminal_and_quits_on_q() {
    remembered(
        "watch_regrades_on_save_in_a_terminal_and_quits_on_q",
        || {
            let state = state("watch");
            // The skeleton: it compiles and fails every test.
            let dir = attempt_of("01-event-emitter", "watched", &[]);
            let skeleton = repository().join("katas/01-event-emitter/src");
            for file in ["lib.rs", "sync.rs"] {
                std::fs::copy(skeleton.join(file), dir.join("src").join(file)).unwrap();
            }
            let (master, slave) = pty();
            let slave_fd = std::os::fd::AsRawFd::as_raw_fd(&slave);
            let mut command = Command::new(env!("CARGO_BIN_EXE_checker"));
            command
                .args([
                    "watch",
                    "event-emitter",
                    "--poll",
                    "--path",
                    dir.to_str().unwrap(),
                ])
                .env("KATA_STATE_DIR", &state)
                .env("TERM", "xterm")
                .stdin(Stdio::from(slave.try_clone().unwrap()))
                .stdout(Stdio::from(slave.try_clone().unwrap()))
                .stderr(Stdio::from(slave.try_clone().unwrap()));
            // SAFETY: setsid and ioctl are async-signal-safe; the pty becomes the controlling
            // terminal of the new session, as a real terminal would be.
            unsafe {
                command.pre_exec(move || {
                    libc::setsid();
                    libc::ioctl(slave_fd, libc::TIOCSCTTY, 0);
                    Ok(())
                });
            }
            let mut child = command.spawn().unwrap();
            drop(slave);

            let screen = Arc::new(Mutex::new(String::new()));
            let mut reader = std::fs::File::from(master.try_clone().unwrap());
            let sink = screen.clone();
            std::thread::spawn(move || {
                let mut buffer = [0u8; 4096];
                while let Ok(n) = reader.read(&mut buffer) {
                    if n == 0 {
                        break;
                    }
                    sink.lock()
                        .unwrap()
                        .push_str(&String::from_utf8_lossy(&buffer[..n]));
                }
            });
            let wait_for = |what: &str, from: usize| -> usize {
                // The first grading builds the harness: minutes on a cold machine.
                let deadline = Instant::now() + Duration::from_secs(600);
                loop {
                    if let Some(at) = screen.lock().unwrap()[from..].find(what) {
                        return from + at + what.len();
                    }
                    assert!(
                        Instant::now() < deadline,
                        "watch never showed {what:?}; the screen:\n{}",
                        screen.lock().unwrap()
                    );
                    std::thread::sleep(Duration::from_millis(50));
                }
            };
            let seen = wait_for("Score 0%", 0);
            assert!(
                screen.lock().unwrap().contains("not yet implemented"),
                "the first failing test's message is shown"
            );

            // Save a solution: the verdict changes without a restart.
            let solution = repository().join("solutions/01-event-emitter/src/lib.rs");
            std::fs::copy(solution, dir.join("src/lib.rs")).unwrap();
            wait_for("Score 100%", seen);

            let mut keys = std::fs::File::from(master);
            keys.write_all(b"q").unwrap();
            let deadline = Instant::now() + Duration::from_secs(30);
            let status = loop {
                if let Some(status) = child.try_wait().unwrap() {
                    break status;
                }
                assert!(Instant::now() < deadline, "watch did not quit on q");
                std::thread::sleep(Duration::from_millis(20));
            };
            assert!(status.success(), "q quits with exit status 0, got {status}");
        },
    );
}

/// Runs a test that grades through the checker unless it passed before with exactly the
/// same inputs (`common/memory.rs`): this file and `common/`, the checker binary, kata 01
/// (skeleton, solution with its mutants and rules, hidden tests), the support crate, the
/// workspace's manifests and lockfile, the toolchain, the environment and the machine's
/// confinement facts. `KATA_TEST_CACHE=off` runs it anyway; a clean clone has no memory.
fn remembered(name: &str, body: impl FnOnce()) {
    let mut inputs = Inputs::for_grading(&[("study.rs", include_str!("study.rs"))]);
    inputs.kata("01-event-emitter");
    Memory::default().run_unless_passed(name, &inputs, body);
}
