//! Builds the workbook's web book with mdbook used as a library, so building it needs
//! nothing but cargo.
//!
//! A small preprocessor fills the kata chapters from the repository's data, so the book
//! never keeps a second copy of it:
//!
//! - `<!-- kata:stages ID -->`: the stage table, from `katas.toml`;
//! - `<!-- kata:rules ID -->`: the rules the prompt states, stage by stage, from
//!   `solutions/<dir>/rules.toml` (the rule map `cargo kata verify` checks);
//! - `<!-- kata:hints ID -->`: the hints as collapsed blocks that open one at a time;
//! - `<!-- kata:mistakes ID -->`: the mutants of `solutions/<dir>/mutants.toml`, the
//!   mistakes the hidden tests are proven to catch.
//!
//! - `<!-- quiz: NAME -->`: the self-check quiz `book/quizzes/NAME.toml`, as questions with
//!   choices and a "Check" button (`book/theme/quiz.js`). The answers are in the page:
//!   quizzes are for self-study, never for grading.
//!
//! Code comes in with mdbook's own `{{#include …}}` from the crates that compile and test it.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};
use mdbook_driver::MDBook;
use mdbook_preprocessor::book::{Book, BookItem};
use mdbook_preprocessor::{Preprocessor, PreprocessorContext};
use serde::Deserialize;

/// The parts of `katas.toml` the book shows.
#[derive(Debug, Deserialize)]
pub struct Manifest {
    /// Every kata, in book order.
    #[serde(rename = "kata")]
    pub katas: Vec<Kata>,
}

/// One kata, as the book sees it.
#[derive(Debug, Deserialize)]
pub struct Kata {
    /// Command-line name.
    pub id: String,
    /// Place in the book.
    pub number: u32,
    /// Folder name; the chapter is `src/katas/<dir>.md`.
    pub dir: String,
    /// Title.
    pub title: String,
    /// One-line summary.
    pub summary: String,
    /// Hints, in order.
    pub hints: Vec<Hint>,
    /// Stages, in order.
    #[serde(rename = "stage")]
    pub stages: Vec<Stage>,
}

/// One hint and the stage it helps with.
#[derive(Debug, Deserialize)]
pub struct Hint {
    /// The stage, from 1.
    pub stage: usize,
    /// The hint, in Markdown.
    pub text: String,
}

/// One stage.
#[derive(Debug, Deserialize)]
pub struct Stage {
    /// Title.
    pub title: String,
    /// Share of the score.
    pub weight: u32,
}

/// A quiz file: `book/quizzes/<name>.toml`.
#[derive(Debug, Deserialize)]
pub struct Quiz {
    /// The questions, in order.
    #[serde(rename = "question")]
    pub questions: Vec<Question>,
}

/// One multiple-choice question.
#[derive(Debug, Deserialize)]
pub struct Question {
    /// The question; `code` in backticks is shown as code.
    pub prompt: String,
    /// The choices.
    pub options: Vec<String>,
    /// The index of the right choice.
    pub answer: usize,
    /// Why it is right, shown after checking.
    pub explain: String,
}

/// Reads and checks the quiz `name` of the book at `root`.
///
/// # Errors
///
/// When the file is missing or malformed, or an answer is not one of the options.
pub fn load_quiz(root: &Path, name: &str) -> Result<Quiz> {
    let path = root
        .join("book")
        .join("quizzes")
        .join(format!("{name}.toml"));
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("failed to read {}", path.display()))?;
    let quiz: Quiz =
        toml::from_str(&text).with_context(|| format!("failed to parse {}", path.display()))?;
    if quiz.questions.is_empty() {
        return Err(anyhow!("{} has no questions", path.display()));
    }
    for (i, q) in quiz.questions.iter().enumerate() {
        if q.answer >= q.options.len() || q.options.len() < 2 {
            return Err(anyhow!(
                "{} question {}: the answer must be one of at least two options",
                path.display(),
                i + 1
            ));
        }
    }
    Ok(quiz)
}

/// Escapes text for HTML and shows `backticked` parts as code.
fn inline(text: &str) -> String {
    let escaped = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;");
    let mut out = String::new();
    for (i, part) in escaped.split('`').enumerate() {
        if i % 2 == 1 {
            out.push_str(&format!("<code>{part}</code>"));
        } else {
            out.push_str(part);
        }
    }
    out
}

