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

// ---------------------------------------------------------------------------
// Sites: a database made before sites existed

/// The version that keyed threads by (site, page).
const SITES: &str = "20261201000100";

/// One text column of every row of `query` (named `v`), in its order.
fn texts(conn: &mut DbConn, query: &str) -> Vec<String> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        v: String,
    }
    diesel::sql_query(query)
        .load::<Row>(conn)
        .unwrap_or_else(|e| panic!("{query}: {e}"))
        .into_iter()
        .map(|r| r.v)
        .collect()
}

fn number(conn: &mut DbConn, query: &str) -> i64 {
    let v = texts(conn, &format!("SELECT CAST(({query}) AS TEXT) AS v"));
    v[0].parse().unwrap()
}

fn run(conn: &mut DbConn, statement: &str) {
    diesel::sql_query(statement)
        .execute(conn)
        .unwrap_or_else(|e| panic!("{statement}: {e}"));
}

/// Every row the upgrade must keep, each with its id, as text.
fn rows_kept(conn: &mut DbConn) -> Vec<Vec<String>> {
    [
        "SELECT CAST(id AS TEXT) || ' ' || page || ' ' || title || ' ' || \
         CAST(created_at AS TEXT) AS v FROM threads ORDER BY id",
        "SELECT CAST(id AS TEXT) || ' ' || CAST(thread_id AS TEXT) || ' ' || \
         COALESCE(CAST(parent_id AS TEXT), '-') || ' ' || CAST(depth AS TEXT) || ' ' || \
         author || ' ' || status AS v FROM comments ORDER BY id",
        "SELECT CAST(id AS TEXT) || ' ' || kind || ' ' || CAST(comment_id AS TEXT) || ' ' || \
         recipient || ' ' || status AS v FROM outbox ORDER BY id",
        "SELECT token_hash || ' ' || CAST(comment_id AS TEXT) || ' ' || action AS v \
         FROM action_links ORDER BY token_hash",
        "SELECT CAST(id AS TEXT) || ' ' || email || ' ' || \
         COALESCE(CAST(thread_id AS TEXT), 'all') AS v FROM unsubscribed ORDER BY id",
        "SELECT CAST(id AS TEXT) || ' ' || name || ' ' || password_hash AS v \
         FROM moderators ORDER BY id",
    ]
    .iter()
    .map(|q| texts(conn, q))
    .collect()
}

/// Builds a database as the release before sites left it: two threads (and a third,
/// the newest, since removed), comments with a reply, outbox messages, one-click
/// links, unsubscriptions and a moderator. Returns the id of the removed thread.
fn database_before_sites(conn: &mut DbConn) -> i64 {
    match conn {
        DbConn::Sqlite(c) => migrate_before(c, db::SQLITE_MIGRATIONS, SITES),
        DbConn::Pg(c) => migrate_before(c, db::POSTGRES_MIGRATIONS, SITES),
    }
    for page in ["/a", "/b", "/gone"] {
        run(
            conn,
            &format!(
                "INSERT INTO threads (page, title, closed, created_at) \
                 VALUES ('{page}', 'Titre {page}', false, 100)"
            ),
        );
    }
    let gone = number(conn, "SELECT id FROM threads WHERE page = '/gone'");
    run(conn, "DELETE FROM threads WHERE page = '/gone'");
    let insert_comment = |conn: &mut DbConn, page: &str, author: &str, parent: &str| {
        run(
            conn,
            &format!(
                "INSERT INTO comments (thread_id, parent_id, depth, author, email, body_raw, \
                 body_html, status, notify_replies, created_at) \
                 SELECT t.id, {parent}, {depth}, '{author}', '{author}@example.org', 'x', \
                 '<p>x</p>', 'approved', true, 200 FROM threads t WHERE t.page = '{page}'",
                depth = if parent == "NULL" { 0 } else { 1 },
            ),
        );
    };
    insert_comment(conn, "/a", "alice", "NULL");
    let alice = number(conn, "SELECT id FROM comments WHERE author = 'alice'");
    insert_comment(conn, "/a", "bob", &alice.to_string());
    insert_comment(conn, "/b", "carol", "NULL");
    for (author, status, subject) in [("alice", "sent", "'Nouveau'"), ("bob", "draft", "''")] {
        run(
            conn,
            &format!(
                "INSERT INTO outbox (kind, comment_id, recipient, subject, body_text, body_html, \
                 message_id, status, next_attempt_at, created_at) \
                 SELECT 'moderator', id, 'mod@example.org', {subject}, '', '', \
                 '<{author}@example.org>', '{status}', 0, 300 FROM comments \
                 WHERE author = '{author}'"
            ),
        );
    }
    run(
        conn,
        "INSERT INTO action_links (token_hash, comment_id, action, expires_at) \
         SELECT 'hash-of-bob', id, 'approve', 9999999999 FROM comments WHERE author = 'bob'",
    );
    run(
        conn,
        "INSERT INTO unsubscribed (email, thread_id, created_at) \
         SELECT 'alice@example.org', id, 400 FROM threads WHERE page = '/a'",
    );
    run(
        conn,
        "INSERT INTO unsubscribed (email, thread_id, created_at) \
         VALUES ('carol@example.org', NULL, 400)",
    );
    run(
        conn,
        "INSERT INTO moderators (name, password_hash, created_at) \
         VALUES ('ancienne', '$argon2id$v=19$stored', 500)",
    );
    gone
}

