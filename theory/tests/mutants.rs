//! Proves that the theory crate's tests can fail: every mutant of `theory/mutants.toml` (a
//! deliberately broken example, in the format of `solutions/*/mutants.toml`) must compile and
//! make the tests of the module it edits fail.
//!
//! `cargo test` checks that every mutant still applies (fast) and runs a bounded selection of
//! them; the full run is
//!
//! ```text
//! THEORY_MUTANTS=all cargo test -p theory-examples --test mutants -- --nocapture
//! ```
//!
//! `THEORY_MUTANTS` is `all`, `none`, or a comma-separated list of mutant names; unset, the
//! test runs the first mutant of each edited file (one per chapter module). Each selected
//! mutant is applied to a copy of the crate in `target/theory-mutants/` (a workspace of its
//! own with the root's dependencies, profiles and lockfile, and its own target folder shared
//! by all mutants), then `cargo test --lib -- <module>::` runs there.
//!
//! A mutant caught once is not run again until one byte of what its verdict depends on
//! changes: the key (128 bits of std's SipHash; the toolchain is part of it) covers the mutated sources of the whole crate, the mutant's
//! own definition, this file, the crate's and the copy's manifests, the lockfile, the cargo
//! configuration, the toolchain and the environment variables that reach a build. It is
//! kept in `target/theory-mutants/caught/<mutant>.key`, written only once the mutant was
//! caught; a clean clone (CI) has none, and `KATA_TEST_CACHE=off` runs every selected
//! mutant whatever is remembered.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MutantsFile {
    #[serde(rename = "mutant", default)]
    mutants: Vec<Mutant>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Mutant {
    name: String,
    /// Accepted for compatibility with the solutions' files; not used here.
    #[allow(dead_code)]
    origin: Option<String>,
    description: String,
    #[serde(rename = "edit")]
    edits: Vec<Edit>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Edit {
    file: PathBuf,
    find: String,
    nth: Option<usize>,
    replace: String,
}

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn load() -> Vec<Mutant> {
    let path = crate_dir().join("mutants.toml");
    let text = std::fs::read_to_string(&path).expect("theory/mutants.toml");
    let file: MutantsFile =
        toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    file.mutants
}

/// The crate's `src/` files, by path relative to the crate (`src/errors.rs`).
fn sources() -> BTreeMap<PathBuf, String> {
    fn walk(dir: &Path, base: &Path, out: &mut BTreeMap<PathBuf, String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, base, out);
            } else {
                let text = std::fs::read_to_string(&path).unwrap();
                out.insert(path.strip_prefix(base).unwrap().to_path_buf(), text);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(&crate_dir().join("src"), &crate_dir(), &mut out);
    out
}

/// The sources with the mutant's edits applied (same rules as the checker's `mutants.rs`:
/// `find` occurs exactly once, or give `nth` counting from 1).
fn apply(
    mutant: &Mutant,
    sources: &BTreeMap<PathBuf, String>,
) -> Result<BTreeMap<PathBuf, String>, String> {
    let mut out = sources.clone();
    for edit in &mutant.edits {
        let text = out
            .get_mut(&edit.file)
            .ok_or_else(|| format!("mutant `{}`: no file {}", mutant.name, edit.file.display()))?;
        let found: Vec<usize> = text.match_indices(&edit.find).map(|(i, _)| i).collect();
        let at = match (edit.nth, found.len()) {
            (None, 1) => found[0],
            (Some(n), count) if n >= 1 && n <= count => found[n - 1],
            (_, count) => {
                return Err(format!(
                    "mutant `{}`: the text to replace occurs {count} times in {}; update \
                     theory/mutants.toml to the current code",
                    mutant.name,
                    edit.file.display()
                ));
            }
        };
        text.replace_range(at..at + edit.find.len(), &edit.replace);
    }
    Ok(out)
}

/// The test-name filter of the module an edited file holds (`src/errors.rs` → `errors::`);
/// none for `src/lib.rs` (every test then runs).
fn filters(mutant: &Mutant) -> Vec<String> {
    let modules: BTreeSet<String> = mutant
        .edits
        .iter()
        .map(|e| {
            let module = e
                .file
                .strip_prefix("src")
                .unwrap_or(&e.file)
                .with_extension("");
            module.to_string_lossy().replace('/', "::")
        })
        .collect();
    if modules.contains("lib") {
        Vec::new()
    } else {
        modules.into_iter().map(|m| format!("{m}::")).collect()
    }
}

#[test]
fn every_mutant_applies_to_the_current_code_and_changes_it() {
    let mutants = load();
    assert!(!mutants.is_empty());
    let sources = sources();
    let mut names = BTreeSet::new();
    for mutant in &mutants {
        assert!(
            names.insert(mutant.name.as_str()),
            "two mutants are called `{}`",
            mutant.name
        );
        assert!(
            !mutant.name.is_empty()
                && mutant
                    .name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "mutant names are kebab-case: `{}`",
            mutant.name
        );
        assert!(
            !mutant.description.trim().is_empty(),
            "mutant `{}` has no description",
            mutant.name
        );
        assert!(
            !mutant.edits.is_empty(),
            "mutant `{}` edits nothing",
            mutant.name
        );
        let mutated = apply(mutant, &sources).unwrap_or_else(|e| panic!("{e}"));
        assert_ne!(mutated, sources, "mutant `{}` changes nothing", mutant.name);
    }
}

/// Which mutants to run: `THEORY_MUTANTS` (see the module's documentation).
fn selection(mutants: &[Mutant]) -> Vec<&Mutant> {
    match std::env::var("THEORY_MUTANTS")
        .ok()
        .as_deref()
        .map(str::trim)
    {
        Some("all") => mutants.iter().collect(),
        Some("none") => Vec::new(),
        Some(list) if !list.is_empty() => {
            let wanted: BTreeSet<&str> = list.split(',').map(str::trim).collect();
            let known: BTreeSet<&str> = mutants.iter().map(|m| m.name.as_str()).collect();
            let unknown: Vec<_> = wanted.difference(&known).collect();
            assert!(
                unknown.is_empty(),
                "THEORY_MUTANTS names unknown mutants: {unknown:?}"
            );
            mutants
                .iter()
                .filter(|m| wanted.contains(m.name.as_str()))
                .collect()
        }
        _ => {
            let mut seen = BTreeSet::new();
            mutants
                .iter()
                .filter(|m| seen.insert(m.edits[0].file.clone()))
                .collect()
        }
    }
}

/// Writes `contents` unless the file already holds exactly that (unchanged files keep their
/// modification time, so cargo does not rebuild what did not change).
fn write_if_changed(path: &Path, contents: &str) {
    if std::fs::read_to_string(path).ok().as_deref() != Some(contents) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }
}