/// The HTML of a quiz.
pub fn render_quiz(name: &str, quiz: &Quiz) -> String {
    let mut out = format!("<div class=\"quiz\" data-quiz=\"{name}\">\n");
    for (i, q) in quiz.questions.iter().enumerate() {
        out.push_str(&format!(
            "<div class=\"quiz-question\" data-answer=\"{}\">\n<p><strong>{}.</strong> {}</p>\n",
            q.answer,
            i + 1,
            inline(&q.prompt)
        ));
        for (j, option) in q.options.iter().enumerate() {
            out.push_str(&format!(
                "<label><input type=\"radio\" name=\"{name}-{i}\" value=\"{j}\"> {}</label>\n",
                inline(option)
            ));
        }
        out.push_str(&format!(
            "<button class=\"quiz-check\" type=\"button\">Check</button><span class=\"quiz-result\"></span>\n<p class=\"quiz-explain\" hidden>{}</p>\n</div>\n",
            inline(&q.explain)
        ));
    }
    out.push_str("</div>\n\n");
    out
}

/// A kata's rule map: `solutions/<dir>/rules.toml`.
#[derive(Debug, Deserialize)]
pub struct Rules {
    /// The rules, in the file's order.
    #[serde(rename = "rule", default)]
    pub rules: Vec<Rule>,
}

/// One rule the prompt states.
#[derive(Debug, Deserialize)]
pub struct Rule {
    /// Its id (mutants name it).
    pub id: String,
    /// Its stage, from 1.
    pub stage: usize,
    /// The rule, in Markdown.
    pub text: String,
}

/// Reads the rule map of `kata` in the repository at `root`.
///
/// # Errors
///
/// When the file is missing or malformed, or a rule names a stage the kata does not have.
pub fn load_rules(root: &Path, kata: &Kata) -> Result<Rules> {
    let path = root.join("solutions").join(&kata.dir).join("rules.toml");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("failed to read {}", path.display()))?;
    let rules: Rules =
        toml::from_str(&text).with_context(|| format!("failed to parse {}", path.display()))?;
    if let Some(rule) = rules
        .rules
        .iter()
        .find(|r| r.stage == 0 || r.stage > kata.stages.len())
    {
        return Err(anyhow!(
            "{}: rule `{}` names stage {}, but the kata has stages 1 to {}",
            path.display(),
            rule.id,
            rule.stage,
            kata.stages.len()
        ));
    }
    Ok(rules)
}

/// The rules of each stage, as Markdown: a bold stage line, then the rules as a list.
pub fn render_rules(kata: &Kata, rules: &Rules) -> String {
    let mut out = String::new();
    for (index, stage) in kata.stages.iter().enumerate() {
        let of_stage: Vec<&Rule> = rules
            .rules
            .iter()
            .filter(|r| r.stage == index + 1)
            .collect();
        if of_stage.is_empty() {
            continue;
        }
        out.push_str(&format!("**Stage {} · {}**\n\n", index + 1, stage.title));
        for rule in of_stage {
            out.push_str(&format!("- {}\n", rule.text.trim()));
        }
        out.push('\n');
    }
    out
}

#[derive(Debug, Deserialize)]
struct Mutants {
    #[serde(rename = "mutant", default)]
    mutants: Vec<Mutant>,
}

#[derive(Debug, Deserialize)]
struct Mutant {
    name: String,
    origin: String,
    description: String,
}

