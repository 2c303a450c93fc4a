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
    if let Some(folder) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
        if !folder.is_dir() {
            anyhow::bail!(
                "cannot write {}: the folder {} does not exist (create it first, e.g. mkdir -p {})",
                dest.display(),
                folder.display(),
                folder.display()
            );
        }
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

/// The name of an automatic backup: `causerie-YYYYMMDD-HHMMSS.db`, in UTC, so that
/// names sort as times do.
pub fn automatic_name(at: time::OffsetDateTime) -> String {
    let stamp = at
        .to_offset(time::UtcOffset::UTC)
        .format(time::macros::format_description!(
            "[year][month][day]-[hour][minute][second]"
        ))
        .unwrap_or_default();
    format!("causerie-{stamp}.db")
}

fn is_automatic(name: &str) -> bool {
    name.len() == "causerie-YYYYMMDD-HHMMSS.db".len()
        && name.starts_with("causerie-")
        && name.ends_with(".db")
        && name[9..24]
            .chars()
            .enumerate()
            .all(|(i, c)| if i == 8 { c == '-' } else { c.is_ascii_digit() })
}

/// One automatic backup into `dir` (created if needed), then the oldest automatic
/// backups beyond `keep` removed (other files in `dir` are left alone). Returns
/// what was written and the files removed.
pub fn backup_into_dir(
    conn: &mut DbConn,
    dir: &Path,
    keep: u32,
    at: time::OffsetDateTime,
) -> anyhow::Result<(Summary, Vec<PathBuf>)> {
    std::fs::create_dir_all(dir)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
    let done = backup_sqlite(conn, &dir.join(automatic_name(at)), false)?;
    let mut names: Vec<String> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| is_automatic(n))
        .collect();
    names.sort();
    let excess = names.len().saturating_sub(keep as usize);
    let mut removed = Vec::new();
    for name in &names[..excess] {
        let path = dir.join(name);
        std::fs::remove_file(&path)
            .map_err(|e| anyhow::anyhow!("cannot remove {}: {e}", path.display()))?;
        removed.push(path);
    }
    Ok((done, removed))
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

/// What a restore did.
#[derive(Debug)]
pub struct Restored {
    /// Where the database that was replaced now is (none if there was none).
    pub kept_aside: Option<PathBuf>,
    pub comments: i64,
}

/// The three files of a SQLite database in WAL mode.
fn with_sidecars(path: &Path) -> [PathBuf; 3] {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    let mut shm = path.as_os_str().to_owned();
    shm.push("-shm");
    [path.to_owned(), wal.into(), shm.into()]
}

/// Removes the temporary copy unless the restore went through.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        for p in with_sidecars(&self.0) {
            let _ = std::fs::remove_file(p);
        }
        let mut journal = self.0.as_os_str().to_owned();
        journal.push("-journal");
        let _ = std::fs::remove_file(PathBuf::from(journal));
    }
}

/// Puts the backup `file` in place of the SQLite database at `live`, for a stopped
/// instance. `file` itself is only read: a copy of it, next to `live`, is checked
/// (a SQLite database, passing its integrity check, with no migration this binary
/// does not know) and brought up to date; only then is `live` (with its `-wal` and
/// `-shm`) moved to `live.before-restore-TIMESTAMP` and the copy renamed into its
/// place. Refused, with nothing changed, if another process has `live` open.
pub fn restore_sqlite(live: &Path, file: &Path) -> anyhow::Result<Restored> {
    use std::io::Read;
    let nothing = "nothing was replaced";
    let mut head = [0u8; 16];
    std::fs::File::open(file)
        .and_then(|mut f| f.read_exact(&mut head))
        .map_err(|e| anyhow::anyhow!("{}: cannot read it ({e}); {nothing}", file.display()))?;
    if &head != b"SQLite format 3\0" {
        anyhow::bail!("{} is not a SQLite database; {nothing}", file.display());
    }
    let stamp = time::OffsetDateTime::now_utc()
        .format(time::macros::format_description!(
            "[year][month][day]-[hour][minute][second]"
        ))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let name = live
        .file_name()
        .ok_or_else(|| anyhow::anyhow!("database_url names no file"))?
        .to_string_lossy()
        .into_owned();
    let dir = match live.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    let scratch = Scratch(dir.join(format!(".{name}.restoring-{stamp}")));
    std::fs::copy(file, &scratch.0).map_err(|e| {
        anyhow::anyhow!(
            "cannot copy {} next to {name}: {e}; {nothing}",
            file.display()
        )
    })?;
    let comments = {
        let mut copy = open_existing_sqlite(&scratch.0)
            .map_err(|e| anyhow::anyhow!("{}: {e:#}; {nothing}", file.display()))?;
        integrity(&mut copy).map_err(|why| {
            anyhow::anyhow!(
                "{} fails SQLite's integrity check ({why}); {nothing}",
                file.display()
            )
        })?;
        let state = migration_state(&mut copy)?;
        if !state.unknown.is_empty() {
            anyhow::bail!(
                "{} was written by a newer Causerie (migrations {}); {nothing}",
                file.display(),
                state.unknown.join(", ")
            );
        }
        db::migrate(&mut copy).map_err(|e| anyhow::anyhow!("{e:#}; {nothing}"))?;
        count_comments(&mut copy)?
    };
    let kept_aside = if live.exists() {
        ensure_unused(live)?;
        let aside = dir.join(format!("{name}.before-restore-{stamp}"));
        for (from, to) in with_sidecars(live).iter().zip(with_sidecars(&aside)) {
            if from.exists() {
                std::fs::rename(from, &to)
                    .map_err(|e| anyhow::anyhow!("cannot move {} aside: {e}", from.display()))?;
            }
        }
        Some(aside)
    } else {
        None
    };
    std::fs::rename(&scratch.0, live)
        .map_err(|e| anyhow::anyhow!("cannot put the copy in place of {}: {e}", live.display()))?;
    Ok(Restored {
        kept_aside,
        comments,
    })
}

