//! Chapter "Security: injection, traversal, secrets".

use std::path::{Component, Path, PathBuf};

use rusqlite::{Connection, params};

/// A database with one user, alice, whose password is `correct horse`.
pub fn database() -> Connection {
    let db = Connection::open_in_memory().expect("an in-memory SQLite");
    db.execute_batch(
        "CREATE TABLE users (name TEXT NOT NULL, password TEXT NOT NULL);
         INSERT INTO users VALUES ('alice', 'correct horse');",
    )
    .expect("the schema");
    db
}

// ANCHOR: injection
/// WRONG: the input is pasted into the SQL text, so it can change the query itself.
pub fn login_formatted(db: &Connection, name: &str, password: &str) -> bool {
    let sql =
        format!("SELECT count(*) FROM users WHERE name = '{name}' AND password = '{password}'");
    db.query_row(&sql, [], |row| row.get::<_, i64>(0))
        .is_ok_and(|n| n > 0)
}

/// Right: the SQL text is fixed and the input travels as parameters, never as SQL.
pub fn login_bound(db: &Connection, name: &str, password: &str) -> bool {
    db.query_row(
        "SELECT count(*) FROM users WHERE name = ?1 AND password = ?2",
        params![name, password],
        |row| row.get::<_, i64>(0),
    )
    .is_ok_and(|n| n > 0)
}
// ANCHOR_END: injection

// ANCHOR: traversal
/// Joins a user-supplied relative path to `base`, refusing anything that could leave it:
/// absolute paths, `..`, and (on Windows) drive prefixes.
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
// ANCHOR_END: traversal

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_formatting_lets_an_attacker_in_and_parameters_do_not() {
        let db = database();
        let attack = "' OR '1'='1";
        assert!(login_formatted(&db, "alice", "correct horse"));
        assert!(!login_formatted(&db, "alice", "wrong"));
        assert!(
            login_formatted(&db, "alice", attack),
            "the injection logs in without the password"
        );
        assert!(login_bound(&db, "alice", "correct horse"));
        assert!(
            !login_bound(&db, "alice", attack),
            "as a parameter it is just a wrong password"
        );
    }

    #[test]
    fn traversal_is_refused() {
        let base = Path::new("/srv/uploads");
        assert_eq!(
            safe_join(base, "a/b.txt"),
            Some(PathBuf::from("/srv/uploads/a/b.txt"))
        );
        assert_eq!(safe_join(base, "../etc/passwd"), None);
        assert_eq!(safe_join(base, "a/../../x"), None);
        assert_eq!(safe_join(base, "/etc/passwd"), None);
    }
}
