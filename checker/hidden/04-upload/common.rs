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
