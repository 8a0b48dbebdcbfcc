//! The grading harness: a cargo workspace under `target/kata-harness/` that the checker
//! owns. Each graded variant of a kata (a learner's attempt, the skeleton, the solution, a
//! mutant) is a *slot*: a copy of its `src/` plus one package per feature set of the
//! kata's stages, whose only test target includes the embedded hidden tests.
//!
//! Every file is written only when its content changes, so cargo's incremental build sees
//! an unchanged attempt as unchanged. The learner's `Cargo.toml`, build script and cargo
//! configuration are never read: dependencies and features come from the manifest.

use std::collections::{BTreeMap, HashMap};
use std::fs::{self, File};
use std::io::{BufRead, BufReader, IsTerminal, Read};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use crate::manifest::Kata;

/// A crate's files (relative path, e.g. `src/lib.rs` → contents).
pub type Sources = BTreeMap<PathBuf, Vec<u8>>;

/// Most files and bytes the checker copies out of an attempt's `src/`.
const MAX_SOURCE_FILES: usize = 500;
const MAX_SOURCE_BYTES: usize = 16 << 20;

/// Reads the `src/` folder of the crate at `dir` (regular files only).
///
/// # Errors
///
/// When `dir` is not a crate with a `src/lib.rs`, or `src/` is too large.
pub fn read_sources(dir: &Path) -> Result<Sources> {
    if !dir.join("src").join("lib.rs").is_file() {
        bail!(
            "{} is not a kata crate: it has no src/lib.rs (pass the folder that holds Cargo.toml and src/)",
            dir.display()
        );
    }
    let mut sources = Sources::new();
    let mut total = 0;
    let mut pending = vec![PathBuf::from("src")];
    while let Some(relative) = pending.pop() {
        let entries = fs::read_dir(dir.join(&relative))
            .with_context(|| format!("failed to read {}", dir.join(&relative).display()))?;
        for entry in entries {
            let entry = entry?;
            let kind = entry.file_type()?;
            let path = relative.join(entry.file_name());
            if kind.is_dir() {
                pending.push(path);
            } else if kind.is_file() {
                let bytes = fs::read(entry.path())
                    .with_context(|| format!("failed to read {}", entry.path().display()))?;
                total += bytes.len();
                sources.insert(path, bytes);
                if sources.len() > MAX_SOURCE_FILES || total > MAX_SOURCE_BYTES {
                    bail!(
                        "{}/src is too large to grade (more than {MAX_SOURCE_FILES} files or {} MiB)",
                        dir.display(),
                        MAX_SOURCE_BYTES >> 20
                    );
                }
            }
            // Symbolic links and other special files are not copied: the harness grades
            // what is in the folder, nothing it points to.
        }
    }
    Ok(sources)
}

/// What to grade: one variant of one kata.
#[derive(Debug)]
pub struct SlotSpec<'a> {
    /// The kata.
    pub kata: &'a Kata,
    /// `attempt`, `skeleton`, `solution` or `mutant-<name>`.
    pub variant: String,
    /// The crate's `src/` files.
    pub sources: Sources,
}

/// One package of a slot: the stages built with one feature set.
#[derive(Debug, Clone)]
pub struct Package {
    /// Cargo package name (also its folder under `slots/`).
    pub name: String,
    /// Indexes of the kata's stages whose tests this package's test binary holds.
    pub stages: Vec<usize>,
}

/// A slot written to disk, ready to build.
#[derive(Debug, Clone)]
pub struct Slot {
    /// The package that owns the slot's sources.
    pub base: String,
    /// The packages to build, one per feature set.
    pub packages: Vec<Package>,
    /// Replacements that turn harness paths in messages into the learner's own
    /// (`slots/kh-…/src/lib.rs` → `src/lib.rs`).
    pub path_rewrites: Vec<(String, String)>,
}

impl Slot {
    /// Rewrites harness paths in a compiler or panic message.
    pub fn rewrite_paths(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for (from, to) in &self.path_rewrites {
            text = text.replace(from.as_str(), to);
        }
        text
    }
}

/// The result of building slots: a test binary per package, or its compile errors.
#[derive(Debug, Default)]
pub struct Build {
    executables: HashMap<String, PathBuf>,
    errors: HashMap<String, Vec<String>>,
    /// Set when the build was stopped at its time limit.
    timed_out: Option<Duration>,
    /// Compiler seconds per package (every unit of it: library, test binary, build
    /// script), from cargo's `--timings` report, when asked for.
    compile_seconds: HashMap<String, f64>,
}

