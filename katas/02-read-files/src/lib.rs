//! # Kata 02 — reading files with a concurrency limit
//!
//! Write [`read_files_with_limit`]: read many files with at most `limit` reads in flight,
//! and return one result per path, in the order of the paths. Build it on
//! [`map_with_limit`], which runs any async function over any iterator the same way (the
//! hidden tests drive it with instrumented futures on tokio's paused clock).
//!
//! ```no_run
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use read_files::read_files_with_limit;
//!
//! let paths = ["file1.txt", "file2.txt", "file3.txt", "file4.txt", "file5.txt"];
//! let contents = read_files_with_limit(paths, 2).await?; // at most 2 at a time
//! for (path, content) in paths.iter().zip(contents) {
//!     match content {
//!         Ok(text) => println!("{path}: {} bytes", text.len()),
//!         Err(error) => println!("{error}"),
//!     }
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Every `// TODO:` marks a place to write code. Run the examples with
//! `cargo test -p read-files`; `cargo kata grade read-files` grades the kata.
//!
//! # Stages
//!
//! 1. `read_files_with_limit`: input order, a failing file (missing, not UTF-8, a folder)
//!    is an `Err` naming its path and does not stop the others, a limit of 0 is an error.
//! 2. `map_with_limit`'s schedule: never more than `limit` in flight, and a slot is refilled
//!    the moment it frees — reading in batches of `limit` fails; futures are created only
//!    when a slot is free.
//! 3. Dropping the returned future cancels the work in flight; 100 000 items are fine.

use std::fmt;
use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};

/// The error of a call with an unusable limit.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LimitError {
    /// A limit of 0 would never start anything.
    Zero,
}

impl fmt::Display for LimitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // TODO: write a short lowercase message.
        let _ = f;
        todo!("LimitError's message")
    }
}

impl std::error::Error for LimitError {}

/// A file that could not be read, with its path.
#[derive(Debug)]
#[non_exhaustive]
pub struct FileError {
    /// The path as given.
    pub path: PathBuf,
    /// What went wrong. Content that is not UTF-8 is `io::ErrorKind::InvalidData`; any
    /// other failure is the error the read returned, unchanged.
    pub source: io::Error,
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // TODO: a message that names the path and the cause.
        let _ = f;
        todo!("FileError's message")
    }
}

impl std::error::Error for FileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// Runs `f` on every item with at most `limit` of the returned futures in flight, and
/// returns the outputs in the order of the items.
///
/// `f` is called for the items in their order, each only when a slot is free (how far
/// ahead the iterator itself is read is up to you): a job holds its slot from the call of
/// `f` until its future completes, that future runs from the call on, and the slot is
/// refilled the moment it frees. Dropping the returned future drops every future still
/// running.
///
/// # Errors
///
/// [`LimitError::Zero`] when `limit` is 0, whatever the items (even none). Every other
/// limit is valid, `usize::MAX` (no practical limit) included.
pub async fn map_with_limit<I, F, Fut>(
    items: I,
    limit: usize,
    f: F,
) -> Result<Vec<Fut::Output>, LimitError>
where
    I: IntoIterator,
    F: FnMut(I::Item) -> Fut,
    Fut: Future + Send + 'static,
    Fut::Output: Send + 'static,
{
    // TODO: implement map_with_limit. `futures::stream::FuturesUnordered` polls a set of
    // futures together; `tokio::task::JoinSet` with a `tokio::sync::Semaphore` works too.
    let _ = (items.into_iter(), limit, f);
    todo!("map_with_limit")
}

/// Reads every file in `paths` as UTF-8 text, at most `limit` at a time, and returns one
/// result per path in input order. A file that cannot be read does not stop the others.
///
/// # Errors
///
/// [`LimitError::Zero`] when `limit` is 0, even with no paths. Per-file failures are
/// the inner `Err`s.
pub async fn read_files_with_limit<P: AsRef<Path>>(
    paths: impl IntoIterator<Item = P>,
    limit: usize,
) -> Result<Vec<Result<String, FileError>>, LimitError> {
    // TODO: implement read_files_with_limit on top of map_with_limit (`tokio::fs::read`).
    let _ = (paths.into_iter().map(|p| p.as_ref().to_owned()), limit);
    todo!("read_files_with_limit")
}
