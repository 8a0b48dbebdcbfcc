//! The skeleton of a kata, derived from its marked solution.
//!
//! A solution file marks what the learner must write, in the conventions of the Test My
//! Code (tmc-langs) exercise templates:
//!
//! - `// BEGIN SOLUTION` … `// END SOLUTION`, each alone on its line (any indentation): the
//!   lines between them and the two marker lines are left out of the skeleton.
//! - `// STUB: <text>`: the skeleton has `<indentation><text>` on that line (the indentation
//!   before `//` is kept; `// STUB:` alone gives an empty line). In the solution it is only a
//!   comment.
//! - `// SOLUTION FILE` alone on a line: the whole file belongs to the solution; the skeleton
//!   has no such file.
//!
//! Every other line is copied unchanged, line endings included.
//!
//! ```
//! let solution = "\
//! pub fn add(a: u32, b: u32) -> u32 {
//!     // STUB: todo!(\"add the two numbers\")
//!     // BEGIN SOLUTION
//!     a + b
//!     // END SOLUTION
//! }
//! ";
//! let skeleton = kata_derive::derive(solution).unwrap().unwrap();
//! assert_eq!(skeleton, "\
//! pub fn add(a: u32, b: u32) -> u32 {
//!     todo!(\"add the two numbers\")
//! }
//! ");
//! assert_eq!(kata_derive::strip_markers(solution), "\
//! pub fn add(a: u32, b: u32) -> u32 {
//!     a + b
//! }
//! ");
//! ```

use std::fmt;

/// What is wrong with a solution's markers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeriveErrorKind {
    /// `// END SOLUTION` with no open `// BEGIN SOLUTION` block.
    EndWithoutBegin,
    /// `// BEGIN SOLUTION` inside a block that is already open.
    BeginInsideBegin,
    /// `// BEGIN SOLUTION` never closed by `// END SOLUTION` before the end of the file.
    BeginWithoutEnd,
    /// `// STUB:` inside a `// BEGIN SOLUTION` block (it would be left out of the skeleton).
    StubInsideBegin,
}

/// A marker error, with the 1-based line it was found on. The caller adds the file's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeriveError {
    /// The 1-based line of the offending marker (for [`DeriveErrorKind::BeginWithoutEnd`],
    /// the line of the unclosed `// BEGIN SOLUTION`).
    pub line: usize,
    /// What is wrong.
    pub kind: DeriveErrorKind,
}

impl fmt::Display for DeriveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            DeriveErrorKind::EndWithoutBegin => "`// END SOLUTION` without `// BEGIN SOLUTION`",
            DeriveErrorKind::BeginInsideBegin => {
                "`// BEGIN SOLUTION` inside a block already open (blocks do not nest)"
            }
            DeriveErrorKind::BeginWithoutEnd => {
                "`// BEGIN SOLUTION` without `// END SOLUTION` before the end of the file"
            }
            DeriveErrorKind::StubInsideBegin => {
                "`// STUB:` inside a `// BEGIN SOLUTION` block (it would never reach the skeleton)"
            }
        };
        write!(f, "line {}: {what}", self.line)
    }
}

impl std::error::Error for DeriveError {}

/// One line of a solution file, classified.
enum Line {
    Begin,
    End,
    SolutionFile,
    /// A `// STUB:` line: the skeleton's text (indentation + text, no line ending).
    Stub(String),
    /// Any other line.
    Plain,
}

/// Splits a line into its content and its ending (`\n`, `\r\n` or nothing).
fn split_ending(line: &str) -> (&str, &str) {
    if let Some(content) = line.strip_suffix("\r\n") {
        (content, "\r\n")
    } else if let Some(content) = line.strip_suffix('\n') {
        (content, "\n")
    } else {
        (line, "")
    }
}

fn classify(content: &str) -> Line {
    let trimmed = content.trim_start();
    let indent = &content[..content.len() - trimmed.len()];
    if let Some(rest) = trimmed.strip_prefix("// STUB:") {
        let text = rest.strip_prefix(' ').unwrap_or(rest);
        return Line::Stub(format!("{indent}{text}").trim_end().to_owned());
    }
    match trimmed.trim_end() {
        "// BEGIN SOLUTION" => Line::Begin,
        "// END SOLUTION" => Line::End,
        "// SOLUTION FILE" => Line::SolutionFile,
        _ => Line::Plain,
    }
}