impl Build {
    /// The test binary of a package, if it compiled.
    pub fn executable(&self, package: &str) -> Option<&Path> {
        self.executables.get(package).map(PathBuf::as_path)
    }

    /// The compiler's error messages for a package (empty if none were reported).
    pub fn errors(&self, package: &str) -> &[String] {
        self.errors.get(package).map_or(&[], Vec::as_slice)
    }

    /// Seconds the compiler spent on `package` in this build (0 when it was fresh, or
    /// when timings were not asked for).
    pub fn compile_seconds(&self, package: &str) -> f64 {
        self.compile_seconds.get(package).copied().unwrap_or(0.0)
    }

    /// Compiler seconds spent on everything but the harness's own packages (`kh-…`):
    /// the dependencies.
    pub fn dependency_seconds(&self) -> f64 {
        self.compile_seconds
            .iter()
            .filter(|(name, _)| !name.starts_with("kh-"))
            .map(|(_, seconds)| seconds)
            .sum()
    }

    /// Why nothing was built, when the build ran out of time.
    pub fn timeout_message(&self) -> Option<String> {
        self.timed_out.map(|limit| {
            format!(
                "the build did not finish within {} s and was stopped (a constant that never \
                 finishes evaluating, or a type-level loop?)",
                limit.as_secs()
            )
        })
    }
}

/// The harness workspace, locked for the lifetime of this value.
#[derive(Debug)]
pub struct Harness {
    root: PathBuf,
    dir: PathBuf,
    _lock: File,
}

impl Harness {
    /// Opens (creating if needed) the harness under `<root>/target/kata-harness`, waiting
    /// for any other checker that holds it.
    pub fn open(root: &Path) -> Result<Self> {
        let dir = root.join("target").join("kata-harness");
        fs::create_dir_all(dir.join("slots"))
            .with_context(|| format!("failed to create {}", dir.display()))?;
        let lock = File::create(dir.join(".lock")).context("failed to create the harness lock")?;
        if lock.try_lock().is_err() {
            eprintln!("Waiting for another `cargo kata` to finish with the grading harness…");
            lock.lock().context("failed to lock the grading harness")?;
        }
        let harness = Harness {
            root: root.to_owned(),
            dir,
            _lock: lock,
        };
        harness.write_workspace()?;
        Ok(harness)
    }

    /// A folder for the private working directories of test processes.
    pub fn scratch_dir(&self) -> PathBuf {
        self.dir.join("scratch")
    }

    /// Writes the harness workspace's Cargo.toml (dependency versions and profiles from
    /// the repository's) and seeds its lockfile from the repository's.
    fn write_workspace(&self) -> Result<()> {
        let text = fs::read_to_string(self.root.join("Cargo.toml"))
            .context("failed to read the workspace Cargo.toml")?;
        let root: toml::Table = toml::from_str(&text).context("failed to parse Cargo.toml")?;
        let mut dependencies = root
            .get("workspace")
            .and_then(|w| w.get("dependencies"))
            .and_then(toml::Value::as_table)
            .cloned()
            .unwrap_or_default();
        for (_, spec) in dependencies.iter_mut() {
            if let Some(path) = spec.get_mut("path")
                && let Some(relative) = path.as_str()
            {
                *path = toml::Value::String(self.root.join(relative).display().to_string());
            }
        }
        let mut workspace = toml::Table::new();
        workspace.insert("resolver".into(), "3".into());
        workspace.insert("members".into(), vec![toml::Value::from("slots/*")].into());
        workspace.insert("dependencies".into(), dependencies.into());
        let mut document = toml::Table::new();
        document.insert("workspace".into(), workspace.into());
        if let Some(profile) = root.get("profile") {
            document.insert("profile".into(), profile.clone());
        }
        let manifest = format!(
            "# Generated by the checker on every run; edits are lost.\n{}",
            toml::to_string(&document)?
        );
        write_if_changed(&self.dir.join("Cargo.toml"), manifest.as_bytes())?;

        // Start from the repository's lockfile so the harness builds with exactly the
        // versions the solutions were tested with. Cargo trims it to what the harness uses,
        // so it is copied again only when the repository's own lockfile changes.
        if let Ok(lock) = fs::read(self.root.join("Cargo.lock")) {
            let seen = self.dir.join("Cargo.lock.from-repository");
            if fs::read(&seen).ok().as_deref() != Some(lock.as_slice()) {
                fs::write(self.dir.join("Cargo.lock"), &lock)?;
                fs::write(&seen, &lock)?;
            }
        }
        Ok(())
    }

