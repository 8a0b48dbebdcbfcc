// Stage 3 — the operator's side: a second trigger (a second Ctrl-C) stops waiting at once
// and aborts what is left without running the hooks; SIGTERM starts a graceful shutdown and
// SIGINT after it forces one; hooks are awaited one at a time, never run concurrently.

use axum::Router;
use axum::routing::get;
use graceful_shutdown::{Outcome, Report, ServeConfig, Shutdown, readiness, serve};
use kata_support::graded_async;
use kata_support::http::{self, Connection};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinHandle;

const BODY: usize = 256 * 1024;

/// A server under test: `/slow` waits until the test opens the gate, `/fast` answers at
/// once, `/ready` is the kata's readiness route. (The same fixture opens every stage's
/// file; not every stage uses every field.)
#[allow(dead_code)]
struct Server {
    addr: SocketAddr,
    shutdown: Shutdown,
    started: watch::Receiver<usize>,
    finished: Arc<Mutex<usize>>,
    gate: Arc<Semaphore>,
    report: JoinHandle<std::io::Result<Report>>,
}

impl Server {
    async fn start(shutdown: Shutdown, config: ServeConfig) -> Self {
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
    async fn slow_requests(
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
    async fn refused(&self) {
        for _ in 0..4000 {
            match tokio::net::TcpStream::connect(self.addr).await {
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => return,
                _ => tokio::time::sleep(Duration::from_millis(5)).await,
            }
        }
        panic!("new connections were still accepted 20 s after the shutdown began");
    }
}

#[tokio::test]
async fn a_second_trigger_forces_an_immediate_end() {
    graded_async(async {
        let shutdown = Shutdown::new();
        let ran = Arc::new(Mutex::new(false));
        let flag = ran.clone();
        shutdown.on_shutdown("close the pool", move || async move {
            *flag.lock().unwrap() = true;
        });
        let config = ServeConfig {
            grace: Duration::ZERO,
            deadline: Duration::from_secs(600),
        };
        let mut server = Server::start(shutdown.clone(), config).await;
        let requests = server.slow_requests(2).await;
        shutdown.trigger();
        server.refused().await;
        assert_eq!(shutdown.phase(), graceful_shutdown::Phase::Draining);
        shutdown.trigger();
        assert_eq!(shutdown.phase(), graceful_shutdown::Phase::Forced);
        let report = server.report.await.unwrap().unwrap();
        assert_eq!(report.outcome, Outcome::Forced { aborted: 2 });
        assert_eq!(report.exit_code(), 130);
        assert!(report.hooks_run.is_empty(), "a forced exit skips the hooks");
        assert!(!*ran.lock().unwrap());
        for request in requests {
            assert!(request.await.unwrap().is_err());
        }
    })
    .await;
}

#[tokio::test]
async fn sigterm_drains_and_sigint_forces() {
    graded_async(async {
        let shutdown = Shutdown::new();
        graceful_shutdown::shutdown_on_signals(shutdown.clone()).unwrap();
        let config = ServeConfig {
            grace: Duration::ZERO,
            deadline: Duration::from_secs(600),
        };
        let mut server = Server::start(shutdown.clone(), config).await;
        let _requests = server.slow_requests(1).await;
        // SAFETY: raising a signal whose handler was installed above.
        unsafe { libc::raise(libc::SIGTERM) };
        server.refused().await;
        assert_eq!(shutdown.phase(), graceful_shutdown::Phase::Draining);
        // SAFETY: as above.
        unsafe { libc::raise(libc::SIGINT) };
        let report = server.report.await.unwrap().unwrap();
        assert_eq!(report.outcome, Outcome::Forced { aborted: 1 });
    })
    .await;
}

#[tokio::test]
async fn hooks_are_awaited_one_at_a_time() {
    graded_async(async {
        let shutdown = Shutdown::new();
        let log = Arc::new(Mutex::new(Vec::new()));
        for name in ["a", "b", "c"] {
            let log = log.clone();
            shutdown.on_shutdown(name, move || async move {
                log.lock().unwrap().push(format!("{name} starts"));
                for _ in 0..20 {
                    tokio::task::yield_now().await;
                }
                log.lock().unwrap().push(format!("{name} ends"));
            });
        }
        let server = Server::start(shutdown.clone(), ServeConfig::default()).await;
        shutdown.trigger();
        let report = server.report.await.unwrap().unwrap();
        assert_eq!(report.hooks_run, ["a", "b", "c"]);
        assert_eq!(
            *log.lock().unwrap(),
            [
                "a starts", "a ends", "b starts", "b ends", "c starts", "c ends"
            ],
            "each hook finishes before the next starts, and all before serve returns"
        );
    })
    .await;
}