/// The upgrade to sites loses nothing, keeps every id, puts every thread on
/// `default`, keys threads by (site, page), and the change triggers still record the
/// thread's site.
fn threads_join_default_on_upgrade(conn: &mut DbConn) {
    let gone = database_before_sites(conn);
    let before = rows_kept(conn);
    assert_eq!(before[0].len(), 2);
    assert_eq!(before[1].len(), 3);

    let applied = db::migrate(conn).unwrap();
    assert!(applied.iter().any(|v| v == SITES), "{applied:?}");

    assert_eq!(rows_kept(conn), before, "every row, with its id");
    assert_eq!(
        texts(conn, "SELECT DISTINCT site AS v FROM threads"),
        ["default"]
    );

    // A new thread gets an id never given before, not even the removed thread's.
    let highest = number(conn, "SELECT MAX(id) FROM threads");
    run(
        conn,
        "INSERT INTO threads (site, page, title, closed, created_at) \
         VALUES ('default', '/new', 'Neuf', false, 600)",
    );
    let new = number(conn, "SELECT id FROM threads WHERE page = '/new'");
    assert!(
        new > highest && new > gone,
        "new thread {new}; old ones up to {highest}, removed {gone}"
    );

    // (site, page) is the key: a page on another site is another thread, and the
    // same page twice on one site is refused.
    run(
        conn,
        "INSERT INTO threads (site, page, title, closed, created_at) \
         VALUES ('blog', '/a', 'Ailleurs', false, 700)",
    );
    let twice = diesel::sql_query(
        "INSERT INTO threads (site, page, title, closed, created_at) \
         VALUES ('default', '/a', 'Encore', false, 800)",
    )
    .execute(conn);
    assert!(twice.is_err(), "(default, /a) twice");

    // The triggers record the changed thread's site, for the cache.
    run(conn, "DELETE FROM thread_changes");
    for site in ["default", "blog"] {
        run(
            conn,
            &format!(
                "INSERT INTO comments (thread_id, author, email, body_raw, body_html, status, \
                 created_at) SELECT id, 'dan', 'dan@example.org', 'y', '<p>y</p>', 'approved', \
                 900 FROM threads WHERE site = '{site}' AND page = '/a'"
            ),
        );
    }
    assert_eq!(
        texts(
            conn,
            "SELECT site || ' ' || page AS v FROM thread_changes ORDER BY id"
        ),
        ["default /a", "blog /a"]
    );
    run(conn, "DELETE FROM thread_changes");
    run(
        conn,
        "UPDATE threads SET title = 'Renommé' WHERE site = 'default' AND page = '/b'",
    );
    assert!(
        texts(conn, "SELECT site || ' ' || page AS v FROM thread_changes")
            .contains(&"default /b".to_owned())
    );

    // The comments' and unsubscriptions' references still cascade.
    run(
        conn,
        "DELETE FROM threads WHERE site = 'default' AND page = '/a'",
    );
    assert_eq!(
        texts(conn, "SELECT author AS v FROM comments ORDER BY id"),
        ["carol", "dan"]
    );
    assert_eq!(number(conn, "SELECT COUNT(*) FROM action_links"), 0);
    assert_eq!(
        texts(conn, "SELECT email AS v FROM unsubscribed"),
        ["carol@example.org"]
    );
}

