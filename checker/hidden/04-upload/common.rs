// Shared by the stages of kata 04: the kata's router served on 127.0.0.1 with its upload
// folder inside a temporary root, and a listing of that folder. Compiled as
// `crate::common` beside the stage modules.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use upload::{UploadConfig, router};

/// Serves the kata's router on 127.0.0.1 with its upload folder inside a temporary root.
pub async fn serve(
    max_file_bytes: u64,
    max_total_bytes: u64,
) -> (SocketAddr, tempfile::TempDir, PathBuf) {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("uploads");
    std::fs::create_dir(&dir).unwrap();
    let addr = serve_in(&dir, max_file_bytes, max_total_bytes).await;
    (addr, root, dir)
}

/// Serves a new router of the kata on 127.0.0.1 over an upload folder that already exists.
pub async fn serve_in(dir: &Path, max_file_bytes: u64, max_total_bytes: u64) -> SocketAddr {
    serve_config(UploadConfig {
        dir: dir.to_path_buf(),
        max_file_bytes,
        max_total_bytes,
        progress: None,
    })
    .await
}

/// Serves a router of the kata made from `config` on 127.0.0.1.
pub async fn serve_config(config: UploadConfig) -> SocketAddr {
    let app = router(config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

pub fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Starts a `POST /upload` on the kata's router itself, with no server and no socket in
/// between, in a task of its own: the body is `sent`, then it never ends (nor fails).
/// Aborting the returned task drops the handler's future mid-upload, as a server does
/// when the connection is torn down — the handler never sees a read error.
pub fn upload_that_never_ends(
    config: UploadConfig,
    sent: Vec<u8>,
    content_length: u64,
) -> tokio::task::JoinHandle<()> {
    use futures::StreamExt;
    use kata_support::http::{self, multipart};
    use tower::ServiceExt;
    let body = futures::stream::iter([Ok(sent.into())]).chain(futures::stream::pending());
    let mut request = multipart::post("/upload", http::streamed(body));
    request
        .headers_mut()
        .insert(http::hyper_header("content-length"), content_length.into());
    tokio::spawn(async move {
        let response = router(config).oneshot(request).await;
        panic!(
            "the upload was answered although its body never ended: {:?}",
            response.map(|response| response.status())
        );
    })
}

/// Aborts the task of [`upload_that_never_ends`] and waits until its future is dropped.
pub async fn drop_the_handler(task: tokio::task::JoinHandle<()>) {
    task.abort();
    let end = task.await.expect_err("the upload's task was aborted");
    assert!(
        end.is_cancelled(),
        "the upload's task ended otherwise: {end}"
    );
}
