//! The kata manifest (`katas.toml` at the repository root), embedded at build time, and
//! the hidden test files that go with it.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::Deserialize;

include!(concat!(env!("OUT_DIR"), "/hidden.rs"));

/// The manifest's text, as the checker was built with it.
const MANIFEST: &str = include_str!("../../katas.toml");

/// Default per-test wall-clock limit, in seconds.
pub const DEFAULT_TIME_LIMIT: u64 = 10;

/// Resource limits of every test process of a kata (`[kata.limits]` in the manifest).
/// The wall-clock limit is per stage (`time-limit`).
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Limits {
    /// Address space, in MiB (`RLIMIT_AS`). Default 2048.
    #[serde(default = "Limits::default_memory")]
    pub memory_mib: u64,
    /// CPU seconds beyond the wall-clock limit (`RLIMIT_CPU` = wall + this). Default 2.
    #[serde(default = "Limits::default_cpu_slack")]
    pub cpu_slack_seconds: u64,
    /// Largest file a test may write, in MiB (`RLIMIT_FSIZE`). Default 64.
    #[serde(default = "Limits::default_file")]
    pub file_mib: u64,
    /// Output kept per stream, in KiB; the rest is read and dropped. Default 64.
    #[serde(default = "Limits::default_output")]
    pub output_kib: usize,
    /// Longest the build of the attempt may take, in seconds. Default 300.
    #[serde(default = "Limits::default_build")]
    pub build_seconds: u64,
    /// Most processes and threads a test may have at once (a cgroup's `pids.max`, where
    /// the machine has one). Default 512.
    #[serde(default = "Limits::default_processes")]
    pub processes: u64,
}

impl Limits {
    fn default_memory() -> u64 {
        2048
    }
    fn default_cpu_slack() -> u64 {
        2
    }
    fn default_file() -> u64 {
        64
    }
    fn default_output() -> usize {
        64
    }
    fn default_build() -> u64 {
        300
    }
    fn default_processes() -> u64 {
        512
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            memory_mib: Self::default_memory(),
            cpu_slack_seconds: Self::default_cpu_slack(),
            file_mib: Self::default_file(),
            output_kib: Self::default_output(),
            build_seconds: Self::default_build(),
            processes: Self::default_processes(),
        }
    }
}

/// The whole manifest.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Every kata, by number.
    #[serde(rename = "kata")]
    pub katas: Vec<Kata>,
}

/// One kata.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Kata {
    /// Command-line name, e.g. `event-emitter`.
    pub id: String,
    /// Place in the book.
    pub number: u32,
    /// Folder name under `katas/`, `solutions/` and `checker/hidden/`.
    pub dir: String,
    /// Human title.
    pub title: String,
    /// One-line summary (shown by the book).
    #[expect(
        dead_code,
        reason = "read by the book; kept so the manifest is validated whole"
    )]
    pub summary: String,
    /// Library name the hidden tests import.
    #[serde(rename = "crate")]
    pub crate_name: String,
    /// Hints, in the order they are opened.
    pub hints: Vec<Hint>,
    /// Harness `[dependencies]`.
    #[serde(default)]
    pub dependencies: toml::Table,
    /// Harness `[dev-dependencies]`.
    #[serde(default, rename = "dev-dependencies")]
    pub dev_dependencies: toml::Table,
    /// Harness `[features]`.
    #[serde(default)]
    pub features: toml::Table,
    /// Stages, in order.
    #[serde(rename = "stage")]
    pub stages: Vec<Stage>,
    /// Resource limits of its test processes.
    #[serde(default)]
    pub limits: Limits,
    /// The kata's own `[[kata]]` table of the manifest, as TOML (part of the key of the
    /// self-check's cached verdict).
    #[serde(skip)]
    pub entry: String,
}

/// One hint.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hint {
    /// The stage it helps with.
    pub stage: usize,
    /// The hint, in Markdown.
    pub text: String,
}

/// One stage of a kata: one hidden test file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    /// Module (file stem) of the hidden tests, e.g. `stage1`.
    pub module: String,
    /// Human title.
    pub title: String,
    /// Share of the kata's score.
    pub weight: u32,
    /// Features the stage's tests are built with.
    #[serde(default)]
    pub features: Vec<String>,
    /// Per-test wall-clock limit in seconds.
    #[serde(default, rename = "time-limit")]
    pub time_limit: Option<u64>,
}

/// The module name of a kata's shared hidden-test code.
pub const COMMON: &str = "common";

impl Manifest {
    /// The embedded manifest, checked for consistency.
    pub fn load() -> Result<Self> {
        let mut manifest: Manifest =
            toml::from_str(MANIFEST).context("failed to parse katas.toml")?;
        let raw: toml::Table = toml::from_str(MANIFEST).context("failed to parse katas.toml")?;
        let tables = raw.get("kata").and_then(toml::Value::as_array);
        for (kata, table) in manifest.katas.iter_mut().zip(tables.into_iter().flatten()) {
            kata.entry = toml::to_string(table).context("failed to write a kata's entry")?;
        }
        manifest.katas.sort_by_key(|kata| kata.number);
        manifest.validate()?;
        Ok(manifest)
    }

    fn validate(&self) -> Result<()> {
        for kata in &self.katas {
            let total: u32 = kata.stages.iter().map(|s| s.weight).sum();
            if total != 100 {
                bail!(
                    "katas.toml: the stage weights of `{}` add up to {total}, not 100",
                    kata.id
                );
            }
            for stage in &kata.stages {
                if stage.module == COMMON {
                    bail!(
                        "katas.toml: `{COMMON}` is the name of a kata's shared test code \
                         (checker/hidden/{}/{COMMON}.rs), not of a stage",
                        kata.dir
                    );
                }
                if kata.hidden_source(&stage.module).is_none() {
                    bail!(
                        "katas.toml: stage `{}` of `{}` has no file checker/hidden/{}/{}.rs",
                        stage.module,
                        kata.id,
                        kata.dir,
                        stage.module
                    );
                }
            }
        }
        Ok(())
    }