#[test]
fn threads_of_an_old_database_join_default_on_upgrade_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("old.db").display());
    let mut conn = db::establish(&url).unwrap();
    threads_join_default_on_upgrade(&mut conn);
}

#[test]
fn threads_of_an_old_database_join_default_on_upgrade_postgres() {
    let Some(server) = common::postgres::server_or_skip("the sites upgrade") else {
        return;
    };
    let database = common::postgres::TestDatabase::create(&server);
    let mut conn = db::establish(&database.url).unwrap();
    threads_join_default_on_upgrade(&mut conn);
    drop(conn);
}

/// Starts (as `causerie serve` does, through `startup::open_database`) on a database
/// of the release before sites, with `sites` configured; returns the threads' sites.
fn sites_after_start(url: &str, sites: &[&str]) -> Vec<String> {
    {
        let mut conn = db::establish(url).unwrap();
        database_before_sites(&mut conn);
    }
    let settings = causerie::config::Settings {
        database_url: url.to_owned(),
        sites: sites
            .iter()
            .map(|id| serde_json::json!({"id": id, "origins": [format!("https://{id}.example")]}))
            .collect(),
        ..Default::default()
    };
    let config = causerie::config::Config::from_settings(settings).unwrap();
    let (pool, _) = causerie::startup::open_database(&config).unwrap();
    let mut conn = pool.get().unwrap();
    texts(&mut conn, "SELECT site AS v FROM threads ORDER BY id")
}

fn old_threads_join_the_first_site_without_default(url_of: impl Fn(&str) -> String) {
    assert_eq!(
        sites_after_start(&url_of("first"), &["blog", "notes"]),
        ["blog", "blog"],
        "no site `default`: the first site's"
    );
    assert_eq!(
        sites_after_start(&url_of("kept"), &["notes", "default"]),
        ["default", "default"],
        "a site `default`: they stay"
    );
}

#[test]
fn old_threads_join_the_first_site_at_start_unless_there_is_a_default_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    old_threads_join_the_first_site_without_default(|name| {
        format!(
            "sqlite://{}",
            dir.path().join(format!("{name}.db")).display()
        )
    });
}

#[test]
fn old_threads_join_the_first_site_at_start_unless_there_is_a_default_postgres() {
    let Some(server) = common::postgres::server_or_skip("the sites adoption at start") else {
        return;
    };
    let databases = std::sync::Mutex::new(Vec::new());
    old_threads_join_the_first_site_without_default(|_| {
        let database = common::postgres::TestDatabase::create(&server);
        let url = database.url.clone();
        databases.lock().unwrap().push(database);
        url
    });
}

// The previous release's database, upgraded through every migration since

/// The first migration of this release: the previous release's schema is everything
/// before it.
const THIS_RELEASE: &str = "20261201000006";

/// Every column of every table the previous release had, row by row, as text, with
/// the columns this release rewrites on purpose left out (a hold reason's English
/// becomes a code, tested above).
fn every_row(conn: &mut DbConn) -> Vec<Vec<String>> {
    let t = |c: &str| format!("COALESCE(CAST({c} AS TEXT), '-')");
    let row = |cols: &[&str]| {
        cols.iter()
            .map(|c| t(c))
            .collect::<Vec<_>>()
            .join(" || '|' || ")
    };
    [
        (
            "threads",
            vec!["id", "page", "title", "closed", "created_at"],
            "id",
        ),
        (
            "comments",
            vec![
                "id",
                "thread_id",
                "parent_id",
                "depth",
                "author",
                "email",
                "website",
                "body_raw",
                "body_html",
                "status",
                "moderator",
                "notify_replies",
                "ip",
                "edit_token_hash",
                "created_at",
                "edited_at",
            ],
            "id",
        ),
        (
            "outbox",
            vec![
                "id",
                "kind",
                "comment_id",
                "recipient",
                "subject",
                "body_text",
                "body_html",
                "list_unsubscribe",
                "message_id",
                "status",
                "attempts",
                "next_attempt_at",
                "last_error",
                "claimed_until",
                "created_at",
                "sent_at",
            ],
            "id",
        ),
        (
            "action_links",
            vec![
                "token_hash",
                "comment_id",
                "action",
                "expires_at",
                "used_at",
            ],
            "token_hash",
        ),
        (
            "unsubscribed",
            vec!["id", "email", "thread_id", "created_at"],
            "id",
        ),
        (
            "moderators",
            vec!["id", "name", "password_hash", "created_at"],
            "id",
        ),
        (
            "sessions",
            vec![
                "token_hash",
                "moderator_id",
                "csrf_token",
                "created_at",
                "last_seen_at",
            ],
            "token_hash",
        ),
        ("login_failures", vec!["id", "account", "ip", "at"], "id"),
        ("instance_settings", vec!["name", "value"], "name"),
    ]
    .iter()
    .map(|(table, cols, order)| {
        texts(
            conn,
            &format!("SELECT {} AS v FROM {table} ORDER BY {order}", row(cols)),
        )
    })
    .collect()
}

