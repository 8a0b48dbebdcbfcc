//! Chapter "Security": injection, password storage, traversal, body limits.

use std::cell::Cell;
use std::fmt;
use std::path::{Component, Path, PathBuf};

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{self, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rusqlite::{Connection, OptionalExtension};

// ANCHOR: params
/// The Argon2id cost for production: 19 MiB of memory, 2 passes, 1 lane — argon2's
/// default, and the minimum OWASP's Password Storage Cheat Sheet recommends. Raise the
/// memory as far as the login rate the server must sustain allows.
pub fn production_params() -> Params {
    Params::DEFAULT
}

/// The smallest cost argon2 accepts (8 KiB, 1 pass): for tests only, so that they stay
/// fast. Never store real passwords with it.
pub fn test_params() -> Params {
    Params::new(Params::MIN_M_COST, Params::MIN_T_COST, 1, None).expect("valid parameters")
}
// ANCHOR_END: params

/// Why a login failed. Unknown user and wrong password are the same variant on purpose.
#[derive(Debug, PartialEq, Eq)]
pub enum LoginError {
    /// No such user, or a wrong password: the client must not learn which.
    InvalidCredentials,
    /// The database or a stored hash is broken: a 500, and a log line.
    Internal(String),
}

impl fmt::Display for LoginError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoginError::InvalidCredentials => f.write_str("invalid user name or password"),
            LoginError::Internal(detail) => write!(f, "internal error: {detail}"),
        }
    }
}

impl std::error::Error for LoginError {}

fn internal(error: impl fmt::Display) -> LoginError {
    LoginError::Internal(error.to_string())
}

/// User accounts in SQLite, passwords stored as Argon2id hashes in PHC string format
/// (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`), which carries its own salt and cost.
pub struct Accounts {
    db: Connection,
    argon2: Argon2<'static>,
    /// A hash of a random password, verified for unknown users.
    dummy: String,
    hashes: Cell<u32>,
}

impl Accounts {
    /// An empty in-memory store hashing with `params` (Argon2id, version 0x13).
    pub fn new(params: Params) -> Accounts {
        let db = Connection::open_in_memory().expect("an in-memory SQLite");
        db.execute_batch(
            "CREATE TABLE users (name TEXT PRIMARY KEY, password_hash TEXT NOT NULL);",
        )
        .expect("the schema");
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let salt = SaltString::generate(&mut OsRng);
        let dummy = argon2
            .hash_password(salt.as_str().as_bytes(), &salt)
            .expect("hashing works")
            .to_string();
        Accounts {
            db,
            argon2,
            dummy,
            hashes: Cell::new(0),
        }
    }

    // ANCHOR: hash
    /// Hashes `password` with a fresh random salt, as a PHC string.
    pub fn hash(&self, password: &str) -> String {
        self.hashes.set(self.hashes.get() + 1);
        let salt = SaltString::generate(&mut OsRng);
        self.argon2
            .hash_password(password.as_bytes(), &salt)
            .expect("hashing works")
            .to_string()
    }
    // ANCHOR_END: hash

    /// Adds a user; only the hash of the password is stored.
    pub fn register(&self, name: &str, password: &str) -> Result<(), LoginError> {
        let hash = self.hash(password);
        self.db
            .execute(
                "INSERT INTO users (name, password_hash) VALUES (?1, ?2)",
                [name, &hash],
            )
            .map_err(internal)?;
        Ok(())
    }

    /// What the database holds for `name` (for the tests: never the password).
    pub fn stored_hash(&self, name: &str) -> Option<String> {
        self.db
            .query_row(
                "SELECT password_hash FROM users WHERE name = ?1",
                [name],
                |row| row.get(0),
            )
            .optional()
            .expect("the query runs")
    }

    /// How many Argon2 computations (hashes and verifications) this store has run: the
    /// work a login costs, which is what its response time shows an attacker.
    pub fn hashes_computed(&self) -> u32 {
        self.hashes.get()
    }
}

// ANCHOR: injection
impl Accounts {
    /// Verifies `password` against a stored PHC string. The library recomputes the hash
    /// with the salt and cost stored in it and compares in constant time.
    fn verify(&self, password: &str, stored: &str) -> Result<bool, LoginError> {
        self.hashes.set(self.hashes.get() + 1);
        let parsed = PasswordHash::new(stored).map_err(internal)?;
        match self.argon2.verify_password(password.as_bytes(), &parsed) {
            Ok(()) => Ok(true),
            Err(password_hash::Error::Password) => Ok(false),
            Err(other) => Err(internal(other)),
        }
    }

    /// WRONG: the name is pasted into the SQL text, so it can change the query itself.
    pub fn login_formatted(&self, name: &str, password: &str) -> Result<String, LoginError> {
        let sql = format!("SELECT name, password_hash FROM users WHERE name = '{name}'");
        let (user, stored): (String, String) = self
            .db
            .query_row(&sql, [], |row| Ok((row.get(0)?, row.get(1)?)))
            .map_err(|_| LoginError::InvalidCredentials)?;
        match self.verify(password, &stored)? {
            true => Ok(user),
            false => Err(LoginError::InvalidCredentials),
        }
    }