/// The skeleton text of one solution file, or `None` for a `// SOLUTION FILE`.
///
/// Errors name the line: an `// END SOLUTION` without a `// BEGIN SOLUTION`, a `// BEGIN
/// SOLUTION` inside another, one never closed, or a `// STUB:` inside a block.
pub fn derive(text: &str) -> Result<Option<String>, DeriveError> {
    let mut skeleton = String::with_capacity(text.len());
    let mut open: Option<usize> = None;
    let mut solution_file = false;
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let number = index + 1;
        let (content, ending) = split_ending(line);
        let error = |kind| DeriveError { line: number, kind };
        match classify(content) {
            Line::Begin if open.is_some() => return Err(error(DeriveErrorKind::BeginInsideBegin)),
            Line::Begin => open = Some(number),
            Line::End if open.is_none() => return Err(error(DeriveErrorKind::EndWithoutBegin)),
            Line::End => open = None,
            Line::Stub(_) if open.is_some() => {
                return Err(error(DeriveErrorKind::StubInsideBegin));
            }
            Line::Stub(text) => {
                skeleton.push_str(&text);
                skeleton.push_str(ending);
            }
            Line::SolutionFile => solution_file = true,
            Line::Plain => {
                if open.is_none() {
                    skeleton.push_str(line);
                }
            }
        }
    }
    if let Some(line) = open {
        return Err(DeriveError {
            line,
            kind: DeriveErrorKind::BeginWithoutEnd,
        });
    }
    Ok((!solution_file).then_some(skeleton))
}