/// A database as the previous release left it, with rows in every table and every
/// state its outbox knew (queued, sent, failed), upgraded by today's migrations:
/// every row is still there, each column as it was.
fn the_previous_release_upgrades_losing_nothing(conn: &mut DbConn) {
    match conn {
        DbConn::Sqlite(c) => migrate_before(c, db::SQLITE_MIGRATIONS, THIS_RELEASE),
        DbConn::Pg(c) => migrate_before(c, db::POSTGRES_MIGRATIONS, THIS_RELEASE),
    }
    for statement in [
        "INSERT INTO threads (page, title, closed, created_at) VALUES ('/a', 'Titre', false, 100)",
        "INSERT INTO threads (page, title, closed, created_at) VALUES ('/b', 'Autre', true, 110)",
        "INSERT INTO comments (thread_id, depth, author, email, website, body_raw, body_html, \
         status, hold_reason, moderator, notify_replies, ip, edit_token_hash, created_at) \
         SELECT id, 0, 'Alice', 'alice@example.org', 'https://a.example', 'Bonjour', \
         '<p>Bonjour</p>', 'approved', NULL, false, true, '203.0.113.0/24', 'h1', 200 \
         FROM threads WHERE page = '/a'",
        "INSERT INTO comments (thread_id, parent_id, depth, author, email, body_raw, body_html, \
         status, hold_reason, moderator, notify_replies, created_at, edited_at) \
         SELECT t.id, c.id, 1, 'Bob', 'bob@example.org', 'Re', '<p>Re</p>', 'pending', \
         'first comment from this address', false, false, 210, 220 \
         FROM threads t, comments c WHERE t.page = '/a' AND c.author = 'Alice'",
        "INSERT INTO outbox (kind, comment_id, recipient, subject, body_text, body_html, \
         list_unsubscribe, message_id, status, attempts, next_attempt_at, last_error, \
         claimed_until, created_at, sent_at) \
         SELECT 'reply', id, 'alice@example.org', 'Réponse', 'texte', '<p>texte</p>', \
         'https://c.example/unsubscribe/1.x', '<1@c.example>', 'sent', 1, 300, NULL, NULL, \
         300, 301 FROM comments WHERE author = 'Bob'",
        "INSERT INTO outbox (kind, comment_id, recipient, subject, body_text, body_html, \
         message_id, status, attempts, next_attempt_at, last_error, claimed_until, created_at) \
         SELECT 'moderator', id, 'mod@example.org', 'En attente', 't', '<p>t</p>', \
         '<2@c.example>', 'queued', 2, 900, '451 greylisted', 950, 310 \
         FROM comments WHERE author = 'Bob'",
        "INSERT INTO outbox (kind, comment_id, recipient, subject, body_text, body_html, \
         message_id, status, attempts, next_attempt_at, last_error, created_at) \
         SELECT 'moderator', id, 'nobody@example.org', 'Nouveau', 't', '<p>t</p>', \
         '<3@c.example>', 'failed', 10, 320, '550 no such user', 320 \
         FROM comments WHERE author = 'Alice'",
        "INSERT INTO action_links (token_hash, comment_id, action, expires_at, used_at) \
         SELECT 'link-1', id, 'approve', 9999, NULL FROM comments WHERE author = 'Bob'",
        "INSERT INTO action_links (token_hash, comment_id, action, expires_at, used_at) \
         SELECT 'link-2', id, 'spam', 9999, 400 FROM comments WHERE author = 'Bob'",
        "INSERT INTO unsubscribed (email, thread_id, created_at) \
         SELECT 'alice@example.org', id, 410 FROM threads WHERE page = '/a'",
        "INSERT INTO unsubscribed (email, thread_id, created_at) VALUES ('x@example.org', NULL, 420)",
        "INSERT INTO moderators (name, password_hash, created_at) VALUES ('admin', '$argon2id$x', 50)",
        "INSERT INTO sessions (token_hash, moderator_id, csrf_token, created_at, last_seen_at) \
         SELECT 'session-1', id, 'csrf', 500, 510 FROM moderators",
        "INSERT INTO login_failures (account, ip, at) VALUES ('admin', '198.51.100.0/24', 520)",
        "INSERT INTO instance_settings (name, value) VALUES ('hmac_secret', 'c0ffee')",
    ] {
        run(conn, statement);
    }
    let before = every_row(conn);
    assert!(before.iter().all(|rows| !rows.is_empty()), "{before:?}");
    assert_eq!(before[2].len(), 3, "the three outbox messages");

    db::migrate(conn).unwrap();
    assert_eq!(
        every_row(conn),
        before,
        "every row of every table, as it was"
    );
    // New rows take ids after the old ones.
    run(
        conn,
        "INSERT INTO threads (site, page, title, closed, created_at) \
         VALUES ('default', '/new', 'Neuf', false, 600)",
    );
    assert!(
        number(conn, "SELECT id FROM threads WHERE page = '/new'")
            > number(conn, "SELECT MAX(id) FROM threads WHERE page <> '/new'")
    );
}

