//! Chapter "Error handling: `Result`, `?`, panics and `JoinError`".

use std::any::Any;
use std::error::Error;
use std::fmt;
use std::net::{AddrParseError, IpAddr, SocketAddr};
use std::num::ParseIntError;

// ANCHOR: error_type
/// What loading a port setting can go wrong with.
#[derive(Debug, PartialEq, Eq)]
pub enum ConfigError {
    /// The variable is not set.
    Missing(&'static str),
    /// It is set but is not a port number.
    NotAPort {
        /// The variable.
        name: &'static str,
        /// Its value.
        value: String,
        /// Why it did not parse: kept, so `source()` can show it.
        source: ParseIntError,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Only this layer's message: the cause is reached through `source()`, not repeated.
        match self {
            ConfigError::Missing(name) => write!(f, "{name} is not set"),
            ConfigError::NotAPort { name, value, .. } => {
                write!(f, "{name}={value:?} is not a port")
            }
        }
    }
}

impl Error for ConfigError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            ConfigError::Missing(_) => None,
            ConfigError::NotAPort { source, .. } => Some(source),
        }
    }
}

/// Reads a port from `lookup` (the environment, in production). The parse error is wrapped,
/// not thrown away: it becomes the new error's `source()`.
pub fn port(lookup: impl Fn(&str) -> Option<String>) -> Result<u16, ConfigError> {
    let name = "PORT";
    let value = lookup(name).ok_or(ConfigError::Missing(name))?;
    value
        .parse::<u16>()
        .map_err(|source| ConfigError::NotAPort {
            name,
            value: value.clone(),
            source,
        })
}

/// The application's start-up error: one variant per thing that can fail.
#[derive(Debug)]
pub enum StartupError {
    /// A setting is missing or wrong.
    Config(ConfigError),
    /// `HOST` is not an IP address.
    Host(AddrParseError),
}

impl fmt::Display for StartupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartupError::Config(_) => write!(f, "invalid configuration"),
            StartupError::Host(_) => write!(f, "HOST is not an IP address"),
        }
    }
}

impl Error for StartupError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            StartupError::Config(error) => Some(error),
            StartupError::Host(error) => Some(error),
        }
    }
}

// `?` calls these: `From<E> for StartupError` is what lets it return an `E` early.
impl From<ConfigError> for StartupError {
    fn from(error: ConfigError) -> Self {
        StartupError::Config(error)
    }
}

impl From<AddrParseError> for StartupError {
    fn from(error: AddrParseError) -> Self {
        StartupError::Host(error)
    }
}

/// The address to listen on. Each `?` returns early with the first error, converted into a
/// `StartupError` by the `From` impls above.
pub fn listen_address(lookup: impl Fn(&str) -> Option<String>) -> Result<SocketAddr, StartupError> {
    let port = port(&lookup)?; // ConfigError -> StartupError
    let host: IpAddr = lookup("HOST").as_deref().unwrap_or("127.0.0.1").parse()?; // AddrParseError -> StartupError
    Ok(SocketAddr::new(host, port))
}

/// The messages of an error and of every `source()` below it, outermost first: what a log
/// line or `anyhow`'s `{:#}` shows.
pub fn chain(error: &dyn Error) -> Vec<String> {
    let mut messages = vec![error.to_string()];
    let mut next = error.source();
    while let Some(cause) = next {
        messages.push(cause.to_string());
        next = cause.source();
    }
    messages
}
// ANCHOR_END: error_type

// ANCHOR: join_error
/// How a spawned task ended, as its `JoinHandle` tells it.
#[derive(Debug, PartialEq, Eq)]
pub enum Ended<T> {
    /// The task returned this value.
    Returned(T),
    /// The task panicked with this message.
    Panicked(String),
    /// The task was aborted (or its runtime shut down) before it finished.
    Cancelled,
}

