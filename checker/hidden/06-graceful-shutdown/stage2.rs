// Stage 2 — what the seed gets wrong: idle keep-alive connections close at once instead of
// holding the shutdown open; past the deadline the rest is aborted and the report says so
// (no `process::exit` from library code); the drain ends the moment the last request
// does, not at the next poll; the deadline counts from the end of the grace period, not
// from the trigger; and during the grace period readiness answers 503 while the server
// still accepts.

use crate::common::{BODY, Server};
use graceful_shutdown::{Outcome, ServeConfig, Shutdown};
use kata_support::graded_async;
use kata_support::http::{self, Connection};
use std::time::{Duration, Instant};

#[tokio::test]
async fn idle_keep_alive_connections_close_at_once() {
    graded_async(async {
        let config = ServeConfig {
            grace: Duration::ZERO,
            deadline: Duration::from_secs(5),
        };
        let server = Server::start(Shutdown::new(), config).await;
        let mut idle = Vec::new();
        for _ in 0..3 {
            let mut conn = Connection::open(server.addr).await.unwrap();
            assert_eq!(conn.get("/fast").await.unwrap().status, 200);
            idle.push(conn);
        }
        server.shutdown.trigger();
        let report = server.report.await.unwrap().unwrap();
        assert_eq!(
            report.outcome,
            Outcome::Drained,
            "three idle keep-alive connections must be closed, not waited for until the deadline"
        );
        for conn in &mut idle {
            conn.closed()
                .await
                .expect("the server closed the idle connection cleanly");
        }
    })
    .await;
}

#[tokio::test]
async fn the_deadline_aborts_what_is_left_and_says_so() {
    graded_async(async {
        let shutdown = Shutdown::new();
        shutdown.on_shutdown("close the pool", || async {});
        let config = ServeConfig {
            grace: Duration::ZERO,
            deadline: Duration::from_millis(300),
        };
        let mut server = Server::start(shutdown.clone(), config).await;
        let requests = server.slow_requests(3).await;
        shutdown.trigger();
        // The gate never opens: these requests would run for ever.
        let report = server.report.await.unwrap().unwrap();
        assert_eq!(report.outcome, Outcome::DeadlineExceeded { aborted: 3 });
        assert_eq!(
            report.exit_code(),
            1,
            "a shutdown that had to abort is not a success"
        );
        assert_eq!(
            report.hooks_run,
            ["close the pool"],
            "hooks still run after an abort"
        );
        for request in requests {
            assert!(
                request.await.unwrap().is_err(),
                "an aborted request gets no complete response"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn the_drain_ends_as_soon_as_the_last_request_does() {
    graded_async(async {
        let config = ServeConfig {
            grace: Duration::ZERO,
            deadline: Duration::from_secs(30),
        };
        let mut server = Server::start(Shutdown::new(), config).await;
        let requests = server.slow_requests(1).await;
        server.shutdown.trigger();
        // The drain has begun with the request still held: a drain that looks at its
        // connections when a timer ticks has just looked, and its next look is far away.
        server.refused().await;
        let released = Instant::now();
        server.gate.add_permits(1);
        for request in requests {
            assert_eq!(request.await.unwrap().unwrap().body.len(), BODY);
        }
        let report = server.report.await.unwrap().unwrap();
        let took = released.elapsed();
        assert_eq!(report.outcome, Outcome::Drained);
        // A correct drain ends within milliseconds; one on a one-second timer takes most
        // of a second. Half a second leaves room for a loaded machine.
        assert!(
            took < Duration::from_millis(500),
            "serve returned {took:?} after its last request was released: the drain must end \
             the moment its last connection does, not when a timer next looks"
        );
    })
    .await;
}

#[tokio::test]
async fn the_deadline_counts_from_the_end_of_the_grace_period() {
    graded_async(async {
        let config = ServeConfig {
            grace: Duration::from_millis(400),
            deadline: Duration::from_millis(400),
        };
        let mut server = Server::start(Shutdown::new(), config).await;
        let _requests = server.slow_requests(1).await;
        let triggered = Instant::now();
        server.shutdown.trigger();
        // The gate never opens: the request is aborted when the deadline passes.
        let report = server.report.await.unwrap().unwrap();
        let took = triggered.elapsed();
        assert_eq!(report.outcome, Outcome::DeadlineExceeded { aborted: 1 });
        assert!(
            took >= Duration::from_millis(800),
            "the request was aborted {took:?} after the trigger: the listener closes when the \
             400 ms grace period ends, and the 400 ms deadline counts from then, not from the \
             trigger"
        );
    })
    .await;
}

#[tokio::test]
async fn readiness_answers_503_during_the_grace_period() {
    graded_async(async {
        let config = ServeConfig {
            grace: Duration::from_secs(600),
            deadline: Duration::from_secs(600),
        };
        let server = Server::start(Shutdown::new(), config).await;
        assert_eq!(http::get(server.addr, "/ready").await.unwrap().status, 200);
        server.shutdown.trigger();
        let ready = http::get(server.addr, "/ready").await.unwrap();
        assert_eq!(
            ready.status, 503,
            "once triggered, readiness fails so the load balancer stops sending traffic"
        );
        let fast = http::get(server.addr, "/fast").await.unwrap();
        assert_eq!(
            fast.status, 200,
            "during the grace period new connections are still served"
        );
        // The shutdown would go on for ten minutes; this test is only about readiness.
        server.report.abort();
    })
    .await;
}
