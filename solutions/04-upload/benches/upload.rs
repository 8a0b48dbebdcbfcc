//! Kata 04's upload throughput against two floors, in the same run: the same bytes written
//! to a file with no HTTP, no multipart parsing and no hashing; and the same with SHA-256. 64 MiB per iteration, sent
//! by a client on the same runtime over loopback.
//!
//! `cargo bench -p upload-solution --bench upload`; the ratio is reference time ÷ floor
//! time.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use futures::StreamExt;
use kata_support::http::{self, multipart};
use tokio::io::AsyncWriteExt;
use upload_solution::{UploadConfig, router};

const CHUNK: usize = 64 * 1024;
const CHUNKS: usize = 1024;

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let folder = tempfile::tempdir().expect("a temporary folder");
    let dir = folder.path().to_owned();
    let addr = runtime.block_on(async {
        let app = router(UploadConfig {
            dir: dir.clone(),
            max_file_bytes: u64::MAX,
            max_total_bytes: u64::MAX,
            progress: None,
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("an address");
        tokio::spawn(async move { axum::serve(listener, app).await });
        addr
    });
    let chunk = bytes::Bytes::from(vec![b'z'; CHUNK]);
    let clear = |dir: &std::path::Path| {
        for entry in std::fs::read_dir(dir).expect("readable") {
            std::fs::remove_file(entry.expect("an entry").path()).expect("removable");
        }
    };

    let mut group = c.benchmark_group("64 MiB upload");
    group.sample_size(10);
    group.throughput(Throughput::Bytes((CHUNK * CHUNKS) as u64));
    group.bench_function("reference POST /upload", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let chunks = std::iter::once(multipart::part_head(Some(b"bench.bin"), None).into())
                    .chain(std::iter::repeat_n(chunk.clone(), CHUNKS))
                    .chain(std::iter::once(multipart::closing().into()));
                let body = http::streamed(futures::stream::iter(chunks).map(Ok));
                let response = http::send(addr, multipart::post("/upload", body))
                    .await
                    .expect("a response");
                assert_eq!(response.status, 200);
            });
            clear(&dir);
        })
    });
    group.bench_function("floor: tokio::fs write, no HTTP", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let mut file = tokio::fs::File::create(dir.join("floor.bin"))
                    .await
                    .expect("created");
                for _ in 0..CHUNKS {
                    file.write_all(&chunk).await.expect("written");
                }
                file.flush().await.expect("flushed");
            });
            clear(&dir);
        })
    });
    group.bench_function("floor + SHA-256: tokio::fs write and hash, no HTTP", |b| {
        b.iter(|| {
            runtime.block_on(async {
                use sha2::Digest;
                let mut sha = sha2::Sha256::new();
                let mut file = tokio::fs::File::create(dir.join("floor.bin"))
                    .await
                    .expect("created");
                for _ in 0..CHUNKS {
                    sha.update(&chunk);
                    file.write_all(&chunk).await.expect("written");
                }
                file.flush().await.expect("flushed");
                std::hint::black_box(sha.finalize());
            });
            clear(&dir);
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
