//! The skeleton derived from the solution (`cargo kata derive`): `katas/<dir>/src/**` is
//! what [`kata_derive::derive`] makes of `solutions/<dir>/src/**`. The skeleton stays
//! committed (readable in git and in the editor); `derive --check` and `verify` fail when it
//! differs from the derivation, naming the file and the first differing line.

use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};

use crate::harness::{Sources, read_sources};
use crate::manifest::Kata;

/// The skeleton a kata's solution derives: its files (paths like `src/lib.rs`) and texts.
pub fn derive_kata(root: &Path, kata: &Kata) -> Result<Sources> {
    derive_sources(
        &kata.solution_dir(root),
        &read_sources(&kata.solution_dir(root))?,
    )
}

/// Derives every file of `solution` (read from `solution_dir`, named in errors).
pub fn derive_sources(solution_dir: &Path, solution: &Sources) -> Result<Sources> {
    let mut skeleton = Sources::new();
    for (path, bytes) in solution {
        let name = solution_dir.join(path);
        let text = std::str::from_utf8(bytes)
            .with_context(|| format!("{} is not UTF-8", name.display()))?;
        match kata_derive::derive(text) {
            Ok(Some(derived)) => {
                skeleton.insert(path.clone(), derived.into_bytes());
            }
            Ok(None) => {}
            Err(error) => return Err(anyhow!("{}: {error}", name.display())),
        }
    }
    Ok(skeleton)
}

/// One way a committed skeleton differs from its derivation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drift {
    /// The file differs from its derivation, first at this 1-based line.
    Differs {
        /// The skeleton's file.
        path: PathBuf,
        /// The first line that differs.
        line: usize,
        /// That line in the derivation (`None`: the derivation ends before it).
        derived: Option<String>,
        /// That line in the committed file (`None`: the file ends before it).
        committed: Option<String>,
    },
    /// The derivation has the file, the skeleton does not.
    Missing(PathBuf),
    /// The skeleton has the file, but no solution file derives it.
    Extra(PathBuf),
}

impl fmt::Display for Drift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = |line: &Option<String>| {
            line.as_ref()
                .map_or_else(|| "(end of file)".to_owned(), |l| format!("{l:?}"))
        };
        match self {
            Drift::Differs {
                path,
                line,
                derived,
                committed,
            } => write!(
                f,
                "{} differs from the derivation at line {line}: derived {}, committed {}",
                path.display(),
                shown(derived),
                shown(committed)
            ),
            Drift::Missing(path) => {
                write!(f, "{} is missing: the solution derives it", path.display())
            }
            Drift::Extra(path) => write!(
                f,
                "{} is derived from no solution file (add it to the solution, or remove it)",
                path.display()
            ),
        }
    }
}

/// Compares a committed skeleton (`skeleton_dir`'s `src/`) with the derivation; paths in
/// the result are relative to `root`. Empty when they are equal byte for byte.
pub fn compare(root: &Path, skeleton_dir: &Path, derived: &Sources) -> Result<Vec<Drift>> {
    let committed = read_sources(skeleton_dir)?;
    let name = |path: &Path| {
        let full = skeleton_dir.join(path);
        full.strip_prefix(root)
            .map(Path::to_path_buf)
            .unwrap_or(full)
    };
    let mut drifts = Vec::new();
    for (path, text) in derived {
        match committed.get(path) {
            None => drifts.push(Drift::Missing(name(path))),
            Some(bytes) if bytes != text => {
                let (line, derived, committed) = first_difference(text, bytes);
                drifts.push(Drift::Differs {
                    path: name(path),
                    line,
                    derived,
                    committed,
                });
            }
            Some(_) => {}
        }
    }
    for path in committed.keys() {
        if !derived.contains_key(path) {
            drifts.push(Drift::Extra(name(path)));
        }
    }
    Ok(drifts)
}

/// The first 1-based line where `a` and `b` differ (line endings included), and that line
/// of each (without its ending).
fn first_difference(a: &[u8], b: &[u8]) -> (usize, Option<String>, Option<String>) {
    let mut left = a.split_inclusive(|&byte| byte == b'\n');
    let mut right = b.split_inclusive(|&byte| byte == b'\n');
    let text = |line: &[u8]| {
        let line = line.strip_suffix(b"\n").unwrap_or(line);
        String::from_utf8_lossy(line).into_owned()
    };
    let mut number = 1;
    loop {
        match (left.next(), right.next()) {
            (Some(x), Some(y)) if x == y => number += 1,
            (x, y) => return (number, x.map(text), y.map(text)),
        }
    }
}

/// What `derive` did to one skeleton file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// The file already held the derivation.
    Unchanged,
    /// The file was written.
    Written,
}

/// What [`write`] did.
#[derive(Debug, Default)]
pub struct WriteReport {
    /// Each derived file (relative to the workbook) and what happened to it.
    pub files: Vec<(PathBuf, Written)>,
    /// The skeleton's files that no solution file derives (left alone: the caller reports them).
    pub extra: Vec<PathBuf>,
}

