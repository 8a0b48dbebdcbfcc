//! Kata 06, a correct answer written differently from the reference: the phase lives in
//! a `Mutex` with a `Notify`, connections are detached tasks tracked in a table of abort
//! handles with a counter, and the drain waits on a `Notify` that the last connection
//! fires. `cargo kata verify` requires it to score 100%.

use axum::Router;
use axum::http::StatusCode;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio::task::AbortHandle;

type Hook = Box<dyn FnOnce() -> Pin<Box<dyn Future<Output = ()> + Send>> + Send>;

/// Where a shutdown stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Serving normally.
    Running,
    /// Triggered once: draining.
    Draining,
    /// Triggered twice: stop waiting, abort what is left.
    Forced,
}

struct Coordinator {
    phase: Mutex<Phase>,
    changed: Notify,
    hooks: Mutex<Vec<(String, Hook)>>,
}

/// The shutdown coordinator; clones share it.
#[derive(Clone)]
pub struct Shutdown(Arc<Coordinator>);

impl std::fmt::Debug for Shutdown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Shutdown({:?})", self.phase())
    }
}

impl Default for Shutdown {
    fn default() -> Self {
        Self::new()
    }
}

impl Shutdown {
    /// A coordinator in the `Running` phase, with no hooks.
    pub fn new() -> Self {
        Shutdown(Arc::new(Coordinator {
            phase: Mutex::new(Phase::Running),
            changed: Notify::new(),
            hooks: Mutex::new(Vec::new()),
        }))
    }

    /// Starts a graceful shutdown; a second call forces it.
    pub fn trigger(&self) {
        {
            let mut phase = self.0.phase.lock().unwrap();
            *phase = if *phase == Phase::Running {
                Phase::Draining
            } else {
                Phase::Forced
            };
        }
        self.0.changed.notify_waiters();
    }

    /// The current phase.
    pub fn phase(&self) -> Phase {
        *self.0.phase.lock().unwrap()
    }

    /// Adds a hook, run once after the drain, after the hooks added before it.
    pub fn on_shutdown<F, Fut>(&self, name: impl Into<String>, hook: F)
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let boxed: Hook = Box::new(move || Box::pin(hook()));
        self.0.hooks.lock().unwrap().push((name.into(), boxed));
    }

    async fn until(&self, wanted: impl Fn(Phase) -> bool) {
        loop {
            // Register interest before looking, so a change in between is not missed.
            let notified = self.0.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if wanted(self.phase()) {
                return;
            }
            notified.await;
        }
    }
}

/// How long each part of a shutdown may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServeConfig {
    /// After the trigger, how long to keep accepting while readiness reports 503.
    pub grace: Duration,
    /// After the listener closes, how long in-flight requests get to finish.
    pub deadline: Duration,
}

impl Default for ServeConfig {
    fn default() -> Self {
        Self {
            grace: Duration::ZERO,
            deadline: Duration::from_secs(30),
        }
    }
}

/// How a shutdown ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every connection finished within the deadline.
    Drained,
    /// The deadline passed; this many connections were still open and were aborted.
    DeadlineExceeded {
        /// Connections aborted.
        aborted: usize,
    },
    /// A second trigger stopped the drain; this many connections were aborted.
    Forced {
        /// Connections aborted.
        aborted: usize,
    },
}

/// What [`serve`] returns once it has shut down.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// How the drain ended.
    pub outcome: Outcome,
    /// The names of the hooks that ran, in the order they ran.
    pub hooks_run: Vec<String>,
}

impl Report {
    /// The process exit code for this outcome: 0 drained, 1 deadline exceeded, 130 forced.
    pub fn exit_code(&self) -> i32 {
        match self.outcome {
            Outcome::Drained => 0,
            Outcome::DeadlineExceeded { .. } => 1,
            Outcome::Forced { .. } => 130,
        }
    }
}

