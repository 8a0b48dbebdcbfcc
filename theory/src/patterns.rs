//! Chapter "Patterns": five small patterns from the seed's quick reference, in Rust.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, OnceLock};

// ANCHOR: operational_error
/// An application error that knows whether it is *operational* (expected: answer the
/// client and carry on) or a *bug* (log it loudly; the client gets a generic 500).
#[derive(Debug, PartialEq, Eq)]
pub enum AppError {
    /// The client asked for something that does not exist.
    NotFound(String),
    /// The client sent something invalid.
    Invalid(String),
    /// Something that should not happen did.
    Bug(String),
}

impl AppError {
    /// The HTTP status to answer with.
    pub fn status(&self) -> u16 {
        match self {
            AppError::NotFound(_) => 404,
            AppError::Invalid(_) => 400,
            AppError::Bug(_) => 500,
        }
    }

    /// Whether the service can simply carry on.
    pub fn is_operational(&self) -> bool {
        !matches!(self, AppError::Bug(_))
    }

    /// What the client is told: details for operational errors, nothing internal for bugs.
    pub fn public_message(&self) -> String {
        match self {
            AppError::NotFound(what) => format!("{what} not found"),
            AppError::Invalid(why) => why.clone(),
            AppError::Bug(_) => "internal error".into(),
        }
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AppError::Bug(detail) => write!(f, "bug: {detail}"),
            other => f.write_str(&other.public_message()),
        }
    }
}

impl std::error::Error for AppError {}
// ANCHOR_END: operational_error

// ANCHOR: repository
/// A user, as the domain sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Its id.
    pub id: u32,
    /// Its name.
    pub name: String,
}

/// Storage of users, behind a trait: the service does not know whether it is SQL, an
/// HTTP API or memory.
pub trait UserRepository {
    /// The user with `id`.
    fn find(&self, id: u32) -> Option<User>;
    /// Stores `user`, replacing any with the same id.
    fn save(&self, user: User);
}

/// The repository for tests (and for prototypes).
#[derive(Default)]
pub struct InMemoryUsers(Mutex<HashMap<u32, User>>);

impl UserRepository for InMemoryUsers {
    fn find(&self, id: u32) -> Option<User> {
        self.0.lock().unwrap().get(&id).cloned()
    }
    fn save(&self, user: User) {
        self.0.lock().unwrap().insert(user.id, user);
    }
}

/// Business logic over any repository.
pub fn rename<R: UserRepository>(users: &R, id: u32, name: &str) -> Result<User, AppError> {
    if name.trim().is_empty() {
        return Err(AppError::Invalid("a name cannot be empty".into()));
    }
    let mut user = users
        .find(id)
        .ok_or_else(|| AppError::NotFound(format!("user {id}")))?;
    user.name = name.trim().to_owned();
    users.save(user.clone());
    Ok(user)
}
// ANCHOR_END: repository

// ANCHOR: factory
/// Something that delivers a message. `Send + Sync` as supertraits: a notifier built at
/// start-up is shared by every request handler, on every worker thread.
pub trait Notifier: Send + Sync {
    /// Where the message would go, for the example's assertions.
    fn deliver(&self, message: &str) -> String;
}

struct Email {
    to: String,
}
struct Sms {
    number: String,
}

/// The longest SMS text, in characters (160 in the GSM-7 alphabet; a message with other
/// characters is sent as UCS-2, 70 per segment, and the gateway splits longer ones).
const SMS_CHARACTERS: usize = 160;

impl Notifier for Email {
    fn deliver(&self, message: &str) -> String {
        format!("email to {}: {message}", self.to)
    }
}
impl Notifier for Sms {
    fn deliver(&self, message: &str) -> String {
        // Cut after a number of characters, never inside one: slicing `&message[..160]`
        // counts bytes and panics when byte 160 falls inside a multi-byte character.
        let end = message
            .char_indices()
            .nth(SMS_CHARACTERS)
            .map_or(message.len(), |(index, _)| index);
        format!("sms to {}: {}", self.number, &message[..end])
    }
}

/// A configuration error: found at start-up, before any request is served.
#[derive(Debug, PartialEq, Eq)]
pub enum ConfigError {
    /// The configuration names a notifier this build does not have.
    UnknownNotifier(String),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::UnknownNotifier(kind) => write!(f, "unknown notifier `{kind}`"),
        }
    }
}

impl std::error::Error for ConfigError {}

