//! Mutants: deliberately buggy variants of a reference solution, kept as edits in
//! `solutions/<kata>/mutants.toml` so that they follow the solution as it changes.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use crate::harness::Sources;

/// A kata's mutants file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MutantsFile {
    #[serde(rename = "mutant", default)]
    mutants: Vec<Mutant>,
}

/// One buggy variant.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mutant {
    /// Short kebab-case name.
    pub name: String,
    /// `seed` (a bug of the seed's own answer) or `plausible` (another likely mistake).
    pub origin: String,
    /// The bug, in one sentence.
    pub description: String,
    /// What catching it is worth in a review grading (`cargo kata review`); default 1.
    #[serde(default = "Mutant::default_weight")]
    pub weight: f64,
    /// The edits that make it.
    #[serde(rename = "edit")]
    pub edits: Vec<Edit>,
}

/// One text replacement in one file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Edit {
    /// Path relative to the crate, e.g. `src/lib.rs`.
    pub file: PathBuf,
    /// Text to find.
    pub find: String,
    /// Which occurrence (from 1) when `find` is not unique.
    pub nth: Option<usize>,
    /// Text to put in its place.
    pub replace: String,
}

/// Reads the mutants of the solution in `solution_dir` (none if there is no file).
pub fn load(solution_dir: &Path) -> Result<Vec<Mutant>> {
    let path = solution_dir.join("mutants.toml");
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(Vec::new());
    };
    let file: MutantsFile =
        toml::from_str(&text).with_context(|| format!("failed to parse {}", path.display()))?;
    Ok(file.mutants)
}

impl Mutant {
    fn default_weight() -> f64 {
        1.0
    }

    /// The solution's sources with this mutant's edits applied.
    ///
    /// # Errors
    ///
    /// When an edit's file is missing or its text is not found exactly as specified
    /// (the solution changed under the mutant).
    pub fn apply(&self, solution: &Sources) -> Result<Sources> {
        let mut sources = solution.clone();
        for edit in &self.edits {
            let bytes = sources.get_mut(&edit.file).with_context(|| {
                format!("mutant `{}`: no file {}", self.name, edit.file.display())
            })?;
            let text = String::from_utf8(std::mem::take(bytes))
                .with_context(|| format!("{} is not UTF-8", edit.file.display()))?;
            let found: Vec<usize> = text.match_indices(&edit.find).map(|(i, _)| i).collect();
            let at = match (edit.nth, found.len()) {
                (None, 1) => found[0],
                (Some(n), count) if n >= 1 && n <= count => found[n - 1],
                (nth, count) => bail!(
                    "mutant `{}`: the text to replace occurs {count} times in {} (expected {}); \
                     update mutants.toml to the current solution",
                    self.name,
                    edit.file.display(),
                    nth.map_or("exactly once".to_owned(), |n| format!("at least {n}"))
                ),
            };
            let mut edited = String::with_capacity(text.len() + edit.replace.len());
            edited.push_str(&text[..at]);
            edited.push_str(&edit.replace);
            edited.push_str(&text[at + edit.find.len()..]);
            *bytes = edited.into_bytes();
        }
        Ok(sources)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(text: &str) -> Sources {
        Sources::from([(PathBuf::from("src/lib.rs"), text.as_bytes().to_vec())])
    }

    fn mutant(find: &str, nth: Option<usize>) -> Mutant {
        Mutant {
            name: "m".into(),
            origin: "plausible".into(),
            description: String::new(),
            weight: 1.0,
            edits: vec![Edit {
                file: "src/lib.rs".into(),
                find: find.into(),
                nth,
                replace: "X".into(),
            }],
        }
    }

    #[track_caller]
    fn check(text: &str, find: &str, nth: Option<usize>, expected: Option<&str>) {
        let result = mutant(find, nth).apply(&sources(text));
        match expected {
            Some(expected) => assert_eq!(
                result.unwrap()[Path::new("src/lib.rs")],
                expected.as_bytes()
            ),
            None => assert!(
                result.is_err(),
                "expected an error for {find:?} in {text:?}"
            ),
        }
    }

    #[test]
    fn edits_apply_exactly_where_asked() {
        check("a b c", "b", None, Some("a X c"));
        check("b b", "b", None, None);
        check("b b", "b", Some(2), Some("b X"));
        check("b b", "b", Some(3), None);
        check("a", "b", None, None);
    }
}
