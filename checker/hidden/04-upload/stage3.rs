// Stage 3 — streaming for real: a 256 MiB upload keeps the process's peak heap within a few
// MiB (a counting allocator measures it), a client that disconnects mid-upload leaves no
// file behind (whether the handler sees a read error or its future is dropped), and a file
// is written under a hidden temporary name while it arrives and appears under its final
// name only when complete — before the response is sent.
//
// This file installs the test binary's global allocator, so it counts every allocation
// of the process; the other stages' tests allocate little.

use crate::common::{drop_the_handler, names_in, serve, upload_that_never_ends};
use futures::StreamExt;
use kata_support::graded_async;
use kata_support::http::{self, Connection, multipart};
use sha2::{Digest, Sha256};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use upload::UploadConfig;

/// The system allocator, counting the bytes in use and their peak.
struct Counting;

static IN_USE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is passed on.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            let now = IN_USE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        ptr
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract is passed on.
        unsafe { System.dealloc(ptr, layout) };
        IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract is passed on.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            if new_size >= layout.size() {
                let grow = new_size - layout.size();
                let now = IN_USE.fetch_add(grow, Ordering::Relaxed) + grow;
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                IN_USE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Waits until `condition` holds: the server reacts on its own tasks (to a disconnect,
/// to data arriving), so the test looks again every few milliseconds. The verdict never
/// depends on how long this takes; only the checker's time limit ends a wait that never
/// succeeds.
async fn eventually(what: &str, mut condition: impl FnMut() -> bool) {
    for _ in 0..4000 {
        if condition() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("still not the case after 20 s: {what}");
}

const MIB: usize = 1024 * 1024;
const CHUNK: usize = 64 * 1024;

/// Chunk `i` of a large test file: 64 KiB of a pattern that differs from chunk to chunk.
fn chunk(i: usize) -> Vec<u8> {
    (0..CHUNK).map(|j| (i * 7 + j / 3) as u8).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_256_mib_upload_keeps_the_heap_flat() {
    graded_async(async {
        let (addr, _root, dir) = serve(1024 * MIB as u64, 1024 * MIB as u64).await;
        let chunks = 256 * MIB / CHUNK;
        let mut expected = Sha256::new();
        for i in 0..chunks {
            expected.update(chunk(i));
        }
        let expected = format!("{:x}", expected.finalize());

        let head = multipart::part_head(Some(b"huge.bin"), Some("application/octet-stream"));
        let body = futures::stream::iter(
            std::iter::once(head)
                .chain((0..chunks).map(chunk))
                .chain(std::iter::once(multipart::closing())),
        )
        .map(|bytes| Ok(bytes.into()));
        let request = multipart::post("/upload", http::streamed(body));

        let baseline = IN_USE.load(Ordering::Relaxed);
        PEAK.store(baseline, Ordering::Relaxed);
        let response = http::send(addr, request).await.unwrap();
        let peak = PEAK.load(Ordering::Relaxed).saturating_sub(baseline);

        assert_eq!(response.status, 200, "body: {}", response.text());
        let file = &response.json()["files"][0];
        assert_eq!(file["size"], 256 * MIB);
        assert_eq!(file["sha256"], expected.as_str());
        let stored = file["stored_name"].as_str().unwrap();
        assert_eq!(
            std::fs::metadata(dir.join(stored)).unwrap().len(),
            256 * MIB as u64
        );
        assert!(
            peak < 32 * MIB,
            "the heap grew by {} MiB while 256 MiB were uploaded: the file must be streamed \
             to disk, not collected in memory",
            peak / MIB
        );
    })
    .await;
}

#[tokio::test]
async fn a_client_that_disconnects_mid_upload_leaves_no_file() {
    graded_async(async {
        let (addr, _root, dir) = serve(64 * MIB as u64, 64 * MIB as u64).await;
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let head = format!(
            "POST /upload HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {}\r\n\
             Content-Length: {}\r\n\r\n",
            multipart::content_type(),
            32 * MIB
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        stream
            .write_all(&multipart::part_head(Some(b"cut.bin"), None))
            .await
            .unwrap();
        for i in 0..16 {
            stream.write_all(&chunk(i)).await.unwrap();
        }
        stream.flush().await.unwrap();
        eventually("the upload is being written to the upload folder", || {
            !names_in(&dir).is_empty()
        })
        .await;
        drop(stream);
        eventually(
            "the partial file is removed once the client has gone (clean up in Drop: the \
             handler gets a read error, or its future is dropped and never resumed)",
            || names_in(&dir).is_empty(),
        )
        .await;
    })
    .await;
}

#[tokio::test]
async fn a_handler_dropped_mid_upload_leaves_no_file() {
    graded_async(async {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("uploads");
        std::fs::create_dir(&dir).unwrap();
        let config = UploadConfig {
            dir: dir.clone(),
            max_file_bytes: 64 * MIB as u64,
            max_total_bytes: 64 * MIB as u64,
            progress: None,
        };
        // A complete first file, then the start of a second one; the body never ends.
        let mut sent = multipart::part_head(Some(b"first.bin"), None);
        sent.extend_from_slice(&chunk(0));
        sent.extend_from_slice(multipart::PART_END);
        sent.extend_from_slice(&multipart::part_head(Some(b"second.bin"), None));
        sent.extend_from_slice(&chunk(1));
        let task = upload_that_never_ends(config, sent, 4 * MIB as u64);
        eventually(
            "both files of the request are being written to the upload folder",
            || names_in(&dir).len() == 2,
        )
        .await;
        // The connection is torn down: the handler's future is dropped mid-`.await`.
        drop_the_handler(task).await;
        eventually(
            "the request's files, the complete one and the partial one, are removed once \
             the handler's future is dropped mid-upload (it never sees a read error, and \
             code after an `.await` never runs: clean up in `Drop`)",
            || names_in(&dir).is_empty(),
        )
        .await;
    })
    .await;
}

#[tokio::test]
async fn a_file_appears_under_its_final_name_only_when_complete() {
    graded_async(async {
        let (addr, _root, dir) = serve(64 * MIB as u64, 64 * MIB as u64).await;
        let (tx, rx) = tokio::sync::mpsc::channel::<Vec<u8>>(4);
        let body = futures::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|bytes| (Ok(bytes.into()), rx))
        });
        let mut conn = Connection::open(addr).await.unwrap();
        let request = multipart::post("/upload", http::streamed(body));
        let response = tokio::spawn(async move { conn.send(request).await });

        let mut sha = Sha256::new();
        tx.send(multipart::part_head(Some(b"report.pdf"), None))
            .await
            .unwrap();
        for i in 0..16 {
            sha.update(chunk(i));
            tx.send(chunk(i)).await.unwrap();
        }
        eventually("the first MiB is written to disk as it arrives", || {
            !names_in(&dir).is_empty()
        })
        .await;
        let partial = names_in(&dir);
        assert!(
            partial.iter().all(|name| name.starts_with('.')),
            "while a file arrives it must have a hidden temporary name (starting with `.`), \
             not its final one: {partial:?}"
        );
        for i in 16..32 {
            sha.update(chunk(i));
            tx.send(chunk(i)).await.unwrap();
        }
        tx.send(multipart::closing()).await.unwrap();
        drop(tx);
        let response = response.await.unwrap().unwrap();
        // Checked the moment the response arrives: the file must already be complete.
        assert_eq!(response.status, 200, "body: {}", response.text());
        let stored = response.json()["files"][0]["stored_name"]
            .as_str()
            .unwrap()
            .to_owned();
        let content = std::fs::read(dir.join(&stored)).unwrap_or_default();
        assert_eq!(
            content.len(),
            2 * MIB,
            "the file must be complete and renamed before the response is sent"
        );
        assert_eq!(
            format!("{:x}", Sha256::digest(&content)),
            format!("{:x}", sha.finalize())
        );
        assert_eq!(names_in(&dir), [stored], "no temporary file is left");
    })
    .await;
}
