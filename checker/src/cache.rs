//! The self-check's memory, under `target/kata-verify/<kata>.json`: a sound kata's verdict,
//! keyed by a SHA-256 of everything the verdict depends on, and which test caught each
//! mutant last time (so that it runs first).
//!
//! A verdict is served only when the key of the inputs about to be graded equals the key
//! it was stored under, and only sound verdicts are stored: a kata with a problem is always
//! graded again. The key covers, per kata: the manifest entry, the hidden tests and
//! fixtures (embedded, and the folder on disk), every graded variant's sources (skeleton,
//! solution, each mutant as applied, each alternative as laid over the solution) and
//! `mutants.toml` and `rules.toml` themselves; and for every kata: the support crate, the root `Cargo.toml`
//! and `Cargo.lock`, the checker's own sources, the toolchain (`rustc -vV`, `cargo -V`)
//! and the settings that reach the tests (`LOOM_MAX_PREEMPTIONS`, network isolation).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::verify::KataCheck;

/// Bumped when the format of the key or of the stored files changes.
const FORMAT: &str = "kata-verify-cache 2";

/// A SHA-256 of the checker's own sources (`checker/src/**`, `build.rs`, `Cargo.toml`),
/// computed by `build.rs`.
pub const CHECKER_SOURCES: &str = env!("KATA_CHECKER_SOURCES_SHA256");

/// Labelled byte strings that a verdict depends on. Labels say where each came from
/// (`skeleton:src/lib.rs`, `support:src/lib.rs`, `toolchain`…), so two inputs can never
/// be mistaken for one another, and the encoding is length-prefixed, so no change of one
/// input can be offset by a change of its neighbour.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inputs(BTreeMap<String, Vec<u8>>);

impl Inputs {
    /// Adds (or replaces) one input.
    pub fn insert(&mut self, label: impl Into<String>, bytes: impl Into<Vec<u8>>) {
        self.0.insert(label.into(), bytes.into());
    }

    /// Adds every file of `files` under `prefix:`.
    pub fn insert_files(&mut self, prefix: &str, files: &BTreeMap<PathBuf, Vec<u8>>) {
        for (path, bytes) in files {
            self.insert(format!("{prefix}:{}", path.display()), bytes.clone());
        }
    }

