//! The database: SQLite (one server) or PostgreSQL (several instances behind a load
//! balancer), chosen at run time by the URL's scheme, with one schema, one set of
//! queries (`queries/`, never in handlers) and one migrations folder per backend.
//!
//! `DbConn` is diesel's `MultiConnection` over both: queries written once run on
//! either. What the two backends do differently lives here and nowhere else: how a
//! connection is opened and tuned, how migrations are serialized, how a writing
//! transaction starts (`tx::transaction`, and `writer`'s group commit on SQLite) and
//! the few statements diesel's common dialect lacks (`per_backend!`).
//!
//! Concurrency on PostgreSQL: its writing transactions are ordinary (read committed)
//! ones and several run at once, so the units that read then write protect
//! themselves where it matters, with a unique index and `ON CONFLICT` (a page's
//! thread), a row lock (`comments::find_for_update`, a comment being moderated), an
//! advisory lock (`lock_keys`: rate limits, login throttling) or a conditional
//! UPDATE (link and outbox claims). On SQLite one writer runs at a time.
//!
//! Error policy: queries return `QueryResult`; handlers turn that into the app error
//! (`crate::error`), where `NotFound` becomes 404 and an exhausted pool 503.

pub mod models;
pub mod queries;
pub mod reach;
pub mod schema;
mod text;
pub mod transfer;
pub mod tx;
pub mod writer;

pub use reach::{checkout, Reach};
pub use tx::{transaction, Done, Tx};

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{CustomizeConnection, ManageConnection, Pool, R2D2Connection};
use diesel::{Connection, PgConnection, RunQueryDsl, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

/// A connection to either backend. Queries take `&mut DbConn`; a statement only one
/// backend understands is written with `per_backend!`.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Sqlite(SqliteConnection),
    Pg(PgConnection),
}

pub type DbPool = Pool<Manager>;

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Runs `$body` with `$c` bound to the backend's own connection: for the statements
/// diesel's common dialect does not offer (`ON CONFLICT`, `FOR UPDATE`, …). The body
/// is compiled once per backend.
#[macro_export]
macro_rules! per_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConn::Sqlite($c) => $body,
            $crate::db::DbConn::Pg($c) => $body,
        }
    };
}

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// `sqlite://PATH`, `postgres://…` or `postgresql://…`; anything else is `None`.
    pub fn of_url(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite://") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }
}

/// Opens connections for the pool. The backend is decided once, from the URL, rather
/// than by trying each in turn (the derived `establish` would, and SQLite would then
/// happily create a file named `postgres:…`).
#[derive(Debug)]
pub struct Manager {
    backend: Backend,
    /// The SQLite file path, or the PostgreSQL URL as given (libpq reads `sslmode`
    /// and the other parameters from it).
    target: String,
}

impl Manager {
    pub fn new(database_url: &str) -> anyhow::Result<Manager> {
        let backend = Backend::of_url(database_url).ok_or_else(|| {
            anyhow::anyhow!("database_url must start with sqlite://, postgres:// or postgresql://")
        })?;
        let target = match backend {
            Backend::Sqlite => database_url.trim_start_matches("sqlite://").to_owned(),
            Backend::Postgres => database_url.to_owned(),
        };
        Ok(Manager { backend, target })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }
}

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConn, Self::Error> {
        match self.backend {
            Backend::Sqlite => SqliteConnection::establish(&self.target).map(DbConn::Sqlite),
            Backend::Postgres => PgConnection::establish(&self.target).map(DbConn::Pg),
        }
        .map_err(diesel::r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), Self::Error> {
        conn.ping().map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        std::thread::panicking() || conn.is_broken()
    }
}

/// One connection outside any pool (the CLI's `migrate-data`, tests).
pub fn establish(database_url: &str) -> anyhow::Result<DbConn> {
    let manager = Manager::new(database_url)?;
    let mut conn = manager
        .connect()
        .map_err(|e| anyhow::anyhow!("cannot open the database: {e}"))?;
    SqlitePragmas
        .on_acquire(&mut conn)
        .map_err(|e| anyhow::anyhow!("cannot set up the database connection: {e}"))?;
    Ok(conn)
}

/// Every SQLite connection: WAL so readers never wait for the writer;
/// `synchronous=FULL` so a committed comment (a `201`) is on disk even if the machine
/// loses power; foreign keys enforced; writers wait for each other rather than fail;
/// a small page cache (memory is measured); temporary journals (savepoints of a group
/// commit) in memory rather than spilled to files.
/// PostgreSQL needs none of this.
#[derive(Debug)]
struct SqlitePragmas;

