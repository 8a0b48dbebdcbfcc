//! Self-study commands: `hint`, `status`, `solution`, `reset`, and the colours they share.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use anstyle::{AnsiColor, Style};
use anyhow::{Context, Result, bail};

use crate::manifest::{Kata, Manifest};
use crate::progress::{self, KataProgress};
use crate::report::percent;

/// Green, for what passed.
pub const GOOD: Style = AnsiColor::Green.on_default();
/// Red, for what failed.
pub const BAD: Style = AnsiColor::Red.on_default();
/// Bold, for headings.
pub const BOLD: Style = Style::new().bold();
/// Dim, for asides.
pub const DIM: Style = Style::new().dimmed();

/// `text` in `style`; `anstream` removes the codes where colours are off.
pub fn paint(style: Style, text: impl std::fmt::Display) -> String {
    format!("{style}{text}{style:#}")
}

/// `cargo kata hint`: opens the next hint, or lists the opened ones.
pub fn hint(root: &Path, kata: &Kata, list: bool) -> Result<()> {
    let total = kata.hints.len();
    if total == 0 {
        anstream::println!("Kata {} has no hints.", kata.id);
        return Ok(());
    }
    let opened = open_hints(root, kata, !list)?;
    if list {
        if opened == 0 {
            anstream::println!(
                "No hint of {} opened yet. `cargo kata hint {}` opens the first.",
                kata.id,
                kata.id
            );
        }
        for (i, hint) in kata.hints.iter().take(opened).enumerate() {
            print_hint(i, total, hint);
        }
        return Ok(());
    }
    let index = opened - 1;
    print_hint(index, total, &kata.hints[index]);
    if opened < total {
        anstream::println!(
            "{}",
            paint(
                DIM,
                format!(
                    "{} more. `cargo kata hint {}` opens the next; `--list` shows these again.",
                    total - opened,
                    kata.id
                )
            )
        );
    } else {
        anstream::println!(
            "{}",
            paint(
                DIM,
                "That was the last hint. Still stuck? Once stage 1 passes, \
                 `cargo kata solution` shows the reference."
            )
        );
    }
    Ok(())
}

/// Records one more opened hint of `kata` when `open_one` (and some are left), and
/// returns how many are open. Used by `hint` and by `watch`'s `h` key.
pub fn open_hints(root: &Path, kata: &Kata, open_one: bool) -> Result<usize> {
    progress::update(root, |p| {
        let entry = p.katas.entry(kata.id.clone()).or_default();
        if open_one && entry.hints_opened.len() < kata.hints.len() {
            entry.hints_opened.push(progress::now());
        }
        entry.hints_opened.len()
    })
}

fn print_hint(index: usize, total: usize, hint: &crate::manifest::Hint) {
    anstream::println!(
        "{} {}\n",
        paint(
            BOLD,
            format!("Hint {} of {total} (stage {}):", index + 1, hint.stage)
        ),
        hint.text
    );
}

/// `cargo kata status`: the progress table, from the progress file only.
pub fn status(root: &Path, manifest: &Manifest) -> Result<()> {
    let (progress, warning) = progress::load(root)?;
    if let Some(warning) = warning {
        eprintln!("{warning}");
    }
    anstream::println!(
        "{}",
        paint(
            BOLD,
            format!(
                "   #  {:<19} {:<9} {:>6}  {:<7} last graded",
                "kata", "stage", "score", "hints"
            )
        )
    );
    for kata in &manifest.katas {
        let entry = progress.katas.get(&kata.id).cloned().unwrap_or_default();
        let KataProgress {
            stage_reached,
            score,
            hints_opened,
            last_graded,
            ..
        } = entry;
        let score_text = format!("{:>6}", percent(score));
        let score_text = if score >= 100.0 {
            paint(GOOD, score_text)
        } else {
            score_text
        };
        anstream::println!(
            "  {:02}  {:<19} {} of {:<4} {}  {:<7} {}",
            kata.number,
            kata.id,
            stage_reached,
            kata.stages.len(),
            score_text,
            format!("{}/{}", hints_opened.len(), kata.hints.len()),
            last_graded.unwrap_or_else(|| "never".into())
        );
    }
    anstream::println!(
        "\n{}",
        paint(
            DIM,
            "From the last gradings; `cargo kata` grades every kata again."
        )
    );
    Ok(())
}

