//! Kata 04: a streaming file upload.
//!
//! Serve `POST /upload` taking `multipart/form-data`. Every part of the form is a file:
//! store it in the upload folder and answer `200` with JSON `{"files": [...]}` describing
//! each one ([`UploadResponse`]). The rules:
//!
//! - **Stream.** Never hold a whole file in memory: write each piece to disk as it
//!   arrives, computing its SHA-256 on the way. A 256 MiB upload may grow the heap by a
//!   few MiB of buffers (under 32 MiB), never by the file.
//! - **Safe, unique names.** The client's file name is data, not a path. The stored name
//!   is a plain file name (no `/`, `\`, NUL, no leading `.`, at most 255 bytes) inside the
//!   upload folder, different for every upload, even of the same name at the same moment,
//!   and from the files already there: a restarted server never overwrites an earlier
//!   run's files. Nothing is ever written outside the folder.
//! - **Limits.** A file larger than `max_file_bytes`, or files adding up to more than
//!   `max_total_bytes` in one request, get `413 Payload Too Large` — and the request leaves
//!   no file behind, not even its earlier, complete files. Only the files' content counts,
//!   not the multipart headers and boundaries; exactly the limit is allowed. (axum's own
//!   2 MiB default body limit must not get in the way.)
//! - **All or nothing, whatever happens.** A body that is not valid multipart is a `400`
//!   (or another 4xx). A body cut off before its end, or a client that disconnects
//!   mid-upload, leaves nothing behind — whether the handler's next read of the body fails
//!   or its future is dropped mid-`.await` (the connection torn down); its answer, if anyone
//!   is left to read it, may be any 4xx or 5xx. A form with no parts stores nothing: answer
//!   `200` with no files, or a 4xx.
//! - **Visible only when complete.** While a file arrives it lives under a hidden
//!   temporary name (starting with `.`) in the upload folder; it gets its final name once
//!   complete and flushed (`flush` is enough, no `sync_all` needed) — at once, or when the
//!   whole request has succeeded — and always before the response is sent.
//! - **Progress** (stage 4). When `config.progress` is `Some(sink)`, every request the
//!   handler reads as multipart sends [`Progress`] reports on `sink.sender`, all carrying
//!   the request's `upload` number and its declared `body_length`:
//!   - `received` counts the bytes of file content read so far in the request, all its
//!     files together (not the form's part headers and boundaries). It never decreases.
//!   - A [`ProgressStatus::Receiving`] report is sent after a chunk of content has been
//!     read exactly when `received` is then at least `sink.every` bytes above the figure of
//!     the request's previous report (0 before the first): at most one per chunk,
//!     however small the client's chunks, so with `every` > 0 a request of `received`
//!     bytes has at most `received / every` of them, their figures `every` or more apart.
//!   - Then exactly one final report, the request's last: [`ProgressStatus::Done`] when the
//!     answer is `200`, its `received` equal to the bytes stored (the sum of the response's
//!     `size`s); [`ProgressStatus::Rejected`] when the server refuses or fails the upload
//!     with an error status while the client is there (over a limit, a body that ended but
//!     is not valid multipart, a file that could not be stored). Both are sent before the
//!     response. [`ProgressStatus::Disconnected`] when the client went away before the end
//!     of the body (reading the body fails, or the handler's future is dropped), sent as
//!     soon as the server notices — never `Done`, never `Rejected`, never nothing.
//!
//!   Without a `Content-Length` (a chunked body) the total is unknown: `body_length` is
//!   `None`. A request whose `Content-Type` is not multipart may send nothing or one
//!   `Rejected` report.
//!
//! Every `// TODO:` marks a place to write code. Run the examples with
//! `cargo test -p upload`; `cargo kata grade upload` grades the kata.

use axum::Router;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

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
    // TODO: route `POST /upload` to a handler taking `State` and
    // `axum::extract::Multipart`; lift axum's default body limit; stream each field with
    // `field.chunk()` into a temporary file and a `sha2::Sha256`; rename when complete.
    // TODO (stage 4): report progress on `config.progress`; the final report of a request
    // that ends without one (its future dropped) belongs in a `Drop`.
    let _ = config;
    todo!()
}
