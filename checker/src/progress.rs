//! The learner's progress: stages reached, hints opened, when. One small JSON file,
//! `<state dir>/progress.json` (the state dir is `.kata/` at the workbook's root, or
//! `KATA_STATE_DIR`), replaced atomically — written to a temporary file in the same folder,
//! flushed to disk, then renamed over the old one — so a crash or a kill at any moment
//! leaves either the old file or the new one, never half of one. A file that cannot be
//! read is kept aside as `progress.json.corrupt` and rebuilt, with a warning.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

/// Everything remembered, per kata id.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Progress {
    /// The format's version.
    #[serde(default)]
    pub version: u32,
    /// Per kata id.
    #[serde(default)]
    pub katas: BTreeMap<String, KataProgress>,
}

/// One kata's progress.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct KataProgress {
    /// The stage reached at the last grading of the attempt in `katas/`.
    #[serde(default)]
    pub stage_reached: usize,
    /// The score of that grading.
    #[serde(default)]
    pub score: f64,
    /// The highest stage ever reached.
    #[serde(default)]
    pub best_stage: usize,
    /// When it was last graded (RFC 3339).
    #[serde(default)]
    pub last_graded: Option<String>,
    /// When the attempt first passed stage 1 (this opens `cargo kata solution`).
    #[serde(default)]
    pub passed_stage1_at: Option<String>,
    /// When each hint was opened, in order; its length is the number opened.
    #[serde(default)]
    pub hints_opened: Vec<String>,
}

/// The folder of the learner's state: progress and reset backups.
pub fn state_dir(root: &Path) -> PathBuf {
    match std::env::var_os("KATA_STATE_DIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => root.join(".kata"),
    }
}

fn file(root: &Path) -> PathBuf {
    state_dir(root).join("progress.json")
}

/// Now, as RFC 3339 to the second.
pub fn now() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

/// Reads the progress file; a missing file is empty progress, an unreadable one is moved
/// aside (the returned warning says where) and replaced by empty progress.
pub fn load(root: &Path) -> Result<(Progress, Option<String>)> {
    let path = file(root);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok((Progress::default(), None));
        }
        Err(e) => return Err(e).with_context(|| format!("failed to read {}", path.display())),
    };
    match serde_json::from_str::<Progress>(&text) {
        Ok(progress) => Ok((progress, None)),
        Err(error) => {
            let aside = path.with_extension("json.corrupt");
            std::fs::rename(&path, &aside)
                .with_context(|| format!("failed to move {} aside", path.display()))?;
            Ok((
                Progress::default(),
                Some(format!(
                    "warning: the progress file {} could not be read ({error}); it was moved \
                     to {} and progress starts afresh",
                    path.display(),
                    aside.display()
                )),
            ))
        }
    }
}

/// Loads, changes and saves the progress under a lock, so two checkers (say `watch` and a
/// `hint` in another terminal) never lose each other's changes. Warnings go to stderr.
pub fn update<T>(root: &Path, change: impl FnOnce(&mut Progress) -> T) -> Result<T> {
    let dir = state_dir(root);
    std::fs::create_dir_all(&dir).with_context(|| format!("failed to create {}", dir.display()))?;
    let lock = std::fs::File::create(dir.join("progress.lock"))
        .with_context(|| format!("failed to open {}", dir.join("progress.lock").display()))?;
    lock.lock().context("failed to lock the progress file")?;
    let (mut progress, warning) = load(root)?;
    if let Some(warning) = warning {
        eprintln!("{warning}");
    }
    let result = change(&mut progress);
    progress.version = 1;
    save(&dir, &progress)?;
    Ok(result)
}

/// Writes `progress` to `dir/progress.json` atomically.
fn save(dir: &Path, progress: &Progress) -> Result<()> {
    let target = dir.join("progress.json");
    let temp = dir.join(format!(".progress.json.{}.tmp", std::process::id()));
    let text = serde_json::to_string_pretty(progress)?;
    let write = || -> std::io::Result<()> {
        let mut out = std::fs::File::create(&temp)?;
        // A test stops the checker here, halfway through a write, and kills it.
        if std::env::var_os("KATA_TEST_PAUSE_PROGRESS_WRITE").is_some() {
            let half = text.len() / 2;
            out.write_all(&text.as_bytes()[..half])?;
            out.sync_all()?;
            std::thread::sleep(std::time::Duration::from_secs(60));
            out.write_all(&text.as_bytes()[half..])?;
        } else {
            out.write_all(text.as_bytes())?;
        }
        out.sync_all()?;
        std::fs::rename(&temp, &target)?;
        // The rename itself is durable once the folder is synced.
        std::fs::File::open(dir)?.sync_all()
    };
    let result = write();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result.with_context(|| format!("failed to write {}", target.display()))?;
    // Temporary files of checkers that were killed mid-write.
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with(".progress.json.") && name.ends_with(".tmp") {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
    Ok(())
}

/// Records a grading of the attempt in `katas/`.
pub fn record_grading(root: &Path, kata: &str, stage_reached: usize, score: f64) -> Result<()> {
    update(root, |progress| {
        let entry = progress.katas.entry(kata.to_owned()).or_default();
        let now = now();
        entry.stage_reached = stage_reached;
        entry.score = score;
        entry.best_stage = entry.best_stage.max(stage_reached);
        if stage_reached >= 1 && entry.passed_stage1_at.is_none() {
            entry.passed_stage1_at = Some(now.clone());
        }
        entry.last_graded = Some(now);
    })
}
