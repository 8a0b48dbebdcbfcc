//! Chapter "Error handling: `Result`, `?`, panics and `JoinError`".

use std::fmt;

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
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Missing(name) => write!(f, "{name} is not set"),
            ConfigError::NotAPort { name, value } => write!(f, "{name}={value:?} is not a port"),
        }
    }
}

impl std::error::Error for ConfigError {}

/// Reads a port from `lookup` (the environment, in production); `?` returns early with
/// the error, converted by `From` where needed.
pub fn port(lookup: impl Fn(&str) -> Option<String>) -> Result<u16, ConfigError> {
    let name = "PORT";
    let value = lookup(name).ok_or(ConfigError::Missing(name))?;
    let port = value.parse::<u16>().map_err(|_| ConfigError::NotAPort {
        name,
        value: value.clone(),
    })?;
    Ok(port)
}
// ANCHOR_END: error_type

// ANCHOR: join_error
/// A panic in a spawned task does not crash the program: it ends that task, and whoever
/// awaits its `JoinHandle` gets a `JoinError` that says it panicked.
pub async fn panicking_task() -> (bool, String) {
    let handle = tokio::spawn(async {
        let items: Vec<u32> = Vec::new();
        items[3] // index out of bounds: a bug, so a panic, not an error value
    });
    let error = handle.await.expect_err("the task panicked");
    let message = error
        .into_panic()
        .downcast::<String>()
        .map(|s| *s)
        .unwrap_or_default();
    (true, message)
}
// ANCHOR_END: join_error

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn question_mark_returns_the_first_error() {
        assert_eq!(port(|_| Some("8080".into())), Ok(8080));
        assert_eq!(port(|_| None), Err(ConfigError::Missing("PORT")));
        let error = port(|_| Some("http".into())).unwrap_err();
        assert_eq!(error.to_string(), "PORT=\"http\" is not a port");
    }

    #[tokio::test]
    async fn a_panic_in_a_task_becomes_a_join_error() {
        let (panicked, message) = panicking_task().await;
        assert!(panicked);
        assert!(message.contains("index out of bounds"), "{message}");
    }
}
