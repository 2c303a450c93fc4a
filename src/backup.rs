//! Backups and checks of the database (`causerie backup`, `causerie check`).
//!
//! A backup of SQLite is `VACUUM INTO`: one read transaction, so a consistent
//! snapshot of every committed comment even while the server writes, and never a
//! copy of the file (which, under WAL, could miss or tear what is being written).
//! On PostgreSQL, `pg_dump` does that job better than Causerie could.

use std::path::{Path, PathBuf};

use diesel::migration::MigrationSource;
use diesel::sqlite::Sqlite;
use diesel::{QueryableByName, RunQueryDsl};
use diesel_migrations::MigrationHarness;

use crate::db::{self, Backend, DbConn};

/// What to tell someone asking for a backup of a PostgreSQL database.
pub const POSTGRES_HINT: &str = "on PostgreSQL, use pg_dump (for example `pg_dump --format=custom \
     --file=causerie.dump DATABASE_URL`) or causerie export";

/// What a backup wrote.
#[derive(Debug)]
pub struct Summary {
    pub path: PathBuf,
    pub bytes: u64,
    pub comments: i64,
}

/// The SQLite file a `sqlite://PATH` URL names; an error for PostgreSQL (with what to
/// use instead) or anything else.
pub fn sqlite_path(database_url: &str) -> anyhow::Result<PathBuf> {
    match Backend::of_url(database_url) {
        Some(Backend::Sqlite) => Ok(PathBuf::from(database_url.trim_start_matches("sqlite://"))),
        Some(Backend::Postgres) => anyhow::bail!("{POSTGRES_HINT}"),
        None => {
            anyhow::bail!("database_url must start with sqlite://, postgres:// or postgresql://")
        }
    }
}

/// Opens an existing SQLite database (never creating an empty one in its place).
pub fn open_existing_sqlite(path: &Path) -> anyhow::Result<DbConn> {
    if !path.is_file() {
        anyhow::bail!("there is no SQLite database at {}", path.display());
    }
    db::establish(&format!("sqlite://{}", path.display()))
}

/// Writes a consistent copy of the SQLite database `conn` is open on to `dest`,
/// which must not exist unless `force` (it is then replaced).
pub fn backup_sqlite(conn: &mut DbConn, dest: &Path, force: bool) -> anyhow::Result<Summary> {
    let DbConn::Sqlite(_) = conn else {
        anyhow::bail!("{POSTGRES_HINT}");
    };
    if dest.exists() {
        if !force {
            anyhow::bail!(
                "{} exists already: choose another name, or add --force to replace it",
                dest.display()
            );
        }
        std::fs::remove_file(dest)
            .map_err(|e| anyhow::anyhow!("cannot replace {}: {e}", dest.display()))?;
    }
    let target = dest
        .to_str()
        .ok_or_else(|| anyhow::anyhow!("{}: the path is not UTF-8", dest.display()))?;
    diesel::sql_query(format!("VACUUM INTO '{}'", target.replace('\'', "''")))
        .execute(conn)
        .map_err(|e| anyhow::anyhow!("backup to {} failed: {e}", dest.display()))?;
    let bytes = std::fs::metadata(dest)?.len();
    let mut copy = open_existing_sqlite(dest)?;
    let comments = count_comments(&mut copy)?;
    Ok(Summary {
        path: dest.to_owned(),
        bytes,
        comments,
    })
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

pub fn count_comments(conn: &mut DbConn) -> anyhow::Result<i64> {
    Ok(diesel::sql_query("SELECT COUNT(*) AS n FROM comments")
        .get_result::<Count>(conn)?
        .n)
}

#[derive(QueryableByName)]
struct Line {
    #[diesel(sql_type = diesel::sql_types::Text)]
    integrity_check: String,
}

/// SQLite's `PRAGMA integrity_check`: `Ok` when it says "ok", else what it found
/// (its first lines). PostgreSQL checks its own pages: `Ok`.
pub fn integrity(conn: &mut DbConn) -> Result<(), String> {
    let DbConn::Sqlite(_) = conn else {
        return Ok(());
    };
    let lines = diesel::sql_query("PRAGMA integrity_check(10)")
        .load::<Line>(conn)
        .map_err(|e| e.to_string())?;
    match lines.as_slice() {
        [one] if one.integrity_check == "ok" => Ok(()),
        [] => Err("no answer".into()),
        found => Err(found
            .iter()
            .map(|l| l.integrity_check.as_str())
            .collect::<Vec<_>>()
            .join("; ")),
    }
}

/// Where the database's migrations stand against this binary's.
#[derive(Debug, Default)]
pub struct MigrationState {
    /// This binary's migrations not applied yet (`causerie migrate` applies them).
    pub pending: Vec<String>,
    /// Applied migrations this binary does not know (a newer Causerie wrote them).
    pub unknown: Vec<String>,
}

pub fn migration_state(conn: &mut DbConn) -> anyhow::Result<MigrationState> {
    fn state<DB: diesel::backend::Backend, C: MigrationHarness<DB>>(
        c: &mut C,
        source: &diesel_migrations::EmbeddedMigrations,
    ) -> anyhow::Result<MigrationState> {
        let known: Vec<String> =
            <diesel_migrations::EmbeddedMigrations as MigrationSource<DB>>::migrations(source)
                .map_err(|e| anyhow::anyhow!("{e}"))?
                .iter()
                .map(|m| m.name().version().to_string())
                .collect();
        let applied: Vec<String> = c
            .applied_migrations()
            .map_err(|e| anyhow::anyhow!("cannot read the applied migrations: {e}"))?
            .iter()
            .map(|v| v.to_string())
            .collect();
        Ok(MigrationState {
            pending: known
                .iter()
                .filter(|k| !applied.contains(k))
                .cloned()
                .collect(),
            unknown: applied
                .iter()
                .filter(|a| !known.contains(a))
                .cloned()
                .collect(),
        })
    }
    match conn {
        DbConn::Sqlite(c) => state::<Sqlite, _>(c, &db::SQLITE_MIGRATIONS),
        DbConn::Pg(c) => state::<diesel::pg::Pg, _>(c, &db::POSTGRES_MIGRATIONS),
    }
}
