// Shared by the stages of kata 06: a server under test with a gate the test opens.
// Compiled as `crate::common` beside the stage modules (by the checker and by the
// solution's tests/hidden.rs).

use axum::Router;
use axum::routing::get;
use graceful_shutdown::{Report, ServeConfig, Shutdown, readiness, serve};
use kata_support::http::{self, Connection};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinHandle;

pub const BODY: usize = 256 * 1024;

/// A server under test: `/slow` waits until the test opens the gate, `/fast` answers at
/// once, `/ready` is the kata's readiness route. Not every stage uses every field.
#[allow(dead_code)]
pub struct Server {
    pub addr: SocketAddr,
    pub shutdown: Shutdown,
    pub started: watch::Receiver<usize>,
    pub finished: Arc<Mutex<usize>>,
    pub gate: Arc<Semaphore>,
    pub report: JoinHandle<std::io::Result<Report>>,
}

impl Server {
    pub async fn start(shutdown: Shutdown, config: ServeConfig) -> Self {
        let (started_tx, started) = watch::channel(0usize);
        let started_tx = Arc::new(started_tx);
        let finished = Arc::new(Mutex::new(0));
        let gate = Arc::new(Semaphore::new(0));
        let slow = {
            let (gate, finished) = (gate.clone(), finished.clone());
            move || async move {
                started_tx.send_modify(|n| *n += 1);
                gate.acquire().await.unwrap().forget();
                *finished.lock().unwrap() += 1;
                "x".repeat(BODY)
            }
        };
        let app = Router::new()
            .route("/slow", get(slow))
            .route("/fast", get(|| async { "fast" }))
            .merge(readiness(shutdown.clone()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let report = tokio::spawn(serve(listener, app, shutdown.clone(), config));
        Server {
            addr,
            shutdown,
            started,
            finished,
            gate,
            report,
        }
    }

    /// Sends `GET /slow` on `n` connections of their own; returns when all `n` handlers
    /// have started.
    pub async fn slow_requests(
        &mut self,
        n: usize,
    ) -> Vec<JoinHandle<Result<http::Response, http::Error>>> {
        let target = *self.started.borrow() + n;
        let mut requests = Vec::new();
        for _ in 0..n {
            let mut conn = Connection::open(self.addr).await.unwrap();
            requests.push(tokio::spawn(async move { conn.get("/slow").await }));
        }
        self.started.wait_for(|s| *s >= target).await.unwrap();
        requests
    }

    /// Waits until connecting is refused: the listener is closed.
    pub async fn refused(&self) {
        for _ in 0..4000 {
            match tokio::net::TcpStream::connect(self.addr).await {
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => return,
                _ => tokio::time::sleep(Duration::from_millis(5)).await,
            }
        }
        panic!("new connections were still accepted 20 s after the shutdown began");
    }
}