#[test]
fn the_previous_releases_database_upgrades_losing_nothing_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("previous.db").display());
    let mut conn = db::establish(&url).unwrap();
    the_previous_release_upgrades_losing_nothing(&mut conn);
}

#[test]
fn the_previous_releases_database_upgrades_losing_nothing_postgres() {
    let Some(server) = common::postgres::server_or_skip("the upgrade from the previous release")
    else {
        return;
    };
    let database = common::postgres::TestDatabase::create(&server);
    let mut conn = db::establish(&database.url).unwrap();
    the_previous_release_upgrades_losing_nothing(&mut conn);
    drop(conn);
}

// ---------------------------------------------------------------------------
// Thread titles: the columns that say where a title came from

/// The version that added `threads.title_locked` and `comments.page_title`.
const TITLES: &str = "20261201000300";

/// A database as the release before titles left it (threads on two sites, one whose
/// only comment is held, one with no title), upgraded: every thread keeps its title,
/// which is public already, none is locked, and no comment proposes one.
fn threads_keep_their_titles_on_upgrade(conn: &mut DbConn) {
    match conn {
        DbConn::Sqlite(c) => migrate_before(c, db::SQLITE_MIGRATIONS, TITLES),
        DbConn::Pg(c) => migrate_before(c, db::POSTGRES_MIGRATIONS, TITLES),
    }
    for statement in [
        "INSERT INTO threads (site, page, title, closed, created_at) \
         VALUES ('default', '/a', 'Bonjour', false, 100)",
        "INSERT INTO threads (site, page, title, closed, created_at) \
         VALUES ('blog', '/a', 'Held <b>only</b>', true, 110)",
        "INSERT INTO threads (site, page, title, closed, created_at) \
         VALUES ('blog', '/empty', '', false, 120)",
        "INSERT INTO comments (thread_id, depth, author, email, body_raw, body_html, status, \
         moderator, notify_replies, created_at) \
         SELECT id, 0, 'Zoé', 'z@example.org', 'x', '<p>x</p>', \
         CASE WHEN site = 'blog' THEN 'pending' ELSE 'approved' END, false, false, 200 \
         FROM threads",
    ] {
        run(conn, statement);
    }
    let threads = "SELECT CAST(id AS TEXT) || '|' || site || '|' || page || '|' || title || '|' \
                   || CAST(closed AS TEXT) || '|' || CAST(created_at AS TEXT) AS v \
                   FROM threads ORDER BY id";
    let comments = "SELECT CAST(id AS TEXT) || '|' || CAST(thread_id AS TEXT) || '|' || status \
                    AS v FROM comments ORDER BY id";
    let (threads_before, comments_before) = (texts(conn, threads), texts(conn, comments));
    assert_eq!(threads_before.len(), 3);
    assert_eq!(comments_before.len(), 3);

    db::migrate(conn).unwrap();
    assert_eq!(
        texts(conn, threads),
        threads_before,
        "every thread, its title kept"
    );
    assert_eq!(texts(conn, comments), comments_before, "every comment");
    assert_eq!(
        number(conn, "SELECT COUNT(*) FROM threads WHERE title_locked"),
        0,
        "no title is locked by the upgrade"
    );
    assert_eq!(
        number(
            conn,
            "SELECT COUNT(*) FROM comments WHERE page_title IS NOT NULL"
        ),
        0
    );
    // The application reads them as before: the public title of each.
    let titles: Vec<Option<String>> = causerie::db::schema::threads::table
        .order(causerie::db::schema::threads::id)
        .select(causerie::db::models::Thread::as_select())
        .load(conn)
        .unwrap()
        .iter()
        .map(|t| t.public_title().map(str::to_owned))
        .collect();
    assert_eq!(
        titles,
        [
            Some("Bonjour".to_owned()),
            Some("Held <b>only</b>".to_owned()),
            None
        ]
    );
}