/// The solution as a reader should see it: marker lines and `// STUB:` lines removed, every
/// other line (the solution's code inside the blocks included) unchanged.
///
/// It never fails: a file with broken markers is shown with its marker lines removed all
/// the same ([`derive`] reports the error).
pub fn strip_markers(text: &str) -> String {
    text.split_inclusive('\n')
        .filter(|line| matches!(classify(split_ending(line).0), Line::Plain))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skeleton(text: &str) -> String {
        derive(text).unwrap().unwrap()
    }

    fn error(text: &str) -> DeriveError {
        derive(text).unwrap_err()
    }

    #[test]
    fn a_file_without_markers_is_copied_unchanged() {
        let text = "//! Docs.\n\npub fn f() {}\n  trailing without newline";
        assert_eq!(skeleton(text), text);
        assert_eq!(strip_markers(text), text);
        assert_eq!(skeleton(""), "");
    }

    #[test]
    fn a_block_and_its_markers_are_left_out_of_the_skeleton() {
        let text = "a\n// BEGIN SOLUTION\nb\nc\n// END SOLUTION\nd\n";
        assert_eq!(skeleton(text), "a\nd\n");
        assert_eq!(strip_markers(text), "a\nb\nc\nd\n");
    }

    #[test]
    fn markers_may_be_indented_and_carry_trailing_spaces() {
        let text = "fn f() {\n        // BEGIN SOLUTION  \n    x\n\t// END SOLUTION\n}\n";
        assert_eq!(skeleton(text), "fn f() {\n}\n");
        assert_eq!(strip_markers(text), "fn f() {\n    x\n}\n");
    }

    #[test]
    fn a_stub_keeps_its_indentation_and_loses_its_prefix() {
        let text = "fn f() {\n    // STUB: todo!(\"write f\")\n    // BEGIN SOLUTION\n    1\n    // END SOLUTION\n}\n";
        assert_eq!(skeleton(text), "fn f() {\n    todo!(\"write f\")\n}\n");
        assert_eq!(strip_markers(text), "fn f() {\n    1\n}\n");
    }

    #[test]
    fn a_stub_can_be_a_comment_a_doc_line_or_empty() {
        let text =
            "// STUB: //! # Kata 01\n// STUB:\n  // STUB: // TODO: store it\n// STUB:   \nx\n";
        assert_eq!(
            skeleton(text),
            "//! # Kata 01\n\n  // TODO: store it\n\nx\n"
        );
        assert_eq!(strip_markers(text), "x\n");
    }

    #[test]
    fn a_marker_after_code_or_inside_other_text_is_plain_text() {
        let text = "let x = 1; // BEGIN SOLUTION\nlet s = \"// STUB: no\";\n/// // END SOLUTION\n// BEGIN SOLUTIONS\n";
        assert_eq!(skeleton(text), text);
        assert_eq!(strip_markers(text), text);
    }

    #[test]
    fn line_endings_are_kept() {
        let text = "a\r\n// STUB: b\r\n// BEGIN SOLUTION\r\nc\r\n// END SOLUTION\r\nd";
        assert_eq!(skeleton(text), "a\r\nb\r\nd");
        assert_eq!(strip_markers(text), "a\r\nc\r\nd");
        // A stub on the last line, without a newline.
        assert_eq!(skeleton("a\n    // STUB: b"), "a\n    b");
    }

    #[test]
    fn a_solution_file_has_no_skeleton() {
        assert_eq!(derive("// SOLUTION FILE\npub fn f() {}\n"), Ok(None));
        assert_eq!(
            derive("//! Helper.\n  // SOLUTION FILE  \nfn g() {}"),
            Ok(None)
        );
        assert_eq!(
            strip_markers("// SOLUTION FILE\npub fn f() {}\n"),
            "pub fn f() {}\n"
        );
        // Its markers are still checked.
        assert_eq!(
            error("// SOLUTION FILE\n// END SOLUTION\n").kind,
            DeriveErrorKind::EndWithoutBegin
        );
    }

    #[test]
    fn end_without_begin_names_its_line() {
        let e = error("a\nb\n// END SOLUTION\n");
        assert_eq!(
            e,
            DeriveError {
                line: 3,
                kind: DeriveErrorKind::EndWithoutBegin
            }
        );
        assert!(
            e.to_string()
                .starts_with("line 3: `// END SOLUTION` without")
        );
        // A block closed twice.
        let e = error("// BEGIN SOLUTION\n// END SOLUTION\n// END SOLUTION\n");
        assert_eq!((e.line, e.kind), (3, DeriveErrorKind::EndWithoutBegin));
    }

    #[test]
    fn begin_inside_begin_names_the_inner_line() {
        let e = error("// BEGIN SOLUTION\nx\n  // BEGIN SOLUTION\n// END SOLUTION\n");
        assert_eq!((e.line, e.kind), (3, DeriveErrorKind::BeginInsideBegin));
        assert!(e.to_string().contains("line 3"));
    }

    #[test]
    fn begin_without_end_names_the_open_line() {
        let e = error("a\n// BEGIN SOLUTION\nb\nc");
        assert_eq!((e.line, e.kind), (2, DeriveErrorKind::BeginWithoutEnd));
        assert!(e.to_string().contains("without `// END SOLUTION`"));
    }

    #[test]
    fn a_stub_inside_a_block_is_an_error() {
        let e = error("// BEGIN SOLUTION\n    // STUB: todo!()\n// END SOLUTION\n");
        assert_eq!((e.line, e.kind), (2, DeriveErrorKind::StubInsideBegin));
        assert!(e.to_string().contains("STUB"));
    }

    #[test]
    fn round_trip_a_file_without_markers_through_both() {
        // The skeleton of a marker-free file is the file, and so is its stripped form; and
        // stripping a derived skeleton changes nothing (it has no markers left).
        let solution = "pub struct S;\n// STUB: // TODO: fields\n// BEGIN SOLUTION\nfn helper() {}\n// END SOLUTION\nimpl S {}\n";
        let derived = skeleton(solution);
        assert_eq!(derived, "pub struct S;\n// TODO: fields\nimpl S {}\n");
        assert_eq!(strip_markers(&derived), derived);
        assert_eq!(skeleton(&derived), derived);
        let stripped = strip_markers(solution);
        assert_eq!(stripped, "pub struct S;\nfn helper() {}\nimpl S {}\n");
        assert_eq!(skeleton(&stripped), stripped);
    }

    #[test]
    fn several_blocks_and_stubs_in_one_file() {
        let solution = "\
use std::fmt;
// BEGIN SOLUTION
use std::mem;
// END SOLUTION

pub struct Counter {
    // STUB: // TODO: your fields
    // BEGIN SOLUTION
    n: u64,
    // END SOLUTION
}

impl Counter {
    pub fn get(&self) -> u64 {
        // STUB: todo!(\"the count\")
        // BEGIN SOLUTION
        self.n
        // END SOLUTION
    }
}
";
        assert_eq!(
            skeleton(solution),
            "\
use std::fmt;

pub struct Counter {
    // TODO: your fields
}

impl Counter {
    pub fn get(&self) -> u64 {
        todo!(\"the count\")
    }
}
"
        );
        assert_eq!(
            strip_markers(solution),
            "\
use std::fmt;
use std::mem;

pub struct Counter {
    n: u64,
}

impl Counter {
    pub fn get(&self) -> u64 {
        self.n
    }
}
"
        );
    }
}