    /// Writes a slot's packages: sources, Cargo.toml and the hidden-test entry point.
    pub fn prepare(&self, spec: &SlotSpec<'_>) -> Result<Slot> {
        let kata = spec.kata;
        let base = format!("kh-{}--{}", kata.id, spec.variant);
        let base_dir = self.dir.join("slots").join(&base);
        sync_tree(&base_dir.join("src"), &base_dir, &spec.sources)?;

        let hidden_dir = self.dir.join("hidden").join(&kata.dir);
        for stage in &kata.stages {
            let text = kata.hidden_source(&stage.module).unwrap_or_default();
            write_if_changed(
                &hidden_dir.join(format!("{}.rs", stage.module)),
                text.as_bytes(),
            )?;
        }
        if let Some(common) = kata.hidden_common() {
            write_if_changed(
                &hidden_dir.join(format!("{}.rs", crate::manifest::COMMON)),
                common.as_bytes(),
            )?;
        }

        // One package per distinct feature set, in stage order.
        let mut groups: Vec<(Vec<String>, Vec<usize>)> = Vec::new();
        for (index, stage) in kata.stages.iter().enumerate() {
            let mut features = stage.features.clone();
            features.sort();
            match groups.iter_mut().find(|(f, _)| *f == features) {
                Some((_, stages)) => stages.push(index),
                None => groups.push((features, vec![index])),
            }
        }
        if !groups.iter().any(|(features, _)| features.is_empty()) {
            // The base package still owns the sources; give it no tests.
            self.write_package(kata, &base, &base, &[], &[], &hidden_dir)?;
        }
        let mut packages = Vec::new();
        for (features, stages) in groups {
            let name = if features.is_empty() {
                base.clone()
            } else {
                format!("{base}--{}", features.join("-"))
            };
            self.write_package(kata, &name, &base, &features, &stages, &hidden_dir)?;
            packages.push(Package { name, stages });
        }

        let slots = self.dir.join("slots");
        // Longest first: a feature package reaches the sources through `../<base>/`.
        let mut path_rewrites: Vec<(String, String)> = packages
            .iter()
            .map(|p| (format!("slots/{}/../{base}/", p.name), String::new()))
            .collect();
        path_rewrites.extend([
            (format!("{}/", base_dir.display()), String::new()),
            (format!("slots/{base}/"), String::new()),
            (format!("{}/", hidden_dir.display()), "hidden/".into()),
            (format!("{}/", slots.display()), String::new()),
        ]);
        Ok(Slot {
            base,
            packages,
            path_rewrites,
        })
    }

    fn write_package(
        &self,
        kata: &Kata,
        name: &str,
        base: &str,
        features: &[String],
        stages: &[usize],
        hidden_dir: &Path,
    ) -> Result<()> {
        let dir = self.dir.join("slots").join(name);
        // `kh-event-emitter--attempt` → `kh_event_emitter_attempt`: a snake-case name, so
        // the compiler has nothing to say about the harness's own naming.
        let lib_name = name
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join("_");
        // A feature package compiles the base slot's sources through a link `src` →
        // `../<base>/src`, not through a path outside its folder: cargo records a source
        // outside the package by its absolute path, so a copied `target/` (or a copied
        // workbook whose original still exists) would compare the original's files and
        // could serve a stale build.
        if name != base {
            link_sources(&dir, base)?;
        }
        let lib_path = "src/lib.rs";
        let mut package_features = kata.features.clone();
        if !features.is_empty() {
            package_features.insert("default".into(), features.to_vec().into());
        }
        let mut manifest = format!(
            "# Generated by the checker on every run; edits are lost.\n\
             [package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\
             build = false\nautolib = false\nautobins = false\nautoexamples = false\nautotests = false\nautobenches = false\n\n\
             [lib]\nname = \"{lib_name}\"\npath = \"{lib_path}\"\ntest = false\ndoctest = false\n\n"
        );
        if !stages.is_empty() {
            manifest.push_str("[[test]]\nname = \"hidden\"\npath = \"tests/hidden.rs\"\n\n");
        }
        let mut tables = toml::Table::new();
        tables.insert("features".into(), package_features.into());
        tables.insert("dependencies".into(), kata.dependencies.clone().into());
        tables.insert(
            "dev-dependencies".into(),
            kata.dev_dependencies.clone().into(),
        );
        manifest.push_str(&toml::to_string(&tables)?);
        write_if_changed(&dir.join("Cargo.toml"), manifest.as_bytes())?;

        if !stages.is_empty() {
            let mut entry = format!(
                "// Generated by the checker: the hidden tests of `{}`.\n\
                 #![allow(unused)]\n\
                 #![deny(unused_must_use)]\n\
                 extern crate {lib_name} as {};\n",
                kata.id, kata.crate_name
            );
            if kata.hidden_common().is_some() {
                let module = crate::manifest::COMMON;
                let path = hidden_dir.join(format!("{module}.rs"));
                entry.push_str(&format!(
                    "#[path = {:?}]\nmod {module};\n",
                    path.display().to_string()
                ));
            }
            for &stage in stages {
                let module = &kata.stages[stage].module;
                let path = hidden_dir.join(format!("{module}.rs"));
                entry.push_str(&format!(
                    "#[path = {:?}]\nmod {module};\n",
                    path.display().to_string()
                ));
            }
            write_if_changed(&dir.join("tests").join("hidden.rs"), entry.as_bytes())?;
        }
        Ok(())
    }

