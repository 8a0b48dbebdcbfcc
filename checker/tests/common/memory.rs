//! A test's memory of its last pass, keyed by content, the way `cargo kata verify` keeps
//! its verdicts (`checker/src/cache.rs`): a slow test that grades fixtures through the
//! checker runs only when one byte of what its verdict depends on changed since it last
//! passed.
//!
//! The key is a SHA-256 of labelled inputs: the test's own source text, the checker binary
//! (its sources, the embedded hidden tests and manifest, its dependencies, compiled),
//! whatever files the fixtures are made from, the support crate, the root `Cargo.toml`,
//! `Cargo.lock` and `.cargo/config.toml`, the toolchain (`rustc -vV`, `cargo -V`), the
//! environment variables that reach a build or a test, and the machine's facts that decide
//! what the confinement can do (kernel, namespaces, Landlock, cgroups, user). Only a pass is
//! remembered, as the file `target/kata-test-memory/<test>/<key>` (removed before the test
//! runs, written after it returned; the 8 most recent keys are kept);
//! a clean clone has no `target/`, so CI runs everything; `KATA_TEST_CACHE=off` runs the
//! test whatever is remembered.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use super::repository;

/// How many passes of one test are remembered (each under its own key).
const KEPT: usize = 8;

/// Bumped when the key's encoding changes.
const FORMAT: &str = "kata-test-memory 1";

/// Environment variables that change what a build or a test does.
const VARIABLES: &[&str] = &[
    "RUSTFLAGS",
    "RUSTDOCFLAGS",
    "RUSTC",
    "RUSTC_WRAPPER",
    "RUSTC_WORKSPACE_WRAPPER",
    "RUSTUP_TOOLCHAIN",
    "CARGO",
    "CARGO_BUILD_RUSTFLAGS",
    "CARGO_BUILD_TARGET",
    "CARGO_TARGET_DIR",
    "CARGO_PROFILE_DEV_OPT_LEVEL",
    "LOOM_MAX_PREEMPTIONS",
    "KATA_TIMINGS",
];

/// Files whose text says what the machine lets the checker confine.
const MACHINE_FILES: &[&str] = &[
    "/proc/version",
    "/proc/sys/kernel/unprivileged_userns_clone",
    "/proc/sys/user/max_user_namespaces",
    "/proc/sys/user/max_pid_namespaces",
    "/proc/sys/user/max_net_namespaces",
    "/proc/sys/kernel/apparmor_restrict_unprivileged_userns",
    "/sys/kernel/security/lsm",
    "/proc/self/cgroup",
    "/sys/fs/cgroup/cgroup.controllers",
    "/sys/fs/cgroup/cgroup.subtree_control",
    "/proc/self/limits",
];

/// Labelled byte strings a test's verdict depends on (length-prefixed when hashed, so no
/// change of one input can be offset by a change of its neighbour).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inputs(pub BTreeMap<String, Vec<u8>>);

impl Inputs {
    /// What every fixture graded through the checker depends on: the checker binary, the
    /// support crate, the root manifest, lockfile and cargo configuration, the toolchain,
    /// the environment and the machine; plus `sources`, the text of the test itself
    /// (`include_str!` of its file and of `common/`).
    pub fn for_grading(sources: &[(&str, &str)]) -> Self {
        let root = repository().canonicalize().unwrap();
        let mut inputs = Inputs::default();
        for (name, text) in sources {
            inputs.insert(format!("test:{name}"), text.as_bytes());
        }
        for (name, text) in [
            ("common/mod.rs", include_str!("mod.rs")),
            ("common/memory.rs", include_str!("memory.rs")),
        ] {
            inputs.insert(format!("test:{name}"), text.as_bytes());
        }
        inputs.insert(
            "checker",
            std::fs::read(env!("CARGO_BIN_EXE_checker")).expect("the checker binary"),
        );
        inputs.insert("repository", root.to_string_lossy().as_bytes());
        for file in [
            "Cargo.toml",
            "Cargo.lock",
            ".cargo/config.toml",
            "katas.toml",
        ] {
            inputs.file(&format!("workspace:{file}"), &root.join(file));
        }
        inputs.tree("support", &root.join("support"));
        inputs.insert("toolchain", toolchain(&root));
        for name in VARIABLES {
            let value = std::env::var_os(name).map(|v| v.to_string_lossy().into_owned());
            inputs.insert(format!("env:{name}"), format!("{value:?}"));
        }
        for file in MACHINE_FILES {
            inputs.file(&format!("machine:{file}"), Path::new(file));
        }
        inputs.insert(
            "machine:user",
            format!("{}\n{}", status_line("Uid:"), status_line("Gid:")),
        );
        inputs
    }

    /// Adds a kata's folders, `dir` being e.g. `01-event-emitter`: its skeleton, its
    /// solution (sources, mutants, rules, alternatives) and its hidden tests.
    pub fn kata(&mut self, dir: &str) {
        let root = repository();
        self.tree(&format!("skeleton:{dir}"), &root.join("katas").join(dir));
        self.tree(
            &format!("solution:{dir}"),
            &root.join("solutions").join(dir),
        );
        self.tree(
            &format!("hidden:{dir}"),
            &root.join("checker/hidden").join(dir),
        );
    }