/// Writes the derivation of `kata` into its skeleton's `src/` (only files whose content
/// changes).
pub fn write(root: &Path, kata: &Kata) -> Result<WriteReport> {
    let derived = derive_kata(root, kata)?;
    let skeleton_dir = kata.skeleton_dir(root);
    let mut done = Vec::new();
    for (path, text) in &derived {
        let target = skeleton_dir.join(path);
        let shown = target
            .strip_prefix(root)
            .map(Path::to_path_buf)
            .unwrap_or_else(|_| target.clone());
        if std::fs::read(&target).ok().as_deref() == Some(text.as_slice()) {
            done.push((shown, Written::Unchanged));
            continue;
        }
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("failed to create {}", parent.display()))?;
        }
        std::fs::write(&target, text)
            .with_context(|| format!("failed to write {}", target.display()))?;
        done.push((shown, Written::Written));
    }
    let extra = compare(root, &skeleton_dir, &derived)?
        .into_iter()
        .filter_map(|drift| match drift {
            Drift::Extra(path) => Some(path),
            _ => None,
        })
        .collect();
    Ok(WriteReport { files: done, extra })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_difference_names_the_line_and_both_texts() {
        assert_eq!(
            first_difference(b"a\nb\nc\n", b"a\nB\nc\n"),
            (2, Some("b".into()), Some("B".into()))
        );
        assert_eq!(
            first_difference(b"a\nb\n", b"a\n"),
            (2, Some("b".into()), None)
        );
        // A missing final newline is a difference on the last line.
        assert_eq!(
            first_difference(b"a\nb\n", b"a\nb"),
            (2, Some("b".into()), Some("b".into()))
        );
    }

    #[test]
    fn a_changed_skeleton_byte_is_reported_with_its_file_and_line() {
        let root = std::env::temp_dir().join(format!("kata-derivation-{}", std::process::id()));
        let skeleton = root.join("katas/00-x");
        std::fs::create_dir_all(skeleton.join("src")).unwrap();
        let solution: Sources = [(
            PathBuf::from("src/lib.rs"),
            b"pub fn f() -> u8 {\n    // STUB: todo!()\n    // BEGIN SOLUTION\n    1\n    // END SOLUTION\n}\n".to_vec(),
        ), (
            PathBuf::from("src/only.rs"),
            b"// SOLUTION FILE\nfn g() {}\n".to_vec(),
        )]
        .into();
        let derived = derive_sources(Path::new("solutions/00-x"), &solution).unwrap();
        assert_eq!(derived.len(), 1, "a SOLUTION FILE has no skeleton");
        let good = "pub fn f() -> u8 {\n    todo!()\n}\n";
        std::fs::write(skeleton.join("src/lib.rs"), good).unwrap();
        assert_eq!(compare(&root, &skeleton, &derived).unwrap(), vec![]);
        // Every single changed byte is reported, at its line.
        for index in 0..good.len() {
            let mut bytes = good.as_bytes().to_vec();
            bytes[index] = if bytes[index] == b'x' { b'y' } else { b'x' };
            std::fs::write(skeleton.join("src/lib.rs"), &bytes).unwrap();
            let drifts = compare(&root, &skeleton, &derived).unwrap();
            let line = good[..index].matches('\n').count() + 1;
            match drifts.as_slice() {
                [Drift::Differs { path, line: at, .. }] => {
                    assert_eq!(path, Path::new("katas/00-x/src/lib.rs"));
                    assert_eq!(*at, line, "byte {index}");
                }
                other => panic!("byte {index}: {other:?}"),
            }
        }
        let message = compare(&root, &skeleton, &derived).unwrap()[0].to_string();
        assert!(
            message.starts_with("katas/00-x/src/lib.rs differs from the derivation at line 3"),
            "{message}"
        );
        // An extra file, a missing one, and a skeleton with no lib.rs at all.
        std::fs::write(skeleton.join("src/extra.rs"), "").unwrap();
        std::fs::remove_file(skeleton.join("src/lib.rs")).unwrap();
        let error = compare(&root, &skeleton, &derived).unwrap_err();
        assert!(error.to_string().contains("no src/lib.rs"), "{error}");
        std::fs::write(skeleton.join("src/lib.rs"), good).unwrap();
        let drifts = compare(&root, &skeleton, &derived).unwrap();
        assert_eq!(drifts, vec![Drift::Extra("katas/00-x/src/extra.rs".into())]);
        let mut more = derived.clone();
        more.insert("src/more.rs".into(), b"x\n".to_vec());
        let drifts = compare(&root, &skeleton, &more).unwrap();
        assert!(drifts.contains(&Drift::Missing("katas/00-x/src/more.rs".into())));
        assert!(drifts[0].to_string().contains("missing"), "{drifts:?}");
        // A marker error names the solution's file and line.
        let broken: Sources = [(
            PathBuf::from("src/lib.rs"),
            b"a\n// END SOLUTION\n".to_vec(),
        )]
        .into();
        let error = derive_sources(Path::new("solutions/00-x"), &broken).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("solutions/00-x/src/lib.rs: line 2:"),
            "{error}"
        );
        std::fs::remove_dir_all(&root).unwrap();
    }
}