    /// A cargo command in the harness, with the outer build's settings removed.
    fn cargo(&self, args: &[&str], show_progress: bool) -> Command {
        cargo_in(&self.dir, args, show_progress)
    }

    /// The folder of a slot's sources (`src/` lives in it).
    pub fn slot_dir(&self, slot: &Slot) -> PathBuf {
        self.dir.join("slots").join(&slot.base)
    }

    /// Clippy's warnings on a slot's own sources (not the hidden tests), with the learner's
    /// paths, as rendered by the compiler.
    pub fn clippy(&self, slot: &Slot) -> Result<Vec<String>> {
        let mut command = self.cargo(
            &[
                "clippy",
                "--message-format=json",
                "--lib",
                "--package",
                &slot.base,
            ],
            false,
        );
        // cargo clippy puts its own driver in RUSTC_WORKSPACE_WRAPPER: the confining
        // wrapper goes around it.
        if let Some(checker) = checker_binary() {
            command.env("RUSTC_WRAPPER", checker);
        }
        let output = command.output().context("failed to run cargo clippy")?;
        let mut findings = Vec::new();
        for line in String::from_utf8_lossy(&output.stdout).lines() {
            let Ok(message) = serde_json::from_str::<CargoMessage>(line) else {
                continue;
            };
            if let Some(diagnostic) = message.message
                && diagnostic.level == "warning"
                && let Some(rendered) = diagnostic.rendered
                && diagnostic
                    .spans
                    .iter()
                    .any(|s| s.is_primary && s.file_name.contains("/src/"))
            {
                let rendered = slot.rewrite_paths(rendered.trim_end());
                if !findings.contains(&rendered) {
                    findings.push(rendered);
                }
            }
        }
        Ok(findings)
    }

