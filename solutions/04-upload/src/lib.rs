// STUB: //! Kata 04: a streaming file upload.
// STUB: //!
// STUB: //! Serve `POST /upload` taking `multipart/form-data`. Every part of the form is a file:
// STUB: //! store it in the upload folder and answer `200` with JSON `{"files": [...]}` describing
// STUB: //! each one ([`UploadResponse`]). The rules:
// STUB: //!
// STUB: //! - **Stream.** Never hold a whole file in memory: write each piece to disk as it
// STUB: //!   arrives, computing its SHA-256 on the way. A 256 MiB upload may grow the heap by a
// STUB: //!   few MiB of buffers (under 32 MiB), never by the file.
// STUB: //! - **Safe, unique names.** The client's file name is data, not a path. The stored name
// STUB: //!   is a plain file name (no `/`, `\`, NUL, no leading `.`, at most 255 bytes) inside the
// STUB: //!   upload folder, different for every upload, even of the same name at the same moment,
// STUB: //!   and from the files already there: a restarted server never overwrites an earlier
// STUB: //!   run's files. Nothing is ever written outside the folder.
// STUB: //! - **Limits.** A file larger than `max_file_bytes`, or files adding up to more than
// STUB: //!   `max_total_bytes` in one request, get `413 Payload Too Large` — and the request leaves
// STUB: //!   no file behind, not even its earlier, complete files. Only the files' content counts,
// STUB: //!   not the multipart headers and boundaries; exactly the limit is allowed. (axum's own
// STUB: //!   2 MiB default body limit must not get in the way.)
// STUB: //! - **All or nothing, whatever happens.** A body that is not valid multipart is a `400`
// STUB: //!   (or another 4xx). A body cut off before its end, or a client that disconnects
// STUB: //!   mid-upload, leaves nothing behind — whether the handler's next read of the body fails
// STUB: //!   or its future is dropped mid-`.await` (the connection torn down); its answer, if anyone
// STUB: //!   is left to read it, may be any 4xx or 5xx. A form with no parts stores nothing: answer
// STUB: //!   `200` with no files, or a 4xx.
// STUB: //! - **Visible only when complete.** While a file arrives it lives under a hidden
// STUB: //!   temporary name (starting with `.`) in the upload folder; it gets its final name once
// STUB: //!   complete and flushed (`flush` is enough, no `sync_all` needed) — at once, or when the
// STUB: //!   whole request has succeeded — and always before the response is sent.
// STUB: //! - **Progress** (stage 4). When `config.progress` is `Some(sink)`, every request the
// STUB: //!   handler reads as multipart sends [`Progress`] reports on `sink.sender`, all carrying
// STUB: //!   the request's `upload` number and its declared `body_length`:
// STUB: //!   - `received` counts the bytes of file content read so far in the request, all its
// STUB: //!     files together (not the form's part headers and boundaries). It never decreases.
// STUB: //!   - A [`ProgressStatus::Receiving`] report is sent after a chunk of content has been
// STUB: //!     read exactly when `received` is then at least `sink.every` bytes above the figure of
// STUB: //!     the request's previous report (0 before the first): at most one per chunk,
// STUB: //!     however small the client's chunks, so with `every` > 0 a request of `received`
// STUB: //!     bytes has at most `received / every` of them, their figures `every` or more apart.
// STUB: //!   - Then exactly one final report, the request's last: [`ProgressStatus::Done`] when the
// STUB: //!     answer is `200`, its `received` equal to the bytes stored (the sum of the response's
// STUB: //!     `size`s); [`ProgressStatus::Rejected`] when the server refuses or fails the upload
// STUB: //!     with an error status while the client is there (over a limit, a body that ended but
// STUB: //!     is not valid multipart, a file that could not be stored). Both are sent before the
// STUB: //!     response. [`ProgressStatus::Disconnected`] when the client went away before the end
// STUB: //!     of the body (reading the body fails, or the handler's future is dropped), sent as
// STUB: //!     soon as the server notices — never `Done`, never `Rejected`, never nothing.
// STUB: //!
// STUB: //!   Without a `Content-Length` (a chunked body) the total is unknown: `body_length` is
// STUB: //!   `None`. A request whose `Content-Type` is not multipart may send nothing or one
// STUB: //!   `Rejected` report.
// STUB: //!
// STUB: //! Every `// TODO:` marks a place to write code. Run the examples with
// STUB: //! `cargo test -p upload`; `cargo kata grade upload` grades the kata.
// BEGIN SOLUTION
//! Kata 04 reference solution: `POST /upload` streams every part of a multipart form to
//! disk while hashing it with SHA-256, and answers with what it stored.
//!
//! Each file is written to a hidden temporary file in the upload folder and renamed to its
//! final, unique, sanitised name only once it is complete and flushed, before the response
//! is sent. Everything the request created is removed by `Drop` guards unless the request
//! succeeds: a size limit, a malformed body, or a client that disconnects (the next read
//! fails, or the handler's future is dropped) leaves nothing behind.
//!
//! Progress goes through a [`Reporter`] owned by the handler: it sends a report each time
//! the request's count of file bytes has grown by the configured step, one final report
//! when the handler knows its answer, and — from `Drop`, when the handler ended without
//! one — `Disconnected`, the only way a dropped future can still say what happened.
// END SOLUTION

