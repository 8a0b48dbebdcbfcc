//! Kata 04 reference solution: `POST /upload` streams every part of a multipart form to
//! disk while hashing it with SHA-256, and answers with what it stored.
//!
//! Each file is written to a hidden temporary file in the upload folder and renamed to its
//! final, unique, sanitised name only once it is complete and flushed, before the response
//! is sent. Everything the request created is removed by `Drop` guards unless the request
//! succeeds: a size limit, a malformed body, or a client that disconnects (the next read
//! fails, or the handler's future is dropped) leaves nothing behind.

use axum::extract::multipart::{Multipart, MultipartError};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::io::AsyncWriteExt;

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
        .route("/upload", post(upload))
        // axum refuses bodies over 2 MiB by default; the limits here are our own.
        .layer(DefaultBodyLimit::disable())
        .with_state(Arc::new(config))
}

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
}

impl From<MultipartError> for UploadError {
    fn from(error: MultipartError) -> Self {
        UploadError::BadRequest(error.body_text())
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

async fn upload(
    State(config): State<Arc<UploadConfig>>,
    mut multipart: Multipart,
) -> Result<Json<UploadResponse>, UploadError> {
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
    Ok(Json(UploadResponse { files }))
}

fn final_path(dir: &Path, stored_name: &str) -> PathBuf {
    dir.join(stored_name)
}
