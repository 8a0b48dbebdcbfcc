//! Hostile attempts: the kata 01 solution with something nasty planted at the start of
//! `EventEmitter::try_emit` (three hidden tests call it; the other tests must still pass).
//! Each is graded by the checker and must get the expected verdict with a one-line reason,
//! quickly, without hanging the checker, touching the learner's folder, or leaving any
//! process behind. Before the fixtures run, the suite plants a secret in a temporary "home"
//! and marks paths a hostile write would create (in `/tmp`, that home, the workbook and the
//! learner's folder); after each fixture it checks that no marker exists, that no process
//! of the fixture is still running, and that the secret appears nowhere in the report.
//!
//! The suite runs when one byte of what its verdict depends on changed since it last passed
//! (`common/memory.rs`: this file, the checker binary, kata 01's solution, skeleton manifest
//! and hidden tests, the support crate, the workspace's manifest and lockfile, the
//! toolchain, the environment and the machine); a clean clone always runs it, and so does
//! `KATA_TEST_CACHE=off`.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use serde_json::Value;

mod common;

use common::memory::{Inputs, Memory};
use common::{attempt, fingerprint, grade_json, repository};

/// The start of the single-threaded `try_emit`'s body (unique in the solution).
const ANCHOR: &str = "    /// as Node does for its `\"error\"` event. It does so for every event: no name is special.\n    ///\n    /// # Errors\n    ///\n    /// [`UnhandledEvent`] when `event` has no listener.\n    pub fn try_emit<Q>(&self, event: &Q, args: &A) -> Result<(), UnhandledEvent>\n    where\n        E: Borrow<Q>,\n        Q: Eq + Hash + ?Sized,\n    {\n";

/// The three hidden tests that call `try_emit`.
const VICTIMS: [&str; 3] = [
    "stage2::try_emit_with_no_listener_is_an_error",
    "stage2::try_emit_calls_the_listeners",
    "stage2::the_unhandled_error_has_a_message",
];