    /// The katas `names` designate (each as [`find`](Self::find) reads it), or every kata
    /// when `names` is empty.
    pub fn select(&self, names: &[String]) -> Result<Vec<&Kata>> {
        if names.is_empty() {
            Ok(self.katas.iter().collect())
        } else {
            names.iter().map(|name| self.find(name)).collect()
        }
    }

    /// Finds a kata by id, number (`1`, `01`) or folder name.
    ///
    /// # Errors
    ///
    /// An unknown name, with the list of valid ones.
    pub fn find(&self, name: &str) -> Result<&Kata> {
        let by_number = name.parse::<u32>().ok();
        self.katas
            .iter()
            .find(|k| k.id == name || k.dir == name || Some(k.number) == by_number)
            .with_context(|| {
                let valid: Vec<String> = self
                    .katas
                    .iter()
                    .map(|k| format!("  {:02}  {:<20} {}", k.number, k.id, k.title))
                    .collect();
                format!(
                    "there is no kata `{name}`; the katas are:\n{}",
                    valid.join("\n")
                )
            })
    }
}

impl Kata {
    /// The text of a hidden test module, if it exists.
    pub fn hidden_source(&self, module: &str) -> Option<&'static str> {
        let file = format!("{module}.rs");
        HIDDEN_FILES
            .iter()
            .find(|(dir, name, _)| *dir == self.dir && *name == file)
            .map(|(_, _, text)| *text)
    }

    /// Every hidden test file of the kata (file name, contents): the stages and any shared
    /// fixtures.
    pub fn hidden_files(&self) -> impl Iterator<Item = (&'static str, &'static str)> {
        HIDDEN_FILES
            .iter()
            .filter(move |(dir, _, _)| *dir == self.dir)
            .map(|(_, name, text)| (*name, *text))
    }

    /// The kata's shared test code, `checker/hidden/<dir>/common.rs`, if it has any:
    /// fixtures every stage uses (a server, a clock), compiled as `crate::common` beside
    /// the stage modules.
    pub fn hidden_common(&self) -> Option<&'static str> {
        self.hidden_source(COMMON)
    }

    /// The skeleton's folder (where a learner works by default).
    pub fn skeleton_dir(&self, root: &Path) -> PathBuf {
        root.join("katas").join(&self.dir)
    }

    /// The reference solution's folder.
    pub fn solution_dir(&self, root: &Path) -> PathBuf {
        root.join("solutions").join(&self.dir)
    }

    /// The names of the tests in each stage, read from the hidden source: every function
    /// under a `#[test]`-like attribute, prefixed by its module (`stage1::name`).
    pub fn expected_tests(&self) -> Vec<(usize, String)> {
        let mut tests = Vec::new();
        for (index, stage) in self.stages.iter().enumerate() {
            let source = self.hidden_source(&stage.module).unwrap_or_default();
            for name in test_functions(source) {
                tests.push((index, format!("{}::{name}", stage.module)));
            }
        }
        tests
    }

    /// The per-test time limit of a stage.
    pub fn time_limit(&self, stage: usize) -> u64 {
        self.stages[stage].time_limit.unwrap_or(DEFAULT_TIME_LIMIT)
    }
}

/// Names of the functions marked `#[test]` or `#[<runtime>::test…]` in a test file.
fn test_functions(source: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut pending = false;
    for line in source.lines().map(str::trim) {
        let attribute =
            line.starts_with("#[test]") || (line.starts_with("#[") && line.contains("::test"));
        if attribute {
            pending = true;
        }
        // The function may follow on the same line (`#[test] fn name()`) or a later one.
        let after_attribute = if attribute {
            line.split_once(']').map_or("", |(_, rest)| rest)
        } else {
            line
        };
        if pending && let Some(rest) = after_attribute.split("fn ").nth(1) {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            names.push(name);
            pending = false;
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_manifest_is_valid() {
        let manifest = Manifest::load().expect("katas.toml loads");
        assert!(!manifest.katas.is_empty());
        assert!(
            manifest.katas.windows(2).all(|w| w[0].number < w[1].number),
            "numbers are unique and sorted"
        );
    }

    #[test]
    fn test_functions_finds_plain_and_async_tests() {
        let source = "#[test]\nfn a() {}\n#[tokio::test(start_paused = true)]\nasync fn b() {}\nfn helper() {}\n";
        assert_eq!(test_functions(source), ["a", "b"]);
    }

    #[test]
    fn every_test_attribute_of_every_hidden_file_is_found() {
        // A test the scanner missed would never run, and nothing else would notice.
        for (dir, file, text) in HIDDEN_FILES {
            let attributes = text
                .lines()
                .map(str::trim)
                .filter(|l| {
                    l.starts_with("#[test]") || (l.starts_with("#[") && l.contains("::test"))
                })
                .count();
            assert_eq!(test_functions(text).len(), attributes, "{dir}/{file}");
        }
        assert_eq!(test_functions("#[test] fn same_line() {}\n"), ["same_line"]);
    }

    #[test]
    fn find_accepts_id_number_and_folder() {
        let manifest = Manifest::load().unwrap();
        let first = &manifest.katas[0];
        for name in [
            first.id.clone(),
            first.number.to_string(),
            first.dir.clone(),
        ] {
            assert_eq!(manifest.find(&name).unwrap().id, first.id);
        }
        let err = manifest.find("no-such-kata").unwrap_err().to_string();
        assert!(
            err.contains(&first.id),
            "the error lists the valid katas: {err}"
        );
    }
}
