//! Kata 04, a correct answer written differently from the reference: each file is written
//! and hashed by a blocking thread (`spawn_blocking`) fed through a bounded channel, with a
//! `std::io::BufWriter`; names are claimed with `create_new` and a retry; each file owns
//! its own clean-up guard. Progress is a `Meter` that keeps the figure at which the next
//! report is due and holds the request's outcome, sent once from its `Drop` — whichever
//! way the handler ends, returning or dropped. `cargo kata verify` requires it to score 100%.

use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

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

/// The router: `POST /upload` with `multipart/form-data`.
pub fn router(config: UploadConfig) -> Router {
    Router::new()
        .route("/upload", post(handle))
        .layer(DefaultBodyLimit::disable())
        .with_state(Arc::new(config))
}

/// A path removed on drop unless kept.
struct Owned {
    path: PathBuf,
    keep: bool,
}

impl Drop for Owned {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

fn fail(status: StatusCode, message: impl std::fmt::Display) -> Response {
    (status, Json(serde_json::json!({ "error": message.to_string() }))).into_response()
}

fn clean(name: &str) -> String {
    let base = match name.rfind(['/', '\\']) {
        Some(i) => &name[i + 1..],
        None => name,
    };
    let mut out = String::new();
    for c in base.chars() {
        if out.len() >= 80 {
            break;
        }
        if c.is_ascii_alphanumeric() || c == '-' || c == '_' || (c == '.' && !out.is_empty()) {
            out.push(c);
        } else if c != '.' {
            out.push('-');
        }
    }
    if out.is_empty() { "upload".into() } else { out }
}

static NEXT: AtomicU64 = AtomicU64::new(1);

/// Claims a fresh temporary name in the folder by creating it (`create_new` fails if the
/// name exists).
fn claim(dir: &std::path::Path, prefix: &str, name: &str) -> std::io::Result<(String, std::fs::File)> {
    loop {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let candidate = format!("{prefix}{n:06}_{name}");
        match std::fs::File::create_new(dir.join(&candidate)) {
            Ok(file) => return Ok((candidate, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}

/// One request's progress: reports every `every` bytes, and its outcome when dropped.
struct Meter {
    sink: Option<ProgressSink>,
    upload: u64,
    body_length: Option<u64>,
    received: u64,
    next_at: u64,
    /// What the final report will say; a request dropped mid-way lost its client.
    outcome: ProgressStatus,
}

static UPLOADS: AtomicU64 = AtomicU64::new(1);

impl Meter {
    fn new(sink: Option<ProgressSink>, headers: &HeaderMap) -> Meter {
        let every = sink.as_ref().map_or(0, |sink| sink.every);
        Meter {
            sink,
            upload: UPLOADS.fetch_add(1, Ordering::Relaxed),
            body_length: headers
                .get("content-length")
                .and_then(|v| v.to_str().ok()?.parse().ok()),
            received: 0,
            next_at: every,
            outcome: ProgressStatus::Disconnected,
        }
    }

    fn add(&mut self, bytes: u64) {
        self.received += bytes;
        if self.received >= self.next_at {
            self.report(ProgressStatus::Receiving);
            let every = self.sink.as_ref().map_or(0, |sink| sink.every);
            self.next_at = self.received.saturating_add(every);
        }
    }

    fn report(&self, status: ProgressStatus) {
        if let Some(sink) = &self.sink {
            let _ = sink.sender.send(Progress {
                upload: self.upload,
                received: self.received,
                body_length: self.body_length,
                status,
            });
        }
    }

    /// Ends the request with an answer: the report goes out now, before the response.
    fn answer(mut self, status: ProgressStatus, response: Response) -> Response {
        self.outcome = status;
        drop(self);
        response
    }
}

impl Drop for Meter {
    fn drop(&mut self) {
        self.report(self.outcome);
    }
}

async fn handle(
    State(config): State<Arc<UploadConfig>>,
    headers: HeaderMap,
    form: Multipart,
) -> Response {
    let mut meter = Meter::new(config.progress.clone(), &headers);
    match receive(&config, form, &mut meter).await {
        Ok(response) => meter.answer(ProgressStatus::Done, response),
        Err(Failed::Answer(response)) => meter.answer(ProgressStatus::Rejected, response),
        // The body could not be read: nobody is left to answer; the meter says so.
        Err(Failed::Gone) => StatusCode::BAD_REQUEST.into_response(),
    }
}

/// How a request failed.
enum Failed {
    /// An error answer for the client.
    Answer(Response),
    /// The connection broke while the body was read.
    Gone,
}

impl From<Response> for Failed {
    fn from(response: Response) -> Failed {
        Failed::Answer(response)
    }
}

fn form_error(e: axum::extract::multipart::MultipartError) -> Failed {
    // axum gives a malformed or refused body a 4xx, and a body it could not read a 5xx.
    if e.status().is_client_error() {
        Failed::Answer(fail(e.status(), e.body_text()))
    } else {
        Failed::Gone
    }
}

async fn receive(
    config: &UploadConfig,
    mut form: Multipart,
    meter: &mut Meter,
) -> Result<Response, Failed> {
    let mut kept: Vec<Owned> = Vec::new();
    let mut files = Vec::new();
    let mut total = 0u64;
    loop {
        let mut field = match form.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => return Err(form_error(e)),
        };
        let original_name = field.file_name().map(str::to_owned).unwrap_or_default();
        let content_type = field.content_type().map(str::to_owned);
        let (temp_name, file) = match claim(&config.dir, ".incoming-", "part") {
            Ok(claimed) => claimed,
            Err(e) => return Err(fail(StatusCode::INTERNAL_SERVER_ERROR, e).into()),
        };
        let temp = Owned {
            path: config.dir.join(temp_name),
            keep: false,
        };
        let (tx, mut rx) = tokio::sync::mpsc::channel::<axum::body::Bytes>(8);
        let writer = tokio::task::spawn_blocking(move || -> std::io::Result<(u64, String)> {
            let mut out = std::io::BufWriter::with_capacity(256 * 1024, file);
            let mut sha = Sha256::new();
            let mut size = 0;
            while let Some(bytes) = rx.blocking_recv() {
                sha.update(&bytes);
                out.write_all(&bytes)?;
                size += bytes.len() as u64;
            }
            out.into_inner().map_err(|e| e.into_error())?.sync_data()?;
            Ok((size, hex(&sha.finalize())))
        });
        let mut size = 0u64;
        loop {
            let bytes = match field.chunk().await {
                Ok(Some(bytes)) => bytes,
                Ok(None) => break,
                Err(e) => return Err(form_error(e)),
            };
            size += bytes.len() as u64;
            total += bytes.len() as u64;
            if size > config.max_file_bytes || total > config.max_total_bytes {
                return Err(fail(StatusCode::PAYLOAD_TOO_LARGE, "upload too large").into());
            }
            let len = bytes.len() as u64;
            if tx.send(bytes).await.is_err() {
                break;
            }
            meter.add(len);
        }
        drop(tx);
        let (size, sha256) = match writer.await {
            Ok(Ok(done)) => done,
            Ok(Err(e)) => return Err(fail(StatusCode::INTERNAL_SERVER_ERROR, e).into()),
            Err(e) => return Err(fail(StatusCode::INTERNAL_SERVER_ERROR, e).into()),
        };
        // Link the complete file under a fresh final name: `hard_link` refuses an existing
        // name, so no other upload is ever overwritten and no half file is ever visible.
        let stored_name = loop {
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let candidate = format!("{n:06}_{}", clean(&original_name));
            match std::fs::hard_link(&temp.path, config.dir.join(&candidate)) {
                Ok(()) => break candidate,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(fail(StatusCode::INTERNAL_SERVER_ERROR, e).into()),
            }
        };
        let stored = Owned {
            path: config.dir.join(&stored_name),
            keep: false,
        };
        drop(temp);
        kept.push(stored);
        files.push(StoredFile {
            original_name,
            stored_name,
            size,
            content_type,
            sha256,
        });
    }
    for file in &mut kept {
        file.keep = true;
    }
    Ok(Json(UploadResponse { files }).into_response())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
