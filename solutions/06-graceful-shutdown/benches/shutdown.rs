//! Kata 06's shutdown latency — from the trigger to `serve` returning — with 1, 100 and
//! 1000 idle keep-alive connections open, against `axum::serve(..).with_graceful_shutdown`
//! in the same run. Only the shutdown is timed; opening the connections is not.
//!
//! `cargo bench -p graceful-shutdown-solution --bench shutdown`; the ratio is reference
//! time ÷ peer time.

use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use graceful_shutdown_solution::{ServeConfig, Shutdown, serve};
use kata_support::http::Connection;

fn app() -> axum::Router {
    axum::Router::new().route("/", axum::routing::get(|| async { "ok" }))
}

/// Opens `n` connections that each made one request and now sit idle.
async fn idle_connections(addr: std::net::SocketAddr, n: usize) -> Vec<Connection> {
    let mut connections = Vec::with_capacity(n);
    for _ in 0..n {
        let mut conn = Connection::open(addr).await.expect("connected");
        assert_eq!(conn.get("/").await.expect("a response").status, 200);
        connections.push(conn);
    }
    connections
}

async fn reference(n: usize) -> Duration {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bound");
    let addr = listener.local_addr().expect("an address");
    let shutdown = Shutdown::new();
    let server = tokio::spawn(serve(
        listener,
        app(),
        shutdown.clone(),
        ServeConfig::default(),
    ));
    let _idle = idle_connections(addr, n).await;
    let start = Instant::now();
    shutdown.trigger();
    server.await.expect("no panic").expect("served");
    start.elapsed()
}

async fn peer(n: usize) -> Duration {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bound");
    let addr = listener.local_addr().expect("an address");
    let (trigger, triggered) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(listener, app())
            .with_graceful_shutdown(async {
                let _ = triggered.await;
            })
            .await
    });
    let _idle = idle_connections(addr, n).await;
    let start = Instant::now();
    trigger.send(()).expect("the server is waiting");
    server.await.expect("no panic").expect("served");
    start.elapsed()
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let mut group = c.benchmark_group("shutdown with idle keep-alive connections");
    group.sample_size(10);
    for n in [1usize, 100, 1000] {
        group.bench_with_input(BenchmarkId::new("reference serve", n), &n, |b, &n| {
            b.iter_custom(|iters| (0..iters).map(|_| runtime.block_on(reference(n))).sum())
        });
        group.bench_with_input(BenchmarkId::new("peer axum::serve", n), &n, |b, &n| {
            b.iter_custom(|iters| (0..iters).map(|_| runtime.block_on(peer(n))).sum())
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
