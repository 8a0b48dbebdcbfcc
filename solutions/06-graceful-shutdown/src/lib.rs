// STUB: //! Kata 06: graceful shutdown.
// STUB: //!
// STUB: //! Write [`serve`]: it serves an axum `Router` on a `TcpListener` until its [`Shutdown`]
// STUB: //! is triggered, then shuts down without dropping anybody's request:
// STUB: //!
// STUB: //! 1. **Grace.** For `config.grace` after the first trigger it keeps accepting, while
// STUB: //!    [`readiness`] already answers 503 — so a load balancer stops sending traffic first.
// STUB: //! 2. **Stop accepting.** Then the listener is closed: new connections are refused.
// STUB: //! 3. **Drain.** Every request in flight completes with its whole response; idle keep-alive
// STUB: //!    connections are closed at once (they must not hold the shutdown open). The drain
// STUB: //!    ends the moment the last connection does.
// STUB: //! 4. **Deadline.** If connections are still open `config.deadline` after the listener
// STUB: //!    closed, they are aborted and the [`Report`] says how many.
// STUB: //! 5. **Hooks.** Then the hooks run, once each, one at a time, in the order they were
// STUB: //!    added (after an abort too).
// STUB: //!
// STUB: //! A second trigger (a second Ctrl-C) ends everything at once: what is open is aborted,
// STUB: //! the hooks are skipped, and the outcome is [`Outcome::Forced`]. While the hooks run, it
// STUB: //! drops the hook running and skips the rest. Library code never calls
// STUB: //! `std::process::exit`: the binary turns the report into an exit code.
// STUB: //!
// STUB: //! Every `// TODO:` marks a place to write code. Run the examples with
// STUB: //! `cargo test -p graceful-shutdown`; `cargo kata grade graceful-shutdown` grades the kata.
// BEGIN SOLUTION
//! Kata 06 reference solution: an HTTP server with a graceful shutdown.
//!
//! [`serve`] runs its own accept loop on hyper. When the [`Shutdown`] is triggered it
//! keeps accepting for the `grace` period (while [`readiness`] already answers 503, so a
//! load balancer stops sending traffic), then closes the listener, asks every connection to
//! finish — hyper closes idle keep-alive connections at once and in-flight ones after their
//! response — and waits for them, at most until the `deadline`. Then it runs the hooks, one
//! at a time, in the order they were added. A second trigger stops waiting: everything
//! still open is aborted and the hooks are skipped; while the hooks run, it drops the hook
//! running and skips the rest.
//!
//! Library code never calls `process::exit`: [`serve`] returns a [`Report`], and the
//! binary turns it into an exit code.
// END SOLUTION

use axum::Router;
// BEGIN SOLUTION
use axum::http::StatusCode;
use axum::routing::get;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
// END SOLUTION
use std::future::Future;
// BEGIN SOLUTION
use std::pin::Pin;
use std::sync::{Arc, Mutex};
// END SOLUTION
use std::time::Duration;
use tokio::net::TcpListener;
// BEGIN SOLUTION
use tokio::sync::watch;
use tokio::task::JoinSet;

/// A shutdown hook: an async clean-up step such as closing a connection pool.
type Hook = Box<dyn FnOnce() -> Pin<Box<dyn Future<Output = ()> + Send>> + Send>;
// END SOLUTION

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
    // STUB: // TODO: the phase, shared by every clone and awaitable (a `tokio::sync::watch`
    // STUB: // channel is a good fit), and the hooks in the order they were added.
    // BEGIN SOLUTION
    phase: watch::Sender<Phase>,
    hooks: Arc<Mutex<Vec<(String, Hook)>>>,
    // END SOLUTION
}

impl std::fmt::Debug for Shutdown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // STUB: f.debug_struct("Shutdown").finish_non_exhaustive()
        // BEGIN SOLUTION
        f.debug_struct("Shutdown")
            .field("phase", &self.phase())
            .finish_non_exhaustive()
        // END SOLUTION
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
        // STUB: todo!()
        // BEGIN SOLUTION
        Self {
            phase: watch::Sender::new(Phase::Running),
            hooks: Arc::default(),
        }
        // END SOLUTION
    }

    /// Starts a graceful shutdown; a second call forces it. Later calls change nothing.
    pub fn trigger(&self) {
        // STUB: todo!()
        // BEGIN SOLUTION
        self.phase.send_modify(|phase| {
            *phase = match *phase {
                Phase::Running => Phase::Draining,
                Phase::Draining | Phase::Forced => Phase::Forced,
            }
        });
        // END SOLUTION
    }

    /// The current phase.
    pub fn phase(&self) -> Phase {
        // STUB: todo!()
        // BEGIN SOLUTION
        *self.phase.borrow()
        // END SOLUTION
    }

    /// Adds a hook, run once after the drain, after the hooks added before it.
    pub fn on_shutdown<F, Fut>(&self, name: impl Into<String>, hook: F)
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        // STUB: let _ = (name.into(), hook);
        // STUB: todo!()
        // BEGIN SOLUTION
        let hook: Hook = Box::new(move || Box::pin(hook()));
        self.hooks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((name.into(), hook));
        // END SOLUTION
    }
    // BEGIN SOLUTION

    /// Waits until the phase is at least `phase`.
    async fn reached(&self, phase: Phase) {
        let rank = |p: Phase| p as u8;
        let mut changes = self.phase.subscribe();
        // The sender lives in `self`, so the channel never closes while we wait.
        let _ = changes.wait_for(|p| rank(*p) >= rank(phase)).await;
    }
    // END SOLUTION
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
        // STUB: todo!()
        // BEGIN SOLUTION
        match self.outcome {
            Outcome::Drained => 0,
            Outcome::DeadlineExceeded { .. } => 1,
            Outcome::Forced { .. } => 130,
        }
        // END SOLUTION
    }
}