/// What the victims must show.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// This outcome, with this text in the reason.
    Outcome(&'static str, &'static str),
    /// One of these outcomes (the process may or may not survive its own panic), with one
    /// of the `|`-separated texts in the reason.
    EitherOutcome([&'static str; 2], &'static str),
    /// Every hidden test passes: the trick changes nothing.
    AllPass,
    /// The attempt does not compile, with this text in the message.
    NotCompiled(&'static str),
    /// Every hidden test passes where the filesystem is confined (the code panics if it
    /// could read or write outside); otherwise only noted.
    AllPassIfFilesystemConfined,
    /// Like `NotCompiled`, where the build is confined (Landlock); otherwise only noted.
    NotCompiledIfConfined(&'static str),
    /// Every hidden test passes; where processes are confined, nothing it started is
    /// running once the verdict is in.
    AllPassNothingSurvives,
    /// The count of processes is bounded where processes are confined: the victims fail
    /// with this text; otherwise they time out.
    BoundedIfConfined(&'static str),
}

/// What the suite planted for the fixtures to go after.
struct Plants {
    /// A stand-in for the user's home, holding `secret.txt` and `secret.rs`.
    home: std::path::PathBuf,
    /// The secret's text (in both files).
    secret: String,
    /// Paths a hostile write would create: none may exist after any fixture.
    markers: Vec<std::path::PathBuf>,
}

impl Plants {
    fn new() -> Self {
        let unique = format!(
            "{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        );
        let home = std::path::absolute(
            std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("hostile-home"),
        )
        .unwrap();
        let _ = std::fs::remove_dir_all(&home);
        std::fs::create_dir_all(&home).unwrap();
        let secret = format!("KATA-PLANTED-SECRET-{unique}");
        std::fs::write(home.join("secret.txt"), &secret).unwrap();
        std::fs::write(
            home.join("secret.rs"),
            format!("pub const SECRET: &str = {secret:?};\n"),
        )
        .unwrap();
        let learner =
            std::path::absolute(std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("attempts"))
                .unwrap();
        let markers = vec![
            std::env::temp_dir().join(format!("kata-hostile-{unique}")),
            home.join(format!("hostile-{unique}")),
            repository()
                .canonicalize()
                .unwrap()
                .join(format!("solutions/hostile-{unique}")),
            learner.join(format!("hostile-{unique}")),
            // Inside the learner's own crate (the fixture that writes is graded from there).
            learner.join(format!(
                "hostile-writes-absolute-paths/src/hostile-{unique}.rs"
            )),
        ];
        Plants {
            home,
            secret,
            markers,
        }
    }

    fn escaped(&self) -> Vec<&std::path::PathBuf> {
        self.markers.iter().filter(|m| m.exists()).collect()
    }
}

struct Fixture {
    name: &'static str,
    /// Code run at the start of `try_emit`.
    code: String,
    /// Code added at the top of the file.
    items: &'static str,
    expect: Expect,
    args: &'static [&'static str],
}

fn fixture(name: &'static str, code: &str, expect: Expect) -> Fixture {
    Fixture {
        name,
        code: code.to_owned(),
        items: "",
        expect,
        args: &["--time-limit", "2"],
    }
}

/// Marks processes this suite starts, so that leftovers can be found afterwards.
const SLEEP_MARK: &str = "424242";

fn fixtures(port: u16, plants: &Plants) -> Vec<Fixture> {
    use Expect::*;
    let repo = repository().canonicalize().unwrap();
    let writes: String = plants
        .markers
        .iter()
        .map(|m| {
            format!(
                "if std::fs::write({m:?}, \"x\").is_ok() {{ panic!(\"wrote {{}}\", {m:?}); }} \
                 if std::fs::create_dir_all(std::path::Path::new({m:?}).join(\"d\")).is_ok() {{ panic!(\"made a folder in {{}}\", {m:?}); }} "
            )
        })
        .collect();
    let reads: String = [
        plants.home.join("secret.txt"),
        repo.join("solutions/01-event-emitter/src/lib.rs"),
        repo.join("checker/hidden/01-event-emitter/stage2.rs"),
        repo.join("target/kata-harness/hidden/01-event-emitter/stage2.rs"),
        repo.join("katas.toml"),
    ]
    .iter()
    .map(|p| {
        format!(
            "if let Ok(text) = std::fs::read_to_string({p:?}) {{ panic!(\"read {{}}: {{text}}\", {p:?}); }} "
        )
    })
    .collect();
    let secret_txt = plants.home.join("secret.txt").display().to_string();
    let secret_rs = plants.home.join("secret.rs").display().to_string();
    let (home_head, home_tail) = secret_txt.split_at(secret_txt.len() / 2);
    let solution = repo
        .join("solutions/01-event-emitter/src/lib.rs")
        .display()
        .to_string();
    let compile_time = |name: &'static str, items: String| Fixture {
        name,
        code: "let _ = std::hint::black_box(STOLEN);".to_owned(),
        items: Box::leak(items.into_boxed_str()),
        expect: NotCompiledIfConfined("outside its src/ folder"),
        args: &[],
    };
    vec![
        fixture(
            "writes-absolute-paths",
            &writes,
            AllPassIfFilesystemConfined,
        ),
        fixture("reads-secrets", &reads, AllPassIfFilesystemConfined),
        fixture(
            "setsid-survivor",
            &format!(
                "let _ = std::process::Command::new(\"setsid\").args([\"sleep\", \"{SLEEP_MARK}\"]).spawn();"
            ),
            AllPassNothingSurvives,
        ),
        fixture(
            "double-fork",
            &format!(
                "let _ = std::process::Command::new(\"sh\").args([\"-c\", \"(sleep {SLEEP_MARK} &) &\"]).status();"
            ),
            AllPassNothingSurvives,
        ),
        fixture(
            "daemon",
            &format!(
                "let _ = std::process::Command::new(\"sh\").args([\"-c\", \"setsid -f sh -c 'exec sleep {SLEEP_MARK} </dev/null >/dev/null 2>&1' </dev/null >/dev/null 2>&1\"]).status();"
            ),
            AllPassNothingSurvives,
        ),
        Fixture {
            // Time to reach the bound (512) even on a busy machine.
            args: &["--time-limit", "10"],
            ..fixture(
                "fork-bomb",
                &format!(
                    "let mut started = 0; loop {{ match std::process::Command::new(\"sleep\").arg(\"{SLEEP_MARK}\").spawn() {{ \
                 Ok(_) => started += 1, Err(e) => panic!(\"spawn refused after {{started}} processes: {{e}}\") }} }}"
                ),
                BoundedIfConfined("spawn refused after"),
            )
        },
        compile_time(
            "include-str",
            format!("const STOLEN: &str = include_str!({secret_txt:?});\n"),
        ),
        compile_time(
            "include-bytes",
            format!("const STOLEN: &[u8] = include_bytes!({secret_txt:?});\n"),
        ),
        compile_time(
            "include-str-concat",
            format!("const STOLEN: &str = include_str!(concat!({home_head:?}, {home_tail:?}));\n"),
        ),
        compile_time(
            "include-str-through-a-macro",
            format!(
                "macro_rules! grab {{ ($how:ident) => {{ $how!(concat!({home_head:?}, {home_tail:?})) }} }}\n\
                 const STOLEN: &str = grab!(include_str);\n"
            ),
        ),
        compile_time(
            "include-the-solution",
            format!("mod stolen {{ include!({solution:?}); }}\nconst STOLEN: u8 = 0;\n"),
        ),
        compile_time(
            "path-attribute",
            format!("#[path = {secret_rs:?}]\nmod stolen;\nconst STOLEN: &str = stolen::SECRET;\n"),
        ),
        compile_time(
            "path-attribute-through-a-macro",
            format!(
                "macro_rules! module {{ ($($attr:tt)*) => {{ #[$($attr)*] mod stolen; }} }}\n\
                 module!(path = {secret_rs:?});\nconst STOLEN: &str = stolen::SECRET;\n"
            ),
        ),
        fixture(
            "infinite-loop",
            "loop { std::hint::spin_loop(); }",
            Outcome("timed-out", "timed out"),
        ),
        fixture(
            "deadlock",
            "let lock = std::sync::Mutex::new(()); let _one = lock.lock(); let _two = lock.lock();",
            Outcome("timed-out", "timed out"),
        ),
        fixture(
            "panic-in-drop-while-panicking",
            "struct Bomb; impl Drop for Bomb { fn drop(&mut self) { panic!(\"second panic, in drop\"); } } \
             let _bomb = Bomb; panic!(\"first panic\");",
            Outcome("crashed", "a panic during a panic"),
        ),
        fixture(
            "abort",
            "std::process::abort();",
            Outcome("crashed", "SIGABRT"),
        ),
        fixture(
            "stack-overflow",
            "#[allow(unconditional_recursion)] fn down(n: u64) -> u64 { down(n + 1) + 1 } \
             std::hint::black_box(down(0));",
            Outcome("crashed", "stack overflowed"),
        ),
        fixture(
            "unbounded-memory",
            "let mut hoard = Vec::new(); loop { hoard.push(std::hint::black_box(vec![0u8; 256 << 20])); }",
            Outcome("crashed", "ran out of memory"),
        ),
        fixture(
            "unbounded-threads",
            "loop { std::thread::spawn(|| std::thread::sleep(std::time::Duration::from_secs(600))); }",
            // Out of address space, either spawning the thread or setting up its signal stack.
            EitherOutcome(
                ["failed", "crashed"],
                "failed to spawn thread|Cannot allocate memory|ran out of memory",
            ),
        ),
        fixture(
            "unbounded-processes",
            &format!(
                "loop {{ let _ = std::process::Command::new(\"sleep\").arg(\"{SLEEP_MARK}\").spawn(); }}"
            ),
            Outcome("timed-out", "timed out"),
        ),
        Fixture {
            // Plenty of time: the point is that 300 MiB of output is drained, not how fast.
            args: &["--time-limit", "20"],
            ..fixture(
                "output-flood",
                "let line = \"x\".repeat(1 << 20); for _ in 0..150 { println!(\"{line}\"); eprintln!(\"{line}\"); }",
                AllPass,
            )
        },
        fixture(
            "fake-success-then-fail",
            "println!(\"test result: ok. 1 passed; 0 failed\"); \
             println!(\"{{\\\"type\\\":\\\"test\\\",\\\"event\\\":\\\"ok\\\",\\\"name\\\":\\\"stage2::x\\\"}}\"); \
             eprintln!(\"test stage2::try_emit_calls_the_listeners ... ok\"); panic!(\"not really\");",
            Outcome("failed", "not really"),
        ),
        fixture(
            "exit-zero",
            "std::process::exit(0);",
            Outcome("failed", "exited with status 0"),
        ),
        fixture(
            "background-sleeper",
            "std::thread::spawn(|| std::thread::sleep(std::time::Duration::from_secs(600)));",
            AllPass,
        ),
        fixture(
            "writes-files",
            "let _ = std::fs::write(std::env::temp_dir().join(\"left-behind.txt\"), \"x\"); \
             let _ = std::fs::write(\"left-behind-too.txt\", \"x\");",
            AllPass,
        ),
        fixture(
            "opens-a-connection",
            &format!("std::net::TcpStream::connect(\"127.0.0.1:{port}\").expect(\"the network\");"),
            AllPass, // replaced below by what isolation allows
        ),
        fixture(
            "steals-the-secret",
            "use std::io::Write; \
             let mut seen = std::fs::read_to_string(\"/proc/self/environ\").unwrap_or_default(); \
             seen += &std::fs::read_to_string(\"/proc/self/cmdline\").unwrap_or_default(); \
             seen += &String::from_utf8_lossy(&std::fs::read(\"/proc/self/fd/3\").unwrap_or_default()); \
             let mut proof = unsafe { <std::fs::File as std::os::fd::FromRawFd>::from_raw_fd(4) }; \
             for word in seen.split(|c: char| !c.is_ascii_hexdigit()).filter(|w| w.len() == 32) { \
                 let _ = proof.write_all(word.as_bytes()); } \
             let _ = proof.write_all(seen.as_bytes()); std::process::exit(0);",
            Outcome("failed", "exited with status 0"),
        ),
        fixture(
            "compile-error",
            "let broken: u32 = \"text\";",
            NotCompiled("src/lib.rs"),
        ),
        Fixture {
            name: "endless-const",
            code: "let _ = std::hint::black_box(SPIN);".to_owned(),
            items: "#[allow(long_running_const_eval)]\nconst SPIN: u64 = { let mut i = 0u64; loop { i = i.wrapping_add(1); } };\n",
            expect: NotCompiled("did not finish within 15 s"),
            args: &["--build-time-limit", "15"],
        },
    ]
}

fn victims(report: &Value) -> Vec<&Value> {
    report["tests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| VICTIMS.contains(&t["name"].as_str().unwrap()))
        .collect()
}

#[track_caller]
fn check(name: &str, report: &Value, expect: Expect) {
    let tests = report["tests"].as_array().unwrap();
    match expect {
        Expect::AllPass | Expect::AllPassIfFilesystemConfined | Expect::AllPassNothingSurvives => {
            assert_eq!(report["score"], 100.0, "{name}: {report:#}");
        }
        Expect::NotCompiledIfConfined(reason) | Expect::BoundedIfConfined(reason) => {
            unreachable!("{name}: resolved before checking ({reason})")
        }
        Expect::NotCompiled(reason) => {
            assert_eq!(report["status"], "error", "{name}");
            let message = report["message"].as_str().unwrap_or_default();
            assert!(message.contains(reason), "{name}: {message}");
            assert!(
                tests.iter().all(|t| t["outcome"] == "not-compiled"),
                "{name}"
            );
        }
        Expect::Outcome(outcome, reason) => {
            check(
                name,
                report,
                Expect::EitherOutcome([outcome, outcome], reason),
            );
        }
        Expect::EitherOutcome(allowed, reason) => {
            for test in victims(report) {
                let message = test["message"].as_str().unwrap_or_default();
                let outcome = test["outcome"].as_str().unwrap_or_default();
                assert!(
                    allowed.contains(&outcome),
                    "{name}: {} is {outcome} — {message}",
                    test["name"]
                );
                assert!(
                    reason.split('|').any(|r| message.contains(r)),
                    "{name}: {message:?} lacks {reason:?}"
                );
                assert!(
                    !message.is_empty() && message.len() < 2_000,
                    "{name}: a short reason"
                );
            }
            let others_pass = tests
                .iter()
                .filter(|t| !VICTIMS.contains(&t["name"].as_str().unwrap()))
                .all(|t| t["outcome"] == "passed");
            assert!(
                others_pass,
                "{name}: only the tests that call try_emit may be affected"
            );
        }
    }
}

/// Processes of this suite still alive: the fixture's `sleep`s or any test binary of the
/// harness.
fn strays() -> Vec<String> {
    // Only this workbook's harness: another clone grading on the same machine is not ours.
    let harness = repository()
        .canonicalize()
        .unwrap()
        .join("target/kata-harness/target/debug/deps/hidden-")
        .display()
        .to_string();
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        if cmdline.contains(SLEEP_MARK) || cmdline.starts_with(&harness) {
            found.push(format!(
                "{}: {cmdline}",
                entry.file_name().to_string_lossy()
            ));
        }
    }
    found
}

/// Removes whatever a fixture managed to create (where nothing is confined).
fn cleanup(plants: &Plants) {
    for marker in plants.escaped() {
        let _ = std::fs::remove_file(marker);
        let _ = std::fs::remove_dir_all(marker);
    }
}

/// Kills this suite's own leftover `sleep`s (where processes are not confined).
fn kill_strays() {
    for line in strays() {
        if line.contains(SLEEP_MARK)
            && let Some(pid) = line.split(':').next().and_then(|p| p.parse::<i32>().ok())
        {
            let _ = std::process::Command::new("kill")
                .args(["-9", &pid.to_string()])
                .status();
        }
    }
}

/// Everything the suite's verdict depends on.
fn suite_inputs() -> Inputs {
    let root = repository();
    let mut inputs = Inputs::for_grading(&[("hostile.rs", include_str!("hostile.rs"))]);
    inputs.tree("solution", &root.join("solutions/01-event-emitter/src"));
    inputs.file(
        "skeleton:Cargo.toml",
        &root.join("katas/01-event-emitter/Cargo.toml"),
    );
    inputs.tree("hidden", &root.join("checker/hidden/01-event-emitter"));
    inputs
}

#[test]
fn every_hostile_attempt_gets_its_verdict() {
    Memory::default().run_unless_passed("hostile-suite", &suite_inputs(), run_suite);
}

/// The memory that spares a second run: one changed byte of any input runs the suite
/// again, the same inputs do not, and a failure is never remembered.
#[test]
fn the_suite_runs_again_when_any_input_changes() {
    let inputs = suite_inputs();
    for label in [
        "test:hostile.rs",
        "test:common/mod.rs",
        "test:common/memory.rs",
        "checker",
        "solution:lib.rs",
        "solution:sync.rs",
        "skeleton:Cargo.toml",
        "hidden:stage2.rs",
        "support:Cargo.toml",
        "support:src/lib.rs",
        "workspace:Cargo.toml",
        "workspace:Cargo.lock",
        "workspace:katas.toml",
        "toolchain",
        "env:LOOM_MAX_PREEMPTIONS",
        "env:RUSTFLAGS",
        "machine:/proc/version",
        "machine:/sys/kernel/security/lsm",
        "machine:user",
    ] {
        assert!(inputs.0.contains_key(label), "no input {label}");
    }
    assert_eq!(
        suite_inputs().key(),
        inputs.key(),
        "the same inputs, the same key"
    );
    // Every input is part of the key (each cut to its first KiB, so that the checker
    // binary is not hashed once per input).
    let mut small = inputs.clone();
    for bytes in small.0.values_mut() {
        bytes.truncate(1024);
    }
    let key = small.key();
    for label in small.0.keys() {
        let mut changed = small.clone();
        let bytes = changed.0.get_mut(label).unwrap();
        match bytes.len() {
            0 => bytes.push(b'x'),
            len => bytes[len / 2] ^= 1,
        }
        assert_ne!(changed.key(), key, "a changed byte of {label}");
    }

    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("memory-of-a-test");
    let _ = std::fs::remove_dir_all(&dir);
    let memory = Memory::at(dir);
    let mut runs = 0;
    assert!(memory.run_unless_passed("suite", &inputs, || runs += 1));
    assert!(!memory.run_unless_passed("suite", &inputs, || runs += 1));
    let mut changed = inputs.clone();
    changed.0.get_mut("solution:lib.rs").unwrap().push(b' ');
    assert!(memory.run_unless_passed("suite", &changed, || runs += 1));
    assert_eq!(runs, 2);
    // Both passes are remembered (a checker built for `-p checker` and one built for the
    // whole workspace differ, and each has its own key).
    assert!(!memory.run_unless_passed("suite", &inputs, || runs += 1));
    assert!(!memory.run_unless_passed("suite", &changed, || runs += 1));
    assert_eq!(runs, 2);
    // A failure is not remembered: the next run with the same inputs runs again.
    let mut failing = inputs.clone();
    failing.0.get_mut("checker").unwrap().push(0);
    let failed = std::panic::catch_unwind(|| {
        memory.run_unless_passed("suite", &failing, || panic!("a failing run"));
    });
    assert!(failed.is_err());
    assert!(memory.run_unless_passed("suite", &failing, || runs += 1));
    assert_eq!(runs, 3);
    // Only the most recent passes are kept.
    for n in 0..10 {
        let mut other = inputs.clone();
        other.insert("env:RUSTFLAGS", format!("-C opt-level={n}"));
        assert!(memory.run_unless_passed("suite", &other, || runs += 1));
    }
    assert_eq!(runs, 13);
    assert!(memory.run_unless_passed("suite", &inputs, || runs += 1));
}

fn run_suite() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a local listener");
    let port = listener.local_addr().unwrap().port();
    let started = Instant::now();
    let plants = Plants::new();
    for fixture in fixtures(port, &plants) {
        let inserted = format!(
            "{ANCHOR}        {{\n            {}\n        }}\n",
            fixture.code
        );
        let mut edits = vec![(ANCHOR, inserted.as_str())];
        let items_anchor = "mod sync;\n";
        let items = format!("mod sync;\n{}", fixture.items);
        if !fixture.items.is_empty() {
            edits.push((items_anchor, items.as_str()));
        }
        let dir = attempt(&format!("hostile-{}", fixture.name), &edits);
        let before = fingerprint(&dir);
        let one = Instant::now();
        let report = grade_json(&dir, fixture.args);
        let held = |field: &str| report[field].as_bool() == Some(true);
        let expect = match (fixture.name, fixture.expect) {
            ("opens-a-connection", _) if held("network_isolated") => {
                Expect::Outcome("failed", "the network")
            }
            ("opens-a-connection", _) => {
                eprintln!("note: no network namespaces here, so a connection cannot be refused");
                Expect::AllPass
            }
            (_, Expect::NotCompiledIfConfined(reason)) if held("filesystem_confined") => {
                Expect::NotCompiled(reason)
            }
            (_, Expect::BoundedIfConfined(reason)) if held("processes_confined") => {
                Expect::Outcome("failed", reason)
            }
            (_, Expect::BoundedIfConfined(_)) => Expect::Outcome("timed-out", "timed out"),
            (name, Expect::NotCompiledIfConfined(_) | Expect::AllPassIfFilesystemConfined)
                if !held("filesystem_confined") =>
            {
                eprintln!("note: {name}: no Landlock here, so the filesystem is not confined");
                cleanup(&plants);
                continue;
            }
            (_, expect) => expect,
        };
        check(fixture.name, &report, expect);
        eprintln!("{:<32} {:.1} s", fixture.name, one.elapsed().as_secs_f64());
        let text = report.to_string();
        assert!(
            !text.contains(&plants.secret),
            "{}: the planted secret is in the report",
            fixture.name
        );
        assert_eq!(
            plants.escaped(),
            Vec::<&std::path::PathBuf>::new(),
            "{}: wrote outside its private folder",
            fixture.name
        );
        if held("processes_confined") {
            // Everything is gone by the time the verdict is in: no waiting here.
            assert_eq!(
                strays(),
                Vec::<String>::new(),
                "{}: processes outlived their test",
                fixture.name
            );
        } else if matches!(fixture.expect, Expect::AllPassNothingSurvives) {
            eprintln!(
                "note: {}: processes are not confined here: {:?}",
                fixture.name, report["confinement_notes"]
            );
            kill_strays();
        }
        assert_eq!(
            fingerprint(&dir),
            before,
            "{}: the attempt's folder changed",
            fixture.name
        );
        // A bound against a runaway only (a process nobody killed sleeps for days): the
        // attempt's build dominates, and took 117 s for one fixture on two cores shared
        // with two other test runs.
        assert!(
            one.elapsed() < Duration::from_secs(300),
            "{} took {:?}",
            fixture.name,
            one.elapsed()
        );
    }
    drop(listener);

    // A build script in the attempt is never run: the learner's manifest is not read.
    let marker = std::env::temp_dir().join(format!("kata-build-script-ran-{}", std::process::id()));
    let dir = attempt("hostile-build-script", &[]);
    std::fs::write(
        dir.join("build.rs"),
        format!("fn main() {{ std::fs::write({marker:?}, \"ran\").unwrap(); }}"),
    )
    .unwrap();
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        manifest.replace(
            "publish.workspace = true",
            "publish.workspace = true\nbuild = \"build.rs\"",
        ),
    )
    .unwrap();
    let report = grade_json(&dir, &[]);
    assert_eq!(report["score"], 100.0);
    assert!(!marker.exists(), "the attempt's build.rs ran");

    // Nothing is left behind: no process, no file in the test's private folders.
    // Killed processes take a moment to disappear from /proc: look again for a while.
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut left = strays();
    while !left.is_empty() && Instant::now() < deadline {
        std::thread::yield_now();
        left = strays();
    }
    assert_eq!(left, Vec::<String>::new(), "processes outlived their tests");
    let scratch = repository().join("target/kata-harness/scratch");
    let left: Vec<_> = std::fs::read_dir(&scratch)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(
        left.is_empty(),
        "private test folders left behind: {left:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(600),
        "the suite took {:?}",
        started.elapsed()
    );
}