/// Builds the notifier a configuration names; an unknown kind is an error, not a panic —
/// and a start-up error, not a client's 400.
pub fn notifier(kind: &str, address: &str) -> Result<Box<dyn Notifier>, ConfigError> {
    match kind {
        "email" => Ok(Box::new(Email { to: address.into() })),
        "sms" => Ok(Box::new(Sms {
            number: address.into(),
        })),
        other => Err(ConfigError::UnknownNotifier(other.into())),
    }
}
// ANCHOR_END: factory

// ANCHOR: singleton
/// Settings read once, on first use, then shared by every thread.
#[derive(Debug)]
pub struct Settings {
    /// The service's name.
    pub service: String,
}

static SETTINGS: OnceLock<Settings> = OnceLock::new();

/// The process-wide settings, loaded the first time anyone asks.
pub fn settings() -> &'static Settings {
    settings_in(&SETTINGS, || Settings {
        service: "kata".into(),
    })
}

/// The pattern itself, over a cell and a loader the caller gives (a test gives its own,
/// since the global cannot be reset): `load` runs exactly once, even if many threads ask
/// at the same moment; the others wait for it and share its result.
pub fn settings_in(cell: &OnceLock<Settings>, load: impl FnOnce() -> Settings) -> &Settings {
    cell.get_or_init(load)
}
// ANCHOR_END: singleton

// ANCHOR: chain
/// The rest of the chain, handed to each middleware. It is consumed by `run`, so a
/// middleware cannot call the rest of the chain twice; Express can only detect that at run
/// time. Two doctests pin this down. Calling it once compiles:
///
/// ```
/// use theory_examples::patterns::Middleware;
/// let once: Middleware = Box::new(|log, next| {
///     log.push("before".into());
///     next.run(log)
/// });
/// ```
///
/// The same middleware calling it a second time does not (`error[E0382]: use of moved
/// value: next`). Stable rustdoc checks only *that* it fails to compile, not the error
/// code; the passing twin above is what shows the second call is the reason.
///
/// ```compile_fail,E0382
/// use theory_examples::patterns::Middleware;
/// let twice: Middleware = Box::new(|log, next| {
///     log.push("before".into());
///     next.run(log)?;
///     next.run(log)
/// });
/// ```
pub struct Next<'a> {
    rest: &'a [Middleware],
}

/// A middleware: look at the request, then call `next.run(request)` or answer itself.
pub type Middleware =
    Box<dyn Fn(&mut Vec<String>, Next<'_>) -> Result<String, AppError> + Send + Sync>;

impl Next<'_> {
    /// Runs the rest of the chain.
    pub fn run(self, log: &mut Vec<String>) -> Result<String, AppError> {
        match self.rest.split_first() {
            Some((first, rest)) => first(log, Next { rest }),
            None => Ok("no handler".into()),
        }
    }
}