    /// Builds the test binaries of every package of `slots` in one cargo invocation.
    /// Compile errors are part of the result; only a failure of cargo itself is an error.
    /// With `timings`, cargo also writes its `--timings` report, from which the compiler
    /// time of each package is read ([`Build::compile_seconds`]).
    pub fn build(&self, slots: &[&Slot], limit: Duration, timings: bool) -> Result<Build> {
        let show_progress = std::io::stderr().is_terminal();
        // `cargo build --test hidden` builds the same units as `cargo test --no-run`, and
        // with `--keep-going` a package that does not compile (a broken mutant, a mutant
        // schema, one kata's attempt) does not stop cargo from building the others.
        let mut args = vec![
            "build",
            "--keep-going",
            "--message-format=json",
            "--test",
            "hidden",
        ];
        if timings {
            args.push("--timings");
        }
        let mut command = self.cargo(&args, show_progress);
        for slot in slots {
            for package in &slot.packages {
                command.args(["--package", &package.name]);
            }
        }
        // Its own process group, so a stuck build (cargo and every rustc) can be killed whole.
        command.process_group(0);
        let mut child = command.spawn().context("failed to run cargo")?;
        let finished = Arc::new(AtomicBool::new(false));
        let stopped = Arc::new(AtomicBool::new(false));
        let watchdog = {
            let (finished, stopped) = (Arc::clone(&finished), Arc::clone(&stopped));
            let group = child.id() as libc::pid_t;
            std::thread::spawn(move || {
                let deadline = Instant::now() + limit;
                while !finished.load(Ordering::SeqCst) {
                    if Instant::now() >= deadline {
                        stopped.store(true, Ordering::SeqCst);
                        // SAFETY: signalling a process group has no memory-safety conditions.
                        unsafe { libc::killpg(group, libc::SIGKILL) };
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
            })
        };
        let stderr = child.stderr.take().map(|mut pipe| {
            std::thread::spawn(move || {
                let mut text = String::new();
                let _ = pipe.read_to_string(&mut text);
                text
            })
        });
        let mut build = Build::default();
        // Without a terminal (a log, a test), a long build (the self-check's) says where it
        // is every half minute; on one, cargo's own progress bar does.
        let packages: usize = slots.iter().map(|s| s.packages.len()).sum();
        let log_progress = !show_progress && packages > 20;
        let mut last_line = Instant::now();
        let stdout = child.stdout.take().context("cargo's stdout")?;
        for line in BufReader::new(stdout).lines() {
            let line = line.context("failed to read cargo's output")?;
            let Ok(message) = serde_json::from_str::<CargoMessage>(&line) else {
                continue;
            };
            let Some(package) = message
                .manifest_path
                .as_deref()
                .and_then(|p| Path::new(p).parent())
                .and_then(Path::file_name)
                .map(|n| n.to_string_lossy().into_owned())
            else {
                continue;
            };
            match message.reason.as_str() {
                "compiler-artifact" => {
                    if let Some(exe) = message.executable
                        && message.target.is_some_and(|t| t.name == "hidden")
                    {
                        build.executables.insert(package, exe);
                        if log_progress && last_line.elapsed() >= Duration::from_secs(30) {
                            last_line = Instant::now();
                            eprintln!(
                                "  building: {}/{packages} test binaries ready",
                                build.executables.len()
                            );
                        }
                    }
                }
                "compiler-message" => {
                    if let Some(diagnostic) = message.message
                        && diagnostic.level.starts_with("error")
                        && let Some(rendered) = diagnostic.rendered
                    {
                        build.errors.entry(package).or_default().push(rendered);
                    }
                }
                _ => {}
            }
        }
        let status = child.wait().context("failed to wait for cargo")?;
        finished.store(true, Ordering::SeqCst);
        let _ = watchdog.join();
        if stopped.load(Ordering::SeqCst) {
            build.executables.clear();
            build.timed_out = Some(limit);
            return Ok(build);
        }
        let stderr = stderr.and_then(|t| t.join().ok()).unwrap_or_default();
        if !status.success() && build.errors.is_empty() {
            bail!("cargo failed to build the grading harness ({status}):\n{stderr}");
        }
        if timings {
            build.compile_seconds = self.read_timings();
        }
        Ok(build)
    }

    /// The compiler seconds per package of the last `--timings` build, summed over its
    /// units; empty when the report is missing or not in the shape expected (it is
    /// cargo's HTML page, whose embedded `UNIT_DATA` is not a stable interface: the figures
    /// are for people, nothing depends on them). The dated copy cargo keeps of every
    /// report is removed.
    fn read_timings(&self) -> HashMap<String, f64> {
        #[derive(Deserialize)]
        struct Unit {
            name: String,
            duration: f64,
        }
        let folder = self.dir.join("target").join("cargo-timings");
        let mut seconds = HashMap::new();
        let Ok(entries) = fs::read_dir(&folder) else {
            return seconds;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            if name.to_string_lossy().starts_with("cargo-timing-") {
                let _ = fs::remove_file(entry.path());
            }
        }
        let Ok(page) = fs::read_to_string(folder.join("cargo-timing.html")) else {
            return seconds;
        };
        let units = page
            .split_once("const UNIT_DATA = ")
            .and_then(|(_, rest)| rest.split_once("\n];"))
            .and_then(|(array, _)| serde_json::from_str::<Vec<Unit>>(&format!("{array}\n]")).ok());
        for unit in units.into_iter().flatten() {
            *seconds.entry(unit.name).or_insert(0.0) += unit.duration;
        }
        seconds
    }
}

/// The parts of cargo's JSON messages the checker reads.
#[derive(Deserialize)]
struct CargoMessage {
    reason: String,
    manifest_path: Option<String>,
    target: Option<CargoTarget>,
    executable: Option<PathBuf>,
    message: Option<Diagnostic>,
}

#[derive(Deserialize)]
struct CargoTarget {
    name: String,
}

#[derive(Deserialize)]
struct Diagnostic {
    level: String,
    rendered: Option<String>,
    #[serde(default)]
    spans: Vec<Span>,
}

#[derive(Deserialize)]
struct Span {
    file_name: String,
    is_primary: bool,
}

/// Writes `contents` to `path` unless it already holds exactly that, keeping the file's
/// A cargo command in the harness folder `dir`, with the outer build's settings removed.
fn cargo_in(dir: &Path, args: &[&str], show_progress: bool) -> Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(dir)
        .args(args)
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(if show_progress {
            Stdio::inherit()
        } else {
            Stdio::piped()
        });
    // Settings meant for the outer build must not leak into a learner's: no nightly
    // features, no `-D warnings`, no jobserver of a cargo that may have exited.
    for var in [
        "RUSTC_BOOTSTRAP",
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_BUILD_RUSTFLAGS",
        "CARGO_BUILD_TARGET_DIR",
        "CARGO_MAKEFLAGS",
        "MAKEFLAGS",
        "MFLAGS",
    ] {
        command.env_remove(var);
    }
    // The compiler on an attempt's own crate runs confined (see `confine::rustc_wrapper`):
    // cargo starts it through this checker. A workspace wrapper only, so the registry
    // dependencies' fingerprints do not change.
    if let Some(checker) = checker_binary() {
        command
            .env("RUSTC_WORKSPACE_WRAPPER", checker)
            .env(crate::confine::RUSTC_WRAPPER_ENV, dir);
    }
    command
}

/// This checker's binary, for cargo to start as the compiler wrapper. When the file was
/// replaced while the checker runs (a rebuild), Linux names it `… (deleted)`: the new
/// binary at the same path does the same job.
fn checker_binary() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    match exe.to_str().and_then(|p| p.strip_suffix(" (deleted)")) {
        Some(path) => Some(PathBuf::from(path)),
        None => Some(exe),
    }
}

