//! Chapter "Child processes".

use std::path::Path;
use std::process::{Command, Output};

// ANCHOR: no_shell
/// Runs `echo` with `argument` as one argument: no shell parses it, so `;`, `$(…)` and
/// quotes are just characters.
pub fn echo_without_a_shell(argument: &str) -> String {
    let output = Command::new("echo")
        .arg(argument)
        .output()
        .expect("echo runs");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The same through `sh -c` with the argument pasted into the command line: the shell runs
/// whatever the argument contains.
pub fn echo_through_a_shell(argument: &str) -> String {
    let output = Command::new("sh")
        .arg("-c")
        .arg(format!("echo {argument}"))
        .output()
        .expect("sh runs");
    String::from_utf8_lossy(&output.stdout).into_owned()
}
// ANCHOR_END: no_shell

// ANCHOR: option_injection
/// WRONG: no shell, but a file name starting with `-` still reaches `cat` first in its
/// argument list, where it is read as an option.
pub fn cat_naive(dir: &Path, file_name: &str) -> Output {
    Command::new("cat")
        .arg(file_name)
        .current_dir(dir)
        .output()
        .expect("cat runs")
}

/// Right: `--` ends the options (for programs that follow that convention; prefixing a
/// relative name with `./` works for any program).
pub fn cat_file(dir: &Path, file_name: &str) -> Output {
    Command::new("cat")
        .arg("--")
        .arg(file_name)
        .current_dir(dir)
        .output()
        .expect("cat runs")
}
// ANCHOR_END: option_injection

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shell_runs_what_an_argument_smuggles_in() {
        let hostile = "report.txt; echo INJECTED";
        assert_eq!(echo_without_a_shell(hostile), "report.txt; echo INJECTED\n");
        assert_eq!(echo_through_a_shell(hostile), "report.txt\nINJECTED\n");
    }

    #[test]
    fn a_leading_dash_is_an_option_unless_options_are_ended() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("-n"), "the report\n").unwrap();
        // `cat -n` numbers the lines of its standard input, which `output()` leaves empty.
        let naive = cat_naive(dir.path(), "-n");
        assert!(naive.status.success());
        assert_eq!(naive.stdout, b"", "the file name was taken as an option");
        assert_eq!(cat_file(dir.path(), "-n").stdout, b"the report\n");
    }

    #[test]
    fn exit_status_and_output_are_separate() {
        let output = Command::new("sh")
            .args(["-c", "echo out; echo err >&2; exit 3"])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(3));
        assert_eq!(output.stdout, b"out\n");
        assert_eq!(output.stderr, b"err\n");
    }
}
