//! The book builds, lists every kata, and has no broken internal link.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Builds the book once for all tests, into cargo's temporary folder for tests.
fn built() -> &'static Path {
    static OUT: OnceLock<PathBuf> = OnceLock::new();
    OUT.get_or_init(|| {
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("book");
        let _ = std::fs::remove_dir_all(&out);
        book::build(&book::repository_root(), Some(&out)).expect("the book builds")
    })
}

fn html_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "html") {
                files.push(path);
            }
        }
    }
    files
}

/// The values of every `href="…"` and `src="…"` attribute in `html`.
fn links(html: &str) -> Vec<&str> {
    let mut found = Vec::new();
    for attribute in ["href=\"", "src=\""] {
        let mut rest = html;
        while let Some(start) = rest.find(attribute) {
            rest = &rest[start + attribute.len()..];
            let end = rest.find('"').unwrap_or(rest.len());
            found.push(&rest[..end]);
            rest = &rest[end..];
        }
    }
    found
}

fn ids(html: &str) -> BTreeSet<&str> {
    let mut found = BTreeSet::new();
    let mut rest = html;
    while let Some(start) = rest.find(" id=\"") {
        rest = &rest[start + 5..];
        let end = rest.find('"').unwrap_or(rest.len());
        found.insert(&rest[..end]);
    }
    found
}

#[test]
fn every_kata_has_a_chapter_in_the_table_of_contents() {
    let root = book::repository_root();
    let manifest = book::load_manifest(&root).unwrap();
    let summary = std::fs::read_to_string(root.join("book/src/SUMMARY.md")).unwrap();
    for kata in &manifest.katas {
        let chapter = format!("katas/{}.md", kata.dir);
        assert!(
            root.join("book/src").join(&chapter).is_file(),
            "no chapter {chapter}"
        );
        assert!(
            summary.contains(&format!("({chapter})")),
            "SUMMARY.md does not list {chapter}"
        );
        let html =
            std::fs::read_to_string(built().join(format!("katas/{}.html", kata.dir))).unwrap();
        for n in 1..=kata.hints.len() {
            assert!(
                html.contains(&format!("Hint {n} of {}", kata.hints.len())),
                "{}: hint {n} missing",
                kata.id
            );
        }
        assert!(
            html.contains("<details>"),
            "{}: the reference solution is folded away",
            kata.id
        );
    }
}

/// Interview bundles and reports cut chapters at these headings, so every kata chapter
/// needs them, in this order.
#[test]
fn every_kata_chapter_has_the_sections_interviews_rely_on() {
    let root = book::repository_root();
    let manifest = book::load_manifest(&root).unwrap();
    let required = [
        "## The prompt",
        "## The Rust API",
        "## Stages",
        "## Hints",
        "## Common mistakes",
        "## For the interviewer",
        "**Follow-up questions.**",
        "## Reference solution",
    ];
    for kata in &manifest.katas {
        let text =
            std::fs::read_to_string(root.join(format!("book/src/katas/{}.md", kata.dir))).unwrap();
        let mut last = 0;
        for heading in required {
            let at = text
                .find(heading)
                .unwrap_or_else(|| panic!("{}: no `{heading}`", kata.dir));
            assert!(at >= last, "{}: `{heading}` is out of order", kata.dir);
            last = at;
        }
    }
}

#[test]
fn no_directive_or_include_is_left_unexpanded() {
    for file in html_files(built()) {
        let html = std::fs::read_to_string(&file).unwrap();
        for leftover in ["<!-- kata:", "{{#include"] {
            assert!(
                !html.contains(leftover),
                "{} still contains {leftover}",
                file.display()
            );
        }
    }
}