impl CustomizeConnection<DbConn, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut DbConn) -> Result<(), diesel::r2d2::Error> {
        let DbConn::Sqlite(conn) = conn else {
            return Ok(());
        };
        // busy_timeout first, so that the others wait rather than fail.
        conn.batch_execute(
            "PRAGMA busy_timeout = 5000;
             PRAGMA synchronous = FULL;
             PRAGMA foreign_keys = ON;
             PRAGMA cache_size = -1024;
             PRAGMA temp_store = MEMORY;",
        )
        .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// Opens the pool of `size` connections for `database_url` (creating a SQLite file if
/// needed). The URL is never echoed in errors: it may hold a password.
pub fn connect(database_url: &str, size: u32) -> anyhow::Result<DbPool> {
    connect_observed(database_url, size, None, None)
}

/// `connect`, with a handler told of each checkout and timeout (the metrics), and
/// one told of each connection the database refused (`reach::checkout` fails fast).
pub fn connect_observed(
    database_url: &str,
    size: u32,
    events: Option<Box<dyn diesel::r2d2::HandleEvent>>,
    reach: Option<&std::sync::Arc<Reach>>,
) -> anyhow::Result<DbPool> {
    let manager = Manager::new(database_url)?;
    let mut builder = Pool::builder()
        .max_size(size)
        .connection_timeout(Duration::from_secs(10));
    if let Some(events) = events {
        builder = builder.event_handler(events);
    }
    if let Some(reach) = reach {
        builder = builder.error_handler(reach.handler());
    }
    match manager.backend() {
        Backend::Sqlite => {
            let path = manager.target.clone();
            // WAL is a property of the file: set it once, from one connection, before
            // the pool opens several at once (switching modes needs the file to itself).
            let mut first = SqliteConnection::establish(&path)
                .map_err(|e| anyhow::anyhow!("cannot open the database {path}: {e}"))?;
            first
                .batch_execute("PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL;")
                .map_err(|e| anyhow::anyhow!("cannot switch {path} to WAL mode: {e}"))?;
            drop(first);
            builder = builder.connection_customizer(Box::new(SqlitePragmas));
        }
        Backend::Postgres => {
            // One connection first, so that a wrong host or password is one clear
            // error now, rather than the pool retrying for its whole timeout.
            manager
                .connect()
                .map_err(|e| anyhow::anyhow!("cannot connect to PostgreSQL: {e}"))?;
        }
    }
    builder
        .build(manager)
        .map_err(|e| anyhow::anyhow!("cannot open the database: {e}"))
}

/// Any key will do, as long as every Causerie instance uses the same one.
const MIGRATION_LOCK: i64 = 0x0043_6175_7365_7269; // "Causeri"

/// Applies the migrations not yet applied; returns their names. On PostgreSQL, under
/// a session advisory lock, so that several instances starting together migrate once:
/// the first applies them, the others wait and then find nothing to do.
pub fn migrate(conn: &mut DbConn) -> anyhow::Result<Vec<String>> {
    let applied = match conn {
        DbConn::Sqlite(c) => c
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map(|v| v.iter().map(|v| v.to_string()).collect())
            .map_err(|e| anyhow::anyhow!("migrations failed: {e}"))?,
        DbConn::Pg(c) => {
            diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK})")).execute(c)?;
            let result = c
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|v| v.iter().map(|v| v.to_string()).collect::<Vec<_>>())
                .map_err(|e| anyhow::anyhow!("migrations failed: {e}"));
            diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})")).execute(c)?;
            result?
        }
    };
    Ok(applied)
}

/// On PostgreSQL, waits for, then holds until the transaction ends, a lock named by
/// each of `keys` (taken in a fixed order, so two transactions never wait for each
/// other in a circle). On SQLite, nothing: a writing transaction there already runs
/// alone.
pub fn lock_keys(conn: &mut DbConn, keys: &mut [String]) -> diesel::QueryResult<()> {
    let DbConn::Pg(c) = conn else {
        return Ok(());
    };
    keys.sort();
    for key in keys.iter() {
        diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext($1))")
            .bind::<diesel::sql_types::Text, _>(key)
            .execute(c)?;
    }
    Ok(())
}

/// Seconds since the Unix epoch: every timestamp in the database.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