/// The copy's workspace manifest: the root's, with only the copy as member and path
/// dependencies made absolute.
fn workspace_manifest(root: &Path) -> String {
    let text = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let mut manifest: toml::Table = toml::from_str(&text).unwrap();
    let workspace = manifest["workspace"].as_table_mut().unwrap();
    workspace.insert("members".into(), toml::Value::Array(vec!["theory".into()]));
    workspace.remove("default-members");
    if let Some(deps) = workspace
        .get_mut("dependencies")
        .and_then(|d| d.as_table_mut())
    {
        for (_, dep) in deps.iter_mut() {
            if let Some(path) = dep.get_mut("path") {
                let absolute = root.join(path.as_str().unwrap());
                *path = toml::Value::String(absolute.to_string_lossy().into_owned());
            }
        }
    }
    toml::to_string(&manifest).unwrap()
}

/// Labelled byte strings a mutant's verdict depends on beyond its own sources: this file,
/// the manifests, lockfile and cargo configuration, the toolchain and the environment.
fn environment(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut inputs = BTreeMap::new();
    inputs.insert(
        "test:mutants.rs".into(),
        include_bytes!("mutants.rs").to_vec(),
    );
    for file in [
        "Cargo.toml",
        "Cargo.lock",
        ".cargo/config.toml",
        "theory/Cargo.toml",
    ] {
        let bytes = std::fs::read(root.join(file)).unwrap_or_else(|e| format!("({e})").into());
        inputs.insert(format!("workspace:{file}"), bytes);
    }
    inputs.insert("copy:Cargo.toml".into(), workspace_manifest(root).into());
    let mut toolchain = String::new();
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    for (program, flag) in [(rustc, "-vV"), (cargo, "-V")] {
        match Command::new(&program).arg(flag).current_dir(root).output() {
            Ok(out) => {
                toolchain += &String::from_utf8_lossy(&out.stdout);
                toolchain += &format!("(status {})\n", out.status);
            }
            Err(error) => toolchain += &format!("{program}: {error}\n"),
        }
    }
    inputs.insert("toolchain".into(), toolchain.into());
    for name in [
        "RUSTFLAGS",
        "RUSTC",
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
        "RUSTUP_TOOLCHAIN",
        "CARGO",
        "CARGO_BUILD_RUSTFLAGS",
        "CARGO_PROFILE_DEV_OPT_LEVEL",
    ] {
        let value = std::env::var(name).ok();
        inputs.insert(format!("env:{name}"), format!("{value:?}").into());
    }
    inputs
}