/// The `.rs` files under `dir`, relative to it, sorted; none if `dir` does not exist.
fn rust_files(dir: &Path) -> Result<Vec<PathBuf>> {
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut files = all_files(dir)?;
    files.retain(|f| f.extension().is_some_and(|e| e == "rs"));
    Ok(files)
}

/// `cargo kata solution`.
pub fn solution(root: &Path, kata: &Kata, force: bool, diff: bool) -> Result<()> {
    let (progress, _) = progress::load(root)?;
    let passed = progress
        .katas
        .get(&kata.id)
        .is_some_and(|p| p.passed_stage1_at.is_some());
    if !passed && !force {
        bail!(
            "the reference solution of {} opens once your attempt has passed stage 1 \
             (grade it with `cargo kata grade {}`); `cargo kata hint {}` may help first, \
             and `--force` shows it anyway",
            kata.id,
            kata.id,
            kata.id
        );
    }
    let solution_src = kata.solution_dir(root).join("src");
    let attempt_src = kata.skeleton_dir(root).join("src");
    let mut names = rust_files(&solution_src)?;
    if diff {
        names.extend(rust_files(&attempt_src)?);
        names.sort();
        names.dedup();
    }
    for name in names {
        let read = |dir: &Path| std::fs::read_to_string(dir.join(&name)).unwrap_or_default();
        // The reference as a reader sees it: without its skeleton markers.
        let (ours, theirs) = (
            read(&attempt_src),
            kata_derive::strip_markers(&read(&solution_src)),
        );
        if diff {
            let text = similar::TextDiff::from_lines(&ours, &theirs);
            let attempt_label = format!("your katas/{}/src/{}", kata.dir, name.display());
            let solution_label = format!("reference solutions/{}/src/{}", kata.dir, name.display());
            let unified = text
                .unified_diff()
                .context_radius(3)
                .header(&attempt_label, &solution_label)
                .to_string();
            for line in unified.lines() {
                let styled = if line.starts_with("+++") || line.starts_with("---") {
                    paint(BOLD, line)
                } else if line.starts_with('+') {
                    paint(GOOD, line)
                } else if line.starts_with('-') {
                    paint(BAD, line)
                } else if line.starts_with("@@") {
                    paint(DIM, line)
                } else {
                    line.to_owned()
                };
                anstream::println!("{styled}");
            }
        } else {
            anstream::println!(
                "{}\n{theirs}",
                paint(
                    BOLD,
                    format!("// solutions/{}/src/{}", kata.dir, name.display())
                )
            );
        }
    }
    Ok(())
}

