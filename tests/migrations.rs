//! SQLite and PostgreSQL are migrated in step: both folders hold the same versions,
//! each with its `up.sql` and `down.sql`; and a database made by an earlier release
//! upgrades without losing what it holds.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use causerie::db::{self, DbConn};
use causerie::domain::{BotSignal, HoldReason};
use diesel::backend::Backend;
use diesel::migration::{MigrationConnection, MigrationSource};
use diesel::prelude::*;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness};

fn migrations_dir(backend: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend)
}

fn versions(backend: &str) -> BTreeSet<String> {
    let dir = migrations_dir(backend);
    std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn sqlite_and_postgres_have_the_same_migration_versions() {
    let sqlite = versions("sqlite");
    let postgres = versions("postgres");
    assert!(!sqlite.is_empty(), "no SQLite migrations");
    let only_sqlite: Vec<_> = sqlite.difference(&postgres).collect();
    let only_postgres: Vec<_> = postgres.difference(&sqlite).collect();
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "only in sqlite: {only_sqlite:?}; only in postgres: {only_postgres:?}"
    );
}

#[test]
fn every_migration_has_a_non_empty_up_and_down() {
    for backend in ["sqlite", "postgres"] {
        for version in versions(backend) {
            for file in ["up.sql", "down.sql"] {
                let path = migrations_dir(backend).join(&version).join(file);
                let sql = std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                assert!(!sql.trim().is_empty(), "{} is empty", path.display());
            }
        }
    }
}

/// Diesel orders migrations by the version before the first `_`: digits and dashes.
#[test]
fn migration_folders_are_named_version_then_name() {
    for backend in ["sqlite", "postgres"] {
        for version in versions(backend) {
            let (stamp, name) = version
                .split_once('_')
                .unwrap_or_else(|| panic!("{backend}/{version}: no `_name`"));
            assert!(
                stamp.chars().any(|c| c.is_ascii_digit())
                    && stamp.chars().all(|c| c.is_ascii_digit() || c == '-'),
                "{backend}/{version}: the version is not digits and dashes"
            );
            assert!(!name.is_empty(), "{backend}/{version}");
        }
    }
}

/// The version (diesel's: the folder's stamp without dashes) that turned the English
/// hold reasons into codes.
const REASON_CODES: &str = "20261201000007";

/// Applies, in order, the migrations of `source` older than `version`: the schema
/// as the release before `version` left it.
fn migrate_before<DB, C>(conn: &mut C, source: EmbeddedMigrations, version: &str)
where
    DB: Backend,
    C: MigrationHarness<DB> + MigrationConnection,
    EmbeddedMigrations: MigrationSource<DB>,
{
    // The table of applied versions, which running the whole set creates by itself.
    conn.setup().unwrap();
    let mut older: Vec<_> = MigrationSource::<DB>::migrations(&source)
        .unwrap()
        .into_iter()
        .filter(|m| m.name().version().to_string().as_str() < version)
        .collect();
    older.sort_by_key(|m| m.name().version().to_string());
    assert!(!older.is_empty());
    for m in older {
        conn.run_migration(&*m).unwrap();
    }
}

/// Each sentence the release before codes stored, and what it must read as after.
fn old_reasons() -> Vec<(Option<&'static str>, Option<HoldReason>)> {
    use HoldReason::*;
    vec![
        (Some("first comment from this address"), Some(FirstTime)),
        (Some("moderation: all"), Some(ModerationAll)),
        (
            Some("3 links (more than 2)"),
            Some(Links { count: 3, limit: 2 }),
        ),
        (
            Some("12 links (more than 10)"),
            Some(Links {
                count: 12,
                limit: 10,
            }),
        ),
        (
            Some("moderation word: casino"),
            Some(ModerationWord("casino".into())),
        ),
        (
            Some("moderation word: a:b"),
            Some(ModerationWord("a:b".into())),
        ),
        (
            Some("disallowed word: viagra"),
            Some(DisallowedWord("viagra".into())),
        ),
        (
            Some("bot: honeypot field filled"),
            Some(Bot(BotSignal::Honeypot)),
        ),
        (
            Some("bot: posted 1 s after the form appeared"),
            Some(Bot(BotSignal::TooFast { seconds: 1 })),
        ),
        (
            Some("bot: posted -2 s after the form appeared"),
            Some(Bot(BotSignal::TooFast { seconds: -2 })),
        ),
        (
            Some("bot: form token forged"),
            Some(Bot(BotSignal::ForgedToken)),
        ),
        // Not written by Causerie: kept, and shown, as it is.
        (Some("held by hand"), Some(Other("held by hand".into()))),
        (
            Some("x links (more than 2)"),
            Some(Other("x links (more than 2)".into())),
        ),
        (
            Some("bot: posted soon s after the form appeared"),
            Some(Other("bot: posted soon s after the form appeared".into())),
        ),
        (None, None),
    ]
}

