//! Kata 02, a correct answer written differently from the reference: a `Semaphore` bounds
//! the work in flight and a `JoinSet` owns the spawned tasks (and aborts them when dropped).
//! `cargo kata verify` requires it to score 100%, proving the hidden tests check behaviour
//! rather than the reference's structure.

use std::fmt;
use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

/// The error of a call with an unusable limit.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LimitError {
    /// A limit of 0 would never start anything.
    Zero,
}

impl fmt::Display for LimitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("limit must be positive")
    }
}

impl std::error::Error for LimitError {}

/// A file that could not be read, with its path.
#[derive(Debug)]
#[non_exhaustive]
pub struct FileError {
    /// The path as given.
    pub path: PathBuf,
    /// What went wrong.
    pub source: io::Error,
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.source)
    }
}

impl std::error::Error for FileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// Runs `f` on every item, at most `limit` at a time, outputs in input order.
///
/// # Errors
///
/// [`LimitError::Zero`] when `limit` is 0.
pub async fn map_with_limit<I, F, Fut>(items: I, limit: usize, mut f: F) -> Result<Vec<Fut::Output>, LimitError>
where
    I: IntoIterator,
    F: FnMut(I::Item) -> Fut,
    Fut: Future + Send + 'static,
    Fut::Output: Send + 'static,
{
    if limit == 0 {
        return Err(LimitError::Zero);
    }
    // A semaphore holds at most MAX_PERMITS; more slots than that are no limit at all.
    let permits = Arc::new(Semaphore::new(limit.min(Semaphore::MAX_PERMITS)));
    let mut tasks = JoinSet::new();
    let mut count = 0;
    for (index, item) in items.into_iter().enumerate() {
        let permit = Arc::clone(&permits).acquire_owned().await.expect("the semaphore is never closed");
        let future = f(item);
        tasks.spawn(async move {
            let output = future.await;
            drop(permit);
            (index, output)
        });
        count += 1;
    }
    let mut outputs: Vec<Option<Fut::Output>> = (0..count).map(|_| None).collect();
    while let Some(joined) = tasks.join_next().await {
        let (index, output) = joined.expect("a task panicked");
        outputs[index] = Some(output);
    }
    Ok(outputs.into_iter().map(|o| o.expect("every task finished")).collect())
}

/// Reads every file as UTF-8, at most `limit` at a time, results in input order.
///
/// # Errors
///
/// [`LimitError::Zero`] when `limit` is 0.
pub async fn read_files_with_limit<P: AsRef<Path>>(
    paths: impl IntoIterator<Item = P>,
    limit: usize,
) -> Result<Vec<Result<String, FileError>>, LimitError> {
    let paths: Vec<PathBuf> = paths.into_iter().map(|p| p.as_ref().to_owned()).collect();
    map_with_limit(paths, limit, |path| async move {
        let bytes = tokio::fs::read(&path).await.map_err(|source| FileError { path: path.clone(), source })?;
        String::from_utf8(bytes).map_err(|e| FileError {
            path,
            source: io::Error::new(io::ErrorKind::InvalidData, e),
        })
    })
    .await
}
