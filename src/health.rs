//! Whether the database has room to write: the `disk_full` of `/healthz` (SPEC §13).
//!
//! Two signs, either of which is enough:
//! - a write failed because the database had no room ("database or disk is full" on
//!   SQLite, "No space left on device" on PostgreSQL). It is remembered until a
//!   later write succeeds, or for [`FULL_REMEMBERED`] after the last such failure (a
//!   site with no writes coming would otherwise stay "full" after space was freed);
//! - on SQLite, the file system of the database has less than [`MIN_FREE_BYTES`]
//!   left: the next page, journal or checkpoint would fail.
//!
//! PostgreSQL's disk is on its server, out of sight: only the first sign tells.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Below this much free space where the SQLite database lives, `/healthz` says
/// `disk_full`: a group commit, its WAL and a checkpoint need room to land.
pub const MIN_FREE_BYTES: u64 = 16 * 1024 * 1024;

/// How long a write's "no room" keeps `/healthz` at `disk_full` when no write has
/// succeeded since.
pub const FULL_REMEMBERED: Duration = Duration::from_secs(60);

/// The database's room to write, as far as this process has seen it.
#[derive(Debug, Default)]
pub struct Space {
    /// When a write last failed for lack of room, unless one succeeded since.
    full_since: Mutex<Option<Instant>>,
    /// The SQLite database's file, whose file system is looked at.
    sqlite_file: Option<PathBuf>,
}

impl Space {
    /// For the database at `database_url`: its file system is watched on SQLite.
    pub fn for_database(database_url: &str) -> Space {
        let sqlite_file = match crate::db::Backend::of_url(database_url) {
            Some(crate::db::Backend::Sqlite) => crate::backup::sqlite_path(database_url).ok(),
            _ => None,
        };
        Space {
            full_since: Mutex::new(None),
            sqlite_file,
        }
    }

    /// A write failed because the database had no room.
    pub fn write_failed_for_room(&self) {
        let mut full = self.full_since.lock().unwrap_or_else(|e| e.into_inner());
        if full.is_none() {
            tracing::error!(
                "the database has no room left to write: comments cannot be stored until \
                 space is freed (/healthz says disk_full)"
            );
        }
        *full = Some(Instant::now());
    }

    /// A write committed: there was room for it.
    pub fn write_succeeded(&self) {
        let mut full = self.full_since.lock().unwrap_or_else(|e| e.into_inner());
        if full.take().is_some() {
            tracing::info!("the database writes again");
        }
    }

    /// Whether the database should be said to be full now.
    pub fn is_full(&self) -> bool {
        let recent_failure = self
            .full_since
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some_and(|at| at.elapsed() < FULL_REMEMBERED);
        recent_failure
            || self
                .sqlite_file
                .as_deref()
                .and_then(free_bytes)
                .is_some_and(|free| free < MIN_FREE_BYTES)
    }
}

/// The bytes an unprivileged writer may still use on the file system of `file` (or
/// of its folder, before the file exists); `None` if it cannot be told.
pub fn free_bytes(file: &Path) -> Option<u64> {
    let probe = if file.exists() {
        file
    } else {
        file.parent().filter(|p| !p.as_os_str().is_empty())?
    };
    let stat = rustix::fs::statvfs(probe).ok()?;
    Some(stat.f_bavail.saturating_mul(stat.f_frsize))
}

/// Whether a database error says there is no room to write: SQLite's `SQLITE_FULL`
/// ("database or disk is full"), PostgreSQL's `disk_full` (53100: "could not extend
/// file …: No space left on device") or a failed write of its WAL.
pub fn is_no_room(message: &str) -> bool {
    message.contains("database or disk is full")
        || message.contains("No space left on device")
        || message.contains("could not extend file")
}

/// [`is_no_room`] of a diesel error.
pub fn is_no_room_error(e: &diesel::result::Error) -> bool {
    match e {
        diesel::result::Error::DatabaseError(_, info) => is_no_room(info.message()),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_backends_messages_for_no_room_are_recognised() {
        assert!(is_no_room("database or disk is full"));
        assert!(is_no_room(
            "could not extend file \"base/16384/2619\": No space left on device"
        ));
        assert!(is_no_room(
            "could not write to file \"pg_wal/xlogtemp.1\": No space left on device"
        ));
        assert!(!is_no_room("database is locked"));
        assert!(!is_no_room("UNIQUE constraint failed: comments.id"));
    }

    #[test]
    fn a_failure_for_room_is_remembered_until_a_write_succeeds() {
        let space = Space::default();
        assert!(!space.is_full());
        space.write_failed_for_room();
        assert!(space.is_full());
        space.write_failed_for_room();
        assert!(space.is_full());
        space.write_succeeded();
        assert!(!space.is_full());
    }

    #[test]
    fn an_old_failure_is_forgotten() {
        let space = Space::default();
        *space.full_since.lock().unwrap() = Instant::now().checked_sub(FULL_REMEMBERED);
        assert!(!space.is_full());
    }

    #[test]
    fn free_space_is_read_for_a_file_not_yet_made() {
        let dir = tempfile::tempdir().unwrap();
        let free = free_bytes(&dir.path().join("not-yet.db")).expect("statvfs of the folder");
        assert!(free > 0);
        assert_eq!(free_bytes(Path::new("no-such-folder/x.db")), None);
    }
}
