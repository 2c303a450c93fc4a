//! The database: an r2d2 pool of SQLite connections tuned for durability, embedded
//! migrations run at start, and the queries (in `queries/`, never in handlers).
//!
//! Error policy: queries return `QueryResult`; handlers turn that into the app error
//! (`crate::error`), where `NotFound` becomes 404 and an exhausted pool 503.

pub mod models;
pub mod queries;
pub mod schema;

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel::{Connection, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

pub type DbConn = SqliteConnection;
pub type DbPool = Pool<ConnectionManager<DbConn>>;
pub type PooledConn = PooledConnection<ConnectionManager<DbConn>>;

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// Every connection: WAL so readers never wait for the writer; `synchronous=FULL` so a
/// committed comment (a `201`) is on disk even if the machine loses power; foreign keys
/// enforced; writers wait for each other rather than fail.
#[derive(Debug)]
struct SqlitePragmas;

impl CustomizeConnection<SqliteConnection, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut SqliteConnection) -> Result<(), diesel::r2d2::Error> {
        // busy_timeout first, so that the others wait rather than fail.
        conn.batch_execute(
            "PRAGMA busy_timeout = 5000;
             PRAGMA synchronous = FULL;
             PRAGMA foreign_keys = ON;",
        )
        .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// Opens the pool for a SQLite file, creating the file if needed.
pub fn connect(path: &str, size: u32) -> anyhow::Result<DbPool> {
    // WAL is a property of the file: set it once, from one connection, before the pool
    // opens several at once (switching modes needs the file to itself).
    let mut first = SqliteConnection::establish(path)
        .map_err(|e| anyhow::anyhow!("cannot open the database {path}: {e}"))?;
    first
        .batch_execute("PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL;")
        .map_err(|e| anyhow::anyhow!("cannot switch {path} to WAL mode: {e}"))?;
    drop(first);
    let manager = ConnectionManager::<SqliteConnection>::new(path);
    let pool = Pool::builder()
        .max_size(size)
        .connection_timeout(Duration::from_secs(10))
        .connection_customizer(Box::new(SqlitePragmas))
        .build(manager)
        .map_err(|e| anyhow::anyhow!("cannot open the database {path}: {e}"))?;
    Ok(pool)
}

/// Applies the migrations not yet applied; returns their names.
pub fn migrate(conn: &mut DbConn) -> anyhow::Result<Vec<String>> {
    let applied = conn
        .run_pending_migrations(SQLITE_MIGRATIONS)
        .map_err(|e| anyhow::anyhow!("migrations failed: {e}"))?;
    Ok(applied.iter().map(|v| v.to_string()).collect())
}

/// Seconds since the Unix epoch: every timestamp in the database.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
