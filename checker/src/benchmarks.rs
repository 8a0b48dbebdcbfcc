//! `cargo kata benchmarks`: runs every solution's criterion benchmarks and writes
//! `BENCHMARKS.md` — each reference measured against its peers in the same run, as ratios,
//! with the machine and the date.
//!
//! Benchmark functions follow one naming rule: the reference's id starts with `reference`,
//! every other function of the group (a peer crate, or a floor such as "no HTTP at all") is
//! compared with it. Results are read from criterion's `target/criterion/**/new/`
//! (`benchmark.json` for the ids, `estimates.json` for the mean time).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use crate::manifest::Manifest;

/// One measured function.
#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    /// criterion's group.
    pub group: String,
    /// The parameter, for parametrised benchmarks.
    pub value: Option<String>,
    /// The function's id.
    pub function: String,
    /// Mean time per iteration, in nanoseconds.
    pub mean_ns: f64,
}

#[derive(Deserialize)]
struct BenchmarkJson {
    group_id: String,
    function_id: Option<String>,
    value_str: Option<String>,
}

#[derive(Deserialize)]
struct Estimate {
    point_estimate: f64,
}

#[derive(Deserialize)]
struct EstimatesJson {
    mean: Estimate,
}

/// Every function under `criterion_dir` whose results were written at or after `since`.
pub fn collect(criterion_dir: &Path, since: SystemTime) -> Result<Vec<Measured>> {
    let mut found = Vec::new();
    let mut stack = vec![criterion_dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if !path.is_dir() {
                continue;
            }
            if path.file_name().is_some_and(|n| n == "new") {
                let estimates = path.join("estimates.json");
                let fresh = std::fs::metadata(&estimates)
                    .and_then(|m| m.modified())
                    .is_ok_and(|t| t >= since);
                if !fresh {
                    continue;
                }
                let read = |name: &str| -> Result<String> {
                    std::fs::read_to_string(path.join(name))
                        .with_context(|| format!("failed to read {}", path.join(name).display()))
                };
                let bench: BenchmarkJson = serde_json::from_str(&read("benchmark.json")?)?;
                let estimates: EstimatesJson = serde_json::from_str(&read("estimates.json")?)?;
                found.push(Measured {
                    group: bench.group_id,
                    value: bench.value_str,
                    function: bench.function_id.unwrap_or_default(),
                    mean_ns: estimates.mean.point_estimate,
                });
            } else if path
                .file_name()
                .is_none_or(|n| n != "base" && n != "report")
            {
                stack.push(path);
            }
        }
    }
    found.sort_by(|a, b| (&a.group, &a.value, &a.function).cmp(&(&b.group, &b.value, &b.function)));
    Ok(found)
}

/// One line of the table: a reference against one peer in the same group.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The kata's number.
    pub kata: u32,
    /// What was measured (group, and parameter if any).
    pub what: String,
    /// The reference's mean time (ns).
    pub reference_ns: f64,
    /// The peer's function id.
    pub peer: String,
    /// The peer's mean time (ns).
    pub peer_ns: f64,
}

/// Pairs each group's `reference…` function with every other function of the group.
pub fn compare(kata: u32, measured: &[Measured]) -> Vec<Comparison> {
    let mut groups: BTreeMap<(String, Option<String>), Vec<&Measured>> = BTreeMap::new();
    for m in measured {
        groups
            .entry((m.group.clone(), m.value.clone()))
            .or_default()
            .push(m);
    }
    let mut rows = Vec::new();
    for ((group, value), functions) in groups {
        let Some(reference) = functions
            .iter()
            .find(|m| m.function.starts_with("reference"))
        else {
            continue;
        };
        for peer in functions
            .iter()
            .filter(|m| !m.function.starts_with("reference"))
        {
            rows.push(Comparison {
                kata,
                what: match &value {
                    Some(v) => format!("{group} ({v})"),
                    None => group.clone(),
                },
                reference_ns: reference.mean_ns,
                peer: peer.function.clone(),
                peer_ns: peer.mean_ns,
            });
        }
    }
    rows
}

fn human(ns: f64) -> String {
    if ns >= 1e9 {
        format!("{:.2} s", ns / 1e9)
    } else if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.1} ns")
    }
}

/// The Markdown of `BENCHMARKS.md`.
pub fn render(rows: &[Comparison], machine: &str, date: &str, command: &str) -> String {
    let mut out = String::from("# Benchmarks\n\n");
    out.push_str(&format!(
        "Generated by `{command}` on {date}, on {machine}. Each reference solution is measured \
         against its peers **in the same run**; the ratio is reference time ÷ peer time \
         (below 1 the reference is faster). Where a reference is more than 2× slower, its \
         book chapter explains the trade-off. Do not edit by hand.\n\n"
    ));
    out.push_str("| kata | benchmark | reference | peer | peer time | ratio |\n");
    out.push_str("|---|---|---|---|---|---|\n");
    for row in rows {
        out.push_str(&format!(
            "| {:02} | {} | {} | {} | {} | {:.2}× |\n",
            row.kata,
            row.what,
            human(row.reference_ns),
            row.peer,
            human(row.peer_ns),
            row.reference_ns / row.peer_ns
        ));
    }
    out
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_owned())
        })
        .unwrap_or_else(|| "an unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    format!("{cpu}, {cores} cores")
}