#[test]
fn threads_keep_their_titles_on_upgrade_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("titles.db").display());
    let mut conn = db::establish(&url).unwrap();
    threads_keep_their_titles_on_upgrade(&mut conn);
}

#[test]
fn threads_keep_their_titles_on_upgrade_postgres() {
    let Some(server) = common::postgres::server_or_skip("the thread titles upgrade") else {
        return;
    };
    let database = common::postgres::TestDatabase::create(&server);
    let mut conn = db::establish(&database.url).unwrap();
    threads_keep_their_titles_on_upgrade(&mut conn);
    drop(conn);
}

// The release before readers' rights, upgraded

/// The readers' rights migration (reports, data requests, the outbox's new kinds).
const READERS_RIGHTS: &str = "20261202000400";

/// A database as the release before readers' rights left it (its outbox with a
/// draft, a queued and a sent message, and ids past deleted rows), upgraded: every
/// row and column as it was, the outbox's ids continue after the old ones, and the
/// new kinds of message are accepted.
fn the_release_before_readers_rights_upgrades_losing_nothing(conn: &mut DbConn) {
    match conn {
        DbConn::Sqlite(c) => migrate_before(c, db::SQLITE_MIGRATIONS, READERS_RIGHTS),
        DbConn::Pg(c) => migrate_before(c, db::POSTGRES_MIGRATIONS, READERS_RIGHTS),
    }
    for statement in [
        "INSERT INTO threads (site, page, title, closed, created_at, title_locked) \
         VALUES ('default', '/a', 'Titre', false, 100, true)",
        "INSERT INTO comments (thread_id, depth, author, email, body_raw, body_html, status, \
         moderator, notify_replies, ip, created_at, page_title) \
         SELECT id, 0, 'Alice', 'alice@example.org', 'Bonjour', '<p>Bonjour</p>', 'spam', \
         false, true, '203.0.113.0/24', 200, 'Titre proposé' FROM threads",
        "INSERT INTO comment_sources (format, site, source_id, comment_id, imported_at) \
         SELECT 'wordpress', 'default', '17', id, 250 FROM comments",
        "INSERT INTO outbox (kind, comment_id, recipient, subject, body_text, body_html, \
         message_id, status, attempts, next_attempt_at, created_at) \
         SELECT 'moderator', id, 'mod@example.org', '', '', '', '', 'draft', 0, 300, 300 \
         FROM comments",
        "INSERT INTO outbox (kind, comment_id, recipient, subject, body_text, body_html, \
         message_id, status, attempts, next_attempt_at, created_at, sent_at) \
         SELECT 'reply', id, 'bob@example.org', 'Re', 't', '<p>t</p>', '<1@x>', 'sent', 1, \
         310, 310, 311 FROM comments",
        "INSERT INTO outbox (kind, comment_id, recipient, subject, body_text, body_html, \
         message_id, status, attempts, next_attempt_at, last_error, created_at) \
         SELECT 'moderator', id, 'mod@example.org', 'S', 't', '<p>t</p>', '<2@x>', 'queued', \
         2, 900, '451 later', 320 FROM comments",
        "INSERT INTO outbox (kind, comment_id, recipient, subject, body_text, body_html, \
         message_id, status, attempts, next_attempt_at, created_at) \
         SELECT 'moderator', id, 'gone@example.org', 'S', 't', '<p>t</p>', '<3@x>', 'sent', \
         1, 330, 330 FROM comments",
        // The largest id is deleted: the next one must still come after it.
        "DELETE FROM outbox WHERE recipient = 'gone@example.org'",
    ] {
        run(conn, statement);
    }
    let outbox = "SELECT CAST(id AS TEXT) || '|' || kind || '|' || CAST(comment_id AS TEXT) \
         || '|' || recipient || '|' || subject || '|' || body_text || '|' || message_id || '|' \
         || status || '|' || CAST(attempts AS TEXT) || '|' || CAST(next_attempt_at AS TEXT) \
         || '|' || COALESCE(last_error, '-') || '|' || COALESCE(CAST(sent_at AS TEXT), '-') \
         AS v FROM outbox ORDER BY id";
    let comments = "SELECT CAST(id AS TEXT) || '|' || author || '|' || email || '|' || \
         status || '|' || COALESCE(ip, '-') || '|' || COALESCE(page_title, '-') AS v \
         FROM comments ORDER BY id";
    let sources = "SELECT format || '|' || source_id || '|' || CAST(comment_id AS TEXT) AS v \
         FROM comment_sources";
    let before: Vec<Vec<String>> = [outbox, comments, sources]
        .iter()
        .map(|q| texts(conn, q))
        .collect();
    assert_eq!(before[0].len(), 3);
    let last_outbox_id = number(conn, "SELECT MAX(id) FROM outbox") + 1;

    db::migrate(conn).unwrap();
    let after: Vec<Vec<String>> = [outbox, comments, sources]
        .iter()
        .map(|q| texts(conn, q))
        .collect();
    assert_eq!(after, before, "every row, as it was");
    assert_eq!(
        number(
            conn,
            "SELECT COUNT(*) FROM comments WHERE erased_at IS NULL AND status_at IS NULL"
        ),
        1,
        "the new columns are empty: the comment is neither erased nor re-dated"
    );
    run(
        conn,
        "INSERT INTO outbox (kind, recipient, subject, body_text, body_html, message_id, \
         status, attempts, next_attempt_at, created_at) \
         VALUES ('my_data', 'alice@example.org', 'S', 't', '<p>t</p>', '<4@x>', 'queued', 0, \
         400, 400)",
    );
    assert!(
        number(conn, "SELECT id FROM outbox WHERE kind = 'my_data'") > last_outbox_id,
        "a new message's id comes after every old one, a deleted one's too"
    );
    for kind in ["reported", "report_decision", "removal_reasons"] {
        run(
            conn,
            &format!(
                "INSERT INTO outbox (kind, recipient, subject, body_text, body_html, \
                 message_id, status, attempts, next_attempt_at, created_at) \
                 VALUES ('{kind}', 'x@example.org', '', '', '', '', 'draft', 0, 1, 1)"
            ),
        );
    }
    run(
        conn,
        "INSERT INTO outbox (kind, recipient, subject, body_text, body_html, message_id, \
         status, attempts, next_attempt_at, created_at) \
         VALUES ('reply', 'x@example.org', 'S', 't', '<p>t</p>', '<5@x>', 'withdrawn', 0, 1, 1)",
    );
    let refused = diesel::sql_query(
        "INSERT INTO outbox (kind, recipient, subject, body_text, body_html, message_id, \
         status, attempts, next_attempt_at, created_at) \
         VALUES ('nonsense', 'x', '', '', '', '', 'draft', 0, 1, 1)",
    )
    .execute(conn);
    assert!(refused.is_err(), "the kinds are still checked");
}

#[test]
fn the_release_before_readers_rights_upgrades_losing_nothing_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("before-rights.db").display());
    let mut conn = db::establish(&url).unwrap();
    the_release_before_readers_rights_upgrades_losing_nothing(&mut conn);
}

#[test]
fn the_release_before_readers_rights_upgrades_losing_nothing_postgres() {
    let Some(server) = common::postgres::server_or_skip("the upgrade to readers' rights") else {
        return;
    };
    let database = common::postgres::TestDatabase::create(&server);
    let mut conn = db::establish(&database.url).unwrap();
    the_release_before_readers_rights_upgrades_losing_nothing(&mut conn);
    drop(conn);
}