/// `GET /ready`: 200 while running, 503 once a shutdown has been triggered.
pub fn readiness(shutdown: Shutdown) -> Router {
    Router::new().route(
        "/ready",
        axum::routing::get(move || {
            let running = shutdown.phase() == Phase::Running;
            async move {
                if running {
                    (StatusCode::OK, "ok")
                } else {
                    (StatusCode::SERVICE_UNAVAILABLE, "shutting down")
                }
            }
        }),
    )
}

/// Open connections: abort handles by id, and a `Notify` fired when the last one ends.
#[derive(Default)]
struct Tracker {
    open: Mutex<HashMap<u64, AbortHandle>>,
    empty: Notify,
    draining: Notify,
    drain_now: std::sync::atomic::AtomicBool,
}

impl Tracker {
    fn count(&self) -> usize {
        self.open.lock().unwrap().len()
    }

    async fn all_closed(&self) {
        loop {
            let notified = self.empty.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.count() == 0 {
                return;
            }
            notified.await;
        }
    }

    async fn told_to_drain(&self) {
        loop {
            let notified = self.draining.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.drain_now.load(std::sync::atomic::Ordering::SeqCst) {
                return;
            }
            notified.await;
        }
    }
}

/// Serves `app` on `listener` until `shutdown` is triggered, then shuts down gracefully.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: Shutdown,
    config: ServeConfig,
) -> std::io::Result<Report> {
    let tracker = Arc::new(Tracker::default());
    let mut next_id = 0u64;
    let stop_accepting = async {
        shutdown.until(|p| p != Phase::Running).await;
        if config.grace > Duration::ZERO {
            let _ =
                tokio::time::timeout(config.grace, shutdown.until(|p| p == Phase::Forced)).await;
        }
    };
    tokio::pin!(stop_accepting);
    loop {
        let stream = tokio::select! {
            () = &mut stop_accepting => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => continue,
            },
        };
        next_id += 1;
        let id = next_id;
        let (tracker2, app2) = (tracker.clone(), app.clone());
        // The table entry is added under the lock before the task can remove it.
        let mut open = tracker.open.lock().unwrap();
        let task = tokio::spawn(async move {
            let conn = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), TowerToHyperService::new(app2));
            tokio::pin!(conn);
            let finished = tokio::select! {
                _ = conn.as_mut() => true,
                () = tracker2.told_to_drain() => false,
            };
            if !finished {
                conn.as_mut().graceful_shutdown();
                let _ = conn.await;
            }
            let mut open = tracker2.open.lock().unwrap();
            open.remove(&id);
            if open.is_empty() {
                tracker2.empty.notify_waiters();
            }
        });
        open.insert(id, task.abort_handle());
    }
    drop(listener);
    tracker
        .drain_now
        .store(true, std::sync::atomic::Ordering::SeqCst);
    tracker.draining.notify_waiters();

    let outcome = tokio::select! {
        () = tracker.all_closed() => Outcome::Drained,
        () = tokio::time::sleep(config.deadline) => Outcome::DeadlineExceeded { aborted: tracker.count() },
        () = shutdown.until(|p| p == Phase::Forced) => Outcome::Forced { aborted: tracker.count() },
    };
    for (_, handle) in tracker.open.lock().unwrap().drain() {
        handle.abort();
    }
    let mut hooks_run = Vec::new();
    if let Outcome::Drained | Outcome::DeadlineExceeded { .. } = outcome {
        let hooks: Vec<_> = shutdown.0.hooks.lock().unwrap().drain(..).collect();
        for (name, hook) in hooks {
            let forced = tokio::select! {
                () = hook() => false,
                () = shutdown.until(|p| p == Phase::Forced) => true,
            };
            if forced {
                break;
            }
            hooks_run.push(name);
        }
    }
    Ok(Report { outcome, hooks_run })
}

/// Triggers `shutdown` on every SIGTERM and SIGINT.
pub fn shutdown_on_signals(shutdown: Shutdown) -> std::io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut streams = [
        signal(SignalKind::terminate())?,
        signal(SignalKind::interrupt())?,
    ];
    tokio::spawn(async move {
        while shutdown.phase() != Phase::Forced {
            let [term, int] = &mut streams;
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
            shutdown.trigger();
        }
    });
    Ok(())
}
