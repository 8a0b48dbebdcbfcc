// SOLUTION FILE
//! A demo server for kata 06: `cargo run -p graceful-shutdown-solution --bin server`, then
//! `curl localhost:3000/slow` and press Ctrl-C (once to drain, twice to force).

use graceful_shutdown_solution::{ServeConfig, Shutdown, readiness, serve, shutdown_on_signals};
use std::time::Duration;

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let shutdown = Shutdown::new();
    shutdown.on_shutdown("close the database pool", || async {
        eprintln!("hook: database pool closed");
    });
    shutdown_on_signals(shutdown.clone())?;
    let app = axum::Router::new()
        .route(
            "/slow",
            axum::routing::get(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                "done\n"
            }),
        )
        .merge(readiness(shutdown.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    eprintln!("listening on {}", listener.local_addr()?);
    let config = ServeConfig {
        grace: Duration::from_secs(1),
        deadline: Duration::from_secs(10),
    };
    let report = serve(listener, app, shutdown, config).await?;
    eprintln!("{report:?}");
    std::process::exit(report.exit_code());
}