#[test]
fn every_internal_link_and_anchor_resolves() {
    let out = built();
    let mut checked = 0;
    for file in html_files(out) {
        let html = std::fs::read_to_string(&file).unwrap();
        for link in links(&html) {
            // Root-relative links (404.html's) depend on where the book is served; skip them.
            let external = ["http:", "https:", "mailto:", "javascript:", "data:", "/"];
            if link.is_empty() || external.iter().any(|p| link.starts_with(p)) {
                continue;
            }
            let (path, anchor) = link.split_once('#').unwrap_or((link, ""));
            let target = if path.is_empty() {
                file.clone()
            } else {
                file.parent().unwrap().join(path.split('?').next().unwrap())
            };
            assert!(target.is_file(), "{}: broken link {link}", file.display());
            if !anchor.is_empty() && target.extension().is_some_and(|e| e == "html") {
                let target_html = std::fs::read_to_string(&target).unwrap();
                assert!(
                    ids(&target_html).contains(anchor),
                    "{}: link {link} names a missing anchor",
                    file.display()
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 50, "only {checked} links were checked");
}

/// The seed's ten theory questions, each a chapter of its own.
const THEORY: [&str; 10] = [
    "01-event-loop",
    "02-streams",
    "03-threads",
    "04-memory",
    "05-errors",
    "06-modules",
    "07-child-processes",
    "08-middleware",
    "09-security",
    "10-performance",
];

#[test]
fn every_theory_chapter_is_listed_and_has_its_sections_and_quiz() {
    let root = book::repository_root();
    let summary = std::fs::read_to_string(root.join("book/src/SUMMARY.md")).unwrap();
    let mut quizzes_used = BTreeSet::new();
    for name in THEORY {
        let chapter = format!("theory/{name}.md");
        assert!(
            summary.contains(&format!("({chapter})")),
            "SUMMARY.md does not list {chapter}"
        );
        let source = std::fs::read_to_string(root.join("book/src").join(&chapter)).unwrap();
        for section in [
            "## The question",
            "## In Node.js",
            "## In Rust and tokio",
            "## Follow-up questions",
            "## Self-check",
        ] {
            assert!(source.contains(section), "{chapter} has no `{section}`");
        }
        let quiz = source
            .lines()
            .find_map(|l| l.trim().strip_prefix("<!-- quiz:")?.strip_suffix("-->"))
            .unwrap_or_else(|| panic!("{chapter} has no quiz"))
            .trim()
            .to_owned();
        let html = std::fs::read_to_string(built().join(format!("theory/{name}.html"))).unwrap();
        let questions = book::load_quiz(&root, &quiz).unwrap().questions.len();
        assert_eq!(
            html.matches("class=\"quiz-question\"").count(),
            questions,
            "{chapter}: every question of quiz {quiz} is on the page"
        );
        assert!(
            links(&html)
                .iter()
                .any(|l| l.contains("theme/quiz") && l.ends_with(".js")),
            "{chapter}: the quiz script is loaded"
        );
        quizzes_used.insert(quiz);
    }
    let files: BTreeSet<String> = std::fs::read_dir(root.join("book/quizzes"))
        .unwrap()
        .map(|e| {
            e.unwrap()
                .path()
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(
        files, quizzes_used,
        "every quiz file is used by exactly the chapters"
    );
}

#[test]
fn quiz_answers_are_checked_against_their_options() {
    let root = book::repository_root();
    for entry in std::fs::read_dir(root.join("book/quizzes")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let quiz = book::load_quiz(&root, &name).unwrap();
        let html = book::render_quiz(&name, &quiz);
        for (i, q) in quiz.questions.iter().enumerate() {
            assert!(q.answer < q.options.len(), "{name} question {}", i + 1);
            assert!(html.contains(&format!("name=\"{name}-{i}\" value=\"{}\"", q.answer)));
        }
    }
}

#[test]
fn theory_code_is_included_from_the_tested_crate() {
    let root = book::repository_root();
    for name in THEORY {
        let source =
            std::fs::read_to_string(root.join(format!("book/src/theory/{name}.md"))).unwrap();
        for line in source.lines().filter(|l| l.contains("{{#include")) {
            assert!(
                line.contains("../../../theory/src/"),
                "{name}: code must come from the tested theory crate: {line}"
            );
        }
        let html = std::fs::read_to_string(built().join(format!("theory/{name}.html"))).unwrap();
        assert!(
            !html.contains("ANCHOR"),
            "{name}: an anchor marker leaked into the page"
        );
    }
}

/// The rule map is shown in every kata chapter, in the prompt part (after the stages, before
/// the hints that interview bundles cut at), and every rule of `rules.toml` reaches the page
/// under its stage.
#[test]
fn every_kata_chapter_lists_its_rules_by_stage_before_the_hints() {
    let root = book::repository_root();
    let manifest = book::load_manifest(&root).unwrap();
    for kata in &manifest.katas {
        let text =
            std::fs::read_to_string(root.join(format!("book/src/katas/{}.md", kata.dir))).unwrap();
        let marker = text
            .find(&format!("<!-- kata:rules {} -->", kata.id))
            .unwrap_or_else(|| panic!("{}: no kata:rules marker", kata.dir));
        let stages = text.find("## Stages").unwrap();
        let hints = text.find("## Hints").unwrap();
        assert!(
            stages < marker && marker < hints,
            "{}: the rules belong in the prompt part, between the stages and the hints",
            kata.dir
        );
        let rules = book::load_rules(&root, kata).unwrap();
        assert!(!rules.rules.is_empty(), "{}: rules.toml is empty", kata.dir);
        let markdown = book::render_rules(kata, &rules);
        for rule in &rules.rules {
            let heading = format!(
                "**Stage {} · {}**",
                rule.stage,
                kata.stages[rule.stage - 1].title
            );
            let under = markdown.find(&heading).unwrap();
            let next = markdown[under + heading.len()..]
                .find("**Stage ")
                .map_or(markdown.len(), |at| under + heading.len() + at);
            assert!(
                markdown[under..next].contains(&format!("- {}\n", rule.text.trim())),
                "{}: rule {} is not listed under its stage",
                kata.dir,
                rule.id
            );
        }
        // The page holds one list item per rule in the rules' part, after the stage table.
        let html =
            std::fs::read_to_string(built().join(format!("katas/{}.html", kata.dir))).unwrap();
        let start = html.find("The rules, stage by stage").unwrap();
        let end = start + html[start..].find("id=\"hints\"").unwrap();
        let items = html[start..end].matches("<li>").count();
        assert_eq!(items, rules.rules.len(), "{}: one item per rule", kata.dir);
        for stage in 1..=kata.stages.len() {
            let has = rules.rules.iter().any(|r| r.stage == stage);
            assert_eq!(
                html[start..end].contains(&format!("<strong>Stage {stage} · ")),
                has,
                "{}: stage {stage}'s heading is shown exactly when it has rules",
                kata.dir
            );
        }
    }
}

#[test]
fn a_rule_of_a_stage_the_kata_lacks_is_refused() {
    let root = std::env::temp_dir().join(format!("book-rules-{}", std::process::id()));
    let manifest = book::load_manifest(&book::repository_root()).unwrap();
    let kata = &manifest.katas[0];
    let dir = root.join("solutions").join(&kata.dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("rules.toml"),
        format!(
            "[[rule]]\nid = \"r\"\nstage = {}\ntext = \"t\"\n",
            kata.stages.len() + 1
        ),
    )
    .unwrap();
    let error = format!("{:#}", book::load_rules(&root, kata).unwrap_err());
    assert!(error.contains("rule `r` names stage"), "{error}");
    std::fs::remove_dir_all(&root).unwrap();
}