// STUB: use axum::Router;
// BEGIN SOLUTION
use axum::extract::multipart::{Multipart, MultipartError};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
// END SOLUTION
use serde::{Deserialize, Serialize};
// STUB: use std::path::PathBuf;
// BEGIN SOLUTION
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::io::AsyncWriteExt;
// END SOLUTION

/// Where uploads go and how big they may be.
#[derive(Debug, Clone)]
pub struct UploadConfig {
    /// The upload folder; it must exist (when it does not, creating it or answering every
    /// upload with any 4xx or 5xx are both fine). Nothing is ever written outside it.
    pub dir: PathBuf,
    /// The largest file accepted, in bytes.
    pub max_file_bytes: u64,
    /// The most bytes of files accepted in one request.
    pub max_total_bytes: u64,
    /// Where to report each upload's progress, and how often (stage 4); `None` reports
    /// nothing.
    pub progress: Option<ProgressSink>,
}

/// Where the progress of every upload is reported, and how often.
#[derive(Debug, Clone)]
pub struct ProgressSink {
    /// Receives every report of every request. The server never waits for the receiver;
    /// once it is gone, uploads go on unreported (a failed send is not an error).
    pub sender: tokio::sync::mpsc::UnboundedSender<Progress>,
    /// The least growth of `received`, in bytes, between two reports of one request while
    /// it is `Receiving` (0: a report after every chunk).
    pub every: u64,
}

/// One report about one upload request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Which request: the same in all of its reports, different from every other request
    /// this process has served.
    pub upload: u64,
    /// Bytes of file content read so far in this request, all its files together; in a
    /// `Done` report, the bytes stored.
    pub received: u64,
    /// The request body's length as its `Content-Length` header declared it (part headers
    /// and boundaries included, so more than the files' bytes), or `None` when it declared
    /// none (a chunked body): the total is then unknown. The same in every report of the
    /// request.
    pub body_length: Option<u64>,
    /// Where the upload stands.
    pub status: ProgressStatus,
}

/// Where an upload stands in a [`Progress`] report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressStatus {
    /// The body is still arriving.
    Receiving,
    /// Final: every file is stored and the answer is `200`.
    Done,
    /// Final: the server refused or failed the upload (an error status; nothing stored).
    Rejected,
    /// Final: the client went away before the end of the body (nothing stored).
    Disconnected,
}

/// One stored file, as the response reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredFile {
    /// The file name the client sent, as the multipart parser reads the `filename`
    /// parameter (axum's `Field::file_name`); empty when there is none it can read.
    pub original_name: String,
    /// The name it is stored under in the upload folder: unique and safe.
    pub stored_name: String,
    /// Its size in bytes.
    pub size: u64,
    /// The part's `Content-Type`, if it had one: as sent, or as axum's
    /// `Field::content_type` normalises it (lower-case; `None` when unreadable).
    pub content_type: Option<String>,
    /// SHA-256 of the content, lower-case hex.
    pub sha256: String,
}

