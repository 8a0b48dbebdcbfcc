//! Chapter "Child processes".

use std::path::Path;
use std::process::{Command, Output, Stdio};

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

// ANCHOR: tokio_stdin
/// Runs `command` to the end with tokio and collects its output, the way std's `output()`
/// does. tokio's `output()` pipes stdout and stderr only: the child would inherit the
/// server's stdin (a terminal, or a pipe that stays open) and a program that reads it
/// would wait for ever. So the empty stdin is set by hand.
pub async fn run_to_end(mut command: tokio::process::Command) -> std::io::Result<Output> {
    command.stdin(Stdio::null()).output().await
}
// ANCHOR_END: tokio_stdin

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

    /// Set for the copy of this test binary that `tokio_output_inherits_stdin` starts.
    const INNER: &str = "THEORY_STDIN_INNER";

    /// What `cat` (which copies its stdin) prints when this process's stdin holds a line:
    /// through `run_to_end`, std's `output()`, and tokio's bare `output()`, in that order —
    /// the first one that inherits stdin takes the line.
    #[tokio::test]
    #[ignore = "run by tokio_output_inherits_stdin, with a stdin it controls"]
    async fn stdin_as_the_children_see_it() {
        if std::env::var_os(INNER).is_none() {
            // Run by hand, this process's stdin may be a terminal: bare `cat` would wait.
            return;
        }
        let text = |output: Output| String::from_utf8_lossy(&output.stdout).into_owned();
        let through_run_to_end = run_to_end(tokio::process::Command::new("cat")).await;
        assert_eq!(
            text(through_run_to_end.unwrap()),
            "",
            "run_to_end gives an empty stdin"
        );
        let std_output = Command::new("cat").output().unwrap();
        assert_eq!(text(std_output), "", "std's output() gives an empty stdin");
        let tokio_output = tokio::process::Command::new("cat").output().await;
        assert_eq!(
            text(tokio_output.unwrap()),
            "the parent's line\n",
            "tokio's output() lets the child read the parent's stdin"
        );
    }

    #[test]
    fn tokio_output_inherits_stdin() {
        use std::io::Write;
        let mut inner = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "processes::tests::stdin_as_the_children_see_it"])
            .args(["--ignored", "--nocapture"])
            .env(INNER, "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // One short line fits in the pipe; dropping the handle then closes it, so no child
        // waits for more.
        let mut stdin = inner.stdin.take().unwrap();
        stdin.write_all(b"the parent's line\n").unwrap();
        drop(stdin);
        let output = inner.wait_with_output().unwrap();
        let report = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(output.status.success(), "{report}");
        assert!(report.contains("1 passed"), "the inner test ran: {report}");
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