/// Awaits a task. A panic inside it does not crash the program (with the default
/// `panic = "unwind"`): it ends that task, and the `JoinError` says whether it panicked or was
/// cancelled.
pub async fn how_it_ended<T>(handle: tokio::task::JoinHandle<T>) -> Ended<T> {
    match handle.await {
        Ok(value) => Ended::Returned(value),
        // `into_panic()` would itself panic on a cancelled task; `try_into_panic` does not.
        Err(error) => match error.try_into_panic() {
            Ok(payload) => Ended::Panicked(panic_message(payload.as_ref())),
            Err(error) => {
                assert!(
                    error.is_cancelled(),
                    "a JoinError is a panic or a cancellation"
                );
                Ended::Cancelled
            }
        },
    }
}

/// The text of a panic payload: `panic!("literal")` carries a `&'static str`, a formatted
/// panic (`panic!("{x}")`, an index out of bounds) a `String`.
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&'static str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic with a payload that is not text".to_owned()
    }
}
// ANCHOR_END: join_error

// ANCHOR: poison
/// A task panics while holding a `std::sync::Mutex` and a `tokio::sync::Mutex`. Returns
/// whether the std mutex is poisoned, and whether the tokio one can simply be locked again.
pub async fn panic_while_locked() -> (bool, bool) {
    let std_lock = std::sync::Arc::new(std::sync::Mutex::new(0));
    let tokio_lock = std::sync::Arc::new(tokio::sync::Mutex::new(0));
    let (std_held, tokio_held) = (std_lock.clone(), tokio_lock.clone());
    let task = tokio::spawn(async move {
        let _tokio = tokio_held.lock().await;
        let _std = std_held.lock().unwrap();
        panic!("a bug while both locks are held");
    });
    assert!(task.await.unwrap_err().is_panic());
    (std_lock.is_poisoned(), tokio_lock.try_lock().is_ok())
}
// ANCHOR_END: poison

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn question_mark_returns_the_first_error_and_keeps_its_cause() {
        assert_eq!(port(|_| Some("8080".into())), Ok(8080));
        assert_eq!(port(|_| None), Err(ConfigError::Missing("PORT")));
        let error = port(|_| Some("http".into())).unwrap_err();
        assert_eq!(
            chain(&error),
            [
                "PORT=\"http\" is not a port",
                "invalid digit found in string"
            ]
        );
    }

    #[test]
    fn from_converts_each_error_for_question_mark() {
        let env = |port: &'static str, host: Option<&'static str>| {
            move |name: &str| match name {
                "PORT" => Some(port.to_owned()),
                "HOST" => host.map(str::to_owned),
                _ => None,
            }
        };
        assert_eq!(
            listen_address(env("8080", None)).unwrap(),
            "127.0.0.1:8080".parse::<SocketAddr>().unwrap()
        );
        let error = listen_address(env("99999", Some("::1"))).unwrap_err();
        assert!(matches!(
            error,
            StartupError::Config(ConfigError::NotAPort { .. })
        ));
        assert_eq!(
            chain(&error),
            [
                "invalid configuration",
                "PORT=\"99999\" is not a port",
                "number too large to fit in target type"
            ]
        );
        let error = listen_address(env("8080", Some("localhost"))).unwrap_err();
        assert!(matches!(error, StartupError::Host(_)));
        assert_eq!(
            chain(&error),
            ["HOST is not an IP address", "invalid IP address syntax"]
        );
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_join_error_tells_a_panic_from_a_cancellation() {
        let formatted = tokio::spawn(async {
            let items: Vec<u32> = Vec::new();
            items[3] // index out of bounds: a bug, so a panic (payload: a String)
        });
        match how_it_ended(formatted).await {
            Ended::Panicked(message) => {
                assert!(message.contains("index out of bounds"), "{message}")
            }
            other => panic!("expected a panic, got {other:?}"),
        }
        let literal = tokio::spawn(async { panic!("a literal message") }); // payload: &str
        assert_eq!(
            how_it_ended::<()>(literal).await,
            Ended::Panicked("a literal message".into())
        );
        let waiting = tokio::spawn(std::future::pending::<()>());
        waiting.abort();
        assert_eq!(how_it_ended(waiting).await, Ended::Cancelled);
        assert_eq!(
            how_it_ended(tokio::spawn(async { 7 })).await,
            Ended::Returned(7)
        );
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_panic_poisons_a_std_mutex_but_not_a_tokio_one() {
        assert_eq!(panic_while_locked().await, (true, true));
    }
}
