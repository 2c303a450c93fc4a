//! Throwaway PostgreSQL databases for tests.
//!
//! `TEST_POSTGRES_URL` names a server and a role allowed to create databases,
//! e.g. `postgres://causerie_test:causerie_test@127.0.0.1/postgres`. When it is set,
//! the API suite runs on PostgreSQL (a fresh database per test, dropped at the end) and
//! the PostgreSQL-only tests run; when it is not, the API suite runs on SQLite and the
//! PostgreSQL-only tests are skipped, which `tests/postgres.rs` says out loud. In CI
//! (`CI` set) a missing server is a failure, not a skip.

use diesel::{Connection, PgConnection, RunQueryDsl};

pub const ENV: &str = "TEST_POSTGRES_URL";

/// The server URL from `TEST_POSTGRES_URL`, if set and not empty.
pub fn server_url() -> Option<String> {
    std::env::var(ENV).ok().filter(|u| !u.trim().is_empty())
}

/// The server URL, or `None` after saying (past the test harness's capture, so that
/// it shows in `cargo test`'s output) that `what` was skipped. In CI, panics instead.
pub fn server_or_skip(what: &str) -> Option<String> {
    if let Some(url) = server_url() {
        return Some(url);
    }
    if std::env::var_os("CI").is_some() {
        panic!("{ENV} is not set: CI must run the PostgreSQL tests ({what})");
    }
    super::say_skipped(format_args!(
        "SKIPPED PostgreSQL tests ({what}): set {ENV}=postgres://USER:PASSWORD@127.0.0.1/postgres \
         (a role that may CREATE DATABASE) to run them"
    ));
    None
}

/// A database of its own, created empty and dropped (connections and all) when the
/// value is dropped.
#[derive(Debug)]
pub struct TestDatabase {
    pub url: String,
    server: String,
    name: String,
}

impl TestDatabase {
    pub fn create(server: &str) -> TestDatabase {
        use rand::Rng;
        let name = format!("causerie_test_{:016x}", rand::thread_rng().gen::<u64>());
        let mut admin = PgConnection::establish(server)
            .unwrap_or_else(|e| panic!("cannot connect to {ENV}: {e}"));
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .expect("CREATE DATABASE");
        let mut url = url::Url::parse(server).expect("a URL in TEST_POSTGRES_URL");
        url.set_path(&name);
        TestDatabase {
            url: url.to_string(),
            server: server.to_owned(),
            name,
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // FORCE closes what the app under test still has open.
        if let Ok(mut admin) = PgConnection::establish(&self.server) {
            let _ = diesel::sql_query(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .execute(&mut admin);
        }
    }
}