/// The JSON body of a successful upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadResponse {
    /// Every file of the request, in the order received.
    pub files: Vec<StoredFile>,
}

/// The router: `POST /upload` with `multipart/form-data`, storing files in `config.dir`.
pub fn router(config: UploadConfig) -> Router {
    // STUB: // TODO: route `POST /upload` to a handler taking `State` and
    // STUB: // `axum::extract::Multipart`; lift axum's default body limit; stream each field with
    // STUB: // `field.chunk()` into a temporary file and a `sha2::Sha256`; rename when complete.
    // STUB: // TODO (stage 4): report progress on `config.progress`; the final report of a request
    // STUB: // that ends without one (its future dropped) belongs in a `Drop`.
    // STUB: let _ = config;
    // STUB: todo!()
    // BEGIN SOLUTION
    Router::new()
        .route("/upload", post(upload))
        // axum refuses bodies over 2 MiB by default; the limits here are our own.
        .layer(DefaultBodyLimit::disable())
        .with_state(Arc::new(config))
    // END SOLUTION
}
// BEGIN SOLUTION

/// A file name that is safe to store: the last component of `name` (after `/` or `\`),
/// with every character other than ASCII letters, digits, `.`, `-` and `_` replaced by `_`,
/// no leading dots, at most 100 bytes, and `file` when nothing is left.
fn sanitize(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let trimmed = cleaned.trim_start_matches('.');
    let short: String = trimmed.chars().take(100).collect();
    if short.is_empty() {
        "file".to_owned()
    } else {
        short
    }
}

/// Why an upload was refused.
#[derive(Debug)]
enum UploadError {
    TooLarge(&'static str),
    BadRequest(String),
    Storage(std::io::Error),
    /// Reading the body failed: the client went away before its end.
    BodyLost(String),
}

impl From<MultipartError> for UploadError {
    fn from(error: MultipartError) -> Self {
        // axum answers a body it could parse but not accept with a 4xx; a failure to read
        // the body at all (the connection closed mid-body) is the one it calls a 5xx.
        if error.status().is_server_error() {
            UploadError::BodyLost(error.body_text())
        } else {
            UploadError::BadRequest(error.body_text())
        }
    }
}

impl From<std::io::Error> for UploadError {
    fn from(error: std::io::Error) -> Self {
        UploadError::Storage(error)
    }
}

impl IntoResponse for UploadError {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            UploadError::TooLarge(what) => (StatusCode::PAYLOAD_TOO_LARGE, what.to_owned()),
            UploadError::BadRequest(why) => (StatusCode::BAD_REQUEST, why),
            UploadError::BodyLost(why) => (StatusCode::BAD_REQUEST, why),
            UploadError::Storage(error) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("could not store the upload: {error}"),
            ),
        };
        (status, Json(serde_json::json!({ "error": message }))).into_response()
    }
}

/// Removes its files when dropped, unless disarmed: the request's clean-up, which runs
/// however the handler ends — an error, or its future dropped mid-`.await`.
#[derive(Default)]
struct Cleanup {
    paths: Vec<PathBuf>,
}

impl Cleanup {
    fn disarm(mut self) {
        self.paths.clear();
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        for path in &self.paths {
            // Synchronous on purpose: a destructor cannot await, and a remove is short.
            let _ = std::fs::remove_file(path);
        }
    }
}

/// A name no other upload of this process has, nor (by its time part) an earlier one.
fn unique(prefix: &str, name: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    format!("{prefix}{nanos:x}-{n}-{name}")
}

/// Reports one request's progress to the configured sink, if any.
struct Reporter {
    sink: Option<ProgressSink>,
    upload: u64,
    body_length: Option<u64>,
    /// The request's bytes of file content read so far.
    received: u64,
    /// The figure of the last report sent (0 before the first).
    reported: u64,
    finished: bool,
}