    /// Right: fixed SQL with a bound parameter, a salted Argon2id hash verified by the
    /// library, one error for unknown user and wrong password, and the same work for both.
    pub fn login(&self, name: &str, password: &str) -> Result<String, LoginError> {
        let stored: Option<String> = self
            .db
            .query_row(
                "SELECT password_hash FROM users WHERE name = ?1",
                [name],
                |row| row.get(0),
            )
            .optional()
            .map_err(internal)?;
        let Some(stored) = stored else {
            // Unknown user: verify against a dummy hash anyway, so that the response time
            // does not tell an attacker which names exist.
            self.verify(password, &self.dummy)?;
            return Err(LoginError::InvalidCredentials);
        };
        match self.verify(password, &stored)? {
            true => Ok(name.to_owned()),
            false => Err(LoginError::InvalidCredentials),
        }
    }
}
// ANCHOR_END: injection

// ANCHOR: traversal
/// First line of defence: joins a user-supplied relative path to `base`, refusing
/// absolute paths, `..` and (on Windows) drive prefixes. It only looks at the string: a
/// symbolic link inside `base` can still lead out.
pub fn safe_join(base: &Path, user: &str) -> Option<PathBuf> {
    let mut joined = base.to_path_buf();
    for component in Path::new(user).components() {
        match component {
            Component::Normal(part) => joined.push(part),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(joined)
}

/// The existing file `user` names under `base`, with every symbolic link resolved, or
/// `None` if it is missing or its real location is outside `base`.
pub fn resolve_beneath(base: &Path, user: &str) -> Option<PathBuf> {
    let joined = safe_join(base, user)?;
    let base = base.canonicalize().ok()?;
    let real = joined.canonicalize().ok()?;
    real.starts_with(&base).then_some(real)
}
// ANCHOR_END: traversal

// ANCHOR: body_limit
/// An upload service: `/buffered` reads the body through axum's `Bytes` extractor,
/// `/streamed` reads it chunk by chunk, as a streaming upload does. Both answer the size.
pub fn uploads() -> axum::Router {
    use axum::body::{Body, Bytes};
    use axum::http::StatusCode;
    use axum::routing::post;
    use futures::StreamExt;

    async fn buffered(body: Bytes) -> String {
        body.len().to_string()
    }
    async fn streamed(body: Body) -> Result<String, StatusCode> {
        let mut chunks = body.into_data_stream();
        let mut total = 0;
        while let Some(chunk) = chunks.next().await {
            match chunk {
                Ok(bytes) => total += bytes.len(),
                Err(error) if over_limit(&error) => return Err(StatusCode::PAYLOAD_TOO_LARGE),
                Err(_) => return Err(StatusCode::BAD_REQUEST),
            }
        }
        Ok(total.to_string())
    }
    axum::Router::new()
        .route("/buffered", post(buffered))
        .route("/streamed", post(streamed))
}

/// Whether a body error comes from a length limit somewhere in its chain.
fn over_limit(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(error);
    while let Some(error) = cause {
        if error.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        cause = error.source();
    }
    false
}

/// NOT ENOUGH: axum's `DefaultBodyLimit` (2 MiB unless changed) only applies to axum's
/// body extractors (`Bytes`, `String`, `Json`, `Form`, and the streaming `Multipart`); a
/// handler reading `Body` itself sees the whole stream.
pub fn with_default_limit(limit: usize) -> axum::Router {
    uploads().layer(axum::extract::DefaultBodyLimit::max(limit))
}

/// Right: tower-http's `RequestBodyLimitLayer` answers 413 at once when `Content-Length`
/// is too large and wraps every body so that reading past the limit fails, however the
/// handler reads it.
pub fn with_request_limit(limit: usize) -> axum::Router {
    uploads().layer(tower_http::limit::RequestBodyLimitLayer::new(limit))
}
// ANCHOR_END: body_limit

#[cfg(test)]
mod tests {
    use super::*;

    fn accounts_with_alice() -> Accounts {
        let accounts = Accounts::new(test_params());
        accounts.register("alice", "correct horse").unwrap();
        accounts
    }

    #[test]
    fn formatted_sql_lets_an_attacker_choose_the_hash_and_parameters_do_not() {
        let accounts = accounts_with_alice();
        assert_eq!(
            accounts.login_formatted("alice", "correct horse"),
            Ok("alice".into())
        );
        // The attacker hashes a password of their own and makes the query return it as
        // alice's: hashing does not save a query built with `format!`.
        let forged = accounts.hash("pwned");
        let attack = format!("nobody' UNION SELECT 'alice', '{forged}");
        assert_eq!(
            accounts.login_formatted(&attack, "pwned"),
            Ok("alice".into()),
            "the injection logs in as alice"
        );
        assert_eq!(
            accounts.login(&attack, "pwned"),
            Err(LoginError::InvalidCredentials),
            "as a parameter it is just a name that does not exist"
        );
    }

    #[test]
    fn passwords_are_stored_as_salted_argon2id_hashes() {
        let accounts = accounts_with_alice();
        accounts.register("bob", "correct horse").unwrap();
        let alice = accounts.stored_hash("alice").unwrap();
        assert!(alice.starts_with("$argon2id$v=19$m=8,t=1,p=1$"), "{alice}");
        assert!(!alice.contains("correct horse"));
        assert_ne!(
            alice,
            accounts.stored_hash("bob").unwrap(),
            "a fresh salt per user: the same password gives another hash"
        );
        assert!(production_params().m_cost() >= 19 * 1024);
    }

    #[test]
    fn unknown_user_and_wrong_password_look_the_same() {
        let accounts = accounts_with_alice();
        assert_eq!(accounts.login("alice", "correct horse"), Ok("alice".into()));
        let before = accounts.hashes_computed();
        assert_eq!(
            accounts.login("alice", "wrong"),
            Err(LoginError::InvalidCredentials)
        );
        let wrong_password_cost = accounts.hashes_computed() - before;
        let before = accounts.hashes_computed();
        assert_eq!(
            accounts.login("mallory", "wrong"),
            Err(LoginError::InvalidCredentials)
        );
        let unknown_user_cost = accounts.hashes_computed() - before;
        assert_eq!(
            (wrong_password_cost, unknown_user_cost),
            (1, 1),
            "one Argon2 verification either way, so timing tells nothing"
        );
    }

    #[test]
    fn traversal_by_components_is_refused() {
        let base = Path::new("/srv/uploads");
        assert_eq!(
            safe_join(base, "a/b.txt"),
            Some(PathBuf::from("/srv/uploads/a/b.txt"))
        );
        assert_eq!(safe_join(base, "../etc/passwd"), None);
        assert_eq!(safe_join(base, "a/../../x"), None);
        assert_eq!(safe_join(base, "/etc/passwd"), None);
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_escaping_a_component_checked_join_is_caught() {
        let root = tempfile::tempdir().unwrap();
        let uploads = root.path().join("uploads");
        std::fs::create_dir_all(uploads.join("inner")).unwrap();
        std::fs::write(uploads.join("inner/report.txt"), "ok").unwrap();
        std::fs::write(root.path().join("secret.txt"), "secret").unwrap();
        // Someone (an archive, another user) left a link inside the upload folder.
        std::os::unix::fs::symlink(root.path(), uploads.join("link")).unwrap();
        std::os::unix::fs::symlink(uploads.join("inner"), uploads.join("alias")).unwrap();

        assert!(
            safe_join(&uploads, "link/secret.txt").is_some(),
            "the component check lets the link through"
        );
        assert_eq!(resolve_beneath(&uploads, "link/secret.txt"), None);
        let inside = uploads.join("inner/report.txt").canonicalize().unwrap();
        assert_eq!(
            resolve_beneath(&uploads, "inner/report.txt"),
            Some(inside.clone())
        );
        assert_eq!(
            resolve_beneath(&uploads, "alias/report.txt"),
            Some(inside),
            "a link that stays inside is fine"
        );
        assert_eq!(resolve_beneath(&uploads, "../secret.txt"), None);
    }

    async fn post(app: axum::Router, path: &str, size: usize, announce: bool) -> (u16, String) {
        use axum::body::{Body, Bytes};
        use http_body_util::BodyExt;
        use tower::ServiceExt;
        // Four chunks from a stream: no Content-Length unless `announce`.
        let chunk = Bytes::from(vec![b'x'; size / 4]);
        let body = Body::from_stream(futures::stream::iter(
            (0..4).map(move |_| Ok::<_, std::convert::Infallible>(chunk.clone())),
        ));
        let mut request = axum::http::Request::post(path);
        if announce {
            request = request.header("content-length", size);
        }
        let response = app.oneshot(request.body(body).unwrap()).await.unwrap();
        let status = response.status().as_u16();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }

    #[tokio::test]
    async fn default_body_limit_misses_a_streamed_body() {
        assert_eq!(
            post(with_default_limit(16), "/buffered", 8, false).await,
            (200, "8".into())
        );
        assert_eq!(
            post(with_default_limit(16), "/buffered", 64, false).await.0,
            413
        );
        assert_eq!(
            post(with_default_limit(16), "/streamed", 64, false).await,
            (200, "64".into()),
            "DefaultBodyLimit does not apply to a body read as a stream"
        );
    }

    #[tokio::test]
    async fn request_body_limit_covers_a_streamed_body() {
        for (path, announce) in [
            ("/streamed", false),
            ("/streamed", true),
            ("/buffered", false),
        ] {
            assert_eq!(
                post(with_request_limit(16), path, 64, announce).await.0,
                413,
                "{path}, Content-Length sent: {announce}"
            );
        }
        assert_eq!(
            post(with_request_limit(16), "/streamed", 16, false).await,
            (200, "16".into())
        );
    }
}