/// Builds a database as the release before codes left it, with one comment per
/// reason, then upgrades it (as `causerie` does at start) and reads it back typed;
/// then reverts the upgrade and finds the sentences again.
fn reasons_survive_the_upgrade(conn: &mut DbConn) {
    match conn {
        DbConn::Sqlite(c) => migrate_before(c, db::SQLITE_MIGRATIONS, REASON_CODES),
        DbConn::Pg(c) => migrate_before(c, db::POSTGRES_MIGRATIONS, REASON_CODES),
    }
    diesel::sql_query(
        "INSERT INTO threads (page, title, closed, created_at) VALUES ('/a', 'A', false, 0)",
    )
    .execute(conn)
    .unwrap();
    let reasons = old_reasons();
    for (i, (old, _)) in reasons.iter().enumerate() {
        let reason = old.map_or("NULL".to_owned(), |r| format!("'{r}'"));
        let status = if old.is_some_and(|r| r.starts_with("bot") || r.starts_with("disallowed")) {
            "spam"
        } else {
            "pending"
        };
        diesel::sql_query(format!(
            "INSERT INTO comments (thread_id, author, email, body_raw, body_html, status, \
             hold_reason, created_at) \
             SELECT id, 'Camille', 'c{i}@example.org', 'x', '<p>x</p>', '{status}', {reason}, {i} \
             FROM threads WHERE page = '/a'"
        ))
        .execute(conn)
        .unwrap();
    }

    let applied = db::migrate(conn).unwrap();
    assert!(applied.iter().any(|v| v == REASON_CODES), "{applied:?}");
    use causerie::db::models::Comment;
    use causerie::db::schema::comments;
    let rows: Vec<Comment> = comments::table
        .order(comments::created_at)
        .select(Comment::as_select())
        .load(conn)
        .unwrap();
    assert_eq!(rows.len(), reasons.len(), "no comment lost");
    for (row, (old, new)) in rows.iter().zip(&reasons) {
        assert_eq!(&row.hold_reason, new, "stored as {old:?} before");
        assert_eq!(row.author, "Camille");
    }

    // Back down to (and through) the codes' migration, whatever came after it.
    loop {
        let reverted = match conn {
            DbConn::Sqlite(c) => c.revert_last_migration(db::SQLITE_MIGRATIONS),
            DbConn::Pg(c) => c.revert_last_migration(db::POSTGRES_MIGRATIONS),
        }
        .unwrap()
        .to_string();
        if reverted == REASON_CODES {
            break;
        }
    }
    let stored: Vec<Option<String>> = comments::table
        .order(comments::created_at)
        .select(comments::hold_reason)
        .load(conn)
        .unwrap();
    let before: Vec<Option<String>> = reasons.iter().map(|(o, _)| o.map(String::from)).collect();
    assert_eq!(stored, before, "down.sql gives the sentences back");
}

#[test]
fn english_hold_reasons_become_codes_on_upgrade_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("old.db").display());
    let mut conn = db::establish(&url).unwrap();
    reasons_survive_the_upgrade(&mut conn);
}

#[test]
fn english_hold_reasons_become_codes_on_upgrade_postgres() {
    let Some(server) = common::postgres::server_or_skip("the hold reasons upgrade") else {
        return;
    };
    let database = common::postgres::TestDatabase::create(&server);
    let mut conn = db::establish(&database.url).unwrap();
    reasons_survive_the_upgrade(&mut conn);
    drop(conn);
}