impl Reporter {
    fn new(sink: Option<ProgressSink>, headers: &HeaderMap) -> Self {
        static UPLOADS: AtomicU64 = AtomicU64::new(0);
        // hyper has already refused a malformed `Content-Length`; a chunked body has none.
        let body_length = headers
            .get(header::CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse().ok());
        Reporter {
            sink,
            upload: UPLOADS.fetch_add(1, Ordering::Relaxed),
            body_length,
            received: 0,
            reported: 0,
            finished: false,
        }
    }

    /// The request has now read `received` bytes of file content in all.
    fn received(&mut self, received: u64) {
        self.received = received;
        let every = self.sink.as_ref().map_or(u64::MAX, |sink| sink.every);
        if self.received >= self.reported.saturating_add(every) {
            self.send(ProgressStatus::Receiving);
        }
    }

    /// Sends the request's final report.
    fn finish(mut self, status: ProgressStatus) {
        self.send(status);
        self.finished = true;
    }

    fn send(&mut self, status: ProgressStatus) {
        self.reported = self.received;
        if let Some(sink) = &self.sink {
            // Nobody listening is not the upload's problem.
            let _ = sink.sender.send(Progress {
                upload: self.upload,
                received: self.reported,
                body_length: self.body_length,
                status,
            });
        }
    }
}

impl Drop for Reporter {
    fn drop(&mut self) {
        // Dropped without a final report: reading the body failed, or the handler's future
        // was dropped mid-`.await` because the connection is gone.
        if !self.finished {
            self.send(ProgressStatus::Disconnected);
        }
    }
}

async fn upload(
    State(config): State<Arc<UploadConfig>>,
    headers: HeaderMap,
    multipart: Multipart,
) -> Result<Json<UploadResponse>, UploadError> {
    let mut progress = Reporter::new(config.progress.clone(), &headers);
    let result = store(&config, multipart, &mut progress).await;
    match &result {
        Ok(_) => progress.finish(ProgressStatus::Done),
        // Left to the reporter's `Drop`, like a dropped future.
        Err(UploadError::BodyLost(_)) => {}
        Err(_) => progress.finish(ProgressStatus::Rejected),
    }
    result.map(Json)
}

/// Stores every file of the form, or nothing.
async fn store(
    config: &UploadConfig,
    mut multipart: Multipart,
    progress: &mut Reporter,
) -> Result<UploadResponse, UploadError> {
    let mut cleanup = Cleanup::default();
    let mut files = Vec::new();
    let mut total = 0u64;
    while let Some(mut field) = multipart.next_field().await? {
        let original_name = field.file_name().unwrap_or_default().to_owned();
        let content_type = field.content_type().map(str::to_owned);
        let stored_name = unique("", &sanitize(&original_name));
        let temp = config.dir.join(unique(".partial-", "upload"));
        cleanup.paths.push(temp.clone());
        let mut file = tokio::fs::File::create_new(&temp).await?;
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        while let Some(chunk) = field.chunk().await? {
            size += chunk.len() as u64;
            total += chunk.len() as u64;
            if size > config.max_file_bytes {
                return Err(UploadError::TooLarge("a file is larger than the limit"));
            }
            if total > config.max_total_bytes {
                return Err(UploadError::TooLarge("the files are larger than the limit"));
            }
            hasher.update(&chunk);
            file.write_all(&chunk).await?;
            progress.received(total);
        }
        // tokio's file writes in the background: flush waits for every byte to land.
        file.flush().await?;
        drop(file);
        let target = final_path(&config.dir, &stored_name);
        tokio::fs::rename(&temp, &target).await?;
        cleanup.paths.pop();
        cleanup.paths.push(target);
        files.push(StoredFile {
            original_name,
            stored_name,
            size,
            content_type,
            sha256: format!("{:x}", hasher.finalize()),
        });
    }
    cleanup.disarm();
    Ok(UploadResponse { files })
}

fn final_path(dir: &Path, stored_name: &str) -> PathBuf {
    dir.join(stored_name)
}
// END SOLUTION