/// `GET /ready`: 200 while running, 503 once a shutdown has been triggered.
pub fn readiness(shutdown: Shutdown) -> Router {
    // STUB: let _ = shutdown;
    // STUB: todo!()
    // BEGIN SOLUTION
    Router::new().route(
        "/ready",
        get(move || {
            let phase = shutdown.phase();
            async move {
                match phase {
                    Phase::Running => (StatusCode::OK, "ready"),
                    _ => (StatusCode::SERVICE_UNAVAILABLE, "draining"),
                }
            }
        }),
    )
    // END SOLUTION
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
    // STUB: // TODO: your own accept loop. Serve each connection with
    // STUB: // `hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream),
    // STUB: // TowerToHyperService::new(app.clone()))` in a task you keep (a `JoinSet`), and tell
    // STUB: // each connection when to `graceful_shutdown()`.
    // STUB: let _ = (listener, app, shutdown, config, Duration::ZERO);
    // STUB: todo!()
    // BEGIN SOLUTION
    // Connections watch this: `true` means "finish what you are doing and close".
    let (drain, draining) = watch::channel(false);
    let mut connections = JoinSet::new();
    let accept_until = async {
        shutdown.reached(Phase::Draining).await;
        // A zero grace period ends at once: even a zero `sleep` waits for the timer's next
        // tick, a millisecond added to every shutdown.
        if !config.grace.is_zero() {
            tokio::select! {
                () = tokio::time::sleep(config.grace) => {}
                () = shutdown.reached(Phase::Forced) => {}
            }
        }
    };
    tokio::pin!(accept_until);
    loop {
        tokio::select! {
            () = &mut accept_until => break,
            accepted = listener.accept() => {
                // A failed accept (e.g. too many open files) is not the server's end.
                let Ok((stream, _peer)) = accepted else { continue };
                connections.spawn(connection(stream, app.clone(), draining.clone()));
            }
            // Reap finished connections as we go, so the set does not grow for ever.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    // New connections are refused from here on.
    drop(listener);
    let _ = drain.send(true);

    let outcome = tokio::select! {
        () = async { while connections.join_next().await.is_some() {} } => Outcome::Drained,
        () = tokio::time::sleep(config.deadline) => Outcome::DeadlineExceeded {
            aborted: connections.len(),
        },
        () = shutdown.reached(Phase::Forced) => Outcome::Forced {
            aborted: connections.len(),
        },
    };
    connections.shutdown().await;

    let mut hooks_run = Vec::new();
    if !matches!(outcome, Outcome::Forced { .. }) {
        let hooks = std::mem::take(&mut *shutdown.hooks.lock().unwrap_or_else(|e| e.into_inner()));
        for (name, hook) in hooks {
            tokio::select! {
                () = hook() => hooks_run.push(name),
                () = shutdown.reached(Phase::Forced) => break,
            }
        }
    }
    Ok(Report { outcome, hooks_run })
    // END SOLUTION
}

// BEGIN SOLUTION
/// One connection: served until it ends, or asked to drain, then finished gracefully.
async fn connection(
    stream: tokio::net::TcpStream,
    app: Router,
    mut draining: watch::Receiver<bool>,
) {
    let service = TowerToHyperService::new(app);
    let connection =
        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    tokio::select! {
        _ = connection.as_mut() => return,
        _ = draining.wait_for(|drain| *drain) => {}
    }
    // Idle: closes now. Mid-request: finishes the response, then closes.
    connection.as_mut().graceful_shutdown();
    let _ = connection.await;
}

// END SOLUTION
/// Triggers `shutdown` on every SIGTERM and SIGINT: the first starts a graceful shutdown,
/// the second forces it. Must be called inside a tokio runtime; the handlers must be in
/// place when it returns, so a signal raised right after, before any `.await`, is caught.
pub fn shutdown_on_signals(shutdown: Shutdown) -> std::io::Result<()> {
    // STUB: let _ = shutdown;
    // STUB: todo!()
    // BEGIN SOLUTION
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    tokio::spawn(async move {
        loop {
            tokio::select! {
                Some(()) = term.recv() => shutdown.trigger(),
                Some(()) = int.recv() => shutdown.trigger(),
                else => break,
            }
            if shutdown.phase() == Phase::Forced {
                break;
            }
        }
    });
    Ok(())
    // END SOLUTION
}