/// The repository's root (the book crate's parent folder).
pub fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Reads `katas.toml` from the repository at `root`.
///
/// # Errors
///
/// When the file is missing or malformed.
pub fn load_manifest(root: &Path) -> Result<Manifest> {
    let path = root.join("katas.toml");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("failed to read {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("failed to parse {}", path.display()))
}

/// Builds the book from `<root>/book` into `out` (mdbook's `build-dir` when `None`) and
/// returns the output folder.
///
/// # Errors
///
/// When the book, the manifest or a mutants file cannot be read, a directive names an
/// unknown kata, or mdbook fails.
pub fn build(root: &Path, out: Option<&Path>) -> Result<PathBuf> {
    let book_root = root.join("book");
    let mut book =
        MDBook::load(&book_root).map_err(|e| anyhow!("failed to load the book: {e:#}"))?;
    if let Some(out) = out {
        book.config.build.build_dir = out.to_owned();
    }
    book.with_preprocessor(KataPreprocessor {
        root: root.to_owned(),
        manifest: load_manifest(root)?,
    });
    book.build()
        .map_err(|e| anyhow!("failed to build the book: {e:#}"))?;
    Ok(book.build_dir_for("html"))
}

/// Fills the `<!-- kata:… -->` directives.
struct KataPreprocessor {
    root: PathBuf,
    manifest: Manifest,
}

impl Preprocessor for KataPreprocessor {
    fn name(&self) -> &str {
        "kata"
    }

    fn run(
        &self,
        _ctx: &PreprocessorContext,
        mut book: Book,
    ) -> mdbook_preprocessor::errors::Result<Book> {
        let mut failure = None;
        book.for_each_mut(|item| {
            if let BookItem::Chapter(chapter) = item
                && failure.is_none()
            {
                match self.expand(&chapter.content) {
                    Ok(content) => chapter.content = content,
                    Err(error) => {
                        failure = Some(error.context(format!("in chapter `{}`", chapter.name)))
                    }
                }
            }
        });
        match failure {
            Some(error) => Err(error),
            None => Ok(book),
        }
    }
}

impl KataPreprocessor {
    fn expand(&self, content: &str) -> Result<String> {
        let mut out = String::with_capacity(content.len());
        for line in content.split_inclusive('\n') {
            let trimmed = line.trim();
            if let Some(name) = trimmed
                .strip_prefix("<!-- quiz:")
                .and_then(|d| d.strip_suffix("-->"))
            {
                let name = name.trim();
                out.push_str(&render_quiz(name, &load_quiz(&self.root, name)?));
                continue;
            }
            let Some(directive) = trimmed
                .strip_prefix("<!-- kata:")
                .and_then(|d| d.strip_suffix("-->"))
            else {
                out.push_str(line);
                continue;
            };
            let mut words = directive.split_whitespace();
            let (what, id) = (
                words.next().unwrap_or_default(),
                words.next().unwrap_or_default(),
            );
            let kata = self
                .manifest
                .katas
                .iter()
                .find(|k| k.id == id)
                .with_context(|| format!("directive `{trimmed}` names no kata of katas.toml"))?;
            match what {
                "stages" => out.push_str(&stages(kata)),
                "rules" => out.push_str(&render_rules(kata, &load_rules(&self.root, kata)?)),
                "hints" => out.push_str(&hints(kata)),
                "mistakes" => out.push_str(&self.mistakes(kata)?),
                _ => return Err(anyhow!("unknown directive `{trimmed}`")),
            }
        }
        Ok(out)
    }

    fn mistakes(&self, kata: &Kata) -> Result<String> {
        let path = self
            .root
            .join("solutions")
            .join(&kata.dir)
            .join("mutants.toml");
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("failed to read {}", path.display()))?;
        let mutants: Mutants =
            toml::from_str(&text).with_context(|| format!("failed to parse {}", path.display()))?;
        let mut out = String::from(
            "Each of these is kept as a *mutant* of the reference solution, and `cargo kata verify` \
             proves that the hidden tests reject it.\n\n| mistake | where it comes from | what goes wrong |\n|---|---|---|\n",
        );
        for mutant in &mutants.mutants {
            let origin = if mutant.origin == "seed" {
                "the seed's own answer"
            } else {
                "a common attempt"
            };
            out.push_str(&format!(
                "| `{}` | {origin} | {} |\n",
                mutant.name, mutant.description
            ));
        }
        out.push('\n');
        Ok(out)
    }
}

fn stages(kata: &Kata) -> String {
    let mut out = String::from("| stage | what it checks | weight |\n|---|---|---|\n");
    for (index, stage) in kata.stages.iter().enumerate() {
        out.push_str(&format!(
            "| {} | {} | {}% |\n",
            index + 1,
            stage.title,
            stage.weight
        ));
    }
    out.push('\n');
    out
}

fn hints(kata: &Kata) -> String {
    let mut out = String::new();
    for (index, hint) in kata.hints.iter().enumerate() {
        out.push_str(&format!(
            "<details class=\"hint\">\n<summary>Hint {} of {} (stage {})</summary>\n\n{}\n\n</details>\n\n",
            index + 1,
            kata.hints.len(),
            hint.stage,
            hint.text
        ));
    }
    out
}