    /// Adds (or replaces) one input.
    pub fn insert(&mut self, label: impl Into<String>, bytes: impl Into<Vec<u8>>) {
        self.0.insert(label.into(), bytes.into());
    }

    /// Adds one file's bytes (or that it is missing) under `label`.
    pub fn file(&mut self, label: &str, path: &Path) {
        let bytes = std::fs::read(path).unwrap_or_else(|e| format!("(unreadable: {e})").into());
        self.insert(label, bytes);
    }

    /// Adds every regular file under `dir` (but `target/`) as `prefix:<relative path>`.
    pub fn tree(&mut self, prefix: &str, dir: &Path) {
        for (path, bytes) in tree(dir) {
            self.insert(format!("{prefix}:{}", path.display()), bytes);
        }
    }

    /// The key: SHA-256 (hex) of every label and its bytes.
    pub fn key(&self) -> String {
        let mut hash = Sha256::new();
        let mut field = |bytes: &[u8]| {
            hash.update((bytes.len() as u64).to_le_bytes());
            hash.update(bytes);
        };
        field(FORMAT.as_bytes());
        field(&(self.0.len() as u64).to_le_bytes());
        for (label, bytes) in &self.0 {
            field(label.as_bytes());
            field(bytes);
        }
        hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// The line of `/proc/self/status` that starts with `field` (root confines differently).
fn status_line(field: &str) -> String {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|line| line.starts_with(field))
        .unwrap_or_default()
        .to_owned()
}

/// Every regular file under `dir` (relative path → contents), but `target/`.
pub fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(relative) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(dir.join(&relative)) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let path = relative.join(entry.file_name());
            if kind.is_dir() && entry.file_name() != "target" {
                pending.push(path);
            } else if kind.is_file()
                && let Ok(bytes) = std::fs::read(entry.path())
            {
                files.insert(path, bytes);
            }
        }
    }
    files
}

/// `rustc -vV` and `cargo -V` as the checker's harness runs them.
fn toolchain(root: &Path) -> String {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut text = String::new();
    for (program, flag) in [(rustc, "-vV"), (cargo, "-V")] {
        match Command::new(&program).arg(flag).current_dir(root).output() {
            Ok(output) => {
                text.push_str(&String::from_utf8_lossy(&output.stdout));
                text.push_str(&format!("(status {})\n", output.status));
            }
            Err(error) => text.push_str(&format!("{}: {error}\n", program.to_string_lossy())),
        }
    }
    text
}

/// Where passes are remembered: `target/kata-test-memory/` (or another folder, for tests
/// of the memory itself).
#[derive(Debug, Clone)]
pub struct Memory {
    dir: PathBuf,
    /// `KATA_TEST_CACHE=off`: every test runs (and its pass is still remembered).
    off: bool,
}

impl Default for Memory {
    fn default() -> Self {
        Memory {
            off: std::env::var("KATA_TEST_CACHE").is_ok_and(|v| v.trim() == "off"),
            ..Memory::at(repository().join("target/kata-test-memory"))
        }
    }
}

impl Memory {
    /// A memory kept in `dir` (whatever `KATA_TEST_CACHE` says).
    pub fn at(dir: PathBuf) -> Self {
        Memory { dir, off: false }
    }

    /// `<dir>/<name>/<key>`: one file per set of inputs `name` passed with. Several are
    /// kept, because `cargo test -p checker` and a whole-workspace `cargo test` build the
    /// checker with different dependency features, so alternating them would otherwise
    /// forget each other's pass.
    fn path(&self, name: &str, key: &str) -> PathBuf {
        self.dir.join(name).join(key)
    }

    /// Whether `name` passed before with exactly the inputs of `key`.
    pub fn passed(&self, name: &str, key: &str) -> bool {
        self.path(name, key).is_file()
    }

    /// Forgets that `name` passed with `key` (before it runs again, so that a failure
    /// leaves no memory).
    pub fn forget(&self, name: &str, key: &str) {
        let _ = std::fs::remove_file(self.path(name, key));
    }

    /// Remembers that `name` passed with the inputs of `key`, and forgets all but the
    /// [`KEPT`] most recent other passes.
    pub fn remember(&self, name: &str, key: &str) {
        let dir = self.dir.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::File::create(self.path(name, key))
            .and_then(|file| file.set_modified(std::time::SystemTime::now()))
            .unwrap();
        let mut passes: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
            .collect();
        passes.sort();
        let excess = passes.len().saturating_sub(KEPT);
        for (_, old) in passes.into_iter().take(excess) {
            if old != self.path(name, key) {
                let _ = std::fs::remove_file(old);
            }
        }
    }

    /// Runs `body` unless `name` passed before with exactly `inputs` (and
    /// `KATA_TEST_CACHE` is not `off`); remembers the pass when it returns. Returns whether
    /// `body` ran.
    pub fn run_unless_passed(&self, name: &str, inputs: &Inputs, body: impl FnOnce()) -> bool {
        let key = inputs.key();
        if !self.off && self.passed(name, &key) {
            eprintln!(
                "{name}: passed before with exactly these inputs (key {}…), not run again; \
                 KATA_TEST_CACHE=off runs it",
                &key[..12]
            );
            return false;
        }
        self.forget(name, &key);
        body();
        self.remember(name, &key);
        true
    }
}
