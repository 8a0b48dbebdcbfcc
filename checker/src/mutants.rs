//! Mutants: deliberately buggy variants of a reference solution, kept as edits in
//! `solutions/<kata>/mutants.toml` so that they follow the solution as it changes.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

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
    /// The id of the rule of `rules.toml` it breaks (the first one it breaks).
    #[serde(default)]
    pub rule: Option<String>,
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

/// A kata's rules file, `solutions/<kata>/rules.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    #[serde(rename = "rule", default)]
    rules: Vec<Rule>,
}

/// One rule the kata's prompt states: the chapter's stage sections before "Hints" and
/// the skeleton's doc comments. Every mutant names the rule it breaks.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Kebab-case id, unique in the kata; mutants refer to it.
    pub id: String,
    /// The stage that states it: 1-based, in the order of the manifest's stages.
    pub stage: usize,
    /// The rule in one sentence (Markdown).
    pub text: String,
}

/// Reads the rules of the solution in `solution_dir`: `None` when there is no
/// `rules.toml`.
///
/// # Errors
///
/// When the file cannot be read or parsed, when an id is not kebab-case or appears twice,
/// when a text is empty, or when a stage is not between 1 and `stages`.
pub fn load_rules(solution_dir: &Path, stages: usize) -> Result<Option<Vec<Rule>>> {
    let path = solution_dir.join("rules.toml");
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => {
            return Err(error).with_context(|| format!("failed to read {}", path.display()));
        }
    };
    let file: RulesFile =
        toml::from_str(&text).with_context(|| format!("failed to parse {}", path.display()))?;
    check_rules(&file.rules, stages).with_context(|| format!("in {}", path.display()))?;
    Ok(Some(file.rules))
}

/// The checks of [`load_rules`] on parsed rules.
fn check_rules(rules: &[Rule], stages: usize) -> Result<()> {
    let mut seen = std::collections::BTreeSet::new();
    for rule in rules {
        let kebab = !rule.id.is_empty()
            && !rule.id.starts_with('-')
            && !rule.id.ends_with('-')
            && !rule.id.contains("--")
            && rule
                .id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !kebab {
            bail!(
                "rule id `{}` is not kebab-case (lowercase letters, digits and single dashes)",
                rule.id
            );
        }
        if !seen.insert(rule.id.as_str()) {
            bail!("rule id `{}` appears twice: ids must be unique", rule.id);
        }
        if rule.stage == 0 || rule.stage > stages {
            bail!(
                "rule `{}` has stage = {}, but the kata's stages are 1 to {stages} \
                 (in the order of its [[kata.stage]] entries in katas.toml)",
                rule.id,
                rule.stage
            );
        }
        if rule.text.trim().is_empty() {
            bail!("rule `{}` has no text", rule.id);
        }
    }
    Ok(())
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
            rule: None,
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

    fn rule(id: &str, stage: usize, text: &str) -> Rule {
        Rule {
            id: id.into(),
            stage,
            text: text.into(),
        }
    }

    #[test]
    fn malformed_rules_are_refused_with_the_reason() {
        assert!(check_rules(&[rule("a-rule", 1, "x"), rule("b2", 2, "y")], 2).is_ok());
        for (rules, expected) in [
            (vec![rule("Bad_Id", 1, "x")], "kebab-case"),
            (vec![rule("a--b", 1, "x")], "kebab-case"),
            (vec![rule("a", 1, "x"), rule("a", 2, "y")], "appears twice"),
            (vec![rule("a", 0, "x")], "stages are 1 to 2"),
            (vec![rule("a", 3, "x")], "stages are 1 to 2"),
            (vec![rule("a", 1, " ")], "no text"),
        ] {
            let error = check_rules(&rules, 2).unwrap_err().to_string();
            assert!(error.contains(expected), "{error}");
        }
    }

    #[test]
    fn a_rules_file_parses_strictly() {
        let dir = std::env::temp_dir().join(format!("kata-rules-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        assert_eq!(load_rules(&dir, 1).unwrap(), None, "no file");
        let write = |text: &str| std::fs::write(dir.join("rules.toml"), text).unwrap();
        write("[[rule]]\nid = \"a\"\nstage = 1\ntext = \"`a` holds.\"\n");
        assert_eq!(
            load_rules(&dir, 1).unwrap(),
            Some(vec![rule("a", 1, "`a` holds.")])
        );
        write("[[rule]]\nid = \"a\"\nstage = 1\ntext = \"t\"\nstgae = 2\n");
        let error = format!("{:#}", load_rules(&dir, 1).unwrap_err());
        assert!(
            error.contains("rules.toml") && error.contains("stgae"),
            "{error}"
        );
        write("[[rule]]\nid = \"a\"\nstage = 2\ntext = \"t\"\n");
        let error = format!("{:#}", load_rules(&dir, 1).unwrap_err());
        assert!(
            error.contains("rules.toml") && error.contains("stage = 2"),
            "{error}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
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
