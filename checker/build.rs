//! Embeds the hidden tests into the checker, so grading never reads test code from a folder
//! a learner (or a candidate bundle) could edit.

use std::fmt::Write as _;
use std::path::Path;

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
    let out = Path::new(&std::env::var("OUT_DIR").expect("set by cargo")).join("hidden.rs");
    std::fs::write(out, code).expect("write hidden.rs");
}