    /// The labels, for tests.
    #[cfg(test)]
    pub fn labels(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    /// The bytes of one input, for tests.
    #[cfg(test)]
    pub fn get_mut(&mut self, label: &str) -> Option<&mut Vec<u8>> {
        self.0.get_mut(label)
    }
}

/// The key of a kata's verdict: SHA-256 (hex) of the kata's inputs and the environment's.
pub fn key(kata: &Inputs, environment: &Inputs) -> String {
    let mut hash = Sha256::new();
    let mut field = |bytes: &[u8]| {
        hash.update((bytes.len() as u64).to_le_bytes());
        hash.update(bytes);
    };
    field(FORMAT.as_bytes());
    for (part, inputs) in [("kata", kata), ("environment", environment)] {
        field(part.as_bytes());
        field(&(inputs.0.len() as u64).to_le_bytes());
        for (label, bytes) in &inputs.0 {
            field(label.as_bytes());
            field(bytes);
        }
    }
    hex(&hash.finalize())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What every kata's verdict depends on beyond its own files: the support crate, the root
/// manifest and lockfile (the harness copies its dependency versions and profiles from
/// them), the checker, the toolchain, and the settings that reach the tests.
///
/// # Errors
///
/// When a file cannot be read. A toolchain that cannot be asked for its version is
/// recorded as such (the grading will fail anyway).
pub fn environment(root: &Path) -> Result<Inputs> {
    let mut inputs = workspace_files(root)?;
    inputs.insert("checker", CHECKER_SOURCES);
    inputs.insert("toolchain", toolchain(root));
    inputs.insert("settings", settings());
    Ok(inputs)
}

/// The files of [`environment`]: `support/` (all of it but `target/`), `Cargo.toml`,
/// `Cargo.lock`. Read again after grading, so a verdict is not stored under a key its
/// build may not have seen.
pub fn workspace_files(root: &Path) -> Result<Inputs> {
    let mut inputs = Inputs::default();
    for file in ["Cargo.toml", "Cargo.lock"] {
        let path = root.join(file);
        // A workspace without a lockfile is a state of its own, not an error.
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => b"(none)".to_vec(),
            Err(error) => {
                return Err(error).with_context(|| format!("failed to read {}", path.display()));
            }
        };
        inputs.insert(format!("workspace:{file}"), bytes);
    }
    inputs.insert_files("support", &tree(&root.join("support"))?);
    Ok(inputs)
}

/// Every regular file under `dir` (relative path → contents), but `target/`.
pub fn tree(dir: &Path) -> Result<BTreeMap<PathBuf, Vec<u8>>> {
    let mut files = BTreeMap::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(relative) = pending.pop() {
        let here = dir.join(&relative);
        let entries =
            fs::read_dir(&here).with_context(|| format!("failed to read {}", here.display()))?;
        for entry in entries {
            let entry = entry?;
            let kind = entry.file_type()?;
            let path = relative.join(entry.file_name());
            if kind.is_dir() && entry.file_name() != "target" {
                pending.push(path);
            } else if kind.is_file() {
                let bytes = fs::read(entry.path())
                    .with_context(|| format!("failed to read {}", entry.path().display()))?;
                files.insert(path, bytes);
            }
        }
    }
    Ok(files)
}

/// `rustc -vV` and `cargo -V` as the harness will run them (the same folder, so the same
/// rustup toolchain).
fn toolchain(root: &Path) -> String {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut text = String::new();
    for (program, flag) in [(rustc, "-vV"), (cargo, "-V")] {
        let output = Command::new(&program)
            .arg(flag)
            .current_dir(root)
            .env_remove("RUSTC_BOOTSTRAP")
            .output();
        match output {
            Ok(output) => {
                text.push_str(&String::from_utf8_lossy(&output.stdout));
                text.push_str(&format!("(status {})\n", output.status));
            }
            Err(error) => text.push_str(&format!("{}: {error}\n", program.to_string_lossy())),
        }
    }
    text
}

/// The settings that change what the tests do.
fn settings() -> String {
    format!(
        "LOOM_MAX_PREEMPTIONS={:?}\nnetwork_isolated={}\n",
        std::env::var_os("LOOM_MAX_PREEMPTIONS"),
        crate::runner::network_isolation()
    )
}

/// What is remembered of one kata.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Entry {
    /// The key [`Entry::verdict`] was found under.
    pub key: String,
    /// The verdict, present only when the kata was sound.
    pub verdict: Option<KataCheck>,
    /// Per mutant, the test that caught it fastest last time (it runs first next time).
    #[serde(default)]
    pub catchers: BTreeMap<String, String>,
}

/// The folder of the memory: `target/kata-verify/`.
#[derive(Debug, Clone)]
pub struct Store {
    dir: PathBuf,
}

impl Store {
    /// The store of the workbook at `root`.
    pub fn new(root: &Path) -> Self {
        Store {
            dir: root.join("target").join("kata-verify"),
        }
    }

    /// A store in `dir` (the checker's tests keep fixture katas' memory apart).
    pub fn at(dir: PathBuf) -> Self {
        Store { dir }
    }

    fn path(&self, kata: &str) -> PathBuf {
        self.dir.join(format!("{kata}.json"))
    }

    /// What is remembered of `kata`; nothing when the file is missing or unreadable (it is
    /// only a memory: the kata is then graded).
    pub fn load(&self, kata: &str) -> Entry {
        fs::read(self.path(kata))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    /// The verdict stored for `kata` under exactly `key`, if it is sound.
    pub fn verdict(&self, kata: &str, key: &str) -> Option<KataCheck> {
        let entry = self.load(kata);
        entry
            .verdict
            .filter(|check| entry.key == key && check.problems.is_empty())
    }

    /// Stores `entry` for `kata`, atomically (a temporary file renamed over the old one),
    /// dropping the verdict if it has problems.
    pub fn save(&self, kata: &str, mut entry: Entry) -> Result<()> {
        if entry
            .verdict
            .as_ref()
            .is_some_and(|c| !c.problems.is_empty())
        {
            entry.verdict = None;
        }
        fs::create_dir_all(&self.dir)
            .with_context(|| format!("failed to create {}", self.dir.display()))?;
        let path = self.path(kata);
        let temporary = self
            .dir
            .join(format!(".{kata}.json.{}.tmp", std::process::id()));
        fs::write(&temporary, serde_json::to_vec_pretty(&entry)?)
            .with_context(|| format!("failed to write {}", temporary.display()))?;
        fs::rename(&temporary, &path)
            .with_context(|| format!("failed to replace {}", path.display()))
    }
}