/// Runs `chain` from the start.
pub fn handle(chain: &[Middleware], log: &mut Vec<String>) -> Result<String, AppError> {
    Next { rest: chain }.run(log)
}
// ANCHOR_END: chain

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operational_errors_tell_the_client_and_bugs_do_not() {
        let missing = AppError::NotFound("user 7".into());
        assert_eq!((missing.status(), missing.is_operational()), (404, true));
        assert_eq!(missing.public_message(), "user 7 not found");
        let bug = AppError::Bug("index 3 of 2".into());
        assert_eq!((bug.status(), bug.is_operational()), (500, false));
        assert_eq!(
            bug.public_message(),
            "internal error",
            "no internals leak to clients"
        );
        assert_eq!(bug.to_string(), "bug: index 3 of 2", "but the log has them");
    }

    #[test]
    fn the_service_runs_against_an_in_memory_repository() {
        let users = InMemoryUsers::default();
        users.save(User {
            id: 1,
            name: "ada".into(),
        });
        assert_eq!(rename(&users, 1, " Ada ").unwrap().name, "Ada");
        assert_eq!(users.find(1).unwrap().name, "Ada");
        assert_eq!(
            rename(&users, 2, "x"),
            Err(AppError::NotFound("user 2".into()))
        );
        assert!(matches!(rename(&users, 1, "  "), Err(AppError::Invalid(_))));
    }

    #[test]
    fn the_factory_builds_by_name_and_refuses_unknown_kinds() {
        assert_eq!(
            notifier("email", "a@b.c").unwrap().deliver("hi"),
            "email to a@b.c: hi"
        );
        assert_eq!(
            notifier("sms", "+100").unwrap().deliver("hi"),
            "sms to +100: hi"
        );
        assert_eq!(
            notifier("pigeon", "").err(),
            Some(ConfigError::UnknownNotifier("pigeon".into()))
        );
    }

    #[test]
    fn an_sms_is_cut_after_160_characters_not_bytes() {
        let sms = notifier("sms", "+100").unwrap();
        // `x` and 200 two-byte characters: every `é` starts at an odd byte, so byte 160 is
        // inside a character (and byte 161 a boundary): slicing at 160 bytes panics.
        let text = format!("x{}", "é".repeat(200));
        let sent = sms.deliver(&text);
        let body = sent.strip_prefix("sms to +100: ").unwrap();
        assert_eq!(body.chars().count(), 160);
        assert!(text.starts_with(body));
        assert_eq!(sms.deliver("short"), "sms to +100: short");
    }

    /// Whether a type implements the given traits, as a value a test can assert on: the
    /// inherent `answer` exists only where the bound holds, and method lookup prefers it to
    /// the trait's default. (A compile-time assertion would turn a regression into a build
    /// error instead of a failing test.)
    macro_rules! implements {
        ($type:ty: $($bound:tt)+) => {{
            struct Probe<T: ?Sized>(std::marker::PhantomData<T>);
            #[allow(dead_code)]
            trait Otherwise {
                fn answer(&self) -> bool {
                    false
                }
            }
            impl<T: ?Sized> Otherwise for Probe<T> {}
            #[allow(dead_code)]
            impl<T: ?Sized + $($bound)+> Probe<T> {
                fn answer(&self) -> bool {
                    true
                }
            }
            Probe::<$type>(std::marker::PhantomData).answer()
        }};
    }

    #[test]
    fn a_notifier_can_be_shared_across_threads() {
        assert!(
            implements!(dyn Notifier: Send + Sync),
            "a Box<dyn Notifier> can be shared by handlers on every worker thread"
        );
        assert!(!implements!(std::rc::Rc<u8>: Send), "the probe can say no");
    }

    #[test]
    fn next_cannot_be_copied_so_the_chain_runs_once() {
        assert!(
            !implements!(Next<'static>: Clone),
            "a Clone or Copy `Next` would let a middleware call the rest twice"
        );
        assert!(implements!(String: Clone), "the probe can say yes");
    }

    #[test]
    fn the_singleton_loads_once_across_threads() {
        use std::sync::atomic::{AtomicU32, Ordering};
        use std::sync::{Barrier, Condvar};
        const THREADS: u32 = 8;
        let cell = OnceLock::new();
        let loads = AtomicU32::new(0);
        let asked = (Mutex::new(0), Condvar::new());
        let start = Barrier::new(THREADS as usize);
        // The loader holds on until every thread has asked: a check-then-set version lets
        // the others see an empty cell and load again (theory/mutants.toml). It fails this
        // test in practice on every run, not in theory: a thread paused between counting
        // itself and calling `settings_in` could find the cell already set.
        let load = || {
            loads.fetch_add(1, Ordering::SeqCst);
            let (count, all_asked) = &asked;
            let guard = count.lock().unwrap();
            let timeout = std::time::Duration::from_secs(10);
            let (_guard, waited) = all_asked
                .wait_timeout_while(guard, timeout, |n| *n < THREADS)
                .unwrap();
            assert!(!waited.timed_out(), "every thread asks");
            Settings {
                service: "kata".into(),
            }
        };
        std::thread::scope(|scope| {
            for _ in 0..THREADS {
                scope.spawn(|| {
                    start.wait();
                    let (count, all_asked) = &asked;
                    *count.lock().unwrap() += 1;
                    all_asked.notify_all();
                    assert_eq!(settings_in(&cell, load).service, "kata");
                });
            }
        });
        assert_eq!(loads.load(Ordering::SeqCst), 1);
        assert_eq!(settings().service, "kata");
    }

    #[test]
    fn the_chain_runs_in_order_and_can_stop_early() {
        let logger: Middleware = Box::new(|log, next| {
            log.push("logger".into());
            next.run(log)
        });
        let auth: Middleware = Box::new(|log, next| {
            log.push("auth".into());
            if log.iter().any(|l| l == "anonymous") {
                return Err(AppError::Invalid("sign in first".into()));
            }
            next.run(log)
        });
        let handler: Middleware = Box::new(|log, _next| {
            log.push("handler".into());
            Ok("200 OK".into())
        });
        let chain = vec![logger, auth, handler];
        let mut log = Vec::new();
        assert_eq!(handle(&chain, &mut log).unwrap(), "200 OK");
        assert_eq!(log, ["logger", "auth", "handler"]);
        let mut log = vec!["anonymous".to_owned()];
        assert!(handle(&chain, &mut log).is_err());
        assert_eq!(
            log,
            ["anonymous", "logger", "auth"],
            "auth stopped the chain"
        );
    }
}
