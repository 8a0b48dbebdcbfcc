//! `cargo kata new <name>`: scaffolds a kata that passes `cargo kata verify` at once.
//!
//! The files come from `checker/templates/new-kata/` (embedded), written for a kata called
//! `my-kata` (crate `my_kata`, title "My kata", number `NN`, folder `NN-my-kata`); those
//! names are replaced. The skeleton's `src/lib.rs` is derived from the marked solution with
//! `kata_derive`, as `cargo kata derive` does. Nothing is written until every check passed.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

const LIB: &str = include_str!("../templates/new-kata/lib.rs");
const STAGE1: &str = include_str!("../templates/new-kata/stage1.rs");
const EXAMPLES: &str = include_str!("../templates/new-kata/examples.rs");
const MUTANTS: &str = include_str!("../templates/new-kata/mutants.toml");
const RULES: &str = include_str!("../templates/new-kata/rules.toml");
const CHAPTER: &str = include_str!("../templates/new-kata/chapter.md");

/// Names a kata may not take: Rust keywords and crates every kata can see (the standard
/// library's, and the workbook's own packages, which are checked separately).
const RESERVED: &[&str] = &[
    "alloc",
    "core",
    "std",
    "test",
    "proc_macro",
    "as",
    "async",
    "await",
    "break",
    "const",
    "continue",
    "crate",
    "dyn",
    "else",
    "enum",
    "extern",
    "false",
    "fn",
    "for",
    "gen",
    "if",
    "impl",
    "in",
    "let",
    "loop",
    "match",
    "mod",
    "move",
    "mut",
    "pub",
    "ref",
    "return",
    "self",
    "static",
    "struct",
    "super",
    "trait",
    "true",
    "try",
    "type",
    "unsafe",
    "use",
    "where",
    "while",
    "yield",
];

/// The names of the kata being scaffolded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    /// Command-line id (`my-kata`); also the skeleton's package name.
    pub id: String,
    /// Library name the hidden tests import (`my_kata`).
    pub crate_name: String,
    /// Title (`My kata`).
    pub title: String,
    /// Place in the book.
    pub number: u32,
    /// Folder name (`11-my-kata`).
    pub dir: String,
}

impl Names {
    /// The template with its placeholders replaced, in one pass (so a title that happens
    /// to contain a placeholder is left as it is); the longest placeholder wins.
    fn fill(&self, template: &str) -> String {
        let number = format!("{:02}", self.number);
        let placeholders = [
            ("NN-my-kata", self.dir.as_str()),
            ("my-kata", self.id.as_str()),
            ("my_kata", self.crate_name.as_str()),
            ("My kata", self.title.as_str()),
            ("NN", number.as_str()),
        ];
        let mut out = String::with_capacity(template.len());
        let mut rest = template;
        while let Some(c) = rest.chars().next() {
            match placeholders.iter().find(|(p, _)| rest.starts_with(p)) {
                Some((placeholder, value)) => {
                    out.push_str(value);
                    rest = &rest[placeholder.len()..];
                }
                None => {
                    out.push(c);
                    rest = &rest[c.len_utf8()..];
                }
            }
        }
        out
    }
}

/// Checks `name` as a kata id: kebab-case ASCII, starting with a letter.
pub fn check_name(name: &str) -> Result<()> {
    let valid = !name.is_empty()
        && name.len() <= 40
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.ends_with('-')
        && !name.contains("--");
    if !valid {
        bail!(
            "`{name}` is not a valid kata name: use lowercase letters, digits and single dashes, \
             starting with a letter (at most 40 characters), e.g. `word-count`"
        );
    }
    let crate_name = name.replace('-', "_");
    if RESERVED.contains(&crate_name.as_str()) || name.ends_with("-solution") {
        bail!("`{name}` cannot name a kata: it is reserved in Rust or in the workbook");
    }
    Ok(())
}

