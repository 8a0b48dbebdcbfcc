// Stage 3 — the operator's side: a second trigger (a second Ctrl-C) stops waiting at once,
// in the drain or the grace period, and aborts what is left without running the hooks;
// SIGTERM starts a graceful shutdown and SIGINT after it forces one, with the handlers in
// place when `shutdown_on_signals` returns; hooks are awaited one at a time, never run
// concurrently.

use crate::common::Server;
use graceful_shutdown::{Outcome, ServeConfig, Shutdown};
use kata_support::graded_async;
use std::sync::{Arc, Mutex};
use std::time::Duration;

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
async fn a_second_trigger_in_the_grace_period_forces_an_immediate_end() {
    graded_async(async {
        let shutdown = Shutdown::new();
        let ran = Arc::new(Mutex::new(false));
        let flag = ran.clone();
        shutdown.on_shutdown("close the pool", move || async move {
            *flag.lock().unwrap() = true;
        });
        let config = ServeConfig {
            grace: Duration::from_secs(600),
            deadline: Duration::from_secs(600),
        };
        let mut server = Server::start(shutdown.clone(), config).await;
        let requests = server.slow_requests(1).await;
        shutdown.trigger();
        // The grace period lasts ten minutes: this second trigger comes in it.
        shutdown.trigger();
        // A bound, not a sleep: a correct `serve` returns at once.
        let report = tokio::time::timeout(Duration::from_secs(5), server.report)
            .await
            .expect(
                "a second trigger in the grace period must end the shutdown at once, not when \
                 the grace period ends",
            )
            .unwrap()
            .unwrap();
        assert_eq!(report.outcome, Outcome::Forced { aborted: 1 });
        assert!(report.hooks_run.is_empty(), "a forced exit skips the hooks");
        assert!(!*ran.lock().unwrap());
        for request in requests {
            assert!(request.await.unwrap().is_err());
        }
    })
    .await;
}

// A single-threaded runtime, so a task that `shutdown_on_signals` spawns has not run yet
// when SIGTERM is raised.
#[tokio::test(flavor = "current_thread")]
async fn sigterm_drains_and_sigint_forces() {
    graded_async(async {
        let shutdown = Shutdown::new();
        let config = ServeConfig {
            grace: Duration::ZERO,
            deadline: Duration::from_secs(600),
        };
        let mut server = Server::start(shutdown.clone(), config).await;
        let _requests = server.slow_requests(1).await;
        graceful_shutdown::shutdown_on_signals(shutdown.clone()).unwrap();
        // No await in between: the handlers must be in place when `shutdown_on_signals`
        // returns. Without one, SIGTERM's default action ends this process: the test fails.
        // SAFETY: raising a signal whose handler was installed just above.
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

#[tokio::test]
async fn a_second_trigger_during_the_hooks_cuts_them_short() {
    graded_async(async {
        let shutdown = Shutdown::new();
        let (stuck, stuck_started) = tokio::sync::oneshot::channel::<()>();
        let last_ran = Arc::new(Mutex::new(false));
        shutdown.on_shutdown("flush the logs", || async {});
        shutdown.on_shutdown("close the pool", move || async move {
            let _ = stuck.send(());
            std::future::pending::<()>().await;
        });
        let flag = last_ran.clone();
        shutdown.on_shutdown("say goodbye", move || async move {
            *flag.lock().unwrap() = true;
        });
        let server = Server::start(shutdown.clone(), ServeConfig::default()).await;
        shutdown.trigger();
        stuck_started.await.expect("the stuck hook started");
        shutdown.trigger();
        // A bound, not a sleep: a correct `serve` returns at once.
        let report = tokio::time::timeout(Duration::from_secs(5), server.report)
            .await
            .expect("a second trigger must not wait for a stuck hook")
            .unwrap()
            .unwrap();
        assert_eq!(
            report.hooks_run,
            ["flush the logs"],
            "only the hooks that finished are reported"
        );
        assert!(
            !*last_ran.lock().unwrap(),
            "the hooks after the one cut short are skipped"
        );
    })
    .await;
}
