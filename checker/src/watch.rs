//! `cargo kata watch`: grade, wait for a save, grade again.
//!
//! Three threads feed one channel: the file watcher (notify's events, or a scan every half
//! second with `--poll`), the keyboard (crossterm, raw mode, on a terminal only) and the
//! grader (one grading at a time, in its own thread). The loop debounces saves — an editor
//! writes a file in several steps — and a save during a grading starts another grading
//! right after it, so the last verdict shown is always that of the files on disk.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, Result};

use crate::grade::{self, Attempt, Options};
use crate::harness::{Harness, SlotSpec, read_sources};
use crate::manifest::{Kata, Manifest};
use crate::progress;
use crate::report::{KataReport, percent};
use crate::study::{BAD, BOLD, DIM, GOOD, paint};

/// What the loop reacts to.
enum Event {
    /// A file of the attempt changed.
    Changed,
    /// A key was pressed.
    Key(char),
    /// A grading finished.
    Graded(Box<Result<KataReport>>),
}

/// How long to wait after a change for the editor to finish writing.
const SETTLE: Duration = Duration::from_millis(250);

/// Restores the terminal however the loop ends.
struct RawMode;

impl RawMode {
    fn enable() -> Option<Self> {
        crossterm::terminal::enable_raw_mode()
            .ok()
            .map(|()| RawMode)
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        let _ = crossterm::terminal::disable_raw_mode();
    }
}