/// The key of one mutant's verdict: a 128-bit hash (hex) of `environment`, the mutant's
/// definition and the crate's sources with its edits applied, each input labelled and
/// length-prefixed.
fn key(
    environment: &BTreeMap<String, Vec<u8>>,
    mutant: &Mutant,
    mutated: &BTreeMap<PathBuf, String>,
) -> String {
    let mut inputs = environment.clone();
    inputs.insert("mutant".into(), format!("{mutant:?}").into());
    for (file, text) in mutated {
        inputs.insert(format!("source:{}", file.display()), text.clone().into());
    }
    hash(&inputs)
}

/// Two 64-bit SipHashes (std's `DefaultHasher`, which may change between Rust releases:
/// the toolchain is one of the inputs) of every label and its bytes, length-prefixed, each
/// started from its own prefix. No new dependency, so the workspace's lockfile (an input
/// of every cached verdict of the self-check) stays the same.
fn hash(inputs: &BTreeMap<String, Vec<u8>>) -> String {
    use std::hash::{DefaultHasher, Hasher};
    let mut halves = [DefaultHasher::new(), DefaultHasher::new()];
    for (prefix, hash) in halves.iter_mut().enumerate() {
        let mut field = |bytes: &[u8]| {
            hash.write_u64(bytes.len() as u64);
            hash.write(bytes);
        };
        field(format!("theory-mutant-verdict 1, half {prefix}").as_bytes());
        field(&(inputs.len() as u64).to_le_bytes());
        for (label, bytes) in inputs {
            field(label.as_bytes());
            field(bytes);
        }
    }
    halves.map(|h| format!("{:016x}", h.finish())).concat()
}

/// One changed byte of any input changes a mutant's key; the same inputs give the same key.
#[test]
fn a_changed_byte_in_any_input_changes_a_mutants_key() {
    let root = crate_dir().parent().unwrap().to_path_buf();
    let mutants = load();
    let mutant = &mutants[0];
    let mutated = apply(mutant, &sources()).unwrap();
    let environment = environment(&root);
    let key = key(&environment, mutant, &mutated);
    assert_eq!(key, self::key(&self::environment(&root), mutant, &mutated));
    for label in [
        "test:mutants.rs",
        "workspace:Cargo.toml",
        "workspace:Cargo.lock",
        "workspace:.cargo/config.toml",
        "workspace:theory/Cargo.toml",
        "copy:Cargo.toml",
        "toolchain",
        "env:RUSTFLAGS",
    ] {
        assert!(environment.contains_key(label), "no input {label}");
    }
    let flip = |bytes: &mut Vec<u8>| match bytes.len() {
        0 => bytes.push(b'x'),
        len => bytes[len / 2] ^= 1,
    };
    for label in environment.keys() {
        let mut changed = environment.clone();
        flip(changed.get_mut(label).unwrap());
        assert_ne!(self::key(&changed, mutant, &mutated), key, "{label}");
    }
    for file in mutated.keys() {
        let mut changed = mutated.clone();
        let mut bytes = changed[file].clone().into_bytes();
        flip(&mut bytes);
        changed.insert(file.clone(), String::from_utf8_lossy(&bytes).into_owned());
        assert_ne!(
            self::key(&environment, mutant, &changed),
            key,
            "{}",
            file.display()
        );
    }
    let other = Mutant {
        name: mutant.name.clone(),
        origin: None,
        description: mutant.description.clone(),
        edits: vec![Edit {
            file: mutant.edits[0].file.clone(),
            find: mutant.edits[0].find.clone(),
            nth: Some(1),
            replace: format!("{} ", mutant.edits[0].replace),
        }],
    };
    assert_ne!(
        self::key(&environment, &other, &mutated),
        key,
        "the mutant's edit"
    );
}

