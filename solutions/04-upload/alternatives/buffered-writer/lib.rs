//! Kata 04, a correct answer written differently from the reference: each file is written
//! and hashed by a blocking thread (`spawn_blocking`) fed through a bounded channel, with a
//! `std::io::BufWriter`; names are claimed with `create_new` and a retry; each file owns
//! its own clean-up guard. `cargo kata verify` requires it to score 100%.

use axum::extract::{DefaultBodyLimit, Multipart, State};
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

async fn handle(State(config): State<Arc<UploadConfig>>, mut form: Multipart) -> Response {
    let mut kept: Vec<Owned> = Vec::new();
    let mut files = Vec::new();
    let mut total = 0u64;
    loop {
        let mut field = match form.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => return fail(StatusCode::BAD_REQUEST, e.body_text()),
        };
        let original_name = field.file_name().map(str::to_owned).unwrap_or_default();
        let content_type = field.content_type().map(str::to_owned);
        let (temp_name, file) = match claim(&config.dir, ".incoming-", "part") {
            Ok(claimed) => claimed,
            Err(e) => return fail(StatusCode::INTERNAL_SERVER_ERROR, e),
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
                Err(e) => return fail(StatusCode::BAD_REQUEST, e.body_text()),
            };
            size += bytes.len() as u64;
            total += bytes.len() as u64;
            if size > config.max_file_bytes || total > config.max_total_bytes {
                return fail(StatusCode::PAYLOAD_TOO_LARGE, "upload too large");
            }
            if tx.send(bytes).await.is_err() {
                break;
            }
        }
        drop(tx);
        let (size, sha256) = match writer.await {
            Ok(Ok(done)) => done,
            Ok(Err(e)) => return fail(StatusCode::INTERNAL_SERVER_ERROR, e),
            Err(e) => return fail(StatusCode::INTERNAL_SERVER_ERROR, e),
        };
        // Link the complete file under a fresh final name: `hard_link` refuses an existing
        // name, so no other upload is ever overwritten and no half file is ever visible.
        let stored_name = loop {
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let candidate = format!("{n:06}_{}", clean(&original_name));
            match std::fs::hard_link(&temp.path, config.dir.join(&candidate)) {
                Ok(()) => break candidate,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return fail(StatusCode::INTERNAL_SERVER_ERROR, e),
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
    Json(UploadResponse { files }).into_response()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