/// The title made from an id: `word-count` → `Word count`.
fn default_title(id: &str) -> String {
    let words = id.replace('-', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// One file to write, relative to the workbook's root.
struct File {
    path: PathBuf,
    text: String,
}

/// What `new` wrote, for the message.
#[derive(Debug)]
pub struct Written {
    /// The kata's names.
    pub names: Names,
    /// Files created, relative to the root.
    pub created: Vec<PathBuf>,
    /// Files changed, relative to the root.
    pub changed: Vec<PathBuf>,
}

/// Scaffolds the kata `name` in the workbook at `root`; `cwd` must be that root.
pub fn new(root: &Path, cwd: &Path, name: &str, title: Option<&str>) -> Result<Written> {
    check_layout(root, cwd)?;
    check_name(name)?;
    let title = match title {
        Some(title) => {
            let title = title.trim();
            if title.is_empty() || title.chars().any(char::is_control) {
                bail!("the title must be one line of text");
            }
            if title.contains(['[', ']']) {
                bail!(
                    "the title cannot hold `[` or `]` (it is a link text in the book's contents)"
                );
            }
            title.to_owned()
        }
        None => default_title(name),
    };
    let manifest_path = root.join("katas.toml");
    let manifest_text = std::fs::read_to_string(&manifest_path)
        .with_context(|| format!("cannot read {}", manifest_path.display()))?;
    let manifest: toml::Table = toml::from_str(&manifest_text)
        .with_context(|| format!("{} is not valid TOML", manifest_path.display()))?;
    let katas = manifest
        .get("kata")
        .and_then(toml::Value::as_array)
        .cloned()
        .unwrap_or_default();
    let crate_name = name.replace('-', "_");
    let mut number = 0;
    for kata in &katas {
        let field = |key: &str| kata.get(key).and_then(toml::Value::as_str).unwrap_or("");
        if field("id") == name || field("crate") == crate_name {
            bail!(
                "there is already a kata `{name}` in katas.toml (kata {:02}, {}); choose another name",
                kata.get("number")
                    .and_then(toml::Value::as_integer)
                    .unwrap_or(0),
                field("dir")
            );
        }
        let n = kata
            .get("number")
            .and_then(toml::Value::as_integer)
            .unwrap_or(0);
        number = number.max(u32::try_from(n).unwrap_or(0));
    }
    let number = number + 1;
    if number > 99 {
        bail!("the workbook already has 99 katas; kata numbers have two digits");
    }
    let names = Names {
        dir: format!("{number:02}-{name}"),
        id: name.to_owned(),
        crate_name,
        title,
        number,
    };
    check_package_names(root, &names)?;

    let rules = uses_rule_maps(root, &katas);
    let files = files(&names, rules)?;
    for file in &files {
        if root.join(&file.path).exists() {
            bail!(
                "{} already exists; remove it or choose another name",
                file.path.display()
            );
        }
    }
    for folder in ["katas", "solutions", "checker/hidden"] {
        let path = root.join(folder).join(&names.dir);
        if path.exists() {
            bail!(
                "{folder}/{} already exists; remove it or choose another name",
                names.dir
            );
        }
    }
    let summary_path = root.join("book/src/SUMMARY.md");
    let summary = std::fs::read_to_string(&summary_path)
        .with_context(|| format!("cannot read {}", summary_path.display()))?;
    let summary = add_to_summary(&summary, &names)?;
    let cargo_path = root.join("Cargo.toml");
    let cargo = std::fs::read_to_string(&cargo_path)
        .with_context(|| format!("cannot read {}", cargo_path.display()))?;
    let cargo = add_members(&cargo, &names)?;

    // Every check passed: write.
    let mut written = Written {
        names: names.clone(),
        created: Vec::new(),
        changed: Vec::new(),
    };
    for file in files {
        let path = root.join(&file.path);
        std::fs::create_dir_all(path.parent().expect("a file in a folder"))
            .with_context(|| format!("cannot create the folder of {}", path.display()))?;
        std::fs::write(&path, file.text)
            .with_context(|| format!("cannot write {}", path.display()))?;
        written.created.push(file.path);
    }
    if let Some(cargo) = cargo {
        std::fs::write(&cargo_path, cargo)
            .with_context(|| format!("cannot write {}", cargo_path.display()))?;
        written.changed.push("Cargo.toml".into());
    }
    std::fs::write(&summary_path, summary)
        .with_context(|| format!("cannot write {}", summary_path.display()))?;
    written.changed.push("book/src/SUMMARY.md".into());
    let mut manifest_text = manifest_text;
    if !manifest_text.ends_with('\n') {
        manifest_text.push('\n');
    }
    manifest_text.push('\n');
    manifest_text.push_str(&manifest_entry(&names));
    std::fs::write(&manifest_path, manifest_text)
        .with_context(|| format!("cannot write {}", manifest_path.display()))?;
    written.changed.push("katas.toml".into());
    Ok(written)
}

/// The workbook's root must be the current folder, and look like a workbook.
fn check_layout(root: &Path, cwd: &Path) -> Result<()> {
    let same = match (root.canonicalize(), cwd.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if !same {
        bail!(
            "run `cargo kata new` from the workbook's root folder, {} (not from {})",
            root.display(),
            cwd.display()
        );
    }
    for needed in [
        "katas.toml",
        "Cargo.toml",
        "katas",
        "solutions",
        "checker/hidden",
        "book/src/SUMMARY.md",
    ] {
        if !root.join(needed).exists() {
            bail!(
                "{} is not a kata workbook: it has no {needed}",
                root.display()
            );
        }
    }
    Ok(())
}

/// The skeleton's package is named like the kata and the solution's `<id>-solution`: neither
/// may be taken by a package or a dependency of the workspace.
fn check_package_names(root: &Path, names: &Names) -> Result<()> {
    let text =
        std::fs::read_to_string(root.join("Cargo.toml")).context("cannot read Cargo.toml")?;
    let cargo: toml::Table = toml::from_str(&text).context("Cargo.toml is not valid TOML")?;
    let dependencies = cargo
        .get("workspace")
        .and_then(|w| w.get("dependencies"))
        .and_then(toml::Value::as_table)
        .cloned()
        .unwrap_or_default();
    let mut taken: Vec<String> = dependencies.keys().cloned().collect();
    for folder in ["checker", "support", "book", "theory"] {
        taken.extend(package_name(&root.join(folder)));
    }
    for parent in ["katas", "solutions", "support"] {
        if let Ok(entries) = std::fs::read_dir(root.join(parent)) {
            for entry in entries.flatten() {
                taken.extend(package_name(&entry.path()));
            }
        }
    }
    let normal = |s: &str| s.replace('_', "-");
    for package in [names.id.clone(), format!("{}-solution", names.id)] {
        if taken.iter().any(|t| normal(t) == normal(&package)) {
            bail!(
                "`{}` cannot name a kata: the workspace already has a package or dependency `{package}`",
                names.id
            );
        }
    }
    Ok(())
}

/// The `[package] name` of the crate in `dir`, if it is one.
fn package_name(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join("Cargo.toml")).ok()?;
    let table: toml::Table = toml::from_str(&text).ok()?;
    Some(table.get("package")?.get("name")?.as_str()?.to_owned())
}

/// Whether the workbook keeps a rule map per kata (`solutions/<dir>/rules.toml`, every
/// mutant naming its rule): then the new mutant names its rule and the chapter lists the
/// rules; otherwise `rules.toml` is written all the same, for when the map arrives.
fn uses_rule_maps(root: &Path, katas: &[toml::Value]) -> bool {
    katas
        .iter()
        .filter_map(|k| k.get("dir").and_then(toml::Value::as_str))
        .any(|dir| {
            root.join("solutions")
                .join(dir)
                .join("rules.toml")
                .is_file()
        })
}

/// Every file of the new kata, filled in.
fn files(names: &Names, rules: bool) -> Result<Vec<File>> {
    let dir = &names.dir;
    let id = &names.id;
    let solution_lib = names.fill(LIB);
    let skeleton_lib = kata_derive::derive(&solution_lib)
        .map_err(|e| anyhow::anyhow!("the template does not derive: {e}"))?
        .context("the template is a solution-only file")?;
    let mut mutants = names.fill(MUTANTS);
    let mut chapter = names.fill(CHAPTER);
    if !rules {
        mutants = drop_lines(&mutants, "rule = ");
        chapter = chapter.replace(&format!("<!-- kata:rules {id} -->\n\n"), "");
    }
    let number = format!("{:02}", names.number);
    let package = |name: &str, description: &str, dev: &str| {
        format!(
            "[package]\n\
             name = \"{name}\"\n\
             version = \"0.1.0\"\n\
             description = \"{description}\"\n\
             edition.workspace = true\n\
             rust-version.workspace = true\n\
             license.workspace = true\n\
             publish.workspace = true\n\
             \n\
             [dependencies]\n\
             {dev}\
             \n\
             [lints]\n\
             workspace = true\n"
        )
    };
    let title = toml_escape(&names.title);
    Ok(vec![
        File {
            path: format!("solutions/{dir}/Cargo.toml").into(),
            text: package(
                &format!("{id}-solution"),
                &format!("Kata {number} reference solution: {title}."),
                "\n[dev-dependencies]\nkata-support = { workspace = true }\n",
            ),
        },
        File {
            path: format!("solutions/{dir}/src/lib.rs").into(),
            text: solution_lib,
        },
        File {
            path: format!("solutions/{dir}/tests/hidden.rs").into(),
            text: format!(
                "//! The kata's hidden tests, run directly against the reference solution.\n\
                 \n\
                 #![deny(unused_must_use)]\n\
                 \n\
                 extern crate {crate_name}_solution as {crate_name};\n\
                 \n\
                 #[path = \"../../../checker/hidden/{dir}/stage1.rs\"]\n\
                 mod stage1;\n",
                crate_name = names.crate_name
            ),
        },
        File {
            path: format!("solutions/{dir}/tests/examples.rs").into(),
            text: format!(
                "//! The kata's visible example tests (from the skeleton), run against the reference\n\
                 //! solution: an example a correct answer fails would mislead every learner.\n\
                 \n\
                 extern crate {crate_name}_solution as {crate_name};\n\
                 \n\
                 #[path = \"../../../katas/{dir}/tests/examples.rs\"]\n\
                 mod examples;\n",
                crate_name = names.crate_name
            ),
        },
        File {
            path: format!("solutions/{dir}/mutants.toml").into(),
            text: mutants,
        },
        File {
            path: format!("solutions/{dir}/rules.toml").into(),
            text: names.fill(RULES),
        },
        File {
            path: format!("katas/{dir}/Cargo.toml").into(),
            text: package(
                id,
                &format!("Kata {number}: {title}. Solve it, then run `cargo kata grade {id}`."),
                "",
            ),
        },
        File {
            path: format!("katas/{dir}/src/lib.rs").into(),
            text: skeleton_lib,
        },
        File {
            path: format!("katas/{dir}/tests/examples.rs").into(),
            text: names.fill(EXAMPLES),
        },
        File {
            path: format!("checker/hidden/{dir}/stage1.rs").into(),
            text: names.fill(STAGE1),
        },
        File {
            path: format!("book/src/katas/{dir}.md").into(),
            text: chapter,
        },
    ])
}

/// `text` without the lines that start (after indentation) with `prefix`.
fn drop_lines(text: &str, prefix: &str) -> String {
    text.split_inclusive('\n')
        .filter(|line| !line.trim_start().starts_with(prefix))
        .collect()
}

/// A string's text as it goes between double quotes in TOML.
fn toml_escape(text: &str) -> String {
    let quoted = toml::Value::String(text.to_owned()).to_string();
    quoted[1..quoted.len() - 1].to_owned()
}

/// The new `[[kata]]` entry of katas.toml.
fn manifest_entry(names: &Names) -> String {
    let quote = |s: &str| toml::Value::String(s.to_owned()).to_string();
    let mut entry = String::new();
    writeln!(entry, "[[kata]]").unwrap();
    writeln!(entry, "id = {}", quote(&names.id)).unwrap();
    writeln!(entry, "number = {}", names.number).unwrap();
    writeln!(entry, "dir = {}", quote(&names.dir)).unwrap();
    writeln!(entry, "title = {}", quote(&names.title)).unwrap();
    writeln!(entry, "crate = {}", quote(&names.crate_name)).unwrap();
    writeln!(
        entry,
        "summary = \"A placeholder task written by `cargo kata new`: count the words of a text.\""
    )
    .unwrap();
    entry.push_str(
        "hints = [\n    \
         { stage = 1, text = \"`str::split_whitespace` treats every run of whitespace as one separator, and skips it at both ends.\" },\n\
         ]\n\
         \n\
         [kata.dev-dependencies]\n\
         kata-support = { workspace = true }\n\
         \n\
         [[kata.stage]]\n\
         module = \"stage1\"\n\
         title = \"Count the words\"\n\
         weight = 100\n",
    );
    entry
}

/// SUMMARY.md with the chapter listed after the last kata chapter.
fn add_to_summary(summary: &str, names: &Names) -> Result<String> {
    let line = format!(
        "- [{:02} · {}](katas/{}.md)\n",
        names.number, names.title, names.dir
    );
    let mut lines: Vec<&str> = summary.split_inclusive('\n').collect();
    let last = lines
        .iter()
        .rposition(|l| l.trim_start().starts_with("- [") && l.contains("](katas/"))
        .context("book/src/SUMMARY.md lists no kata chapter (`- [NN · Title](katas/…)`)")?;
    let previous = lines[last];
    let owned;
    if !previous.ends_with('\n') {
        owned = format!("{previous}\n");
        lines[last] = &owned;
    }
    lines.insert(last + 1, &line);
    Ok(lines.concat())
}

/// The root Cargo.toml with the kata's two crates added to `[workspace] members` (and the
/// solution to `default-members`), or `None` when the globs `katas/*` and `solutions/*`
/// already take them in.
fn add_members(cargo: &str, names: &Names) -> Result<Option<String>> {
    let table: toml::Table = toml::from_str(cargo).context("Cargo.toml is not valid TOML")?;
    let list = |key: &str| -> Vec<String> {
        table
            .get("workspace")
            .and_then(|w| w.get(key))
            .and_then(toml::Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let covered = |members: &[String], parent: &str| {
        members
            .iter()
            .any(|m| m == &format!("{parent}/*") || m == &format!("{parent}/{}", names.dir))
    };
    let members = list("members");
    let defaults = list("default-members");
    let mut wanted: Vec<(&str, String)> = Vec::new();
    for parent in ["katas", "solutions"] {
        if !covered(&members, parent) {
            wanted.push(("members", format!("{parent}/{}", names.dir)));
        }
    }
    if !defaults.is_empty() && !covered(&defaults, "solutions") {
        wanted.push(("default-members", format!("solutions/{}", names.dir)));
    }
    if wanted.is_empty() {
        return Ok(None);
    }
    let mut text = cargo.to_owned();
    for (key, path) in wanted {
        let start = text
            .lines()
            .scan(0, |at, line| {
                let here = *at;
                *at += line.len() + 1;
                Some((here, line))
            })
            .find(|(_, line)| line.trim_start().starts_with(&format!("{key} = [")))
            .map(|(at, _)| at)
            .with_context(|| format!("add \"{path}\" to `{key}` in Cargo.toml by hand"))?;
        let open = start + text[start..].find('[').expect("found above") + 1;
        text.insert_str(open, &format!("\"{path}\", "));
    }
    Ok(Some(text))
}

/// The message printed after a kata was scaffolded.
pub fn render(written: &Written) -> String {
    let names = &written.names;
    let mut out = format!(
        "Kata {:02} · {} (`{}`) is scaffolded.\n\nCreated:\n",
        names.number, names.title, names.id
    );
    for path in &written.created {
        writeln!(out, "  {}", path.display()).unwrap();
    }
    out.push_str("Changed:\n");
    for path in &written.changed {
        writeln!(out, "  {}", path.display()).unwrap();
    }
    let id = &names.id;
    let dir = &names.dir;
    write!(
        out,
        "\nNext:\n  \
         cargo kata verify {id}     # skeleton 0%, solution 100%, the mutant caught (rebuilds the checker)\n  \
         cargo kata grade {id}      # the skeleton, as a learner first sees it: 0%\n  \
         cargo test -p {id}-solution\n  \
         cargo kata derive {id}     # after each edit of the solution: the skeleton again\n\
         Then make the kata yours: the task in solutions/{dir}/src/lib.rs (marked with\n\
         // BEGIN SOLUTION … // END SOLUTION and // STUB:), the hidden tests in checker/hidden/{dir}/,\n\
         the mutants, the hints in katas.toml and the chapter book/src/katas/{dir}.md; the book's\n\
         chapter \"Writing your own kata\" walks through each.\n"
    )
    .unwrap();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Names {
        Names {
            id: "word-count".into(),
            crate_name: "word_count".into(),
            title: "Word count".into(),
            number: 11,
            dir: "11-word-count".into(),
        }
    }

    #[test]
    fn a_title_is_not_filled_again() {
        let names = Names {
            title: "NN my-kata".into(),
            ..names()
        };
        assert_eq!(names.fill("# Kata NN · My kata"), "# Kata 11 · NN my-kata");
    }

    #[test]
    fn rule_maps_are_used_when_the_workbook_keeps_them() {
        let root = std::env::temp_dir().join(format!("kata-new-rules-{}", std::process::id()));
        let solution = root.join("solutions/01-a");
        std::fs::create_dir_all(&solution).unwrap();
        let katas: Vec<toml::Value> = vec![toml::from_str("dir = \"01-a\"").unwrap()];
        assert!(!uses_rule_maps(&root, &katas));
        std::fs::write(solution.join("rules.toml"), "").unwrap();
        assert!(uses_rule_maps(&root, &katas));
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn names_are_checked() {
        for good in ["word-count", "lru2", "a"] {
            assert!(check_name(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "Word",
            "2fast",
            "a--b",
            "a-",
            "a_b",
            "a b",
            "héllo",
            "type",
            "std",
            "x-solution",
        ] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
        assert_eq!(default_title("word-count"), "Word count");
    }

    #[test]
    fn templates_are_filled_everywhere() {
        for file in files(&names(), true).unwrap() {
            for placeholder in ["my-kata", "my_kata", "My kata", "NN"] {
                assert!(
                    !file.text.contains(placeholder),
                    "{} still says {placeholder}",
                    file.path.display()
                );
            }
        }
        let without_rules = files(&names(), false).unwrap();
        let mutants = without_rules
            .iter()
            .find(|f| f.path.ends_with("mutants.toml"))
            .unwrap();
        assert!(!mutants.text.contains("rule = "));
        let chapter = without_rules
            .iter()
            .find(|f| f.path.ends_with("11-word-count.md"))
            .unwrap();
        assert!(!chapter.text.contains("kata:rules"));
    }

    #[test]
    fn the_skeleton_is_the_derivation_of_the_solution() {
        let files = files(&names(), true).unwrap();
        let text = |end: &str| {
            files
                .iter()
                .find(|f| f.path.to_string_lossy().ends_with(end))
                .unwrap()
                .text
                .clone()
        };
        let skeleton = text("katas/11-word-count/src/lib.rs");
        assert!(skeleton.contains("todo!(\"count_words\")"));
        assert!(!skeleton.contains("split_whitespace().count()"));
        assert!(text("solutions/11-word-count/src/lib.rs").contains("split_whitespace().count()"));
        let entry: toml::Table = toml::from_str(&manifest_entry(&names())).unwrap();
        let kata = &entry["kata"][0];
        assert_eq!(kata["dir"].as_str(), Some("11-word-count"));
        assert_eq!(kata["stage"][0]["weight"].as_integer(), Some(100));
    }

    #[test]
    fn the_summary_gets_the_chapter_after_the_last_kata() {
        let summary = "# Summary\n\n# Katas\n\n- [01 · A](katas/01-a.md)\n- [10 · B](katas/10-b.md)\n\n# Theory\n\n- [x](theory/x.md)\n";
        let out = add_to_summary(summary, &names()).unwrap();
        assert!(out.contains(
            "- [10 · B](katas/10-b.md)\n- [11 · Word count](katas/11-word-count.md)\n\n# Theory"
        ));
    }

    #[test]
    fn members_are_added_only_when_no_glob_takes_them() {
        let globbed = "[workspace]\nmembers = [\"checker\", \"katas/*\", \"solutions/*\"]\n";
        assert_eq!(add_members(globbed, &names()).unwrap(), None);
        let listed = "[workspace]\nmembers = [\"checker\", \"katas/01-a\"]\ndefault-members = [\"checker\"]\n";
        let out = add_members(listed, &names()).unwrap().unwrap();
        let table: toml::Table = toml::from_str(&out).unwrap();
        let members = table["workspace"]["members"].as_array().unwrap();
        assert!(
            members
                .iter()
                .any(|m| m.as_str() == Some("katas/11-word-count"))
        );
        assert!(
            members
                .iter()
                .any(|m| m.as_str() == Some("solutions/11-word-count"))
        );
        let defaults = table["workspace"]["default-members"].as_array().unwrap();
        assert!(
            defaults
                .iter()
                .any(|m| m.as_str() == Some("solutions/11-word-count"))
        );
    }
}
