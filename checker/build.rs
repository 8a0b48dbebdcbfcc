//! Embeds the hidden tests into the checker, so grading never reads test code from a folder
//! a learner (or a candidate bundle) could edit; and a SHA-256 of the checker's own sources,
//! part of the key of the self-check's cached verdicts (a changed checker re-verifies).

use std::fmt::Write as _;
use std::path::Path;

use sha2::{Digest, Sha256};

fn sorted_entries(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .collect();
    entries.sort();
    entries
}

fn main() {
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo");
    let hidden = Path::new(&manifest_dir).join("hidden");
    println!("cargo::rerun-if-changed=hidden");
    let mut code = String::from(
        "/// Every hidden test file: (kata folder, file name, contents).\n\
         pub static HIDDEN_FILES: &[(&str, &str, &str)] = &[\n",
    );
    for kata_dir in sorted_entries(&hidden).into_iter().filter(|p| p.is_dir()) {
        let kata = kata_dir.file_name().unwrap().to_string_lossy().into_owned();
        for file in sorted_entries(&kata_dir) {
            if file.extension().is_some_and(|ext| ext == "rs") {
                let name = file.file_name().unwrap().to_string_lossy().into_owned();
                writeln!(
                    code,
                    "    ({kata:?}, {name:?}, include_str!({:?})),",
                    file.display()
                )
                .unwrap();
            }
        }
    }
    code.push_str("];\n");
    println!("cargo::rerun-if-changed=src");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=Cargo.toml");
    println!(
        "cargo::rustc-env=KATA_CHECKER_SOURCES_SHA256={}",
        sources_sha256(Path::new(&manifest_dir))
    );
    let out = Path::new(&std::env::var("OUT_DIR").expect("set by cargo")).join("hidden.rs");
    std::fs::write(out, code).expect("write hidden.rs");
}

/// SHA-256 over the checker's `build.rs`, `Cargo.toml` and every file under `src/`, in
/// path order, each as its path and its length-prefixed contents.
fn sources_sha256(dir: &Path) -> String {
    let mut files = vec![dir.join("build.rs"), dir.join("Cargo.toml")];
    let mut pending = vec![dir.join("src")];
    while let Some(folder) = pending.pop() {
        for path in sorted_entries(&folder) {
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    let mut hash = Sha256::new();
    for file in files {
        let relative = file.strip_prefix(dir).expect("under the crate");
        let bytes =
            std::fs::read(&file).unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
        for part in [relative.to_string_lossy().as_bytes(), &bytes] {
            hash.update((part.len() as u64).to_le_bytes());
            hash.update(part);
        }
    }
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}