/// Runs every solution's benchmarks (criterion's quick settings unless `full`) and writes
/// `BENCHMARKS.md` at the root.
pub fn run(root: &Path, manifest: &Manifest, full: bool) -> Result<PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let criterion_dir = root.join("target").join("criterion");
    let mut rows = Vec::new();
    for kata in &manifest.katas {
        let solution = kata.solution_dir(root);
        if !solution.join("benches").is_dir() {
            continue;
        }
        let package = format!("{}-solution", kata.id);
        eprintln!("Benchmarking kata {:02} ({package})…", kata.number);
        let since = SystemTime::now();
        let mut command = Command::new(&cargo);
        command
            .current_dir(root)
            .args(["bench", "--quiet", "--package", &package]);
        // Each criterion target by name: `--benches` would also hand criterion's options
        // to the library's own libtest harness, which refuses them.
        let mut names: Vec<String> = std::fs::read_dir(solution.join("benches"))?
            .flatten()
            .filter_map(|e| {
                let path = e.path();
                (path.extension()? == "rs")
                    .then(|| path.file_stem().map(|n| n.to_string_lossy().into_owned()))
                    .flatten()
            })
            .collect();
        names.sort();
        for name in &names {
            command.args(["--bench", name]);
        }
        command.arg("--");
        if !full {
            command.args(["--warm-up-time", "1", "--measurement-time", "3"]);
        }
        let status = command
            .stdout(std::process::Stdio::null())
            .status()
            .with_context(|| format!("failed to run cargo bench for {package}"))?;
        if !status.success() {
            bail!("cargo bench failed for {package}");
        }
        let measured = collect(&criterion_dir, since)?;
        if measured.is_empty() {
            bail!(
                "cargo bench for {package} left no results in {}",
                criterion_dir.display()
            );
        }
        rows.extend(compare(kata.number, &measured));
    }
    let date = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();
    let command = if full {
        "cargo kata benchmarks --full"
    } else {
        "cargo kata benchmarks"
    };
    let text = render(&rows, &machine(), &date[..10], command);
    let path = root.join("BENCHMARKS.md");
    std::fs::write(&path, text).with_context(|| format!("failed to write {}", path.display()))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_result(dir: &Path, group: &str, function: &str, value: Option<&str>, mean: f64) {
        let folder = dir
            .join(group)
            .join(function)
            .join(value.unwrap_or(""))
            .join("new");
        std::fs::create_dir_all(&folder).unwrap();
        let bench =
            serde_json::json!({"group_id": group, "function_id": function, "value_str": value});
        std::fs::write(folder.join("benchmark.json"), bench.to_string()).unwrap();
        let estimates = serde_json::json!({"mean": {"point_estimate": mean}, "median": {"point_estimate": mean}});
        std::fs::write(folder.join("estimates.json"), estimates.to_string()).unwrap();
    }

    #[test]
    fn references_are_compared_with_every_peer_of_their_group() {
        let dir = std::env::temp_dir().join(format!("kata-benchmarks-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let before = SystemTime::now() - std::time::Duration::from_secs(1);
        write_result(&dir, "check", "reference gcra", None, 70.0);
        write_result(&dir, "check", "peer governor", None, 28.0);
        write_result(&dir, "shutdown", "reference serve", Some("100"), 1.2e6);
        write_result(&dir, "shutdown", "peer axum", Some("100"), 1.3e6);
        write_result(&dir, "lonely", "peer only", None, 5.0);
        let measured = collect(&dir, before).unwrap();
        assert_eq!(measured.len(), 5);
        let rows = compare(3, &measured);
        assert_eq!(rows.len(), 2, "{rows:?}");
        assert_eq!(rows[0].what, "check");
        assert_eq!(rows[0].peer, "peer governor");
        assert_eq!(rows[1].what, "shutdown (100)");
        let text = render(
            &rows,
            "a test CPU, 2 cores",
            "2026-11-27",
            "cargo kata benchmarks",
        );
        assert!(
            text.contains("| 03 | check | 70.0 ns | peer governor | 28.0 ns | 2.50× |"),
            "{text}"
        );
        assert!(text.contains("| 03 | shutdown (100) | 1.20 ms | peer axum | 1.30 ms | 0.92× |"));
        let later = SystemTime::now() + std::time::Duration::from_secs(60);
        assert!(
            collect(&dir, later).unwrap().is_empty(),
            "older results are left out"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
