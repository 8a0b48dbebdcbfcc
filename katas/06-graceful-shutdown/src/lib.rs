//! Kata 06: graceful shutdown.
//!
//! Write [`serve`]: it serves an axum `Router` on a `TcpListener` until its [`Shutdown`]
//! is triggered, then shuts down without dropping anybody's request:
//!
//! 1. **Grace.** For `config.grace` after the first trigger it keeps accepting, while
//!    [`readiness`] already answers 503 — so a load balancer stops sending traffic first.
//! 2. **Stop accepting.** Then the listener is closed: new connections are refused.
//! 3. **Drain.** Every request in flight completes with its whole response; idle keep-alive
//!    connections are closed at once (they must not hold the shutdown open). The drain
//!    ends the moment the last connection does.
//! 4. **Deadline.** If connections are still open `config.deadline` after the listener
//!    closed, they are aborted and the [`Report`] says how many.
//! 5. **Hooks.** Then the hooks run, once each, one at a time, in the order they were
//!    added (after an abort too).
//!
//! A second trigger (a second Ctrl-C) ends everything at once: what is open is aborted,
//! the hooks are skipped, and the outcome is [`Outcome::Forced`]. While the hooks run, it
//! drops the hook running and skips the rest. Library code never calls
//! `std::process::exit`: the binary turns the report into an exit code.
//!
//! Every `// TODO:` marks a place to write code. Run the examples with
//! `cargo test -p graceful-shutdown`; `cargo kata grade graceful-shutdown` grades the kata.

use axum::Router;
use std::future::Future;
use std::time::Duration;
use tokio::net::TcpListener;

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

/// The shutdown coordinator. Clones share it: hand one to the signal handler, one to
/// the readiness route, one to `serve`.
#[derive(Clone)]
pub struct Shutdown {
    // TODO: the phase, shared by every clone and awaitable (a `tokio::sync::watch`
    // channel is a good fit), and the hooks in the order they were added.
}

impl std::fmt::Debug for Shutdown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shutdown").finish_non_exhaustive()
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
        todo!()
    }

    /// Starts a graceful shutdown; a second call forces it. Later calls change nothing.
    pub fn trigger(&self) {
        todo!()
    }

    /// The current phase.
    pub fn phase(&self) -> Phase {
        todo!()
    }

    /// Adds a hook, run once after the drain, after the hooks added before it.
    pub fn on_shutdown<F, Fut>(&self, name: impl Into<String>, hook: F)
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let _ = (name.into(), hook);
        todo!()
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
    /// The names of the hooks that ran to the end, in the order they ran.
    pub hooks_run: Vec<String>,
}

impl Report {
    /// The process exit code for this outcome: 0 drained, 1 deadline exceeded, 130 forced.
    pub fn exit_code(&self) -> i32 {
        todo!()
    }
}

/// `GET /ready`: 200 while running, 503 once a shutdown has been triggered.
pub fn readiness(shutdown: Shutdown) -> Router {
    let _ = shutdown;
    todo!()
}

/// Serves `app` on `listener` until `shutdown` is triggered, then shuts down gracefully
/// as the crate documentation describes, and reports how it went. A trigger that came
/// before `serve` started (or first ran) counts: the shutdown begins at once.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: Shutdown,
    config: ServeConfig,
) -> std::io::Result<Report> {
    // TODO: your own accept loop. Serve each connection with
    // `hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream),
    // TowerToHyperService::new(app.clone()))` in a task you keep (a `JoinSet`), and tell
    // each connection when to `graceful_shutdown()`.
    let _ = (listener, app, shutdown, config, Duration::ZERO);
    todo!()
}

/// Triggers `shutdown` on every SIGTERM and SIGINT: the first starts a graceful shutdown,
/// the second forces it. Must be called inside a tokio runtime; the handlers must be in
/// place when it returns, so a signal raised right after, before any `.await`, is caught.
pub fn shutdown_on_signals(shutdown: Shutdown) -> std::io::Result<()> {
    let _ = shutdown;
    todo!()
}