/// Prints `text`; in raw mode a newline does not return the carriage, so add it.
fn show(raw: bool, text: &str) {
    let text = if raw {
        text.replace('\n', "\r\n")
    } else {
        text.to_owned()
    };
    let mut out = anstream::stdout();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// Runs the watch loop until the learner quits.
pub fn run(
    root: &Path,
    manifest: &Manifest,
    kata: Option<&str>,
    path: Option<PathBuf>,
    poll: bool,
) -> Result<()> {
    let fixed_path = path
        .map(|p| std::path::absolute(&p).with_context(|| format!("bad path {}", p.display())))
        .transpose()?;
    let mut index = match kata {
        Some(name) => {
            let kata = manifest.find(name)?;
            manifest
                .katas
                .iter()
                .position(|k| k.id == kata.id)
                .expect("found in the manifest")
        }
        None => first_unfinished(root, manifest)?,
    };
    let terminal = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    let (events, inbox) = mpsc::channel();
    let raw = if terminal { RawMode::enable() } else { None };
    if raw.is_some() {
        let keys = events.clone();
        std::thread::spawn(move || read_keys(&keys));
    }
    loop {
        let kata = &manifest.katas[index];
        let dir = fixed_path
            .clone()
            .unwrap_or_else(|| kata.skeleton_dir(root));
        if !dir.join("Cargo.toml").is_file() {
            anyhow::bail!(
                "{} is not a crate: there is no Cargo.toml in it",
                dir.display()
            );
        }
        let watcher = Watcher::start(&dir, poll, events.clone())?;
        let next = watch_one(
            root,
            kata,
            &dir,
            fixed_path.is_none(),
            raw.is_some(),
            &events,
            &inbox,
        )?;
        drop(watcher);
        // Drop the change events of the kata just left.
        while let Ok(event) = inbox.try_recv() {
            if let Event::Key(_) = event {
                break;
            }
        }
        match next {
            Next::Quit => return Ok(()),
            Next::Kata => index = (index + 1) % manifest.katas.len(),
        }
    }
}

/// What ends the watch of one kata.
enum Next {
    Quit,
    Kata,
}

fn first_unfinished(root: &Path, manifest: &Manifest) -> Result<usize> {
    let (progress, _) = progress::load(root)?;
    Ok(manifest
        .katas
        .iter()
        .position(|k| progress.katas.get(&k.id).is_none_or(|p| p.score < 100.0))
        .unwrap_or(0))
}

fn watch_one(
    root: &Path,
    kata: &Kata,
    dir: &Path,
    record: bool,
    raw: bool,
    events: &Sender<Event>,
    inbox: &Receiver<Event>,
) -> Result<Next> {
    let mut grading = false;
    let mut pending = true; // grade once at the start
    let mut settle_until: Option<Instant> = None;
    let mut last: Option<String> = None;
    let mut note = String::new();
    loop {
        if pending && !grading && settle_until.is_none_or(|t| Instant::now() >= t) {
            pending = false;
            settle_until = None;
            grading = true;
            show(
                raw,
                &format!("{}\n", paint(DIM, format!("Grading {}…", kata.id))),
            );
            start_grading(root, kata, dir, events.clone())?;
        }
        let wait = settle_until
            .map(|t| t.saturating_duration_since(Instant::now()))
            .unwrap_or(Duration::from_secs(3600));
        let event = match inbox.recv_timeout(wait) {
            Ok(event) => event,
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => return Ok(Next::Quit),
        };
        match event {
            Event::Changed => {
                pending = true;
                settle_until = Some(Instant::now() + SETTLE);
            }
            Event::Graded(result) => {
                grading = false;
                let screen = match *result {
                    Ok(report) => {
                        if record {
                            progress::record_grading(
                                root,
                                &kata.id,
                                report.stage_reached,
                                report.score,
                            )?;
                        }
                        verdict(kata, &report)
                    }
                    Err(error) => format!("{} grading failed: {error:#}\n", paint(BAD, "error:")),
                };
                last = Some(screen);
                note.clear();
                redraw(raw, last.as_deref(), &note);
            }
            Event::Key('q') | Event::Key('\u{3}') => return Ok(Next::Quit),
            Event::Key('n') => return Ok(Next::Kata),
            Event::Key('h') => {
                note = next_hint(root, kata)?;
                redraw(raw, last.as_deref(), &note);
            }
            Event::Key('l') => {
                note = list(root)?;
                redraw(raw, last.as_deref(), &note);
            }
            Event::Key(_) => {}
        }
    }
}

fn redraw(raw: bool, verdict: Option<&str>, note: &str) {
    let clear = if raw { "\x1b[2J\x1b[H" } else { "" };
    let keys = paint(
        DIM,
        "h hint · n next kata · l list · q quit — watching for saves",
    );
    show(
        raw,
        &format!("{clear}{}{note}\n{keys}\n", verdict.unwrap_or("")),
    );
}

fn start_grading(root: &Path, kata: &Kata, dir: &Path, events: Sender<Event>) -> Result<()> {
    let root = root.to_path_buf();
    let dir = dir.to_path_buf();
    let id = kata.id.clone();
    std::thread::spawn(move || {
        let result = (|| {
            let manifest = Manifest::load()?;
            let kata = manifest.find(&id)?;
            let attempt = Attempt {
                spec: SlotSpec {
                    kata,
                    variant: "attempt".into(),
                    sources: read_sources(&dir)?,
                },
                label: crate::verify::relative(&root, &dir),
            };
            // Opened per grading: the harness lock is held only while grading.
            let harness = Harness::open(&root)?;
            let mut reports = grade::grade(&harness, &[attempt], Options::default())?;
            Ok(reports.remove(0))
        })();
        let _ = events.send(Event::Graded(Box::new(result)));
    });
    Ok(())
}

/// The screen after a grading: stage, score, and the first failing test with its message.
fn verdict(kata: &Kata, report: &KataReport) -> String {
    let mut out = format!(
        "{} · Kata {:02} · {}\n\n",
        paint(BOLD, "cargo kata watch"),
        kata.number,
        kata.title
    );
    let score = format!(
        "Score {} · stage {} of {} complete",
        percent(report.score),
        report.stage_reached,
        report.stages.len()
    );
    out.push_str(&if report.score >= 100.0 {
        paint(GOOD, score)
    } else {
        paint(BOLD, score)
    });
    out.push('\n');
    if let Some(message) = &report.message {
        out.push_str(&format!(
            "\n{}\n",
            paint(BAD, "The attempt does not compile:")
        ));
        for line in message.lines().take(20) {
            out.push_str(&format!("  {line}\n"));
        }
    } else if let Some(test) = report.tests.iter().find(|t| t.outcome != "passed") {
        out.push_str(&format!(
            "\n{} {} — {}\n",
            paint(BAD, "✗"),
            test.name,
            test.outcome.replace('-', " ")
        ));
        for line in test.message.as_deref().unwrap_or("").lines().take(12) {
            out.push_str(&format!("    {line}\n"));
        }
    } else {
        out.push_str(&format!(
            "\n{} Every hidden test passes. Press n for the next kata.\n",
            paint(GOOD, "✓")
        ));
    }
    out
}

fn next_hint(root: &Path, kata: &Kata) -> Result<String> {
    let total = kata.hints.len();
    if total == 0 {
        return Ok("\nThis kata has no hints.\n".into());
    }
    let opened = crate::study::open_hints(root, kata, true)?;
    let hint = &kata.hints[opened - 1];
    Ok(format!(
        "\n{} {}\n",
        paint(
            BOLD,
            format!("Hint {opened} of {total} (stage {}):", hint.stage)
        ),
        hint.text
    ))
}

fn list(root: &Path) -> Result<String> {
    let manifest = Manifest::load()?;
    let (progress, _) = progress::load(root)?;
    let mut out = String::from("\n");
    for kata in &manifest.katas {
        let entry = progress.katas.get(&kata.id).cloned().unwrap_or_default();
        out.push_str(&format!(
            "  {:02}  {:<20} stage {} of {}  {:>5}\n",
            kata.number,
            kata.id,
            entry.stage_reached,
            kata.stages.len(),
            percent(entry.score)
        ));
    }
    Ok(out)
}

fn read_keys(events: &Sender<Event>) {
    use crossterm::event::{self, Event as Term, KeyCode, KeyEventKind, KeyModifiers};
    while let Ok(event) = event::read() {
        let Term::Key(key) = event else { continue };
        if key.kind != KeyEventKind::Press {
            continue;
        }
        let c = match key.code {
            KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => '\u{3}',
            KeyCode::Char(c) => c.to_ascii_lowercase(),
            KeyCode::Esc => 'q',
            _ => continue,
        };
        if events.send(Event::Key(c)).is_err() {
            return;
        }
    }
}

/// Sends `Changed` when a file of the attempt (outside `target/`) changes; stops when
/// dropped.
enum Watcher {
    Events {
        _watcher: notify::RecommendedWatcher,
    },
    Poll {
        _stop: Sender<()>,
    },
}

impl Watcher {
    fn start(dir: &Path, poll: bool, events: Sender<Event>) -> Result<Self> {
        if !poll {
            use notify::Watcher as _;
            let target = dir.join("target");
            let sender = events.clone();
            let watcher =
                notify::recommended_watcher(move |result: notify::Result<notify::Event>| {
                    if let Ok(event) = result
                        && (event.kind.is_modify()
                            || event.kind.is_create()
                            || event.kind.is_remove())
                        && !event.paths.iter().all(|p| p.starts_with(&target))
                    {
                        let _ = sender.send(Event::Changed);
                    }
                });
            if let Ok(mut watcher) = watcher
                && watcher.watch(dir, notify::RecursiveMode::Recursive).is_ok()
            {
                return Ok(Watcher::Events { _watcher: watcher });
            }
            eprintln!(
                "note: file events are not available here; looking for changes every half second instead"
            );
        }
        let (stop, stopped) = mpsc::channel::<()>();
        let dir = dir.to_path_buf();
        std::thread::spawn(move || {
            let mut seen = snapshot(&dir);
            while let Err(RecvTimeoutError::Timeout) =
                stopped.recv_timeout(Duration::from_millis(500))
            {
                let now = snapshot(&dir);
                if now != seen {
                    seen = now;
                    if events.send(Event::Changed).is_err() {
                        return;
                    }
                }
            }
        });
        Ok(Watcher::Poll { _stop: stop })
    }
}

/// Every file under `dir` but `target/`, with its size and modification time.
fn snapshot(dir: &Path) -> Vec<(PathBuf, u64, Option<SystemTime>)> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path == dir.join("target") {
                continue;
            }
            match entry.metadata() {
                Ok(meta) if meta.is_dir() => stack.push(path),
                Ok(meta) => files.push((path, meta.len(), meta.modified().ok())),
                Err(_) => {}
            }
        }
    }
    files.sort();
    files
}
