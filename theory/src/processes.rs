//! Chapter "Child processes".

use std::process::Command;

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