/// `cargo test --test hidden` of `slots` run directly in the harness of `root`: the floor
/// the grading benchmark compares with (same code, same dependencies, same target folder,
/// every test of a binary in one process). It takes no lock: the benchmark runs it while
/// nothing else grades.
pub fn floor_command(root: &Path, slots: &[&Slot]) -> Command {
    let mut command = cargo_in(
        &root.join("target").join("kata-harness"),
        &["test", "--quiet", "--test", "hidden"],
        false,
    );
    for slot in slots {
        for package in &slot.packages {
            command.args(["--package", &package.name]);
        }
    }
    command
}

/// modification time (and so cargo's fingerprint) when nothing changed.
/// Makes `dir/src` a relative link to `../<base>/src` (replacing whatever is there when it
/// is not that link already).
fn link_sources(dir: &Path, base: &str) -> Result<()> {
    let link = dir.join("src");
    let target = Path::new("..").join(base).join("src");
    if fs::read_link(&link).is_ok_and(|current| current == target) {
        return Ok(());
    }
    fs::create_dir_all(dir)?;
    match fs::symlink_metadata(&link) {
        Ok(meta) if meta.is_dir() => fs::remove_dir_all(&link)?,
        Ok(_) => fs::remove_file(&link)?,
        Err(_) => {}
    }
    std::os::unix::fs::symlink(&target, &link)
        .with_context(|| format!("linking {} to {}", link.display(), target.display()))?;
    Ok(())
}

pub fn write_if_changed(path: &Path, contents: &[u8]) -> Result<()> {
    if fs::read(path).ok().as_deref() == Some(contents) {
        return Ok(());
    }
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    fs::write(path, contents).with_context(|| format!("failed to write {}", path.display()))
}

/// Makes the folder `tree` (the `src/` of a slot) hold exactly `files` (paths relative to
/// `base`), writing only what changed and deleting what is not in `files`.
fn sync_tree(tree: &Path, base: &Path, files: &Sources) -> Result<()> {
    for (relative, contents) in files {
        write_if_changed(&base.join(relative), contents)?;
    }
    let mut pending = vec![tree.to_owned()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else if let Ok(relative) = path.strip_prefix(base)
                && !files.contains_key(relative)
            {
                fs::remove_file(&path)?;
            }
        }
    }
    Ok(())
}