#[derive(QueryableByName)]
struct Mode {
    #[diesel(sql_type = diesel::sql_types::Text)]
    journal_mode: String,
}

/// Leaving WAL mode needs the database to itself: it fails while the server (or any
/// other process) has it open. It also folds the `-wal` into the file kept aside.
fn ensure_unused(live: &Path) -> anyhow::Result<()> {
    let in_use = || {
        anyhow::anyhow!(
            "{} is in use: stop the server (and any other causerie command) first; nothing \
             was replaced",
            live.display()
        )
    };
    let mut conn = open_existing_sqlite(live)?;
    diesel::sql_query("PRAGMA busy_timeout = 200")
        .execute(&mut conn)
        .map_err(|_| in_use())?;
    let mode = diesel::sql_query("PRAGMA journal_mode = DELETE")
        .get_result::<Mode>(&mut conn)
        .map_err(|_| in_use())?;
    if mode.journal_mode != "delete" {
        return Err(in_use());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn automatic_backups_are_named_by_time_and_the_oldest_beyond_keep_removed() {
        let dir = tempfile::tempdir().unwrap();
        let live = dir.path().join("live.db");
        let mut conn = db::establish(&format!("sqlite://{}", live.display())).unwrap();
        db::migrate(&mut conn).unwrap();
        let backups = dir.path().join("backups");
        std::fs::create_dir_all(&backups).unwrap();
        std::fs::write(backups.join("notes.txt"), "mine").unwrap();
        let start = time::macros::datetime!(2026-12-01 10:00:00 UTC);
        for h in 0..4 {
            let at = start + time::Duration::hours(h);
            let (done, removed) = backup_into_dir(&mut conn, &backups, 2, at).unwrap();
            assert_eq!(done.comments, 0);
            assert_eq!(removed.len(), usize::from(h >= 2));
        }
        let mut left: Vec<String> = std::fs::read_dir(&backups)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                "causerie-20261201-120000.db",
                "causerie-20261201-130000.db",
                "notes.txt"
            ]
        );
    }

    #[test]
    fn automatic_backups_are_for_sqlite_and_need_a_positive_interval_and_count() {
        use crate::config::{Config, Settings};
        let on = |database_url: &str, every: u32, keep: u32| {
            Config::from_settings(Settings {
                database_url: database_url.into(),
                backup_dir: Some("/var/backups/causerie".into()),
                backup_every_hours: every,
                backup_keep: keep,
                ..Default::default()
            })
        };
        let c = on("sqlite://causerie.db", 6, 3).unwrap();
        assert_eq!(c.database.backups.every.as_secs(), 6 * 3600);
        assert_eq!(c.database.backups.keep, 3);
        assert_eq!(c.to_settings().backup_every_hours, 6);
        let e = on("postgres://u@h/d", 6, 3).unwrap_err().to_string();
        assert!(e.contains("backup_dir") && e.contains("pg_dump"), "{e}");
        assert!(on("sqlite://causerie.db", 0, 3).is_err());
        assert!(on("sqlite://causerie.db", 6, 0).is_err());
    }
}
