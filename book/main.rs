//! `cargo book`: builds the web book into `book/build/` (or the folder given).

use std::process::ExitCode;

fn main() -> ExitCode {
    let out = std::env::args_os().nth(1).map(std::path::PathBuf::from);
    if out.as_deref().is_some_and(|o| o == "--help" || o == "-h") {
        println!(
            "cargo book [OUT_DIR]\n\nBuilds the workbook's web book (mdbook, used as a library) into OUT_DIR,\n\
             by default book/build. Open OUT_DIR/index.html in a browser."
        );
        return ExitCode::SUCCESS;
    }
    match book::build(&book::repository_root(), out.as_deref()) {
        Ok(dir) => {
            println!(
                "The book is built: open {}",
                dir.join("index.html").display()
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
