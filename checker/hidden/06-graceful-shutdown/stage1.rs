// Stage 1 — the seed's shutdown: a server that serves until triggered; then every request
// already in flight completes with its whole response while new connections are refused,
// and the hooks run once each, in the order they were added, after the drain.

use crate::common::{BODY, Server};
use graceful_shutdown::{Outcome, ServeConfig, Shutdown};
use kata_support::graded_async;
use kata_support::http::{self, Connection};
use std::sync::{Arc, Mutex};

#[tokio::test]
async fn requests_in_flight_complete_and_new_connections_are_refused() {
    graded_async(async {
        let mut server = Server::start(Shutdown::new(), ServeConfig::default()).await;
        let requests = server.slow_requests(5).await;
        server.shutdown.trigger();
        server.refused().await;
        assert!(
            !server.report.is_finished(),
            "serve returned while five requests were still in flight"
        );
        server.gate.add_permits(5);
        for request in requests {
            let response = request
                .await
                .unwrap()
                .expect("a request in flight gets its whole response");
            assert_eq!(response.status, 200);
            assert_eq!(response.body.len(), BODY, "the whole body arrives");
        }
        let report = server.report.await.unwrap().unwrap();
        assert_eq!(report.outcome, Outcome::Drained);
        assert_eq!(report.exit_code(), 0);
        assert_eq!(*server.finished.lock().unwrap(), 5);
    })
    .await;
}

#[tokio::test]
async fn hooks_run_once_in_order_after_the_drain() {
    graded_async(async {
        let shutdown = Shutdown::new();
        let log = Arc::new(Mutex::new(Vec::new()));
        let mut server = Server::start(shutdown.clone(), ServeConfig::default()).await;
        for name in [
            "stop accepting jobs",
            "close the database pool",
            "flush the logs",
        ] {
            let (log, finished) = (log.clone(), server.finished.clone());
            shutdown.on_shutdown(name, move || async move {
                let done = *finished.lock().unwrap();
                log.lock().unwrap().push((name, done));
            });
        }
        let requests = server.slow_requests(2).await;
        shutdown.trigger();
        server.refused().await;
        assert!(
            log.lock().unwrap().is_empty(),
            "a hook ran while requests were still in flight"
        );
        server.gate.add_permits(2);
        for request in requests {
            assert_eq!(request.await.unwrap().unwrap().status, 200);
        }
        let report = server.report.await.unwrap().unwrap();
        assert_eq!(
            report.hooks_run,
            [
                "stop accepting jobs",
                "close the database pool",
                "flush the logs"
            ]
        );
        assert_eq!(
            *log.lock().unwrap(),
            [
                ("stop accepting jobs", 2),
                ("close the database pool", 2),
                ("flush the logs", 2)
            ],
            "each hook ran once, in order, after both requests had finished"
        );
        shutdown.trigger();
        assert_eq!(log.lock().unwrap().len(), 3, "nothing runs twice");
    })
    .await;
}

#[tokio::test]
async fn the_server_serves_until_it_is_triggered() {
    graded_async(async {
        let server = Server::start(Shutdown::new(), ServeConfig::default()).await;
        let mut conn = Connection::open(server.addr).await.unwrap();
        for _ in 0..3 {
            let response = conn.get("/fast").await.unwrap();
            assert_eq!(response.status, 200);
            assert_eq!(response.text(), "fast");
        }
        let ready = http::get(server.addr, "/ready").await.unwrap();
        assert_eq!(ready.status, 200, "ready while running");
        assert!(!server.report.is_finished(), "serve runs until triggered");
        drop(conn);
        server.shutdown.trigger();
        let report = server.report.await.unwrap().unwrap();
        assert_eq!(report.outcome, Outcome::Drained);
        assert!(report.hooks_run.is_empty());
    })
    .await;
}

#[tokio::test]
async fn a_trigger_before_serve_first_runs_counts() {
    graded_async(async {
        let shutdown = Shutdown::new();
        let ran = Arc::new(Mutex::new(0));
        let count = ran.clone();
        shutdown.on_shutdown("flush the logs", move || async move {
            *count.lock().unwrap() += 1;
        });
        // Triggered before `serve` was even spawned: with nothing in flight, it shuts
        // down at once. (The bound only turns a server that never notices into a clear
        // failure; a correct one returns at once.)
        shutdown.trigger();
        let server = Server::start(shutdown, ServeConfig::default()).await;
        let report = tokio::time::timeout(std::time::Duration::from_secs(5), server.report)
            .await
            .expect("a trigger that came before serve started must count")
            .unwrap()
            .unwrap();
        assert_eq!(report.outcome, Outcome::Drained);
        assert_eq!(report.hooks_run, ["flush the logs"]);
        assert_eq!(*ran.lock().unwrap(), 1);
    })
    .await;
}