/// The skeleton's files as the workbook's git history has them: at the upstream branch
/// when there is one (your own commits do not count), else at `HEAD`. Paths are relative
/// to the kata's folder.
fn pristine_skeleton(root: &Path, kata: &Kata) -> Result<Vec<(PathBuf, Vec<u8>)>> {
    let git = |args: &[&str]| -> Result<Vec<u8>> {
        let output = Command::new("git")
            .arg("-C")
            .arg(root)
            .args(args)
            .output()
            .context("reset restores the skeleton from the workbook's git history, and `git` could not be run")?;
        if !output.status.success() {
            bail!(
                "git {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        Ok(output.stdout)
    };
    let revision = match git(&["rev-parse", "--verify", "--quiet", "@{upstream}"]) {
        Ok(out) => String::from_utf8_lossy(&out).trim().to_owned(),
        Err(_) => "HEAD".to_owned(),
    };
    let folder = format!("katas/{}", kata.dir);
    let listing = git(&[
        "ls-tree",
        "-r",
        "-z",
        "--name-only",
        &revision,
        "--",
        &folder,
    ])
    .context("the workbook is not a git clone, so there is no pristine skeleton to restore")?;
    let mut files = Vec::new();
    for name in listing.split(|b| *b == 0).filter(|n| !n.is_empty()) {
        let name = String::from_utf8_lossy(name).into_owned();
        let content = git(&["show", &format!("{revision}:{name}")])?;
        let relative = Path::new(&name)
            .strip_prefix(&folder)
            .expect("listed under the folder")
            .to_path_buf();
        files.push((relative, content));
    }
    if files.is_empty() {
        bail!("git has no files under {folder} at {revision}");
    }
    Ok(files)
}

/// Every file under `dir` except `target/`, relative to it.
fn all_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder)
            .with_context(|| format!("failed to read {}", folder.display()))?
        {
            let entry = entry?;
            let path = entry.path();
            let kind = entry.file_type()?;
            if kind.is_dir() {
                if folder == dir && entry.file_name() == "target" {
                    continue;
                }
                stack.push(path);
            } else if kind.is_file() {
                found.push(path.strip_prefix(dir).expect("under dir").to_path_buf());
            }
        }
    }
    found.sort();
    Ok(found)
}

/// `cargo kata reset`: back the attempt up, compare the copy, then restore the skeleton.
pub fn reset(root: &Path, kata: &Kata, attempt: &Path, yes: bool) -> Result<()> {
    let pristine = pristine_skeleton(root, kata)?;
    let current = all_files(attempt)?;
    let unchanged = current.len() == pristine.len()
        && pristine.iter().all(|(name, content)| {
            std::fs::read(attempt.join(name)).is_ok_and(|now| now == *content)
        });
    if unchanged {
        anstream::println!(
            "{} is already the skeleton; nothing to reset.",
            attempt.display()
        );
        return Ok(());
    }
    let stamp = progress::now().replace(':', "-");
    let backups = progress::state_dir(root).join("backups");
    let mut backup = backups.join(format!("{}-{stamp}", kata.dir));
    let mut n = 2;
    while backup.exists() {
        backup = backups.join(format!("{}-{stamp}-{n}", kata.dir));
        n += 1;
    }
    if !yes {
        if !std::io::stdin().is_terminal() {
            bail!(
                "reset asks for confirmation, and standard input is not a terminal; add --yes to reset without asking"
            );
        }
        print!(
            "Reset {} to the skeleton? Your attempt is first copied to {}. [y/N] ",
            attempt.display(),
            backup.display()
        );
        std::io::stdout().flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            anstream::println!("Nothing changed.");
            return Ok(());
        }
    }
    // 1. The backup, checked byte for byte before anything is touched.
    for name in &current {
        let from = attempt.join(name);
        let to = backup.join(name);
        std::fs::create_dir_all(to.parent().expect("a file has a folder"))?;
        std::fs::copy(&from, &to)
            .with_context(|| format!("failed to back up {}", from.display()))?;
        if std::fs::read(&from)? != std::fs::read(&to)? {
            bail!(
                "the backup of {} does not match the original; nothing was reset",
                from.display()
            );
        }
    }
    // 2. The skeleton: files it does not have go (they are in the backup), its own return.
    for name in &current {
        if !pristine.iter().any(|(p, _)| p == name) {
            std::fs::remove_file(attempt.join(name))?;
        }
    }
    for (name, content) in &pristine {
        let to = attempt.join(name);
        std::fs::create_dir_all(to.parent().expect("a file has a folder"))?;
        std::fs::write(&to, content)
            .with_context(|| format!("failed to restore {}", to.display()))?;
    }
    anstream::println!(
        "{} Your attempt is saved in {}\n{} is the skeleton again.",
        paint(GOOD, "✓"),
        backup.display(),
        attempt.display()
    );
    Ok(())
}