/// `target/theory-mutants/caught/<name>.key`: the key under which `name` was last caught.
fn memory(copy: &Path, name: &str) -> PathBuf {
    copy.join("caught").join(format!("{name}.key"))
}

fn cargo(copy: &Path, args: &[&str]) -> std::process::Output {
    // `timeout` bounds a mutant that makes a test hang (it counts as caught, but must end).
    Command::new("timeout")
        .args(["--kill-after=10", "600"])
        .arg(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(args)
        .current_dir(copy)
        .env("CARGO_TARGET_DIR", copy.join("target"))
        .output()
        .expect("cargo runs")
}

#[test]
fn every_selected_mutant_makes_a_test_fail() {
    let mutants = load();
    let chosen = selection(&mutants);
    if chosen.is_empty() {
        eprintln!("THEORY_MUTANTS=none: no mutant run");
        return;
    }
    let root = crate_dir().parent().unwrap().to_path_buf();
    let copy = root.join("target/theory-mutants");
    write_if_changed(&copy.join("Cargo.toml"), &workspace_manifest(&root));
    write_if_changed(
        &copy.join("Cargo.lock"),
        &std::fs::read_to_string(root.join("Cargo.lock")).unwrap(),
    );
    write_if_changed(
        &copy.join("theory/Cargo.toml"),
        &std::fs::read_to_string(crate_dir().join("Cargo.toml")).unwrap(),
    );
    let sources = sources();
    let mut survivors = Vec::new();
    let started = Instant::now();
    let environment = environment(&root);
    let off = std::env::var("KATA_TEST_CACHE").is_ok_and(|v| v.trim() == "off");
    let mut remembered = 0;
    for mutant in &chosen {
        let mutated = apply(mutant, &sources).unwrap_or_else(|e| panic!("{e}"));
        let key = key(&environment, mutant, &mutated);
        let memory = memory(&copy, &mutant.name);
        if !off && std::fs::read_to_string(&memory).is_ok_and(|k| k.trim() == key) {
            remembered += 1;
            continue;
        }
        let _ = std::fs::remove_file(&memory);
        for (file, text) in &mutated {
            write_if_changed(&copy.join("theory").join(file), text);
        }
        let at = Instant::now();
        let build = cargo(&copy, &["test", "--lib", "--no-run", "--quiet"]);
        assert!(
            build.status.success(),
            "mutant `{}` does not compile (a mutant must build and fail a test):\n{}",
            mutant.name,
            String::from_utf8_lossy(&build.stderr)
        );
        let mut args = vec!["test", "--lib", "--quiet", "--"];
        let filters = filters(mutant);
        args.extend(filters.iter().map(String::as_str));
        let run = cargo(&copy, &args);
        let caught = !run.status.success();
        eprintln!(
            "mutant {:<40} {} in {:.1} s",
            mutant.name,
            if caught { "caught" } else { "SURVIVED" },
            at.elapsed().as_secs_f64()
        );
        if caught {
            std::fs::create_dir_all(memory.parent().unwrap()).unwrap();
            std::fs::write(&memory, format!("{key}\n")).unwrap();
        } else {
            survivors.push(format!("`{}`: {}", mutant.name, mutant.description));
        }
    }
    // Leave the copy as the real code, so the next run rebuilds only what a mutant changes.
    for (file, text) in &sources {
        write_if_changed(&copy.join("theory").join(file), text);
    }
    eprintln!(
        "{} of {} mutants selected, {remembered} of them caught before with exactly these \
         inputs (KATA_TEST_CACHE=off runs them), the others run in {:.0} s",
        chosen.len(),
        mutants.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        survivors.is_empty(),
        "these mutants pass every test, so the tests cannot see the bug:\n{}",
        survivors.join("\n")
    );
}
