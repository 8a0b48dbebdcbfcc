// STUB: //! # Kata 02 — reading files with a concurrency limit
// STUB: //!
// STUB: //! Write [`read_files_with_limit`]: read many files with at most `limit` reads in flight,
// STUB: //! and return one result per path, in the order of the paths. Build it on
// STUB: //! [`map_with_limit`], which runs any async function over any iterator the same way (the
// STUB: //! hidden tests drive it with instrumented futures on tokio's paused clock).
// STUB: //!
// STUB: //! ```no_run
// STUB: //! # #[tokio::main(flavor = "current_thread")]
// STUB: //! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
// STUB: //! use read_files::read_files_with_limit;
// STUB: //!
// STUB: //! let paths = ["file1.txt", "file2.txt", "file3.txt", "file4.txt", "file5.txt"];
// STUB: //! let contents = read_files_with_limit(paths, 2).await?; // at most 2 at a time
// STUB: //! for (path, content) in paths.iter().zip(contents) {
// STUB: //!     match content {
// STUB: //!         Ok(text) => println!("{path}: {} bytes", text.len()),
// STUB: //!         Err(error) => println!("{error}"),
// STUB: //!     }
// STUB: //! }
// STUB: //! # Ok(())
// STUB: //! # }
// STUB: //! ```
// STUB: //!
// STUB: //! Every `// TODO:` marks a place to write code. Run the examples with
// STUB: //! `cargo test -p read-files`; `cargo kata grade read-files` grades the kata.
// STUB: //!
// STUB: //! # Stages
// STUB: //!
// STUB: //! 1. `read_files_with_limit`: input order, a failing file (missing, not UTF-8, a folder)
// STUB: //!    is an `Err` naming its path and does not stop the others, a limit of 0 is an error.
// STUB: //! 2. `map_with_limit`'s schedule: never more than `limit` in flight, and a slot is refilled
// STUB: //!    the moment it frees — reading in batches of `limit` fails; futures are created only
// STUB: //!    when a slot is free.
// STUB: //! 3. Dropping the returned future cancels the work in flight; 100 000 items are fine.
// BEGIN SOLUTION
//! # Kata 02 — reading files with a concurrency limit, reference solution
//!
//! [`read_files_with_limit`] reads many files with at most `limit` reads in flight and
//! returns one result per path, in input order. It is a thin layer over
//! [`map_with_limit`], which runs any async function over any iterator the same way.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use read_files_solution::read_files_with_limit;
//!
//! let results = read_files_with_limit(["Cargo.toml", "no-such-file"], 2).await?;
//! assert!(results[0].as_ref().is_ok_and(|text| text.contains("[package]")));
//! let missing = results[1].as_ref().unwrap_err();
//! assert!(missing.to_string().contains("no-such-file"));
//! # Ok(())
//! # }
//! ```
//!
//! # How the limit is kept
//!
//! A pool of at most `limit` futures is polled together (a `FuturesUnordered`). The moment
//! one finishes, the next item is taken from the iterator and its future joins the pool,
//! so no slot idles while work waits — unlike reading in batches of `limit`, where one
//! slow file holds up the whole batch. Items are taken from the iterator only when a slot
//! is free, so a million paths never become a million futures at once. Each result is
//! stored at its input index, so the output order does not depend on which read finishes
//! first. Nothing is spawned: dropping the returned future drops the pool and with it every
//! read still in flight.
// END SOLUTION

use std::fmt;
use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};

// BEGIN SOLUTION
use futures::stream::{FuturesUnordered, StreamExt};

// END SOLUTION
/// The error of a call with an unusable limit.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LimitError {
    /// A limit of 0 would never start anything.
    Zero,
}

impl fmt::Display for LimitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // STUB: // TODO: write a short lowercase message.
        // STUB: let _ = f;
        // STUB: todo!("LimitError's message")
        // BEGIN SOLUTION
        match self {
            LimitError::Zero => f.write_str("the concurrency limit must be at least 1"),
        }
        // END SOLUTION
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
        // STUB: // TODO: a message that names the path and the cause.
        // STUB: let _ = f;
        // STUB: todo!("FileError's message")
        // BEGIN SOLUTION
        write!(f, "failed to read {}: {}", self.path.display(), self.source)
        // END SOLUTION
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
    // STUB: f: F,
    // BEGIN SOLUTION
    mut f: F,
    // END SOLUTION
) -> Result<Vec<Fut::Output>, LimitError>
where
    I: IntoIterator,
    F: FnMut(I::Item) -> Fut,
    Fut: Future + Send + 'static,
    Fut::Output: Send + 'static,
{
    // STUB: // TODO: implement map_with_limit. `futures::stream::FuturesUnordered` polls a set of
    // STUB: // futures together; `tokio::task::JoinSet` with a `tokio::sync::Semaphore` works too.
    // STUB: let _ = (items.into_iter(), limit, f);
    // STUB: todo!("map_with_limit")
    // BEGIN SOLUTION
    if limit == 0 {
        return Err(LimitError::Zero);
    }
    let mut items = items.into_iter().enumerate();
    let mut running = FuturesUnordered::new();
    let mut outputs: Vec<Option<Fut::Output>> = Vec::new();
    loop {
        // Fill every free slot before waiting for the next completion.
        while running.len() < limit {
            let Some((index, item)) = items.next() else {
                break;
            };
            outputs.push(None);
            let future = f(item);
            running.push(async move { (index, future.await) });
        }
        match running.next().await {
            Some((index, output)) => outputs[index] = Some(output),
            None => break, // Nothing running and nothing left to start.
        }
    }
    Ok(outputs
        .into_iter()
        .map(|output| output.expect("every started item finished"))
        .collect())
    // END SOLUTION
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
    // STUB: // TODO: implement read_files_with_limit on top of map_with_limit (`tokio::fs::read`).
    // STUB: let _ = (paths.into_iter().map(|p| p.as_ref().to_owned()), limit);
    // STUB: todo!("read_files_with_limit")
    // BEGIN SOLUTION
    let paths = paths.into_iter().map(|path| path.as_ref().to_owned());
    map_with_limit(paths, limit, |path| async move {
        match tokio::fs::read(&path).await {
            Ok(bytes) => String::from_utf8(bytes).map_err(|e| FileError {
                path,
                source: io::Error::new(io::ErrorKind::InvalidData, e),
            }),
            Err(source) => Err(FileError { path, source }),
        }
    })
    .await
    // END SOLUTION
}
